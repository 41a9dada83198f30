"""Staff see registrations, each event's registration settings and the outbox.

Statuses change only through registrations.services, which keep places, the waiting
list and emails right; the admin offers actions that call them, never a status field.
"""

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, Q
from django.http import HttpResponse
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from events import admin as events_admin
from events.models import Event

from . import services
from .exports import registrations_csv
from .models import OutboxEmail, Registration, RegistrationSettings


@admin.register(RegistrationSettings)
class RegistrationSettingsAdmin(admin.ModelAdmin):
    list_display = ["event", "mode", "opens_at", "closes_at", "capacity", "confirmed_count"]
    list_filter = ["mode"]
    search_fields = ["event__title"]
    list_select_related = ["event"]
    readonly_fields = ["confirmed_count"]
    autocomplete_fields = ["event"]


class RegistrationSettingsInline(admin.StackedInline):
    model = RegistrationSettings
    max_num = 1
    can_delete = False
    readonly_fields = ["confirmed_count"]


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

    readonly_fields = ["registration_counts", "session_registration_counts"]

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
            (_("Registrations"), {"fields": ["registration_counts", "session_registration_counts"]}),
        ]

    @admin.display(description=_("registrations by status"))
    def registration_counts(self, obj):
        counts = dict(
            Registration.objects.filter(event=obj)
            .order_by()
            .values("status")
            .annotate(n=Count("pk"))
            .values_list("status", "n")
        )
        rows = [(label, counts.get(status, 0)) for status, label in Registration.Status.choices]
        rows.append((_("Total"), sum(counts.values())))
        return _table([_("status"), _("registrations")], rows)

    @admin.display(description=_("registrations by session"))
    def session_registration_counts(self, obj):
        sessions = obj.sessions.annotate(
            confirmed=Count("registrations", filter=Q(registrations__status=Registration.Status.CONFIRMED)),
            waitlisted=Count("registrations", filter=Q(registrations__status=Registration.Status.WAITLISTED)),
        ).order_by("start", "end", "pk")
        rows = [
            (
                session.title,
                session.confirmed,
                session.waitlisted,
                "—" if session.capacity is None else session.capacity,
            )
            for session in sessions
        ]
        return _table([_("session"), _("confirmed"), _("waitlisted"), _("capacity")], rows)


def _report(modeladmin, request, done_message, done, skipped):
    """Tell staff how many registrations an action changed and how many it left alone."""
    if done:
        modeladmin.message_user(request, done_message % {"count": done}, messages.SUCCESS)
    if skipped:
        modeladmin.message_user(
            request,
            ngettext(
                "%(count)d registration was skipped: its status does not allow this.",
                "%(count)d registrations were skipped: their status does not allow this.",
                skipped,
            )
            % {"count": skipped},
            messages.WARNING,
        )


