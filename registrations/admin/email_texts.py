"""Staff write the wording of an event's registration emails, preview it and send a test to themselves.

One EmailText per event, kind of email and language (registrations.signup.email_texts);
an event's page here lists every kind in every language, each with staff's text or the
built-in one. The preview renders the email for a made-up registrant with the event's
real data, through the same rendering as every registrant's email
(registrations.signup.email_samples); the test goes through the outbox like every email.

Every view is wrapped by admin_site.admin_view (staff only) and names its permission with
staff_permission_required.
"""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from events.models import Event
from events.translation import in_every_language
from ewevents.staff_only import staff_permission_required
from registrations.models import EmailText
from registrations.signup import email_samples, email_texts

VIEW = "registrations.view_emailtext"
CHANGE = "registrations.change_emailtext"


class EmailTextForm(forms.ModelForm):
    class Meta:
        model = EmailText
        fields = ["event", "kind", "language", "subject", "body"]
        widgets = {
            "subject": forms.TextInput(attrs={"size": 80}),
            "body": forms.Textarea(attrs={"rows": 16, "cols": 80}),
        }

    def clean_subject(self):
        subject = " ".join(self.cleaned_data["subject"].split())
        email_texts.validate_text(subject)
        return subject

    def clean_body(self):
        # Browsers send a textarea's line breaks as CRLF; emails are built with LF.
        body = self.cleaned_data["body"].replace("\r\n", "\n").replace("\r", "\n").strip()
        email_texts.validate_text(body)
        return body


class EventChoiceForm(forms.Form):
    event = forms.ModelChoiceField(queryset=Event.objects.order_by("-start"), label=_("Event"))


def _choice(request_data):
    """The (event, kind, language) named in `request_data`, or None when one is missing or unknown."""
    kind, language = request_data.get("kind", ""), request_data.get("language", "")
    event_id = request_data.get("event", "")
    if (
        kind not in EmailText.Kind.values
        or language not in dict(settings.LANGUAGES)
        or not event_id.isdigit()
    ):
        return None
    event = Event.objects.filter(pk=event_id).first()
    return (event, kind, language) if event is not None else None


