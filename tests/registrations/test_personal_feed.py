"""Each user's personal calendar feed: their registrations, as they may see them, at a secret URL."""

import datetime as dt

import icalendar
import pytest
from django.urls import reverse

from registrations.models import CalendarFeedToken, Registration
from registrations.signup.feeds import calendar_feed_for, reset_calendar_feed
from tests import factories

pytestmark = pytest.mark.django_db

JOIN = "https://meet.example.org/j/secret-join"


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = "https://events.example.org"


def feed_path(user):
    return reverse("registrations:personal_feed", kwargs={"token": calendar_feed_for(user).token})


def entries_of(response):
    calendar = icalendar.Calendar.from_ical(response.content)
    return {str(entry["UID"]): entry for entry in calendar.walk("VEVENT")}


def uid(obj):
    return f"{type(obj).__name__.lower()}-{obj.pk}@ewevents.invalid"


def days_later(factory, days, **kwargs):
    """A row of `factory` moved `days` later, start and end."""
    shift = dt.timedelta(days=days)
    return factory(start=factory.start + shift, end=factory.end + shift, **kwargs)


def register(user, event, *sessions, status=Registration.Status.CONFIRMED):
    registration = factories.RegistrationFactory(event=event, user=user, email=user.email, status=status)
    registration.sessions.set(sessions)
    return registration


def test_affiliate_sees_their_restricted_session_in_full(client, conference_with_mixed_sessions):
    conference = conference_with_mixed_sessions
    affiliate = factories.MembershipFactory().user
    register(affiliate, conference.event, conference.public, conference.teaser, conference.hidden)

    entries = entries_of(client.get(feed_path(affiliate)))

    assert set(entries) == {uid(conference.public), uid(conference.teaser), uid(conference.hidden)}
    teaser = entries[uid(conference.teaser)]
    assert "SECRET teaser description" in str(teaser["DESCRIPTION"])
    assert "Secret Speaker" in str(teaser["DESCRIPTION"])
    assert "Room SECRET-ROOM" in str(teaser["LOCATION"])


def test_user_who_is_no_affiliate_never_gets_restricted_details(client, conference_with_mixed_sessions):
    conference = conference_with_mixed_sessions
    guest = factories.UserFactory()
    # They can't choose these; attach them anyway, as a bug or an admin might.
    register(guest, conference.event, conference.public, conference.teaser, conference.hidden)

    response = client.get(feed_path(guest))

    entries = entries_of(response)
    content = response.content.decode()
    assert set(entries) == {uid(conference.public), uid(conference.teaser)}
    assert (
        str(entries[uid(conference.teaser)]["DESCRIPTION"])
        == "Restricted to affiliates and monitoring partners."
    )
    assert "Open panel description." in str(entries[uid(conference.public)]["DESCRIPTION"])
    for secret in ("SECRET", "Secret Speaker", "Hidden", "Hidden Speaker"):
        assert secret not in content


def test_event_itself_where_no_session_was_chosen_and_only_active_registrations(client):
    user = factories.UserFactory()
    conference = factories.EventFactory(title="Whole conference")
    register(user, conference)
    pending = register(user, factories.EventFactory(title="Pending one"), status=Registration.Status.PENDING)
    cancelled = factories.EventFactory(title="Cancelled one")
    register(user, cancelled, status=Registration.Status.CANCELLED)
    draft = factories.EventFactory(title="Draft one", status="draft")
    register(user, draft)
    register(factories.UserFactory(), factories.EventFactory(title="Someone else's"))

    entries = entries_of(client.get(feed_path(user)))

    assert set(entries) == {uid(conference), uid(pending.event)}
    assert str(entries[uid(conference)]["SUMMARY"]) == "Whole conference"


def test_join_link_only_for_confirmed_webinars(client):
    user = factories.UserFactory()
    confirmed = factories.WebinarFactory(join_url=JOIN)
    waitlisted = days_later(factories.WebinarFactory, 1, join_url=JOIN + "-wait")
    pending = days_later(factories.WebinarFactory, 2, join_url=JOIN + "-pending")
    register(user, confirmed)
    register(user, waitlisted, status=Registration.Status.WAITLISTED)
    register(user, pending, status=Registration.Status.PENDING)

    response = client.get(feed_path(user))

    entries = entries_of(response)
    assert JOIN in str(entries[uid(confirmed)]["DESCRIPTION"])
    assert JOIN not in str(entries[uid(waitlisted)].get("DESCRIPTION", ""))
    assert "-wait" not in response.content.decode()
    assert "-pending" not in response.content.decode()


