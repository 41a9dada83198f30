"""The events app's Event and Session admins, with what registrations adds: settings, counts, emails."""

from django.contrib import admin, messages
from django.db.models import Count, Q
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from events import admin as events_admin
from events.models import Event, Session
from registrations.eventday import reports
from registrations.mailings import followups
from registrations.models import Registration, RegistrationSettings
from registrations.signup import capacity, services


class RegistrationSettingsInline(admin.StackedInline):
    model = RegistrationSettings
    max_num = 1
    can_delete = False
    readonly_fields = ["confirmed_count"]


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
    actions = ["tell_recording_available", "clone_for_next_edition"]

    def time_changed(self, request, instance, old_start, old_end):
        _notify_time_change(self, request, instance, old_start, old_end)

    def clone_event(self, request, event, offset, title, slug):
        return services.clone_event_with_settings(event=event, offset=offset, title=title, slug=slug)

    @admin.display(description=_("summaries and print pages"))
    def staff_pages(self, obj):
        links = [
            ("registrations:staff_summary", _("Summary: counts, sessions, catering, interpretation")),
            ("registrations:staff_participant_list", _("Participant list (print)")),
            ("registrations:staff_badges", _("Name badges (print)")),
            ("registrations:staff_registrations_csv", _("All registrations (CSV)")),
            ("registrations:staff_registrations_excel", _("All registrations (CSV for Excel)")),
        ]
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                '<li><a href="{}">{}</a></li>',
                ((reverse(name, kwargs={"slug": obj.slug}), label) for name, label in links),
            ),
        )

    @admin.action(description=_("Tell registrants the recording is available"))
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
            (
                _("Registrations"),
                {"fields": ["registration_counts", "session_registration_counts", "staff_pages"]},
            ),
        ]

    @admin.display(description=_("registrations by status"))
    def registration_counts(self, obj):
        return _table([_("status"), _("registrations")], reports.status_table(obj).rows)

    @admin.display(description=_("registrations by session"))
    def session_registration_counts(self, obj):
        sessions = (
            obj.sessions.select_related("places")
            .annotate(
                confirmed=Count(
                    "registrations", filter=Q(registrations__status=Registration.Status.CONFIRMED)
                ),
                waitlisted=Count(
                    "registrations", filter=Q(registrations__status=Registration.Status.WAITLISTED)
                ),
            )
            .order_by("start", "end", "pk")
        )
        rows = [
            (
                session.title,
                session.confirmed,
                session.waitlisted,
                _dash_if_none(capacity.session_capacity(session)),
            )
            for session in sessions
        ]
        return _table([_("session"), _("confirmed"), _("waitlisted"), _("capacity")], rows)


admin.site.unregister(Session)


@admin.register(Session)
class SessionAdmin(events_admin.SessionAdmin):
    """The events app's SessionAdmin; a session moved in its own form tells its registrants."""

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
