"""Staff import each event's guest list from CSV, send the invitations and follow the replies."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.models import ADDITION
from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, Subquery
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from registrations.models import Invitation, OutboxEmail
from registrations.privacy import audit
from registrations.signup import guest_list
from registrations.signup.emails import invitation_url

from .forms import CsvUploadForm
from .mixins import HistoryByIdMixin

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
class InvitationAdmin(HistoryByIdMixin, admin.ModelAdmin):
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

    @admin.action(description=_("Send invitation emails"), permissions=["change"])
    def send_invitation_emails(self, request, queryset):
        sent = guest_list.send_invitations(invitations=queryset)
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
            created, skipped, errors = guest_list.import_guest_list(
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
