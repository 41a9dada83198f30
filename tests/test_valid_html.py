"""Every page and every HTML email is valid HTML, as the Nu HTML Checker (vnu.jar) sees it.

The checker runs once over all documents (the JVM is slow to start): each page of
tests/pages.py in English and Spanish, the staff pages of our own templates, and the
HTML part of each email. Errors fail the test; warnings are only printed.
"""

import json
import shutil
import subprocess

from django.contrib.auth.models import AnonymousUser
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse
from django.utils.text import slugify
from django.views.defaults import server_error

from events.models import Event, WebinarSeries
from registrations.following import emails as follower_emails
from registrations.mailings import services as mailings
from registrations.models import Invitation, Mailing, OutboxEmail, Registration, SeriesFollower
from registrations.outbox import rendering
from registrations.signup import emails
from tests import checkers, pages
from tests.service_fixtures import missing_service

# A document the checker must flag: proves the run really checks something.
BROKEN_CANARY = "canary-broken"
BROKEN_HTML = '<!doctype html><html lang="en"><head><title>x</title></head><body><p><div></p></body></html>'


def _staff_pages(language):
    slug = pages.CONFERENCE
    checkin = reverse("registrations:checkin", kwargs={"slug": slug})
    return [
        pages.CheckedPage(name, url, login=pages.STAFF, language=language)
        for name, url in [
            ("staff check-in", checkin),
            ("staff check-in search", f"{checkin}?q=Rosa"),
            ("staff check-in no match", f"{checkin}?q=nobody-by-that-name"),
            ("staff summary", reverse("registrations:staff_summary", kwargs={"slug": slug})),
            ("staff dashboard", reverse("registrations:staff_dashboard", kwargs={"slug": slug})),
            ("staff participants", reverse("registrations:staff_participant_list", kwargs={"slug": slug})),
            ("staff badges", reverse("registrations:staff_badges", kwargs={"slug": slug})),
        ]
    ]


def _more_pages(language):
    """Pages tests/pages.py leaves out: cancelling, closed registration, account settings."""
    event = Event.objects.get(slug=pages.CONFERENCE)
    to_cancel = Registration.objects.create(
        event=event,
        name=f"Guest Cancelling {language}",
        email=f"cancelling.{language}@example.org",
        privacy_consent_at=event.start,
        privacy_notice_version="1",
    )
    cancel = reverse("registrations:cancel", kwargs={"token": to_cancel.manage_token})
    return [
        pages.CheckedPage("cancel registration", cancel, language=language),
        pages.CheckedPage("registration cancelled", cancel, method="POST", language=language),
        pages.CheckedPage(
            "registration closed",
            reverse("registrations:register", kwargs={"slug": pages.PAST_CONFERENCE}),
            language=language,
        ),
        pages.CheckedPage("account", reverse("account_email"), login=pages.AFFILIATE, language=language),
        pages.CheckedPage(
            "change password", reverse("account_change_password"), login=pages.AFFILIATE, language=language
        ),
    ]


def _error_documents():
    """The 500 page (Django renders it without a request context) and the 429 page."""
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    event = Event.objects.get(slug=pages.CONFERENCE)
    return {
        "server error": server_error(request).content.decode(),
        "too many attempts": render_to_string("429.html", {"event": event}, request=request),
    }


