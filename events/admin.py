"""Staff edit everything here. Times are entered and shown in the event's own zone."""

import datetime as dt
import zoneinfo

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import Count
from django.forms.models import BaseInlineFormSet
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin, TranslationTabularInline

from .forms import EventAdminForm, SessionAdminForm, WebinarSeriesAdminForm
from .models import (
    Event,
    EventPartner,
    Membership,
    Organisation,
    OrganisationDomain,
    Session,
    SessionMaterial,
    SessionSpeaker,
    Speaker,
    Topic,
    Venue,
    WebinarSeries,
)
from .services import clone_event, record_time_change
from .translation import in_every_language


def _zone_or_none(name):
    try:
        return zoneinfo.ZoneInfo(name) if name else None
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


def _in_zone(value, zone):
    """Format an instant as the event's own clock shows it, e.g. 'Nov. 6, 2030, 9 a.m. CET'.

    A changelist mixes events of several zones, so no single override fits.
    """
    local = timezone.localtime(value, zone)
    return f"{date_format(local, 'DATETIME_FORMAT')} {local.tzname()}"


class EventZoneMixin:
    """Show and parse the change form's times in the event's zone, not the server's.

    The response is rendered inside the override: a TemplateResponse would
    otherwise render after it, in UTC.
    """

    def event_zone(self, request, object_id):
        raise NotImplementedError

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        zone = self.event_zone(request, object_id) or zoneinfo.ZoneInfo("Europe/Brussels")
        with timezone.override(zone):
            extra_context = {**(extra_context or {}), "subtitle": _("Times in %(zone)s") % {"zone": zone.key}}
            response = super().changeform_view(request, object_id, form_url, extra_context)
            if hasattr(response, "render"):
                response.render()
        return response


class TimeChangeMixin:
    """Raise the calendar SEQUENCE of events and sessions whose times staff change.

    The old times are read from the database before the save; the admin's
    changeform_view runs all of this in one transaction.
    """

    def save_model(self, request, obj, form, change):
        old_start, old_end = _stored_times(type(obj), [obj.pk] if change else []).get(obj.pk, (None, None))
        super().save_model(request, obj, form, change)
        if record_time_change(instance=obj, old_start=old_start, old_end=old_end):
            self.time_changed(request, obj, old_start, old_end)

    def time_changed(self, request, instance, old_start, old_end):
        """Called once per saved event or session whose start or end moved. A hook for subclasses.

        `instance` holds its new times and its raised `sequence`; `old_start` and
        `old_end` are the times it had before the save.
        """


def _stored_times(model, pks):
    pks = [pk for pk in pks if pk is not None]
    if not pks:
        return {}
    return {
        pk: (start, end)
        for pk, start, end in model.objects.filter(pk__in=pks).values_list("pk", "start", "end")
    }


def _inner(widget):
    while hasattr(widget, "widget"):  # the admin's RelatedFieldWidgetWrapper
        widget = widget.widget
    return widget


def name_inputs(form, *, every=False):
    """Give `form`'s inputs an accessible name where the admin shows them without a <label>.

    Its date-and-time widget has two inputs and a label that points at neither; a tabular inline
    (`every`) heads its columns with the labels but labels no input.
    """
    for field in form.fields.values():
        widget = _inner(field.widget)
        if widget.is_hidden:
            continue
        label = str(field.label or "")
        if isinstance(widget, forms.MultiWidget):
            for part, sub in zip((_("date"), _("time")), widget.widgets, strict=False):
                sub.attrs["aria-label"] = f"{label}: {part}"
        elif every:
            widget.attrs["aria-label"] = label


class NamedInputsFormSet(BaseInlineFormSet):
    """An inline formset whose every input, "Delete" included, has an accessible name (name_inputs)."""

    def add_fields(self, form, index):
        super().add_fields(form, index)
        name_inputs(form, every=True)


class NamedInputsMixin:
    """A ModelAdmin whose date-and-time inputs have accessible names (name_inputs)."""

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)

        class NamedInputsForm(form):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                name_inputs(self)

        NamedInputsForm.__name__ = form.__name__
        return NamedInputsForm


class EventPartnerInline(admin.TabularInline):
    model = EventPartner
    formset = NamedInputsFormSet
    extra = 0
    classes = ["collapse"]