class EmailTextAdmin(admin.ModelAdmin):
    form = EmailTextForm
    list_display = ["kind", "language", "event", "subject", "updated"]
    list_filter = ["kind", "language", "event"]
    list_select_related = ["event"]
    search_fields = ["subject", "body", *(f"event__{column}" for column in in_every_language("title"))]
    change_form_template = "admin/registrations/emailtext/change_form.html"
    change_list_template = "admin/registrations/emailtext/change_list.html"

    def get_readonly_fields(self, request, obj=None):
        # A text belongs to its event, kind and language: another one is another text.
        return ["event", "kind", "language"] if obj is not None else []

    def get_changeform_initial_data(self, request):
        """Event, kind and language from the query; the built-in subject and message to start from."""
        initial = super().get_changeform_initial_data(request)
        chosen = _choice(request.GET)
        if chosen is not None:
            _event, kind, language = chosen
            initial["subject"], initial["body"] = email_texts.built_in(kind, language)
        return initial

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is not None:
            # An emptied field keeps the built-in text: show it where staff would write.
            subject, body = email_texts.built_in(obj.kind, obj.language)
            form.base_fields["subject"].widget.attrs["placeholder"] = subject
            form.base_fields["body"].widget.attrs["placeholder"] = body
        return form

    def add_view(self, request, form_url="", extra_context=None):
        # Staff start from an event's list, which says which texts are built in and links here.
        if request.method == "GET" and _choice(request.GET) is None:
            event = request.GET.get("event", "")
            query = f"?{urlencode({'event': event})}" if event.isdigit() else ""
            return redirect(reverse("admin:registrations_emailtext_event") + query)
        return super().add_view(request, form_url, extra_context)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["placeholders"] = [
            (f"{{{{ {name} }}}}", meaning) for name, meaning in email_texts.PLACEHOLDERS.items()
        ]
        if obj is not None:
            context["preview_url"] = _preview_url(obj.event_id, obj.kind, obj.language)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def _after_save(self, request, obj, response):
        if "_preview" in request.POST:
            return HttpResponseRedirect(_preview_url(obj.event_id, obj.kind, obj.language))
        return response

    def response_add(self, request, obj, post_url_continue=None):
        return self._after_save(request, obj, super().response_add(request, obj, post_url_continue))

    def response_change(self, request, obj):
        return self._after_save(request, obj, super().response_change(request, obj))

    def get_urls(self):
        def view(function, route, name, permission):
            checked = staff_permission_required(permission)(function)
            return path(route, self.admin_site.admin_view(checked), name=f"registrations_emailtext_{name}")

        return [
            view(self.event_view, "event/", "event", VIEW),
            view(self.preview_view, "preview/", "preview", VIEW),
            view(self.send_test_view, "send-test/", "send_test", CHANGE),
            *super().get_urls(),
        ]

    # --- Views ------------------------------------------------------------------------------------

    def _context(self, request, title, **extra):
        return {**self.admin_site.each_context(request), "opts": self.opts, "title": title, **extra}

    def event_view(self, request):
        """Every kind of email of an event in every language: staff's text or the built-in one."""
        form = EventChoiceForm(request.GET or None)
        event = form.cleaned_data["event"] if form.is_bound and form.is_valid() else None
        rows = []
        if event is not None:
            written = {(text.kind, text.language): text for text in EmailText.objects.filter(event=event)}
            for kind, label in EmailText.Kind.choices:
                cells = []
                for language, language_name in settings.LANGUAGES:
                    text = written.get((kind, language))
                    if text is not None:
                        edit_url = reverse("admin:registrations_emailtext_change", args=[text.pk])
                    else:
                        query = urlencode({"event": event.pk, "kind": kind, "language": language})
                        edit_url = f"{reverse('admin:registrations_emailtext_add')}?{query}"
                    cells.append(
                        {
                            "language": language,
                            "language_name": language_name,
                            "text": text,
                            "edit_url": edit_url,
                            "preview_url": _preview_url(event.pk, kind, language),
                        }
                    )
                rows.append({"kind": kind, "label": label, "cells": cells})
        title = (
            _("Email texts: %(event)s") % {"event": event.title} if event else _("Email texts of an event")
        )
        context = self._context(
            request,
            title,
            form=form,
            event=event,
            rows=rows,
            languages=settings.LANGUAGES,
            can_change=self.has_change_permission(request) and self.has_add_permission(request),
        )
        return TemplateResponse(request, "admin/registrations/emailtext/event.html", context)

    def preview_view(self, request):
        chosen = _choice(request.GET)
        if chosen is None:  # nothing chosen: the event's list, to choose from
            return redirect(reverse("admin:registrations_emailtext_event"))
        event, kind, language = chosen
        text = email_texts.staff_text(event=event, kind=kind, language=language)
        rendered = email_samples.render_sample(event=event, kind=kind, language=language, for_browser=True)
        context = self._context(
            request,
            _("Preview: %(kind)s (%(language)s), %(event)s")
            % {
                "kind": EmailText.Kind(kind).label,
                "language": dict(settings.LANGUAGES)[language],
                "event": event.title,
            },
            event=event,
            kind=kind,
            language=language,
            languages=[(code, name, _preview_url(event.pk, kind, code)) for code, name in settings.LANGUAGES],
            text=text,
            edit_url=(
                reverse("admin:registrations_emailtext_change", args=[text.pk])
                if text is not None
                else f"{reverse('admin:registrations_emailtext_add')}?"
                + urlencode({"event": event.pk, "kind": kind, "language": language})
            ),
            event_url=f"{reverse('admin:registrations_emailtext_event')}?{urlencode({'event': event.pk})}",
            rendered=rendered,
            sample_name=email_samples.sample_registration(event=event, kind=kind, language=language).name,
            sample_email=email_samples.SAMPLE_EMAIL,
            can_send=self.has_change_permission(request),
        )
        return TemplateResponse(request, "admin/registrations/emailtext/preview.html", context)

    def send_test_view(self, request):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        chosen = _choice(request.POST)
        if chosen is None:
            raise Http404("Choose an event, a kind of email and a language.")
        event, kind, language = chosen
        try:
            row = email_samples.send_sample(event=event, kind=kind, language=language, user=request.user)
        except email_samples.SampleError as error:
            self.message_user(request, str(error), messages.ERROR)
        else:
            self.message_user(
                request,
                _("A test was queued to %(email)s. It is sent like every email, in a moment.")
                % {"email": row.to_email},
                messages.SUCCESS,
            )
        return redirect(_preview_url(event.pk, kind, language))


def _preview_url(event_id, kind, language):
    query = urlencode({"event": event_id, "kind": kind, "language": language})
    return f"{reverse('admin:registrations_emailtext_preview')}?{query}"


admin.site.register(EmailText, EmailTextAdmin)
