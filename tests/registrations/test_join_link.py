"""The join-link leak matrix: the link shows exactly to confirmed registrants, in their own places."""

import datetime as dt
from types import SimpleNamespace

import icalendar
import pytest
from django.test import Client
from django.urls import reverse

from registrations.models import OutboxEmail, Registration
from registrations.signup.emails import render_email, render_invitation_email
from tests import factories
from tests.registrations.test_emails import STATUS_OF_KIND

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_minimum_fill_time(settings):
    """These tests post the form at once, as no person could: the bot checks have their own tests."""
    settings.REGISTRATION_MIN_FILL_SECONDS = 0


JOIN_URL = "https://meet.example.com/j/LEAK-93f1a7?pwd=only-for-you"
# Also how it would read escaped in HTML, or folded into an iCalendar line.
JOIN_MARKERS = ("LEAK-93f1a7", "only-for-you")

# The emails that give a confirmed registrant the link (the text and, where attached, the .ics).
JOIN_LINK_KINDS = {
    OutboxEmail.Kind.REGISTERED,
    OutboxEmail.Kind.APPROVED,
    OutboxEmail.Kind.PROMOTED,
    OutboxEmail.Kind.CHANGED,
    OutboxEmail.Kind.REMINDER,
    # Its .ics replaces the calendar entry (same UID), so it keeps the link.
    OutboxEmail.Kind.TIME_CHANGED,
}
CALENDAR_KINDS = {
    OutboxEmail.Kind.REGISTERED,
    OutboxEmail.Kind.APPROVED,
    OutboxEmail.Kind.PROMOTED,
    OutboxEmail.Kind.CHANGED,
}
VIEWERS = [
    "anonymous",
    "guest_not_registered",
    "guest_waitlisted",
    "guest_confirmed",
    "affiliate_not_registered",
    "affiliate_confirmed",
    "staff",
]


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = "http://testserver.example"


def leaks(content):
    return [marker for marker in JOIN_MARKERS if marker in content]


@pytest.fixture
def world():
    """An upcoming and a past webinar with the link, and a registration in every status."""
    topic = factories.TopicFactory(name="Forced labour")
    series = factories.WebinarSeriesFactory(slug="leak-series")
    webinar = factories.WebinarFactory(series=series, slug="leak-webinar", join_url=JOIN_URL, topics=[topic])
    session = factories.SessionFactory(event=webinar, title="Questions and answers")
    factories.SessionSpeakerFactory(session=session)
    past = factories.WebinarFactory(
        series=series,
        slug="leak-past",
        join_url=JOIN_URL,
        recording_url="https://video.example.com/recording",
        start=dt.datetime(2020, 6, 17, 9, 0, tzinfo=dt.UTC),
        end=dt.datetime(2020, 6, 17, 10, 0, tzinfo=dt.UTC),
    )
    by_status = {
        status: factories.RegistrationFactory(event=webinar, user=None, status=status)
        for status in Registration.Status
    }
    affiliate = factories.MembershipFactory().user
    affiliate_registration = factories.RegistrationFactory(
        event=webinar, user=affiliate, email=affiliate.email
    )
    factories.RegistrationFactory(event=past, user=affiliate, email=affiliate.email)
    return SimpleNamespace(
        webinar=webinar,
        session=session,
        past=past,
        series=series,
        by_status=by_status,
        affiliate=affiliate,
        affiliate_registration=affiliate_registration,
    )


def public_urls(world):
    webinar, past, series, session = world.webinar, world.past, world.series, world.session
    urls = [
        reverse("events:home"),
        reverse("events:past_events"),
        series.get_absolute_url(),
        series.get_absolute_url() + "?topic=forced-labour",
        series.get_absolute_url() + "?q=meet",
        reverse("events:series_feed", kwargs={"slug": series.slug}),
        session.get_absolute_url(),
        reverse("events:session_ics", kwargs={"slug": webinar.slug, "pk": session.pk}),
    ]
    for event in (webinar, past):
        for name in ("event_detail", "programme_print", "speakers", "event_ics", "event_feed"):
            urls.append(reverse(f"events:{name}", kwargs={"slug": event.slug}))
    return urls


def client_for(kind, world):
    client = Client()
    if kind in ("guest_waitlisted", "guest_confirmed"):
        # A guest has no account: they hold their manage link, and have used it.
        status = (
            Registration.Status.WAITLISTED if kind == "guest_waitlisted" else Registration.Status.CONFIRMED
        )
        registration = world.by_status[status]
        client.get(reverse("registrations:manage", kwargs={"token": registration.manage_token}))
    elif kind == "affiliate_not_registered":
        client.force_login(factories.MembershipFactory().user)
    elif kind == "affiliate_confirmed":
        client.force_login(world.affiliate)
    elif kind == "staff":
        client.force_login(factories.StaffFactory())
    return client


# --- Public pages, .ics files and feeds ----------------------------------------------------------


@pytest.mark.parametrize("kind", VIEWERS)
def test_no_public_page_calendar_or_feed_shows_the_join_link(kind, world):
    client = client_for(kind, world)

    shown = {}
    for url in public_urls(world):
        response = client.get(url)
        content = response.content.decode()
        shown[url] = (response.status_code, leaks(content))

    assert shown == {url: (200, []) for url in public_urls(world)}
    event_page = client.get(world.webinar.get_absolute_url()).content.decode()
    assert ("You are registered" in event_page) == (kind == "affiliate_confirmed")