class SessionInline(TranslationTabularInline):
    """The programme at a glance: title, kind, times and who may see each session. The room, the
    description and the languages are on the session's own page (its "Change" link), so that the
    table fits a laptop's screen."""

    model = Session
    form = SessionAdminForm
    formset = NamedInputsFormSet
    fields = ["title", "kind", "start", "end", "visibility"]
    extra = 0
    show_change_link = True


class SessionSpeakerInline(admin.TabularInline):
    model = SessionSpeaker
    formset = NamedInputsFormSet
    extra = 1
    autocomplete_fields = ["speaker"]


class SessionMaterialInline(TranslationTabularInline):
    """Slides, documents and recordings: each a link or an uploaded file (SessionMaterial.clean)."""

    model = SessionMaterial
    formset = NamedInputsFormSet
    fields = ["kind", "title", "url", "file", "position"]
    extra = 0


class CloneEventForm(forms.Form):
    """The offset for the next edition, and for a single event its new title and slug."""

    offset_days = forms.IntegerField(
        label=_("Move dates by (days)"),
        initial=364,
        help_text=_("364 keeps the weekday a year later; 7 is the same time next week."),
    )
    title = forms.CharField(
        label=_("English title"),
        max_length=250,
        required=False,
        help_text=_("Leave empty to keep the titles. A new title clears the Spanish one."),
    )
    slug = forms.SlugField(
        label=_("Slug"), max_length=100, required=False, help_text=_("Leave empty for “<slug>-copy”.")
    )

    def __init__(self, *args, events, **kwargs):
        super().__init__(*args, **kwargs)
        if len(events) != 1:
            del self.fields["title"]
            del self.fields["slug"]

    def clean_slug(self):
        slug = self.cleaned_data["slug"]
        if slug and Event.objects.filter(slug=slug).exists():
            raise forms.ValidationError(_("An event with this slug already exists."))
        return slug


@admin.register(Event)
class EventAdmin(NamedInputsMixin, TimeChangeMixin, EventZoneMixin, TranslationAdmin):
    """Translated fields (events/translation.py) show as an English and a Spanish field."""

    form = EventAdminForm
    list_display = ["title", "kind", "status", "local_start", "venue", "series", "session_count"]
    list_filter = ["status", "kind", "series", "time_zone"]
    search_fields = in_every_language("title", "subtitle", "summary")
    prepopulated_fields = {"slug": ["title"]}
    date_hierarchy = "start"
    list_select_related = ["venue", "series"]
    autocomplete_fields = ["venue", "series"]
    filter_horizontal = ["topics"]
    inlines = [EventPartnerInline, SessionInline]
    # What staff set first stays open; the long texts and what matters only for some events fold.
    fieldsets = [
        (
            _("What and when"),
            {
                "fields": [
                    *["title", "subtitle", "slug", "kind", "status", "series", "topics"],
                    *["time_zone", "start", "end", "venue"],
                ]
            },
        ),
        (
            _("Texts"),
            {
                "classes": ["collapse"],
                "fields": ["summary", "highlights", "description", "practical_information"],
            },
        ),
        (
            _("Languages and other time zones"),
            {
                "classes": ["collapse"],
                "fields": ["language", "interpretation_languages", "secondary_time_zones"],
            },
        ),
        (_("Online"), {"classes": ["collapse"], "fields": ["join_url", "reminder_offsets"]}),
        (_("After the event"), {"classes": ["collapse"], "fields": ["recording_url", "slides_url"]}),
    ]
    actions = ["clone_for_next_edition"]

    def clone_event(self, request, event, offset, title, slug):
        """Copy one event; a hook for subclasses that copy more (registration settings)."""
        return clone_event(event=event, offset=offset, title=title, slug=slug)

    @admin.action(description=_("Clone for next edition"), permissions=["add"])
    def clone_for_next_edition(self, request, queryset):
        events = list(queryset.order_by("start", "pk"))
        form = CloneEventForm(request.POST if "apply" in request.POST else None, events=events)
        if form.is_valid():
            offset = dt.timedelta(days=form.cleaned_data["offset_days"])
            title, slug = form.cleaned_data.get("title"), form.cleaned_data.get("slug")
            clones = [self.clone_event(request, event, offset, title, slug) for event in events]
            for event, clone in zip(events, clones, strict=True):
                self.message_user(
                    request,
                    _("%(event)s was cloned as the draft “%(clone)s” (%(slug)s).")
                    % {"event": event.title, "clone": clone.title, "slug": clone.slug},
                    messages.SUCCESS,
                )
            if len(clones) == 1:
                return redirect(reverse("admin:events_event_change", args=[clones[0].pk]))
            return None
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Clone for next edition"),
            "form": form,
            "events": events,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/events/event/clone.html", context)

    def save_formset(self, request, form, formset, change):
        if formset.model is not Session:
            return super().save_formset(request, form, formset, change)
        old_times = _stored_times(Session, [inline.instance.pk for inline in formset.initial_forms])
        super().save_formset(request, form, formset, change)
        for session, _fields in formset.changed_objects:
            old_start, old_end = old_times.get(session.pk, (None, None))
            if record_time_change(instance=session, old_start=old_start, old_end=old_end):
                self.time_changed(request, session, old_start, old_end)
        return None

    def event_zone(self, request, object_id):
        if request.method == "POST":
            return _zone_or_none(request.POST.get("time_zone"))
        if object_id:
            event = Event.objects.filter(pk=object_id).only("time_zone").first()
            return event and _zone_or_none(event.time_zone)
        return None

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(session_total=Count("sessions"))

    @admin.display(description=_("start"), ordering="start")
    def local_start(self, obj):
        return _in_zone(obj.start, obj.tz)

    @admin.display(description=_("sessions"), ordering="session_total")
    def session_count(self, obj):
        return obj.session_total


