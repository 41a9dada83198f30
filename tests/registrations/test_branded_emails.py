"""Emails look like the organisation: its name and colours, the venue with its address and a map
link, the contact address and a Reply-To; the plain-text part says the same in plain words."""

import re

import pytest
from django.urls import reverse

from registrations.models import OutboxEmail, Registration
from registrations.outbox.delivery import build_message
from registrations.outbox.rendering import without_inline_styles
from registrations.signup.emails import render_email
from tests import factories

pytestmark = pytest.mark.django_db

MAP = "https://www.openstreetmap.org/search?query=Herman+Tierlinck+Building%2C+Havenlaan+88%2C+Brussels%2C+Belgium"


@pytest.fixture(autouse=True)
def addresses(settings):
    settings.SITE_URL = "https://events.example.org"
    settings.CONTACT_EMAIL = "events@example.org"
    settings.REPLY_TO_EMAIL = "events@example.org"


def _registration(**event):
    venue = factories.VenueFactory(address="Havenlaan 88")
    return factories.RegistrationFactory(
        event=factories.EventFactory(title="Annual Conference", venue=venue, **event),
        name="Ana Pérez",
        status=Registration.Status.CONFIRMED,
    )


def test_the_html_email_carries_the_brand_the_venue_with_a_map_and_the_contact():
    email = render_email(registration=_registration(), kind=OutboxEmail.Kind.REGISTERED)
    html = email["body_html"]

    assert "Electronics Watch events" in html
    assert "background:#0b5d57" in html
    assert "Havenlaan 88" in html
    assert f'href="{MAP.replace("&", "&amp;")}"' in html
    assert '<a href="mailto:events@example.org"' in html
    assert "You get this email because you registered for Annual Conference." in html


def test_the_plain_text_part_reads_well_with_the_same_information():
    text = render_email(registration=_registration(), kind=OutboxEmail.Kind.REGISTERED)["body_text"]

    assert text.startswith("Dear Ana Pérez,\n")
    assert "Venue: Herman Tierlinck Building, Havenlaan 88, Brussels, Belgium" in text
    assert f"Map of the venue: {MAP}" in text
    assert "Questions? Write to events@example.org, or simply reply to this email." in text
    assert not re.search(r"<[a-z/][^>]*>", text)  # no markup
    assert "\n\n\n\n" not in text


def test_an_online_event_names_no_venue():
    email = render_email(registration=_registration(kind="webinar"), kind=OutboxEmail.Kind.REGISTERED)

    assert "Map of the venue" not in email["body_html"]
    assert "Venue:" not in email["body_text"]


def test_a_reply_goes_to_the_organisers():
    registration = _registration()
    row = OutboxEmail.objects.create(
        registration=registration,
        to_email=registration.email,
        kind=OutboxEmail.Kind.REGISTERED,
        subject="s",
        body_text="t",
    )

    assert build_message(row).reply_to == ["events@example.org"]


def test_account_emails_are_branded_too(client, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("account_signup"),
            {"email": "rosa@example.org", "password1": "a-long-password-1", "password2": "a-long-password-1"},
        )

    [message] = mailoutbox
    [(html, _)] = message.alternatives
    assert "Electronics Watch events" in html
    assert ">Confirm Email Address</a>" in html
    assert "/accounts/confirm-email/" in html
    assert "/accounts/confirm-email/" in message.body  # the text part keeps the link


def test_a_preview_inside_our_pages_shows_the_email_without_the_inline_styles_the_policy_refuses():
    html = render_email(registration=_registration(), kind=OutboxEmail.Kind.REGISTERED)["body_html"]

    shown = without_inline_styles(html)

    assert "style=" in html
    assert "style=" not in shown
    assert "<style" not in shown
    assert "Map of the venue</a>" in shown