def test_feed_is_valid_icalendar_with_the_required_properties(client, conference_with_mixed_sessions):
    conference = conference_with_mixed_sessions
    user = factories.MembershipFactory().user
    register(user, conference.event, conference.public, conference.teaser)
    webinar = factories.WebinarFactory(join_url=JOIN)
    register(user, webinar)

    response = client.get(feed_path(user))

    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = icalendar.Calendar.from_ical(response.content)
    assert (str(calendar["VERSION"]), bool(str(calendar["PRODID"]))) == ("2.0", True)
    entries = calendar.walk("VEVENT")
    assert len(entries) == 3
    for entry in entries:
        for name in ("UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY", "SEQUENCE"):
            assert name in entry, name
    zones = {str(zone["TZID"]) for zone in calendar.walk("VTIMEZONE")}
    assert zones == {"Europe/Brussels", "Europe/London"}
    assert {entry["DTSTART"].params["TZID"] for entry in entries} == zones


def test_feed_carries_the_raised_sequence(client):
    user = factories.UserFactory()
    webinar = factories.WebinarFactory()
    register(user, webinar)
    webinar.sequence = 3
    webinar.save()

    assert entries_of(client.get(feed_path(user)))[uid(webinar)]["SEQUENCE"] == 3


def test_feed_needs_no_login_and_is_never_kept_without_asking_again(client):
    """No shared cache keeps it; calendar apps ask each time, with the ETag (tests/test_http_caching.py)."""
    user = factories.UserFactory()
    register(user, factories.WebinarFactory())

    response = client.get(feed_path(user))

    assert response.status_code == 200
    assert set(response["Cache-Control"].replace(" ", "").split(",")) == {"private", "no-cache"}


def test_unknown_token_is_a_404(client):
    assert client.get(reverse("registrations:personal_feed", kwargs={"token": "nope"})).status_code == 404


def test_resetting_invalidates_the_old_url_and_the_new_one_works(client):
    user = factories.UserFactory()
    register(user, factories.WebinarFactory())
    old = feed_path(user)
    client.force_login(user)

    response = client.post(reverse("registrations:reset_calendar_feed"))

    new = feed_path(user)
    assert response.url == reverse("registrations:mine")
    assert new != old
    client.logout()
    assert (client.get(old).status_code, client.get(new).status_code) == (404, 200)


def test_reset_service_replaces_the_token_and_creates_one_when_missing():
    user = factories.UserFactory()
    created = reset_calendar_feed(user=user)
    token = created.token

    reset = reset_calendar_feed(user=user)

    assert reset.token != token
    assert CalendarFeedToken.objects.get(user=user).token == reset.token


def test_reset_needs_a_logged_in_post(client):
    user = factories.UserFactory()
    token = calendar_feed_for(user).token
    url = reverse("registrations:reset_calendar_feed")

    anonymous = client.post(url)
    client.force_login(user)
    get = client.get(url)

    assert anonymous.url.startswith(reverse("account_login"))
    assert get.status_code == 405
    assert CalendarFeedToken.objects.get(user=user).token == token


def test_my_registrations_shows_the_feed_url_created_once(client):
    user = factories.UserFactory()
    client.force_login(user)

    first = client.get(reverse("registrations:mine"))
    second = client.get(reverse("registrations:mine"))

    token = CalendarFeedToken.objects.get(user=user).token
    url = f"https://events.example.org/calendar/{token}.ics"
    content = second.content.decode()
    assert (first.context["feed_url"], second.context["feed_url"]) == (url, url)
    assert f'value="{url}"' in content
    assert f'href="webcal://events.example.org/calendar/{token}.ics"' in content
    assert f'action="{reverse("registrations:reset_calendar_feed")}"' in content
    assert "Reset the link" in content
    assert "no-store" in second["Cache-Control"]


def _seed(user, count):
    """`count` registrations, each with a public, a restricted and a hidden session with speakers."""
    for index in range(count):
        event = days_later(factories.EventFactory, index)
        sessions = [
            factories.SessionFactory(event=event, visibility=visibility)
            for visibility in ("public", "affiliates", "hidden")
        ]
        for session in sessions:
            factories.SessionSpeakerFactory(session=session)
        register(user, event, *sessions)
    webinar = days_later(factories.WebinarFactory, count, join_url=JOIN)
    register(user, webinar)


@pytest.mark.parametrize("count", [1, 4])
@pytest.mark.parametrize("kind", ["affiliate", "guest"])
def test_feed_query_count_does_not_grow(client, django_assert_num_queries, count, kind):
    user = factories.MembershipFactory().user if kind == "affiliate" else factories.UserFactory()
    _seed(user, count)
    path = feed_path(user)

    # token and user; for the ETag, the verified addresses (whose scopes it is kept under), the
    # registrations with their events and sessions; the audience (verified addresses,
    # organisations); registrations; sessions; speakers
    with django_assert_num_queries(8):
        response = client.get(path)

    assert len(entries_of(response)) == (3 if kind == "affiliate" else 2) * count + 1
