"""Staff see registrations, each event's registration settings and the outbox.

Statuses change only through registrations.services, which keep places, the waiting
list and emails right; the admin offers actions that call them, never a status field.
"""

import csv
import datetime as dt
import io

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.models import ADDITION
from django.core.exceptions import PermissionDenied
from django.db.models import Count, OuterRef, Q, Subquery
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from events import admin as events_admin
from events.models import Event, Session
from events.translation import in_every_language

from . import audit, followups, services
from .emails import invitation_url
from .exports import registrations_csv
from .models import OPTIONAL_FIELDS, Invitation, OutboxEmail, Registration, RegistrationSettings


@admin.register(RegistrationSettings)
class RegistrationSettingsAdmin(admin.ModelAdmin):
    list_display = ["event", "mode", "opens_at", "closes_at", "capacity", "confirmed_count"]
    list_filter = ["mode"]
    search_fields = [f"event__{column}" for column in in_every_language("title")]
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


class CsvUploadForm(forms.Form):
    """An event and a CSV file uploaded by staff; subclasses set the limits, columns and messages."""

    max_bytes = 2 * 1024 * 1024
    too_large_message = ""
    required_columns = ()
    missing_columns_message = ""
    # Guest lists keep blank lines as empty rows, so that reported line numbers stay right.
    keep_blank_lines = False

    event = forms.ModelChoiceField(queryset=Event.objects.order_by("-start"), label=_("Event"))

    def clean_file(self):
        """Return the rows as dicts keyed by the lower-cased, stripped header."""
        upload = self.cleaned_data["file"]
        if upload.size > self.max_bytes:
            raise forms.ValidationError(self.too_large_message)
        try:
            text = upload.read().decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise forms.ValidationError(_("The file is not UTF-8 text. Save it as “CSV UTF-8”.")) from exc
        lines = text.splitlines()
        header = lines[0] if lines else ""
        # Some spreadsheets save with semicolons.
        delimiter = ";" if ";" in header and "," not in header else ","
        # csv.reader, not DictReader: DictReader drops blank lines, which would shift the line numbers.
        reader = csv.reader(io.StringIO(text), delimiter=delimiter)
        fieldnames = [name.strip().lower() for name in next(reader, [])]
        if not set(self.required_columns) <= set(fieldnames):
            raise forms.ValidationError(self.missing_columns_message)
        records = (record for record in reader if record or self.keep_blank_lines)
        return [dict(zip(fieldnames, record, strict=False)) for record in records]


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
        "anonymised_at",
    ]
    fieldsets = [
        (None, {"fields": ["event", "status", "user", "name", "email", "session_titles"]}),
        (
            _("Answers"),
            {"fields": [*OPTIONAL_FIELDS, "language", "time_zone"]},
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
                    "attended_at",
                    "anonymised_at",
                ]
            },
        ),
    ]
    change_list_template = "admin/registrations/registration/change_list.html"
    actions = ["approve", "reject", "cancel", "resend_confirmation", "export_csv"]

    def has_add_permission(self, request):
        # A registration is made by registrations.services.register, which takes the place.
        return False

    def has_delete_permission(self, request, obj=None):
        # An active registration holds or waits for a place: cancel it first, so the place is freed.
        if obj is not None and obj.is_active:
            return False
        return super().has_delete_permission(request, obj)

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
            rows = form.cleaned_data["file"]
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
            self.message_user(
                request,
                ngettext(
                    "%(count)d registration was marked as attended.",
                    "%(count)d registrations were marked as attended.",
                    result.matched,
                )
                % {"count": result.matched},
                messages.SUCCESS,
            )
            if result.unmatched:
                self.message_user(
                    request,
                    ngettext(
                        "%(count)d address matched no confirmed registration: %(emails)s",
                        "%(count)d addresses matched no confirmed registration: %(emails)s",
                        len(result.unmatched),
                    )
                    % {
                        "count": len(result.unmatched),
                        "emails": Truncator(", ".join(result.unmatched)).chars(300),
                    },
                    messages.WARNING,
                )
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

    @admin.display(description=_("sessions"))
    def session_titles(self, obj):
        return "; ".join(session.title for session in obj.sessions.all()) or "—"

    @admin.action(description=_("Approve selected pending registrations"))
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

    @admin.action(description=_("Reject selected registrations"))
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

    @admin.action(description=_("Cancel selected registrations"))
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

    @admin.action(description=_("Resend the email stating the current status"))
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
    raw_id_fields = ["registration", "invitation"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        # Without change permission the admin shows every field read-only.
        return False

    @admin.display(description=_("last error"))
    def error(self, obj):
        return Truncator(obj.last_error).chars(80)


# --- Guest lists -----------------------------------------------------------------------------------

GUEST_LIST_MAX_BYTES = 2 * 1024 * 1024


class GuestListImportForm(CsvUploadForm):
    """An event and a CSV file with a header row naming the columns name and email."""

    max_bytes = GUEST_LIST_MAX_BYTES
    too_large_message = _("The file is too large: at most 2 MB.")
    required_columns = ("name", "email")
    missing_columns_message = _("The first line must name the columns: name,email.")
    keep_blank_lines = True

    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "UTF-8, with a header row naming the columns name and email, separated by commas "
            "(or semicolons, as some spreadsheets save them)."
        ),
    )


