"""Staff see registrations, each event's registration settings and the outbox.

Statuses change only through registrations.signup.services, which keep places, the waiting
list and emails right; the admin offers actions that call them, never a status field.
"""

import datetime as dt

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.actions import delete_selected
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from events import page_cache
from events.admin import NamedInputsMixin
from events.translation import in_every_language
from registrations.eventday.exports import registrations_csv
from registrations.eventday.permissions import EXPORT_PERSONAL_DATA, VIEW_REGISTRATIONS
from registrations.mailings import followups
from registrations.models import (
    OPTIONAL_FIELDS,
    AccessRecord,
    CheckIn,
    OutboxEmail,
    Registration,
    RegistrationSettings,
)
from registrations.privacy import audit
from registrations.signup import services, staff_places

from . import places, questions
from .forms import CsvUploadForm
from .mixins import HistoryByIdMixin, RefusedActionMixin


@admin.register(RegistrationSettings)
class RegistrationSettingsAdmin(NamedInputsMixin, admin.ModelAdmin):
    list_display = ["event", "mode", "opens_at", "closes_at", "capacity", "confirmed_count"]
    list_filter = ["mode"]
    search_fields = [f"event__{column}" for column in in_every_language("title")]
    list_select_related = ["event"]
    readonly_fields = ["confirmed_count"]
    autocomplete_fields = ["event"]
    form = places.RegistrationSettingsForm

    def get_fieldsets(self, request, obj=None):
        event = (None, {"fields": ["event"]})
        return [event, *places.REGISTRATION_SETTINGS_FIELDSETS]

    # Event pages cached whole show whether registration is open and the places left.
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        page_cache.places_changed(obj.event)
        staff_places.refill(event=obj.event)  # a raised capacity's new places go to the waiting list

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        page_cache.places_changed(obj.event)

    def delete_queryset(self, request, queryset):
        events = [settings.event for settings in queryset.select_related("event")]
        super().delete_queryset(request, queryset)
        for event in events:
            page_cache.places_changed(event)


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


ATTENDANCE_MAX_BYTES = 5 * 1024 * 1024
# Webinar platforms write join times in one of these; a time without an offset is in the event's zone.
JOIN_TIME_FORMATS = ("%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%d.%m.%Y %H:%M:%S")


def _parse_join_time(value, tz):
    value = (value or "").strip()
    if not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        parsed = None
    for pattern in JOIN_TIME_FORMATS:
        if parsed is not None:
            break
        try:
            parsed = dt.datetime.strptime(value, pattern)  # noqa: DTZ007 - made aware below
        except ValueError:
            continue
    if parsed is None:
        return None
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed, tz)


def _join_times(rows, tz):
    """{lower-cased address: earliest parseable join time} from the report's "join time" column."""
    times = {}
    for row in rows:
        joined = _parse_join_time(row.get("join time"), tz)
        address = row.get("email", "").strip().lower()
        if joined is not None and address and (address not in times or joined < times[address]):
            times[address] = joined
    return times


class AttendanceImportForm(CsvUploadForm):
    """An event and the webinar platform's attendee report: a CSV file with an email column."""

    max_bytes = ATTENDANCE_MAX_BYTES
    too_large_message = _("The file is too large: at most 5 MB.")
    required_columns = ("email",)
    missing_columns_message = _("The first line must name an email column.")

    file = forms.FileField(
        label=_("Attendee report (CSV)"),
        help_text=_(
            "UTF-8, with a header row naming an email column; a “join time” column, when present, "
            "is used as the time of attendance."
        ),
    )


