"""Staff write, preview, test and send mailings in the admin (registrations.mailings.services does the work).

Every view here is wrapped by admin_site.admin_view (staff only) and checks the
model permission; sending is a POST, and the service refuses a second start.
"""

import copy
import functools

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Case, IntegerField, Value, When
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from events.admin import NamedInputsMixin
from events.forms import SessionMultipleChoiceField
from events.models import Event, Session
from events.translation import in_every_language
from registrations.mailings import services as mailings
from registrations.models import Mailing, OutboxEmail
from registrations.outbox import rendering
from registrations.signup.emails import language_of

RECIPIENTS_SHOWN = 500
SEARCH_RESULTS = 20


def _in_language(registration, language):
    """`registration` as if its language were `language` (one of the site's), to preview or test
    a mailing in each language; unchanged when `language` is not given."""
    if registration is None or language not in dict(settings.LANGUAGES):
        return registration
    registration = copy.copy(registration)
    registration.language = language
    return registration


class MailingForm(forms.ModelForm):
    class Meta:
        model = Mailing
        fields = [
            "event",
            "subject",
            "body",
            "subject_es",
            "body_es",
            "audience",
            "sessions",
            "registered_since",
        ]
        widgets = {
            "body": forms.Textarea(attrs={"rows": 20, "cols": 100}),
            "body_es": forms.Textarea(attrs={"rows": 20, "cols": 100}),
        }

    def clean(self):
        cleaned = super().clean()
        event = cleaned.get("event")
        sessions = cleaned.get("sessions") or []
        if event is not None and any(session.event_id != event.pk for session in sessions):
            self.add_error("sessions", _("Choose sessions of this mailing's event."))
        if cleaned.get("audience") == Mailing.Audience.SESSIONS and not sessions:
            self.add_error("sessions", _("Choose the sessions whose attendees get this mailing."))
        to_followers = cleaned.get("audience") == Mailing.Audience.FOLLOWERS
        if to_followers and event is not None and not event.series_id:
            message = _("This event is in no webinar series, so it has no followers to write to.")
            self.add_error("audience", message)
        return cleaned


class PracticalInformationForm(forms.Form):
    event = forms.ModelChoiceField(queryset=Event.objects.order_by("-start"), label=_("Event"))


class NewAudienceForm(forms.Form):
    since = forms.DateTimeField(
        label=_("Registered since"),
        required=False,
        help_text=_("Leave empty for everyone in the audience who has not had this mailing."),
    )