class SentListFilter(admin.SimpleListFilter):
    title = _("sent")
    parameter_name = "sent"

    def lookups(self, request, model_admin):
        return [("yes", _("Sent")), ("no", _("Not sent"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(sent_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(sent_at__isnull=True)
        return queryset


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    change_list_template = "admin/registrations/invitation/change_list.html"
    list_display = ["name", "email", "event", "sent_at", "email_status", "registration_status"]
    list_filter = ["event", SentListFilter]
    search_fields = ["name", "email"]
    list_select_related = ["event", "registration"]
    readonly_fields = ["personal_link", "created", "sent_at", "email_status", "registration"]
    actions = ["send_invitation_emails"]

    def get_queryset(self, request):
        latest_email = OutboxEmail.objects.filter(invitation=OuterRef("pk")).order_by("-created", "-pk")
        queryset = super().get_queryset(request)
        return queryset.annotate(last_email_status=Subquery(latest_email.values("status")[:1]))

    def get_readonly_fields(self, request, obj=None):
        # The personal link is sent to this address: it can't change once sent.
        if obj is not None and obj.sent_at is not None:
            return ["event", "email", *self.readonly_fields]
        return self.readonly_fields

    def get_urls(self):
        urls = [
            path(
                "import/",
                self.admin_site.admin_view(self.import_guest_list_view),
                name="registrations_invitation_import",
            ),
        ]
        return urls + super().get_urls()

    @admin.display(description=_("personal link"))
    def personal_link(self, obj):
        return invitation_url(obj) if obj.pk else "—"

    @admin.display(description=_("invitation email"))
    def email_status(self, obj):
        status = getattr(obj, "last_email_status", None)
        return OutboxEmail.Status(status).label if status else "—"

    @admin.display(description=_("registration"), ordering="registration__status")
    def registration_status(self, obj):
        return obj.registration.get_status_display() if obj.registration else "—"

    @admin.action(description=_("Send invitation emails"))
    def send_invitation_emails(self, request, queryset):
        sent = services.send_invitations(invitations=queryset)
        audit.log_changes(
            user=request.user, objects=sent, message=_("Invitation email queued with the admin action.")
        )
        skipped = queryset.count() - len(sent)
        if sent:
            message = ngettext(
                "%(count)d invitation email was queued.",
                "%(count)d invitation emails were queued.",
                len(sent),
            )
            self.message_user(request, message % {"count": len(sent)}, messages.SUCCESS)
        if skipped:
            message = ngettext(
                "%(count)d invitation was skipped: it was sent before.",
                "%(count)d invitations were skipped: they were sent before.",
                skipped,
            )
            self.message_user(request, message % {"count": skipped}, messages.WARNING)

    def import_guest_list_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = GuestListImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            created, skipped, errors = services.import_guest_list(
                event=form.cleaned_data["event"], rows=form.cleaned_data["file"]
            )
            audit.log_changes(
                user=request.user,
                objects=created,
                message=_("Added from an imported guest list."),
                action_flag=ADDITION,
            )
            self._report_import(request, created, skipped, errors)
            return redirect(reverse("admin:registrations_invitation_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Import guest list (CSV)"),
            "form": form,
        }
        return TemplateResponse(request, "admin/registrations/invitation/import.html", context)

    def _report_import(self, request, created, skipped, errors):
        self.message_user(
            request,
            ngettext("%(count)d invitation was added.", "%(count)d invitations were added.", len(created))
            % {"count": len(created)},
            messages.SUCCESS,
        )
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%(count)d line was skipped: the address is already on the guest list.",
                    "%(count)d lines were skipped: the addresses are already on the guest list.",
                    len(skipped),
                )
                % {"count": len(skipped)},
                messages.WARNING,
            )
        for line, error in errors:
            self.message_user(
                request,
                _("Line %(line)d was not imported: %(error)s") % {"line": line, "error": error},
                messages.ERROR,
            )


from . import mailings_admin  # noqa: E402, F401 - registers the Mailing admin
