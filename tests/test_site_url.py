"""The Host header never reaches a body: absolute URLs in .ics files, feeds, the sitemap, structured
data and emails start with settings.SITE_URL, whatever Host and X-Forwarded-Proto a request sends.

A request as in issue 16 (`Host: localhost:6666`, `X-Forwarded-Proto: https`; localhost is an
allowed host) comes first; the next visitor's copy, perhaps from the cache, must not carry it.
"""

import icalendar
import pytest
from django.core import mail
from django.urls import reverse

from events.models import Event
from registrations.models import OutboxEmail
from registrations.signup import feeds, services
from tests import factories

pytestmark = pytest.mark.django_db

SITE = "https://events.example.org"
HOSTILE = {"HTTP_HOST": "localhost:6666", "HTTP_X_FORWARDED_PROTO": "https"}


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = SITE


def both_answers(client, url):
    """The body sent to the hostile request, then the one the next plain visitor gets."""
    first = client.get(url, **HOSTILE)
    second = client.get(url)
    assert (first.status_code, second.status_code) == (200, 200)
    return [first.content.decode(), second.content.decode()]


def calendar_urls(text):
    return [str(entry["URL"]) for entry in icalendar.Calendar.from_ical(text).walk("VEVENT")]


def test_an_events_ics_links_to_the_site_whatever_host_was_asked_first(client):
    event = factories.EventFactory(slug="open-conference")
    session = factories.SessionFactory(event=event)

    for body in both_answers(client, reverse("events:event_ics", kwargs={"slug": event.slug})):
        assert calendar_urls(body) == [SITE + session.get_absolute_url()]


def test_a_sessions_ics_links_to_the_site_whatever_host_was_asked_first(client):
    session = factories.SessionFactory()
    url = reverse("events:session_ics", kwargs={"slug": session.event.slug, "pk": session.pk})

    for body in both_answers(client, url):
        assert calendar_urls(body) == [SITE + session.get_absolute_url()]


def test_public_feeds_link_to_the_site_whatever_host_was_asked_first(client):
    webinar = factories.WebinarFactory()
    event = factories.EventFactory()

    for body in both_answers(client, reverse("events:series_feed", kwargs={"slug": webinar.series.slug})):
        assert calendar_urls(body) == [SITE + webinar.get_absolute_url()]
    for body in both_answers(client, reverse("events:event_feed", kwargs={"slug": event.slug})):
        assert calendar_urls(body) == [SITE + event.get_absolute_url()]


def test_a_personal_feed_links_to_the_site(client):
    user = factories.UserFactory()
    event = factories.EventFactory()
    services.register(event=event, data={"name": "Ana", "email": user.email}, user=user)
    path = feeds.feed_url(feeds.calendar_feed_for(user)).removeprefix(SITE)

    response = client.get(path, **HOSTILE)

    assert calendar_urls(response.content.decode()) == [SITE + event.get_absolute_url()]


def test_the_sitemap_and_robots_txt_name_the_site_whatever_host_was_asked_first(client):
    event = factories.EventFactory()

    for body in both_answers(client, reverse("sitemap")):
        assert f"<loc>{SITE}{event.get_absolute_url()}</loc>" in body
        assert "localhost" not in body
    for body in both_answers(client, reverse("robots")):
        assert f"Sitemap: {SITE}/sitemap.xml" in body


def test_an_event_pages_links_and_structured_data_name_the_site(client):
    event = factories.EventFactory(status=Event.Status.PUBLISHED)

    for body in both_answers(client, event.get_absolute_url()):
        assert f'"url": "{SITE}{event.get_absolute_url()}"' in body
        assert "localhost:6666" not in body


def test_a_registration_email_links_to_the_site(client, settings):
    settings.REGISTRATION_MIN_FILL_SECONDS = 0
    event = factories.EventFactory()
    data = {"name": "Ana", "email": "ana@example.com", "time_zone": "UTC", "privacy_consent": "on"}

    client.post(reverse("registrations:register", kwargs={"slug": event.slug}), data, **HOSTILE)

    email = OutboxEmail.objects.get()
    assert f"{SITE}/registrations/manage/" in email.body_text
    assert "localhost:6666" not in email.body_text + email.body_html


def test_a_password_reset_email_links_to_the_site(client, django_capture_on_commit_callbacks):
    factories.UserFactory(email="ana@example.com")

    # The form queues a task; the email it writes to the outbox is sent once that commits.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_reset_password"), {"email": "ana@example.com"}, **HOSTILE)

    (message,) = mail.outbox
    assert f"{SITE}/accounts/password/reset/key/" in message.body
    assert "localhost" not in message.body


def test_a_sign_up_confirmation_email_links_to_the_site(client):
    password = "a-long-and-unusual-passphrase-42"
    client.post(
        reverse("account_signup"),
        {"email": "new@example.com", "password1": password, "password2": password},
        **HOSTILE,
    )

    (message,) = mail.outbox
    assert f"{SITE}/accounts/confirm-email/" in message.body
    assert "localhost" not in message.body