class MailingAdmin(NamedInputsMixin, admin.ModelAdmin):
    form = MailingForm
    list_display = ["subject", "event", "audience", "status", "progress", "created"]
    list_filter = ["status", "audience", "event"]
    search_fields = ["subject", *(f"event__{column}" for column in in_every_language("title"))]
    list_select_related = ["event"]
    filter_horizontal = ["sessions"]
    change_list_template = "admin/registrations/mailing/change_list.html"
    change_form_template = "admin/registrations/mailing/change_form.html"
    fields = [
        "event",
        "subject",
        "body",
        "subject_es",
        "body_es",
        "audience",
        "sessions",
        "registered_since",
        "audience_size",
        "status",
        "created_by",
        "created",
        "sent_at",
        "progress",
        "recipient_statuses",
    ]
    readonly_fields = [
        "audience_size",
        "status",
        "created_by",
        "created",
        "sent_at",
        "progress",
        "recipient_statuses",
    ]

    def get_readonly_fields(self, request, obj=None):
        # What was sent stays as it was sent.
        if obj is not None and obj.status != Mailing.Status.DRAFT:
            return [*MailingForm.Meta.fields, *self.readonly_fields]
        return self.readonly_fields

    def get_fields(self, request, obj=None):
        if obj is None:
            return MailingForm.Meta.fields
        return self.fields

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "sessions":
            sessions = Session.objects.select_related("event").order_by("event__start", "start", "pk")
            object_id = request.resolver_match.kwargs.get("object_id") if request.resolver_match else None
            mailing = Mailing.objects.filter(pk=object_id).first() if object_id else None
            if mailing is not None:
                sessions = sessions.filter(event_id=mailing.event_id)
            kwargs["queryset"] = sessions
            # A new mailing lists every event's sessions: each says its event too.
            kwargs["form_class"] = functools.partial(SessionMultipleChoiceField, with_event=mailing is None)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def has_delete_permission(self, request, obj=None):
        # A mailing sent or being sent is the record of what people received.
        if obj is not None and obj.status != Mailing.Status.DRAFT:
            return False
        return super().has_delete_permission(request, obj)

    @admin.display(description=_("audience"))
    def audience_size(self, obj):
        if obj.pk is None:
            return "—"
        count = mailings.audience_count(obj)
        if obj.status == Mailing.Status.DRAFT:
            return ngettext(
                "This mailing will go to %(count)d person.",
                "This mailing will go to %(count)d people.",
                count,
            ) % {"count": count}
        return ngettext(
            "%(count)d person is in the audience now.", "%(count)d people are in the audience now.", count
        ) % {"count": count}

    @admin.display(description=_("progress"))
    def progress(self, obj):
        if obj.pk is None or obj.status == Mailing.Status.DRAFT:
            return "—"
        progress = mailings.progress_of(obj)
        return _("%(sent)d of %(total)d sent, %(pending)d pending, %(failed)d failed") % {
            "sent": progress.sent,
            "total": progress.total,
            "pending": progress.pending,
            "failed": progress.failed,
        }

    @admin.display(description=_("recipients"))
    def recipient_statuses(self, obj):
        if obj.pk is None or obj.status == Mailing.Status.DRAFT:
            return "—"
        # Failures first: they are what staff act on.
        order = Case(
            When(status=OutboxEmail.Status.FAILED, then=Value(0)),
            When(status=OutboxEmail.Status.PENDING, then=Value(1)),
            default=Value(2),
            output_field=IntegerField(),
        )
        rows = (
            mailings.recipient_rows(obj)
            .select_related("registration")
            .order_by(order, "pk")
            .only("to_email", "status", "attempts", "last_error", "sent_at", "registration__name")[
                :RECIPIENTS_SHOWN
            ]
        )
        table = [
            (
                row.registration.name if row.registration else "—",
                row.to_email,
                row.get_status_display(),
                row.attempts,
                row.last_error or "—",
                row.sent_at or "—",
            )
            for row in rows
        ]
        headers = [_("name"), _("email"), _("status"), _("attempts"), _("error"), _("sent at")]
        shown = format_html(
            "<table><thead><tr>{}</tr></thead><tbody>{}</tbody></table>",
            format_html_join("", "<th>{}</th>", ((header,) for header in headers)),
            format_html_join(
                "",
                "<tr>{}</tr>",
                ((format_html_join("", "<td>{}</td>", ((cell,) for cell in row)),) for row in table),
            ),
        )
        link = reverse("admin:registrations_outboxemail_changelist") + f"?mailing__exact={obj.pk}"
        return format_html('{}<p><a href="{}">{}</a></p>', shown, link, _("All of this mailing's emails"))

    def get_urls(self):
        def view(function, suffix):
            return path(
                f"<path:object_id>/{suffix}/",
                self.admin_site.admin_view(function),
                name=f"registrations_mailing_{suffix.replace('-', '_')}",
            )

        urls = [
            path(
                "practical-information/",
                self.admin_site.admin_view(self.practical_information_view),
                name="registrations_mailing_practical_information",
            ),
            view(self.preview_view, "preview"),
            view(self.send_test_view, "send-test"),
            view(self.send_view, "send"),
            view(self.resend_failed_view, "resend-failed"),
            view(self.send_to_new_view, "send-to-new"),
        ]
        return urls + super().get_urls()

    # --- Views ------------------------------------------------------------------------------------

    def _mailing(self, request, object_id):
        mailing = get_object_or_404(Mailing.objects.select_related("event"), pk=object_id)
        if not self.has_change_permission(request, mailing) and not self.has_view_permission(
            request, mailing
        ):
            raise PermissionDenied
        return mailing

    def _change_url(self, mailing):
        return reverse("admin:registrations_mailing_change", args=[mailing.pk])

    def _context(self, request, mailing, title, **extra):
        return {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": mailing,
            "mailing": mailing,
            "title": title,
            **extra,
        }

    def _require_change(self, request, mailing=None):
        if not self.has_change_permission(request, mailing):
            raise PermissionDenied

    def practical_information_view(self, request):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = PracticalInformationForm(request.POST or None, initial={"event": request.GET.get("event")})
        if request.method == "POST" and form.is_valid():
            mailing = mailings.create_practical_information_mailing(
                event=form.cleaned_data["event"], user=request.user
            )
            self.message_user(
                request,
                _(
                    "A draft was written from the event's venue and practical information: "
                    "check it and add hotels and transport."
                ),
                messages.SUCCESS,
            )
            return redirect(self._change_url(mailing))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("New practical-information mailing"),
            "form": form,
        }
        return TemplateResponse(request, "admin/registrations/mailing/practical_information.html", context)

    def preview_view(self, request, object_id):
        mailing = self._mailing(request, object_id)
        audience = mailings.audience_queryset(mailing)
        query = request.GET.get("q", "").strip()
        matches = []
        if query:
            matches = mailings.search_audience(mailing, query, limit=SEARCH_RESULTS)
        registration = None
        chosen = request.GET.get("registration", "")
        if chosen.isdigit():
            registration = audience.filter(pk=chosen).first()
            if registration is None:
                raise Http404("Not in this mailing's audience.")
        if registration is None:
            registration = audience.first()
        language = request.GET.get("language", "")
        registration = _in_language(registration, language)
        rendered = (
            mailings.render_mailing(mailing=mailing, registration=registration) if registration else None
        )
        if rendered:
            rendered = {**rendered, "body_html": rendering.without_inline_styles(rendered["body_html"])}
        context = self._context(
            request,
            mailing,
            _("Preview: %(subject)s") % {"subject": mailing.subject},
            registration=registration,
            rendered=rendered,
            query=query,
            matches=matches,
            audience_count=audience.count(),
            language=language_of(registration) if registration else "",
            languages=settings.LANGUAGES,
        )
        return TemplateResponse(request, "admin/registrations/mailing/preview.html", context)

    def send_test_view(self, request, object_id):
        mailing = self._mailing(request, object_id)
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        self._require_change(request, mailing)
        registration = None
        chosen = request.POST.get("registration", "")
        if chosen.isdigit():
            registration = mailings.audience_queryset(mailing).filter(pk=chosen).first()
        registration = _in_language(registration, request.POST.get("language", ""))
        try:
            row = mailings.send_test_mailing(mailing=mailing, user=request.user, registration=registration)
        except mailings.MailingError as error:
            self.message_user(request, str(error), messages.ERROR)
        else:
            self.message_user(
                request, _("A test was queued to %(email)s.") % {"email": row.to_email}, messages.SUCCESS
            )
        return redirect(self._change_url(mailing))

    def send_view(self, request, object_id):
        mailing = self._mailing(request, object_id)
        self._require_change(request, mailing)
        if request.method == "POST":
            try:
                mailings.start_mailing(mailing=mailing, user=request.user)
            except mailings.MailingError as error:
                self.message_user(request, str(error), messages.WARNING)
            else:
                self.message_user(
                    request, _("The mailing is being sent. Progress shows below."), messages.SUCCESS
                )
            return redirect(self._change_url(mailing))
        context = self._context(
            request,
            mailing,
            _("Send: %(subject)s") % {"subject": mailing.subject},
            audience_count=mailings.audience_count(mailing),
        )
        return TemplateResponse(request, "admin/registrations/mailing/send.html", context)

    def resend_failed_view(self, request, object_id):
        mailing = self._mailing(request, object_id)
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        self._require_change(request, mailing)
        count = mailings.resend_failed(mailing=mailing)
        self.message_user(
            request,
            ngettext(
                "%(count)d failed email was queued again.",
                "%(count)d failed emails were queued again.",
                count,
            )
            % {"count": count},
            messages.SUCCESS if count else messages.INFO,
        )
        return redirect(self._change_url(mailing))

    def send_to_new_view(self, request, object_id):
        mailing = self._mailing(request, object_id)
        self._require_change(request, mailing)
        initial = {"since": timezone.localtime(mailing.sent_at) if mailing.sent_at else None}
        form = NewAudienceForm(request.POST or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            try:
                count = mailings.send_to_new_audience(
                    mailing=mailing, user=request.user, since=form.cleaned_data["since"]
                )
            except mailings.MailingError as error:
                self.message_user(request, str(error), messages.WARNING)
            else:
                self.message_user(
                    request,
                    ngettext(
                        "The mailing is being sent to %(count)d more person.",
                        "The mailing is being sent to %(count)d more people.",
                        count,
                    )
                    % {"count": count},
                    messages.SUCCESS,
                )
            return redirect(self._change_url(mailing))
        since = form.cleaned_data.get("since") if form.is_bound and form.is_valid() else initial["since"]
        context = self._context(
            request,
            mailing,
            _("Send to those registered since: %(subject)s") % {"subject": mailing.subject},
            form=form,
            new_count=mailings.new_audience(mailing, since=since).count(),
        )
        return TemplateResponse(request, "admin/registrations/mailing/send_to_new.html", context)


admin.site.register(Mailing, MailingAdmin)
