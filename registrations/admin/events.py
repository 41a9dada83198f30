"""The events app's Event and Session admins, with what registrations adds: settings, counts, emails."""

from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from events import admin as events_admin
from events.forms import SessionAdminForm
from events.models import Event, Session
from registrations.eventday import reports
from registrations.mailings import followups
from registrations.models import RegistrationSettings
from registrations.signup import questions as signup_questions
from registrations.signup import services, staff_places

from . import places, questions


class RegistrationSettingsInline(admin.StackedInline):
    model = RegistrationSettings
    form = places.RegistrationSettingsForm
    formset = events_admin.NamedInputsFormSet
    max_num = 1
    can_delete = False
    readonly_fields = ["confirmed_count"]
    fieldsets = places.REGISTRATION_SETTINGS_FIELDSETS


class SessionWithPlacesInline(events_admin.SessionInline):
    """The event's sessions with their capacity, which registrations own."""

    form = places.SessionWithPlacesForm
    fields = [*events_admin.SessionInline.fields, "capacity"]


def _dash_if_none(value):
    return "—" if value is None else value


def _table(headers, rows):
    return format_html(
        "<table><thead><tr>{}</tr></thead><tbody>{}</tbody></table>",
        format_html_join("", "<th>{}</th>", ((header,) for header in headers)),
        format_html_join(
            "",
            "<tr>{}</tr>",
            ((format_html_join("", "<td>{}</td>", ((cell,) for cell in row)),) for row in rows),
        ),
    )


admin.site.unregister(Event)


@admin.register(Event)
class EventAdmin(events_admin.EventAdmin):
    """The events app's EventAdmin plus registration settings and counts, which events may not import."""

    readonly_fields = ["registration_counts", "session_registration_counts", "staff_pages"]
    list_display = [*events_admin.EventAdmin.list_display, "dashboard_link"]
    # Adds a "Dashboard" button to the object tools; otherwise the admin's own change form.
    change_form_template = "admin/registrations/event_change_form.html"
    actions = ["tell_recording_available", "clone_for_next_edition", places.give_next_event_place]
    inlines = [events_admin.EventPartnerInline, SessionWithPlacesInline]

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        if formset.model is Session:
            for session_form in formset.forms:
                if session_form.instance.pk is not None and session_form not in formset.deleted_forms:
                    places.save_session_capacity(session_form)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # A raised capacity, a session deleted or hidden: whatever is free goes to the waiting lists.
        staff_places.refill(event=form.instance)
        # A new event starts with the built-in questions; one made elsewhere gets them when first saved here.
        signup_questions.add_default_questions(event=form.instance)

    def time_changed(self, request, instance, old_start, old_end):
        _notify_time_change(self, request, instance, old_start, old_end)

    def clone_event(self, request, event, offset, title, slug):
        return services.clone_event_with_settings(event=event, offset=offset, title=title, slug=slug)

    @admin.display(description=_("dashboard"))
    def dashboard_link(self, obj):
        return format_html(
            '<a href="{}">{}</a>',
            reverse("registrations:staff_dashboard", kwargs={"slug": obj.slug}),
            _("Dashboard"),
        )

    @admin.display(description=_("summaries and print pages"))
    def staff_pages(self, obj):
        links = [
            ("registrations:staff_dashboard", _("Dashboard: registrations over time, places, needs")),
            ("registrations:staff_summary", _("Summary: counts, sessions, catering, interpretation")),
            ("registrations:staff_participant_list", _("Participant list (print)")),
            ("registrations:staff_badges", _("Name badges (print)")),
            ("registrations:staff_registrations_csv", _("All registrations (CSV)")),
            ("registrations:staff_registrations_excel", _("All registrations (CSV for Excel)")),
            ("registrations:staff_registrations_xlsx", _("All registrations (Excel workbook)")),
        ]
        return format_html(
            "<ul>{}{}</ul>",
            format_html_join(
                "",
                '<li><a href="{}">{}</a></li>',
                ((reverse(name, kwargs={"slug": obj.slug}), label) for name, label in links),
            ),
            questions.question_links(obj),
        )

    @admin.action(description=_("Tell registrants the recording is available"), permissions=["change"])
    def tell_recording_available(self, request, queryset):
        without_recording = 0
        for event in queryset:
            if not event.recording_url:
                without_recording += 1
                continue
            notice = followups.notify_recording_available(event=event)
            self.message_user(
                request,
                ngettext(
                    "%(title)s: %(count)d email was queued.",
                    "%(title)s: %(count)d emails were queued.",
                    notice.queued,
                )
                % {"title": event.title, "count": notice.queued},
                messages.SUCCESS,
            )
            if notice.already_told:
                self.message_user(
                    request,
                    ngettext(
                        "%(title)s: %(count)d registrant was told before and was skipped.",
                        "%(title)s: %(count)d registrants were told before and were skipped.",
                        notice.already_told,
                    )
                    % {"title": event.title, "count": notice.already_told},
                    messages.WARNING,
                )
        if without_recording:
            self.message_user(
                request,
                ngettext(
                    "%(count)d event was skipped: it has no recording link.",
                    "%(count)d events were skipped: they have no recording link.",
                    without_recording,
                )
                % {"count": without_recording},
                messages.WARNING,
            )

    def get_inlines(self, request, obj):
        # Settings are created with defaults on the first registration; the add page
        # stays the plain event form, the change page configures registration.
        inlines = super().get_inlines(request, obj)
        return [*inlines, RegistrationSettingsInline] if obj is not None else inlines

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:
            return fieldsets
        return [
            *fieldsets,
            (_("Registrations"), {"fields": ["registration_counts", "staff_pages"]}),
            (_("Places by session"), {"classes": ["collapse"], "fields": ["session_registration_counts"]}),
        ]

    @admin.display(description=_("registrations by status"))
    def registration_counts(self, obj):
        return _table([_("status"), _("registrations")], reports.status_table(obj).rows)

    @admin.display(description=_("places by session"))
    def session_registration_counts(self, obj):
        table = reports.session_table(obj)
        # Session, confirmed (holding a place), waiting, capacity, places left.
        rows = [[row[0], row[2], row[3], _dash_if_none(row[4]), _dash_if_none(row[5])] for row in table.rows]
        headers = [_("session"), _("places taken"), _("waiting"), _("capacity"), _("places left")]
        return _table(headers, rows)