class ModeListFilter(admin.ChoicesFieldListFilter):
    """The event's registration mode, under a short title."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.title = _("mode")


class RegistrationAdminForm(forms.ModelForm):
    def clean_email(self):
        # The database constraint names the event, which this form leaves out, so
        # Django would not check it: a clash would be an IntegrityError, not a form error.
        email = self.cleaned_data["email"]
        registration = self.instance
        clash = (
            Registration.objects.filter(
                event_id=registration.event_id, email__iexact=email, status__in=Registration.ACTIVE_STATUSES
            )
            .exclude(pk=registration.pk)
            .exists()
        )
        if registration.is_active and clash:
            raise forms.ValidationError(_("This email already has an active registration for this event."))
        return email


@admin.register(Registration)
class RegistrationAdmin(admin.ModelAdmin):
    form = RegistrationAdminForm
    list_display = ["name", "email", "event", "status", "attendee_type", "created"]
    list_filter = [
        "event",
        "status",
        "attendee_type",
        ("event__registration_settings__mode", ModeListFilter),
    ]
    search_fields = ["name", "email", "organisation"]
    list_select_related = ["event"]
    date_hierarchy = "created"
    raw_id_fields = ["user"]
    # Status, event and sessions decide places: they change only through the actions
    # below (registrations.services), never by editing the row.
    readonly_fields = [
        "event",
        "status",
        "session_titles",
        "manage_token",
        "privacy_consent_at",
        "privacy_notice_version",
        "created",
        "updated",
        "waitlisted_at",
        "cancelled_at",
    ]
    fieldsets = [
        (None, {"fields": ["event", "status", "user", "name", "email", "session_titles"]}),
        (
            _("Answers"),
            {
                "fields": [
                    "organisation",
                    "role",
                    "country",
                    "attendee_type",
                    "dietary_needs",
                    "accessibility_needs",
                    "interpretation_language",
                    "participant_list_consent",
                    "language",
                    "time_zone",
                ]
            },
        ),
        (
            _("Record"),
            {
                "fields": [
                    "privacy_consent_at",
                    "privacy_notice_version",
                    "manage_token",
                    "created",
                    "updated",
                    "waitlisted_at",
                    "cancelled_at",
                ]
            },
        ),
    ]
    actions = ["approve", "reject", "cancel", "resend_confirmation", "export_csv"]

    def has_add_permission(self, request):
        # A registration is made by registrations.services.register, which takes the place.
        return False

    def has_delete_permission(self, request, obj=None):
        # An active registration holds or waits for a place: cancel it first, so the place is freed.
        if obj is not None and obj.is_active:
            return False
        return super().has_delete_permission(request, obj)

    @admin.display(description=_("sessions"))
    def session_titles(self, obj):
        return "; ".join(session.title for session in obj.sessions.all()) or "—"

    @admin.action(description=_("Approve selected pending registrations"))
    def approve(self, request, queryset):
        done = skipped = 0
        for registration in queryset:
            try:
                services.approve_registration(registration=registration)
            except services.InvalidTransition:
                skipped += 1
            else:
                done += 1
        message = ngettext(
            "%(count)d registration was approved (confirmed, or waitlisted when full).",
            "%(count)d registrations were approved (confirmed, or waitlisted when full).",
            done,
        )
        _report(self, request, message, done, skipped)

    @admin.action(description=_("Reject selected registrations"))
    def reject(self, request, queryset):
        done = skipped = 0
        for registration in queryset:
            try:
                services.reject_registration(registration=registration)
            except services.InvalidTransition:
                skipped += 1
            else:
                done += 1
        message = ngettext(
            "%(count)d registration was rejected.", "%(count)d registrations were rejected.", done
        )
        _report(self, request, message, done, skipped)

    @admin.action(description=_("Cancel selected registrations"))
    def cancel(self, request, queryset):
        done = skipped = 0
        for registration in queryset:
            # cancel_registration leaves an inactive registration unchanged rather than raising.
            if not registration.is_active:
                skipped += 1
                continue
            services.cancel_registration(registration=registration)
            done += 1
        message = ngettext(
            "%(count)d registration was cancelled.", "%(count)d registrations were cancelled.", done
        )
        _report(self, request, message, done, skipped)

    @admin.action(description=_("Resend the email stating the current status"))
    def resend_confirmation(self, request, queryset):
        done = 0
        for registration in queryset:
            services.resend_confirmation(registration=registration)
            done += 1
        message = ngettext("%(count)d email was queued again.", "%(count)d emails were queued again.", done)
        _report(self, request, message, done, 0)

    @admin.action(description=_("Export selected registrations as CSV"))
    def export_csv(self, request, queryset):
        response = HttpResponse(registrations_csv(queryset), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="registrations.csv"'
        return response


@admin.register(OutboxEmail)
class OutboxEmailAdmin(admin.ModelAdmin):
    """Read-only: rows are written by services and updated by the sending task."""

    list_display = ["to_email", "kind", "status", "attempts", "created", "sent_at", "error"]
    list_filter = ["status", "kind"]
    search_fields = ["to_email", "subject"]
    raw_id_fields = ["registration"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        # Without change permission the admin shows every field read-only.
        return False

    @admin.display(description=_("last error"))
    def error(self, obj):
        return Truncator(obj.last_error).chars(80)