class CheckInInline(admin.TabularInline):
    """The days a registration was checked in at the door; written only by the check-in page."""

    model = CheckIn
    fields = ["day", "checked_in_at", "checked_in_by"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.action(description=_("Delete selected cancelled or rejected registrations"), permissions=["delete"])
def delete_inactive_registrations(modeladmin, request, queryset):
    """Django's delete_selected (its confirmation page, then delete_queryset) for the inactive
    registrations of the selection; the active ones are left, and staff told to cancel them first."""
    inactive = queryset.exclude(status__in=Registration.ACTIVE_STATUSES)
    active = queryset.filter(status__in=Registration.ACTIVE_STATUSES).count()
    if active and not request.POST.get("post"):
        modeladmin.message_user(
            request,
            ngettext(
                "%(count)d registration is active and was left: cancel it first, to free its place.",
                "%(count)d registrations are active and were left: cancel them first, to free their places.",
                active,
            )
            % {"count": active},
            messages.WARNING,
        )
    if not inactive.exists():
        return None
    return delete_selected(modeladmin, request, inactive)


@admin.register(Registration)
class RegistrationAdmin(HistoryByIdMixin, RefusedActionMixin, admin.ModelAdmin):
    form = RegistrationAdminForm
    inlines = [CheckInInline]
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
    # below (registrations.signup.services), never by editing the row.
    readonly_fields = [
        "event",
        "status",
        "session_titles",
        "manage_token",
        "door_code",
        "privacy_consent_at",
        "privacy_notice_version",
        "created",
        "updated",
        "waitlisted_at",
        "cancelled_at",
        "anonymised_at",
        "question_answers",
    ]
    fieldsets = [
        (None, {"fields": ["event", "status", "user", "name", "email", "session_titles"]}),
        (
            _("Answers"),
            {"fields": [*OPTIONAL_FIELDS, "language", "time_zone", "question_answers"]},
        ),
        (
            _("Record"),
            {
                "fields": [
                    "privacy_consent_at",
                    "privacy_notice_version",
                    "manage_token",
                    "door_code",
                    "created",
                    "updated",
                    "waitlisted_at",
                    "cancelled_at",
                    "attended_at",
                    "anonymised_at",
                ]
            },
        ),
    ]
    change_list_template = "admin/registrations/registration/change_list.html"
    inlines = [places.SessionChoiceInline]
    actions = [
        "approve",
        "reject",
        "cancel",
        places.give_place_out_of_turn,
        "resend_confirmation",
        "export_csv",
    ]

    @admin.display(description=_("answers to the event's questions"))
    def question_answers(self, obj):
        return questions.answers_table(obj)

    # Through the service, so an active registration's places go to the waiting lists first.
    def delete_model(self, request, obj):
        services.delete_registration(registration=obj)

    def delete_queryset(self, request, queryset):
        for registration in queryset.select_related("event"):
            services.delete_registration(registration=registration)

    def has_add_permission(self, request):
        # A registration is made by registrations.signup.services.register, which takes the place.
        return False

    def has_delete_permission(self, request, obj=None):
        # An active registration holds or waits for a place: cancel it first, so the place is freed.
        if obj is not None and obj.is_active:
            return False
        return super().has_delete_permission(request, obj)

    def get_actions(self, request):
        # Django's "Delete selected" asks has_delete_permission of each row only on its confirmation
        # page, where one active registration among them turned the whole deletion into "your
        # account doesn't have permission". Ours deletes the inactive ones and says which it left.
        actions = super().get_actions(request)
        if "delete_selected" in actions:  # offered only with the delete permission (Django's filter)
            actions["delete_selected"] = (
                delete_inactive_registrations,
                "delete_selected",
                delete_inactive_registrations.short_description,
            )
        return actions

    def get_urls(self):
        urls = [
            path(
                "attendance/",
                self.admin_site.admin_view(self.import_attendance_view),
                name="registrations_registration_attendance",
            ),
        ]
        return urls + super().get_urls()

    def import_attendance_view(self, request):
        if not self.has_change_permission(request):
            raise PermissionDenied
        form = AttendanceImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            event = form.cleaned_data["event"]
            self._import_attendance(request, event, form.cleaned_data["file"])
            return redirect(
                reverse("admin:registrations_registration_changelist") + f"?event__id__exact={event.pk}"
            )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Import attendance (CSV)"),
            "form": form,
        }
        return TemplateResponse(request, "admin/registrations/registration/import_attendance.html", context)

    def _import_attendance(self, request, event, rows):
        """Mark who attended from an attendee report's `rows`, log it, and tell staff what matched."""
        result = followups.record_attendance(
            event=event,
            emails=[row["email"] for row in rows],
            at=timezone.now(),
            join_times=_join_times(rows, event.tz),
        )
        for registration in result.marked:
            registration.event = event  # for its name in the history, without a query each
        audit.log_changes(
            user=request.user,
            objects=result.marked,
            message=_("Marked as attended from an imported attendee report."),
        )
        marked = ngettext(
            "%(count)d registration was marked as attended.",
            "%(count)d registrations were marked as attended.",
            result.matched,
        )
        self.message_user(request, marked % {"count": result.matched}, messages.SUCCESS)
        if result.unmatched:
            unmatched = ngettext(
                "%(count)d address matched no confirmed registration: %(emails)s",
                "%(count)d addresses matched no confirmed registration: %(emails)s",
                len(result.unmatched),
            )
            emails = Truncator(", ".join(result.unmatched)).chars(300)
            self.message_user(
                request, unmatched % {"count": len(result.unmatched), "emails": emails}, messages.WARNING
            )

    @admin.display(description=_("sessions"))
    def session_titles(self, obj):
        return "; ".join(session.title for session in obj.sessions.all()) or "—"

    @admin.action(description=_("Approve selected pending registrations"), permissions=["change"])
    def approve(self, request, queryset):
        changed, skipped = [], 0
        for registration in queryset:
            try:
                changed.append(services.approve_registration(registration=registration))
            except services.InvalidTransition:
                skipped += 1
        done = len(changed)
        for status in (Registration.Status.CONFIRMED, Registration.Status.WAITLISTED):
            audit.log_changes(
                user=request.user,
                objects=[registration for registration in changed if registration.status == status],
                message=_("Approved with the admin action: now %(status)s.")
                % {"status": Registration.Status(status).label.lower()},
            )
        message = ngettext(
            "%(count)d registration was approved (confirmed, or waitlisted when full).",
            "%(count)d registrations were approved (confirmed, or waitlisted when full).",
            done,
        )
        _report(self, request, message, done, skipped)

    @admin.action(description=_("Reject selected registrations"), permissions=["change"])
    def reject(self, request, queryset):
        done = skipped = 0
        changed = []
        for registration in queryset:
            try:
                changed.append(services.reject_registration(registration=registration))
            except services.InvalidTransition:
                skipped += 1
            else:
                done += 1
        audit.log_changes(user=request.user, objects=changed, message=_("Rejected with the admin action."))
        message = ngettext(
            "%(count)d registration was rejected.", "%(count)d registrations were rejected.", done
        )
        _report(self, request, message, done, skipped)

    @admin.action(description=_("Cancel selected registrations"), permissions=["change"])
    def cancel(self, request, queryset):
        done = skipped = 0
        changed = []
        for registration in queryset:
            # cancel_registration leaves an inactive registration unchanged rather than raising.
            if not registration.is_active:
                skipped += 1
                continue
            changed.append(services.cancel_registration(registration=registration))
            done += 1
        audit.log_changes(user=request.user, objects=changed, message=_("Cancelled with the admin action."))
        message = ngettext(
            "%(count)d registration was cancelled.", "%(count)d registrations were cancelled.", done
        )
        _report(self, request, message, done, skipped)

    @admin.action(description=_("Resend the email stating the current status"), permissions=["change"])
    def resend_confirmation(self, request, queryset):
        done = 0
        resent = []
        for registration in queryset:
            services.resend_confirmation(registration=registration)
            resent.append(registration)
            done += 1
        audit.log_changes(
            user=request.user,
            objects=resent,
            message=_("The email stating the current status was queued again with the admin action."),
        )
        message = ngettext("%(count)d email was queued again.", "%(count)d emails were queued again.", done)
        _report(self, request, message, done, 0)

    def has_export_permission(self, request):
        return request.user.has_perms([VIEW_REGISTRATIONS, EXPORT_PERSONAL_DATA])

    @admin.action(description=_("Export selected registrations as CSV"), permissions=["export"])
    def export_csv(self, request, queryset):
        ids = list(queryset.values_list("pk", flat=True))
        audit.record_access(
            user=request.user, what=AccessRecord.What.SELECTED_CSV, rows=len(ids), registration_ids=ids
        )
        response = HttpResponse(registrations_csv(queryset), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="registrations.csv"'
        return response


@admin.register(OutboxEmail)
class OutboxEmailAdmin(admin.ModelAdmin):
    """Read-only: rows are written by services and updated by the sending task."""

    list_display = ["to_email", "kind", "status", "attempts", "created", "sent_at", "error"]
    list_filter = ["status", "kind"]
    search_fields = ["to_email", "subject"]
    raw_id_fields = ["registration", "invitation"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        # Without change permission the admin shows every field read-only.
        return False

    @admin.display(description=_("last error"))
    def error(self, obj):
        return Truncator(obj.last_error).chars(80)


@admin.register(AccessRecord)
class AccessRecordAdmin(admin.ModelAdmin):
    """Read-only: written by registrations.privacy.audit whenever staff see or export people's data."""

    list_display = ["at", "user", "what", "event", "rows", "detail"]
    list_filter = ["what"]
    list_select_related = ["user", "event"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