# --- The registrant's own pages ------------------------------------------------------------------


@pytest.mark.parametrize("status", list(Registration.Status))
def test_manage_page_shows_the_join_link_only_when_confirmed(client, world, status):
    registration = world.by_status[status]

    response = client.get(reverse("registrations:manage", kwargs={"token": registration.manage_token}))

    assert response.status_code == 200
    content = response.content.decode()
    if status == Registration.Status.CONFIRMED:
        assert content.count(f'href="{JOIN_URL.replace("&", "&amp;")}"') == 1
    else:
        assert leaks(content) == []


def test_cancel_page_does_not_show_the_join_link(client, world):
    registration = world.by_status[Registration.Status.CONFIRMED]

    response = client.get(reverse("registrations:cancel", kwargs={"token": registration.manage_token}))

    assert response.status_code == 200
    assert leaks(response.content.decode()) == []


def test_my_registrations_shows_the_join_link_of_confirmed_registrations_only(client, world):
    factories.RegistrationFactory(
        event=factories.WebinarFactory(join_url="https://meet.example.com/j/LEAK-93f1a7-waitlisted"),
        user=world.affiliate,
        status=Registration.Status.WAITLISTED,
    )
    client.force_login(world.affiliate)

    content = client.get(reverse("registrations:mine")).content.decode()

    # The upcoming and the past webinar, both confirmed; the waitlisted one's link not at all.
    assert content.count(f'href="{JOIN_URL}"') == 2
    assert "LEAK-93f1a7-waitlisted" not in content


@pytest.mark.parametrize("kind", ["affiliate_not_registered", "staff"])
def test_my_registrations_of_others_shows_no_join_link(kind, world):
    client = client_for(kind, world)

    response = client.get(reverse("registrations:mine"))

    assert response.status_code == 200
    assert leaks(response.content.decode()) == []


def registration_form(email):
    return {
        "name": "Ana Guest",
        "email": email,
        "time_zone": "Europe/Brussels",
        "language": "en",
        "privacy_consent": "on",
    }


def test_done_page_never_shows_the_join_link_even_to_a_newly_confirmed_guest(client, world):
    register_url = reverse("registrations:register", kwargs={"slug": world.webinar.slug})

    response = client.post(register_url, registration_form("new@example.com"), follow=True)

    assert response.redirect_chain[-1][0] == reverse(
        "registrations:register_done", kwargs={"slug": world.webinar.slug}
    )
    registration = Registration.objects.get(email="new@example.com")
    assert registration.status == Registration.Status.CONFIRMED
    assert leaks(response.content.decode()) == []
    # The link goes to the address instead.
    assert JOIN_URL in registration.emails.get().body_text


def test_done_page_shows_no_join_link_to_someone_using_a_confirmed_registrants_address(client, world):
    confirmed = world.by_status[Registration.Status.CONFIRMED]
    register_url = reverse("registrations:register", kwargs={"slug": world.webinar.slug})

    response = client.post(register_url, registration_form(confirmed.email), follow=True)

    assert "You are registered for" in response.content.decode()
    assert leaks(response.content.decode()) == []
    manage_link_email = OutboxEmail.objects.get(kind=OutboxEmail.Kind.MANAGE_LINK)
    assert manage_link_email.to_email == confirmed.email
    assert leaks(" ".join([manage_link_email.body_text, manage_link_email.body_html])) == []


# --- Emails ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", list(Registration.Status))
@pytest.mark.parametrize("kind", list(STATUS_OF_KIND))
def test_emails_carry_the_join_link_only_to_confirmed_registrants_of_the_kinds_that_give_it(
    world, kind, status
):
    registration = world.by_status[status]

    email = render_email(registration=registration, kind=kind)

    if status == Registration.Status.CONFIRMED and kind in JOIN_LINK_KINDS:
        assert JOIN_URL in email["body_text"]
        assert f'href="{JOIN_URL.replace("&", "&amp;")}"' in email["body_html"]
        assert leaks(email["subject"]) == []
        if kind in CALENDAR_KINDS:
            assert email["ics"]
        if email["ics"]:
            [entry] = icalendar.Calendar.from_ical(email["ics"]).walk("VEVENT")
            assert f"Join: {JOIN_URL}" in str(entry["description"])
            assert str(entry["location"]) == JOIN_URL
            # The entry's URL stays the public event page.
            assert str(entry["url"]) == f"http://testserver.example{world.webinar.get_absolute_url()}"
    else:
        assert leaks(" ".join(email.values())) == []


def test_affiliates_confirmation_email_carries_the_join_link(world):
    email = render_email(registration=world.affiliate_registration, kind=OutboxEmail.Kind.REGISTERED)

    assert JOIN_URL in email["body_text"]
    assert JOIN_URL in icalendar.Calendar.from_ical(email["ics"]).walk("VEVENT")[0]["location"]


def test_invitation_email_does_not_carry_the_join_link(world):
    invitation = factories.InvitationFactory(event=world.webinar)

    email = render_invitation_email(invitation=invitation)

    assert leaks(" ".join(email.values())) == []


def test_an_event_without_a_join_link_mentions_none(world):
    conference = factories.EventFactory()
    registration = factories.RegistrationFactory(event=conference)

    email = render_email(registration=registration, kind=OutboxEmail.Kind.REGISTERED)

    assert "Join online" not in email["body_text"]
    assert "Join:" not in email["ics"]