def _email_documents():
    """The HTML part of every kind of email, for a guest of the demo conference."""
    registration = Registration.objects.filter(event__slug=pages.CONFERENCE).order_by("pk").first()
    documents = {}
    for kind in OutboxEmail.Kind:
        if kind in (OutboxEmail.Kind.INVITATION, OutboxEmail.Kind.MAILING, OutboxEmail.Kind.ACCOUNT):
            continue  # the invitation below; mailings are staff's Markdown; account emails are allauth's
        if kind == OutboxEmail.Kind.FOLLOW_CONFIRM:
            for language in pages.LANGUAGES:
                follower = SeriesFollower.objects.create(
                    series=WebinarSeries.objects.get(slug=pages.SERIES),
                    email=f"follower.{language}@example.org",
                    language=language,
                )
                html = follower_emails.queue_confirmation(follower).body_html
                documents[f"email {kind} {language}"] = html
            continue
        if kind == OutboxEmail.Kind.LOGIN_ATTEMPTS:
            context = {
                "failures": 11,
                "site_url": "https://events.example.org",
                "reset_url": "https://e.example/r",
            }
            documents[f"email {kind}"] = rendering.render(kind, context)["body_html"]
            continue
        for language in pages.LANGUAGES:
            registration.language = language
            context = {}
            if kind == OutboxEmail.Kind.TIME_CHANGED:
                context = {"old_times": ["before"], "new_times": ["after"]}
            rendered = emails.render_email(registration=registration, kind=kind, context=context)
            documents[f"email {kind} {language}"] = rendered["body_html"]
    event = Event.objects.get(slug=pages.CONFERENCE)
    invitation = Invitation.objects.create(event=event, name="Invited Guest", email="invited@example.org")
    documents["email invitation"] = emails.render_invitation_email(invitation=invitation)["body_html"]
    mailing = Mailing.objects.create(
        event=event,
        subject="Practical information",
        body="Hello **{{ name }}**,\n\n- Venue: [the Herman Tierlinck](https://example.org)\n- Lunch.",
    )
    mailing_email = mailings.render_mailing(mailing=mailing, registration=registration)
    documents["email mailing"] = mailing_email["body_html"]
    return documents


def _run_checker(folder):
    """Run vnu.jar over every .html file in `folder`; return its messages by file name."""
    try:
        jar = checkers.vnu_jar()
    except checkers.CheckerUnavailable as error:
        missing_service(str(error))
    result = subprocess.run(
        [shutil.which("java"), "-jar", str(jar), "--format", "json", "--exit-zero-always", str(folder)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    report = json.loads(result.stderr)
    by_file = {}
    for message in report["messages"]:
        name = message.get("url", "").rpartition("/")[2].removesuffix(".html")
        by_file.setdefault(name, []).append(message)
    return by_file


def _describe(name, message):
    line = message.get("lastLine", "?")
    extract = " ".join(message.get("extract", "").split())
    return f"{name}, line {line}: {message['message']}\n    {extract}"


def test_every_page_and_email_is_valid_html(db, settings, tmp_path):
    if shutil.which("java") is None:
        missing_service("java is not installed (apt-get install default-jre-headless)")
    pages.configure(settings)
    checked = pages.build_pages()
    for language in pages.LANGUAGES:
        checked += _staff_pages(language) + _more_pages(language)

    documents = {f"{page.name} {page.language}": pages.fetch_html(page) for page in checked}
    documents.update(_error_documents())
    documents.update(_email_documents())
    documents[BROKEN_CANARY] = BROKEN_HTML
    for name, html in documents.items():
        (tmp_path / f"{slugify(name)}.html").write_text(html, encoding="utf-8")
    names = {slugify(name): name for name in documents}
    assert len(names) == len(documents), "two documents would share a file name"

    messages = _run_checker(tmp_path)

    assert any(message["type"] == "error" for message in messages.get(BROKEN_CANARY, [])), (
        "the HTML checker did not flag a broken document"
    )
    errors, warnings = [], []
    for file_name, found in messages.items():
        if file_name == BROKEN_CANARY:
            continue
        name = names.get(file_name, file_name)
        for message in found:
            if message["type"] in ("error", "non-document-error"):
                errors.append(_describe(name, message))
            else:
                warnings.append(_describe(name, message))
    if warnings:
        print("HTML checker warnings:\n" + "\n".join(warnings))
    assert not errors, f"{len(errors)} HTML errors:\n" + "\n".join(errors)