@admin.register(Session)
class SessionAdmin(NamedInputsMixin, TimeChangeMixin, EventZoneMixin, TranslationAdmin):
    form = SessionAdminForm
    list_display = ["title", "event", "kind", "local_start", "local_end", "visibility"]
    list_filter = ["visibility", "kind", "event"]
    search_fields = [
        *in_every_language("title", "description"),
        *(f"event__{column}" for column in in_every_language("title")),
    ]
    date_hierarchy = "start"
    list_select_related = ["event"]
    autocomplete_fields = ["event"]
    inlines = [SessionSpeakerInline, SessionMaterialInline]

    def event_zone(self, request, object_id):
        # The posted event wins; a GET parameter only preselects the event of a new session.
        event_id = request.POST.get("event")
        if not event_id and object_id:
            event_id = Session.objects.filter(pk=object_id).values_list("event_id", flat=True).first()
        if not event_id:
            event_id = request.GET.get("event")
        if not str(event_id or "").isdigit():
            return None
        time_zone = Event.objects.filter(pk=event_id).values_list("time_zone", flat=True).first()
        return _zone_or_none(time_zone)

    @admin.display(description=_("start"), ordering="start")
    def local_start(self, obj):
        return _in_zone(obj.start, obj.event.tz)

    @admin.display(description=_("end"), ordering="end")
    def local_end(self, obj):
        return _in_zone(obj.end, obj.event.tz)


@admin.register(Speaker)
class SpeakerAdmin(admin.ModelAdmin):
    list_display = ["name", "role", "organisation"]
    search_fields = ["name", "organisation", "role"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Topic)
class TopicAdmin(TranslationAdmin):
    list_display = ["name", "slug"]
    search_fields = [*in_every_language("name"), "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Venue)
class VenueAdmin(TranslationAdmin):
    """The accessibility notes (events/translation.py) show as an English and a Spanish field."""

    list_display = ["name", "city", "country"]
    list_filter = ["country"]
    search_fields = ["name", "city", "address"]


@admin.register(WebinarSeries)
class WebinarSeriesAdmin(TranslationAdmin):
    form = WebinarSeriesAdminForm
    list_display = ["title", "webinar_count"]
    search_fields = in_every_language("title", "summary")
    prepopulated_fields = {"slug": ["title"]}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(webinar_total=Count("events"))

    @admin.display(description=_("webinars"), ordering="webinar_total")
    def webinar_count(self, obj):
        return obj.webinar_total


class OrganisationDomainInline(admin.TabularInline):
    model = OrganisationDomain
    extra = 1


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    raw_id_fields = ["user"]
    readonly_fields = ["created"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "is_active", "member_count"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "domains__domain"]
    inlines = [OrganisationDomainInline, MembershipInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(member_total=Count("memberships", distinct=True))

    @admin.display(description=_("members"), ordering="member_total")
    def member_count(self, obj):
        return obj.member_total


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organisation", "created"]
    list_filter = ["organisation"]
    search_fields = ["user__email", "user__username", "organisation__name"]
    raw_id_fields = ["user"]
    list_select_related = ["user", "organisation"]
