"""Places in admin: capacities staff can edit, the waiting lists they can see, and places they can give.

Every change goes through registrations.signup.staff_places, which keeps the counts and
gives freed or added places to the waiting lists; forms check a capacity against the
places held before anything is saved.
"""

from django import forms
from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from events.forms import SessionAdminForm, session_label
from registrations.models import Registration, RegistrationSettings, SessionChoice, SessionPlaces
from registrations.privacy import audit
from registrations.signup import selectors, staff_places


def _check_against_held(value, held):
    try:
        staff_places.check_capacity(value, held)
    except staff_places.CapacityError as error:
        raise forms.ValidationError(str(error)) from error
    return value


REGISTRATION_SETTINGS_FIELDSETS = [
    (
        None,
        {
            "fields": [
                "mode",
                "invitation_code",
                "opens_at",
                "closes_at",
                "capacity",
                "offer_hours",
                "confirmed_count",
            ]
        },
    ),
]


class RegistrationSettingsForm(forms.ModelForm):
    """The settings. What the form asks is the event's questions (admin/questions.py), not these."""

    class Meta:
        model = RegistrationSettings
        fields = [
            *["mode", "invitation_code", "opens_at", "closes_at"],
            *["capacity", "offer_hours"],
        ]

    def clean_capacity(self):
        return _check_against_held(self.cleaned_data.get("capacity"), self.instance.confirmed_count)


class SessionWithPlacesForm(SessionAdminForm):
    """The events app's session form plus the session's capacity, which registrations own."""

    capacity = forms.IntegerField(
        label=_("Capacity"),
        min_value=0,
        required=False,
        help_text=_("Places in this session. Leave empty for no limit."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        places = _places(self.instance)
        self.fields["capacity"].initial = places.capacity if places else None

    def clean_capacity(self):
        places = _places(self.instance)
        return _check_against_held(self.cleaned_data.get("capacity"), places.confirmed_count if places else 0)


def _places(session):
    if session.pk is None:
        return None
    return SessionPlaces.objects.filter(session=session).first()


def save_session_capacity(form):
    """Store the capacity of a saved session form when it changed; new places go to its waiting list."""
    if "capacity" in form.changed_data:
        staff_places.set_session_capacity(session=form.instance, capacity_value=form.cleaned_data["capacity"])


def places_summary(session):
    """'3 of 5 places taken, 2 left; 4 waiting', and the waiting list in order, for the session admin."""
    if session.pk is None:
        return "—"
    places = _places(session)
    held = places.confirmed_count if places else 0
    limit = places.capacity if places else None
    waiting = list(
        SessionChoice.objects.filter(
            session=session,
            status=SessionChoice.Status.WAITING,
            registration__status=Registration.Status.CONFIRMED,
        )
        .select_related("registration")
        .order_by("waiting_since", "pk")
    )
    if limit is None:
        summary = _("%(held)d places taken, no limit.") % {"held": held}
    else:
        summary = _("%(held)d of %(limit)d places taken, %(left)d left.") % {
            "held": held,
            "limit": limit,
            "left": max(limit - held, 0),
        }
    waiting_text = ngettext("%(count)d waiting.", "%(count)d waiting.", len(waiting)) % {
        "count": len(waiting)
    }
    return format_html(
        "<p>{} {}</p><ol>{}</ol>",
        summary,
        waiting_text,
        format_html_join(
            "", "<li>{} &lt;{}&gt;</li>", ((c.registration.name, c.registration.email) for c in waiting)
        ),
    )


class SessionChoiceInline(admin.TabularInline):
    """A registration's sessions: which it holds a place in and where it waits."""

    model = SessionChoice
    extra = 0
    can_delete = False
    fields = ["session_when", "status", "waiting_since", "position"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("session__event", "registration")
            .order_by("session__start")
        )

    @admin.display(description=_("session"))
    def session_when(self, choice):
        return session_label(choice.session)

    @admin.display(description=_("place on the waiting list"))
    def position(self, choice):
        if choice.status != SessionChoice.Status.WAITING or choice.registration.status != "confirmed":
            return "—"
        return selectors.waiting_position(choice)


class GivePlaceForm(forms.Form):
    reason = forms.CharField(
        label=_("Why this person, out of turn?"),
        max_length=300,
        help_text=_("Kept in the registration's history, for the other staff."),
        widget=forms.Textarea(attrs={"rows": 3, "class": "vLargeTextField"}),
    )


@admin.action(description=_("Give a place out of turn (adds one place)"), permissions=["change"])
def give_place_out_of_turn(modeladmin, request, queryset):
    """The admin action: ask why, then give each selected registration one more place of its own."""
    form = GivePlaceForm(request.POST if "reason" in request.POST else None)
    if not form.is_valid():
        context = {
            **modeladmin.admin_site.each_context(request),
            "opts": modeladmin.model._meta,
            "title": _("Give a place out of turn"),
            "form": form,
            "registrations": queryset,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/registrations/registration/give_place.html", context)
    given, refused = [], 0
    for registration in queryset:
        try:
            given.append(staff_places.give_place_to(registration=registration))
        except staff_places.CapacityError:
            refused += 1
    reason = form.cleaned_data["reason"]
    audit.log_changes(
        user=request.user,
        objects=given,
        message=_("Given a place out of turn (one place added for it). Reason: %(reason)s")
        % {"reason": reason},
    )
    if given:
        modeladmin.message_user(
            request,
            ngettext(
                "%(count)d registration was given a place; an email tells them.",
                "%(count)d registrations were given a place; an email tells each.",
                len(given),
            )
            % {"count": len(given)},
            messages.SUCCESS,
        )
    if refused:
        modeladmin.message_user(
            request,
            ngettext(
                "%(count)d registration was skipped: it is not waiting for a place.",
                "%(count)d registrations were skipped: they are not waiting for a place.",
                refused,
            )
            % {"count": refused},
            messages.WARNING,
        )
    return None


def _give_next_place(modeladmin, request, queryset, give):
    for target in queryset:
        try:
            promoted = give(target)
        except staff_places.CapacityError as error:
            modeladmin.message_user(request, f"{target}: {error}", messages.WARNING)
            continue
        modeladmin.message_user(
            request,
            _("%(target)s: one place added and given to %(names)s; an email tells them.")
            % {"target": target, "names": ", ".join(registration.name for registration in promoted)},
            messages.SUCCESS,
        )


@admin.action(
    description=_("Give the next place on the event's waiting list (adds one place)"), permissions=["change"]
)
def give_next_event_place(modeladmin, request, queryset):
    _give_next_place(modeladmin, request, queryset, lambda event: staff_places.give_next_place(event=event))


@admin.action(
    description=_("Give the next place on the session's waiting list (adds one place)"),
    permissions=["change"],
)
def give_next_session_place(modeladmin, request, queryset):
    _give_next_place(
        modeladmin,
        request,
        queryset.select_related("event"),
        lambda session: staff_places.give_next_place(event=session.event, session=session),
    )
