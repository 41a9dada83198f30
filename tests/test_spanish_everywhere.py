"""No English left on a page or email a Spanish-speaking visitor meets: every page of tests/pages.py
and every registration email, rendered in Spanish, holds no English sentence of the catalogue."""

import re
from html.parser import HTMLParser
from pathlib import Path

import allauth
import pytest
from django.urls import reverse

from registrations.models import OutboxEmail, Registration
from registrations.signup.emails import render_email
from tests import factories, pages
from tests.test_languages import PO_PATH, parse_po

# Placeholders, template code and tags split a message into the literal runs a reader sees.
_NOT_TEXT = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\{.*?\}\}|\{%.*?%\}|<[^>]+>")
_MIN_WORDS = 3  # "Log in", "Room: ..." are too short to tell English from a name or a code


ALLAUTH_PO = Path(allauth.__file__).parent / "locale" / "es" / "LC_MESSAGES" / "django.po"


def english_sentences(catalogues=(PO_PATH,)):
    """Runs of at least three words of every message whose Spanish differs from its English."""
    found = set()
    for entry in (entry for path in catalogues for entry in parse_po(path)):
        if entry.get("obsolete") or not entry["msgid"]:
            continue
        spanish = entry.get("msgstr") or entry.get("msgstr[0]", "")
        for english in filter(None, [entry["msgid"], entry.get("msgid_plural")]):
            for run in _NOT_TEXT.split(english):
                run = " ".join(run.split()).strip(" .,:;·()")
                if len(run.split()) >= _MIN_WORDS and run not in spanish:
                    found.add(run)
    return found


class _Text(HTMLParser):
    """The words a reader or a screen reader meets: text, and alt, title, aria-label, placeholder."""

    SKIP = {"script", "style"}
    SPOKEN = {"alt", "title", "aria-label", "placeholder"}

    def __init__(self):
        super().__init__()
        self.parts, self._skipping = [], 0

    def handle_starttag(self, tag, attrs):
        self._skipping += tag in self.SKIP
        self.parts += [value for name, value in attrs if name in self.SPOKEN and value]

    def handle_endtag(self, tag):
        self._skipping -= tag in self.SKIP

    def handle_data(self, data):
        if not self._skipping:
            self.parts.append(data)


def readable_text(html):
    parser = _Text()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def english_in(text, sentences):
    return sorted(sentence for sentence in sentences if sentence in text)


def test_the_detector_finds_an_english_sentence_left_in_a_spanish_page():
    sentences = english_sentences()
    assert "The programme will be published soon" in sentences
    page = "<main><p>Programa</p><p>The programme will be published soon.</p></main>"
    assert english_in(readable_text(page), sentences) == ["The programme will be published soon"]


@pytest.mark.django_db
def test_every_page_in_spanish_holds_no_english_sentence(settings):
    pages.configure(settings)
    sentences = english_sentences()
    problems = []
    for checked in pages.build_pages(languages=("es",)):
        left = english_in(readable_text(pages.fetch_html(checked)), sentences)
        if left:
            problems.append(f"{checked}: {left}")
    assert not problems, "English on Spanish pages:\n" + "\n".join(problems)


REGISTRATION_EMAILS = [
    (OutboxEmail.Kind.REGISTERED, Registration.Status.CONFIRMED),
    (OutboxEmail.Kind.WAITLISTED, Registration.Status.WAITLISTED),
    (OutboxEmail.Kind.AWAITING_APPROVAL, Registration.Status.PENDING),
    (OutboxEmail.Kind.APPROVED, Registration.Status.CONFIRMED),
    (OutboxEmail.Kind.REJECTED, Registration.Status.REJECTED),
    (OutboxEmail.Kind.PROMOTED, Registration.Status.CONFIRMED),
    (OutboxEmail.Kind.CHANGED, Registration.Status.CONFIRMED),
    (OutboxEmail.Kind.CANCELLED, Registration.Status.CANCELLED),
    (OutboxEmail.Kind.MANAGE_LINK, Registration.Status.CONFIRMED),
    (OutboxEmail.Kind.REMINDER, Registration.Status.CONFIRMED),
    (OutboxEmail.Kind.RECORDING_AVAILABLE, Registration.Status.CONFIRMED),
]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kind", "status"), REGISTRATION_EMAILS, ids=[kind for kind, _ in REGISTRATION_EMAILS]
)
def test_every_registration_email_in_spanish_holds_no_english_sentence(settings, kind, status):
    settings.SITE_URL = "https://events.example.org"
    event = factories.EventFactory(title="Conferencia", interpretation_languages=["es"])
    session = factories.SessionFactory(event=event, title="Panel")
    registration = factories.RegistrationFactory(
        event=event, name="Ana Pérez", status=status, language="es", sessions=[session]
    )

    email = render_email(registration=registration, kind=kind)

    text = " ".join([email["subject"], email["body_text"], readable_text(email["body_html"])])
    assert english_in(" ".join(text.split()), english_sentences()) == []


@pytest.mark.django_db
def test_account_emails_to_a_spanish_visitor_are_spanish(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    client.cookies["django_language"] = "es"
    sentences = english_sentences((PO_PATH, ALLAUTH_PO))
    factories.UserFactory(email="ana@example.org")

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("account_signup"),
            {"email": "rosa@example.org", "password1": "una-clave-larga-1", "password2": "una-clave-larga-1"},
        )
        client.post(reverse("account_reset_password"), {"email": "ana@example.org"})

    assert len(mailoutbox) == 2
    assert "Please Confirm Your Email Address" in sentences  # the detector knows allauth's English
    for message in mailoutbox:
        html = next(
            (content for content, kind in getattr(message, "alternatives", []) if kind == "text/html"), ""
        )
        text = " ".join(" ".join([message.subject, message.body, readable_text(html)]).split())
        assert english_in(text, sentences) == [], message.subject