admin.site.unregister(Session)


@admin.register(Session)
class SessionAdmin(events_admin.SessionAdmin):
    """The events app's SessionAdmin with the session's places; a session moved here tells its registrants."""

    form = places.SessionWithPlacesForm
    actions = [places.give_next_session_place]
    readonly_fields = ["places_and_waiting_list"]
    # Stated, not derived: modeltranslation takes the fields of the form's Meta, which leaves out
    # the capacity; unrendered, it would be posted empty and every save would lift the limit.
    fieldsets = [
        (None, {"fields": [*SessionAdminForm.Meta.fields]}),
        (_("Places"), {"fields": ["capacity", "places_and_waiting_list"]}),
    ]

    @admin.display(description=_("places and waiting list"))
    def places_and_waiting_list(self, obj):
        return places.places_summary(obj)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        places.save_session_capacity(form)
        # Hidden or moved to another event: whatever is free goes to the waiting lists.
        staff_places.refill(event=obj.event)

    def delete_model(self, request, obj):
        event = obj.event
        super().delete_model(request, obj)
        staff_places.refill(event=event)

    def time_changed(self, request, instance, old_start, old_end):
        _notify_time_change(self, request, instance, old_start, old_end)


def _notify_time_change(modeladmin, request, instance, old_start, old_end):
    count = followups.notify_time_change(instance=instance, old_start=old_start, old_end=old_end)
    modeladmin.message_user(
        request,
        ngettext(
            "%(title)s moved: %(count)d registrant will be told by email.",
            "%(title)s moved: %(count)d registrants will be told by email.",
            count,
        )
        % {"title": instance.title, "count": count},
        messages.INFO,
    )
