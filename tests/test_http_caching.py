"""HTTP caching (ewevents/http_cache.py): ETags, 304s and who may keep what.

A browser or calendar app that asks again with the ETag it holds gets 304 while nothing
changed, and the new content as soon as something did.
"""

import icalendar
import pytest
from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.http import HttpRequest
from django.test import Client
from django.urls import reverse

from ewevents import versions
from registrations.models import Registration
from registrations.signup import services
from registrations.signup.feeds import calendar_feed_for, reset_calendar_feed
from tests import factories

pytestmark = pytest.mark.django_db


def _directives(response):
    return {part.strip() for part in response.get("Cache-Control", "").split(",") if part.strip()}


def _vary(response):
    return {part.strip().lower() for part in response.get("Vary", "").split(",")}


def _public_urls(mixed):
    event = mixed.event
    series = factories.WebinarSeriesFactory(slug="buyers-series")
    factories.WebinarFactory(series=series, title="Buyers webinar")
    return {
        "home": reverse("events:home"),
        "programme": event.get_absolute_url(),
        "session": mixed.public.get_absolute_url(),
        "series": series.get_absolute_url(),
        "event .ics": reverse("events:event_ics", kwargs={"slug": event.slug}),
        "public feed": reverse("events:event_feed", kwargs={"slug": event.slug}),
        "series feed": reverse("events:series_feed", kwargs={"slug": series.slug}),
    }


PUBLIC_PAGES = ["home", "programme", "session", "series", "event .ics", "public feed", "series feed"]


@pytest.mark.parametrize("page", PUBLIC_PAGES)
def test_an_unchanged_public_page_is_answered_304_without_a_query(
    page, conference_with_mixed_sessions, django_assert_num_queries
):
    url = _public_urls(conference_with_mixed_sessions)[page]
    first = Client().get(url)
    etag = first["ETag"]

    with django_assert_num_queries(0):
        again = Client().get(url, headers={"If-None-Match": etag})

    assert first.status_code == 200
    assert etag.startswith('"')  # strong: the bytes of the page stored whole
    assert (again.status_code, again.content, again["ETag"]) == (304, b"", etag)
    assert _directives(again) == {"public", f"max-age={settings.HTTP_CACHE_MAX_AGE}"}
    assert {"cookie", "accept-language"} <= _vary(again)


@pytest.mark.parametrize("page", PUBLIC_PAGES)
def test_anonymous_pages_may_be_kept_by_shared_caches(page, conference_with_mixed_sessions):
    response = Client().get(_public_urls(conference_with_mixed_sessions)[page])

    assert response.status_code == 200
    assert _directives(response) == {"public", "max-age=60"}
    assert {"cookie", "accept-language"} <= _vary(response)
    assert not response.cookies


@pytest.mark.parametrize("page", ["programme", "session", "event .ics", "public feed"])
def test_a_session_edit_turns_the_304_into_the_new_page(page, conference_with_mixed_sessions):
    url = _public_urls(conference_with_mixed_sessions)[page]
    etag = Client().get(url)["ETag"]
    session = conference_with_mixed_sessions.public
    session.title = "Renamed panel"
    session.save()

    response = Client().get(url, headers={"If-None-Match": etag})

    assert response.status_code == 200
    assert "Renamed panel" in response.content.decode()
    assert response["ETag"] != etag
    assert Client().get(url, headers={"If-None-Match": response["ETag"]}).status_code == 304


def test_the_etag_differs_by_language(conference_with_mixed_sessions):
    url = conference_with_mixed_sessions.event.get_absolute_url()
    english = Client().get(url)
    spanish = Client().get(url, headers={"Accept-Language": "es"})

    assert english["ETag"] != spanish["ETag"]
    assert (
        Client().get(url, headers={"Accept-Language": "es", "If-None-Match": english["ETag"]}).status_code
        == 200
    )


def test_pages_not_kept_whole_get_a_weak_etag_from_their_body(conference_with_mixed_sessions):
    series = factories.WebinarSeriesFactory()
    factories.WebinarFactory(series=series, title="Buyers webinar")
    url = f"{series.get_absolute_url()}?q=buyers"  # searches are built afresh, never stored whole

    first = Client().get(url)
    again = Client().get(url, headers={"If-None-Match": first["ETag"]})

    assert first.status_code == 200
    assert first["ETag"].startswith('W/"')
    assert again.status_code == 304
    assert _directives(first) == {"public", "max-age=60"}


def test_a_response_setting_a_cookie_is_private(conference_with_mixed_sessions):
    """Showing waiting messages deletes their cookie: that answer is this visitor's own."""
    client = Client()
    storage = CookieStorage(HttpRequest())
    client.cookies["messages"] = storage._encode([_message("Your changes are saved.")])

    response = client.get(reverse("events:home"))

    assert "Your changes are saved." in response.content.decode()
    assert response.cookies
    assert _directives(response) == {"private", "no-store"}
    assert not response.has_header("ETag")


def _message(text):
    from django.contrib.messages.storage.base import Message

    return Message(20, text)


def test_a_form_with_a_csrf_token_is_private(conference_with_mixed_sessions):
    factories.RegistrationSettingsFactory(event=conference_with_mixed_sessions.event)
    url = reverse("registrations:register", kwargs={"slug": conference_with_mixed_sessions.event.slug})

    response = Client().get(url)

    assert response.status_code == 200
    assert "csrfmiddlewaretoken" in response.content.decode()
    assert _directives(response) == {"private", "no-store"}


def test_logged_in_pages_are_private_and_never_304(conference_with_mixed_sessions):
    client = Client()
    client.force_login(factories.MembershipFactory().user)
    url = conference_with_mixed_sessions.event.get_absolute_url()
    public_etag = Client().get(url)["ETag"]

    response = client.get(url, headers={"If-None-Match": public_etag})

    assert response.status_code == 200
    assert "SECRET teaser description" in response.content.decode()
    assert _directives(response) == {"private", "no-store"}
    assert not response.has_header("ETag")


# --- The personal feed ------------------------------------------------------------------------------


def _feed(user):
    return reverse("registrations:personal_feed", kwargs={"token": calendar_feed_for(user).token})


def _titles(response):
    calendar = icalendar.Calendar.from_ical(response.content)
    return sorted(str(entry["SUMMARY"]) for entry in calendar.walk("VEVENT"))


@pytest.fixture
def member_feed(conference_with_mixed_sessions):
    """An affiliate registered for the public and the restricted session, and their feed's URL."""
    mixed = conference_with_mixed_sessions
    factories.RegistrationSettingsFactory(event=mixed.event)
    member = factories.MembershipFactory().user
    data = {"name": "Memberina", "email": member.email, "sessions": [mixed.public, mixed.teaser]}
    registration = services.register(event=mixed.event, data=data, user=member)
    assert registration.status == Registration.Status.CONFIRMED
    return registration, _feed(member)


def test_an_unchanged_personal_feed_is_answered_304_without_building_it(
    member_feed, client, django_assert_num_queries
):
    _registration, url = member_feed
    first = client.get(url)
    etag = first["ETag"]

    # The ETag kept at the first request, with the versions of all it was built from: the
    # calendar app's poll is answered from the cache alone.
    with django_assert_num_queries(0):
        again = client.get(url, headers={"If-None-Match": etag})

    assert first.status_code == 200
    assert etag.startswith('W/"')
    assert (again.status_code, again.content, again["ETag"]) == (304, b"", etag)
    assert _directives(first) == _directives(again) == {"private", "no-cache"}


def test_a_registration_change_turns_the_feeds_304_into_the_new_feed(member_feed, client):
    registration, url = member_feed
    etag = client.get(url)["ETag"]

    services.change_registration(
        registration=registration, data={"sessions": [registration.event.sessions.get(title="Open panel")]}
    )
    response = client.get(url, headers={"If-None-Match": etag})

    assert response.status_code == 200
    assert _titles(response) == ["Open panel – Mixed Conference"]
    assert client.get(url, headers={"If-None-Match": response["ETag"]}).status_code == 304


def test_a_cancellation_turns_the_feeds_304_into_the_new_feed(member_feed, client):
    registration, url = member_feed
    etag = client.get(url)["ETag"]

    services.cancel_registration(registration=registration)
    response = client.get(url, headers={"If-None-Match": etag})

    assert response.status_code == 200
    assert _titles(response) == []


def test_a_session_edit_turns_the_feeds_304_into_the_new_feed(
    member_feed, client, conference_with_mixed_sessions
):
    _registration, url = member_feed
    etag = client.get(url)["ETag"]
    teaser = conference_with_mixed_sessions.teaser
    teaser.title = "Moved conversation"
    teaser.save()

    response = client.get(url, headers={"If-None-Match": etag})

    assert response.status_code == 200
    assert "Moved conversation – Mixed Conference" in _titles(response)


def test_losing_affiliation_turns_the_feeds_304_into_the_feed_without_details(member_feed, client):
    registration, url = member_feed
    etag = client.get(url)["ETag"]
    assert "SECRET teaser description" in client.get(url).content.decode()

    registration.user.memberships.all().delete()
    response = client.get(url, headers={"If-None-Match": etag})

    assert response.status_code == 200
    assert "SECRET teaser description" not in response.content.decode()


def test_the_feeds_etag_changes_with_its_format(member_feed, client, monkeypatch):
    _registration, url = member_feed
    etag = client.get(url)["ETag"]
    monkeypatch.setattr("registrations.signup.feeds.FEED_FORMAT", 2)

    assert client.get(url, headers={"If-None-Match": etag}).status_code == 200


def test_while_the_cache_is_down_a_changed_feed_is_never_answered_304(
    member_feed, client, monkeypatch, conference_with_mixed_sessions
):
    """Versions are unknown while the cache is down, and bumps are lost: the feed is built each time."""
    _registration, url = member_feed
    monkeypatch.setattr(versions, "fetch", lambda scopes, keys=(): ((versions.UNKNOWN,) * len(scopes), {}))
    etag = client.get(url).get("ETag", "")
    teaser = conference_with_mixed_sessions.teaser
    teaser.title = "Moved conversation"
    teaser.save()

    response = client.get(url, headers={"If-None-Match": etag})

    assert response.status_code == 200
    assert "Moved conversation – Mixed Conference" in _titles(response)


def test_a_registration_to_a_verified_address_turns_the_feeds_304_into_the_new_feed(member_feed, client):
    """Registered without logging in, to an address of theirs: in their feed, as on "My registrations"."""
    registration, url = member_feed
    etag = client.get(url)["ETag"]
    webinar = factories.WebinarFactory(title="Buyers webinar")
    factories.RegistrationSettingsFactory(event=webinar)
    data = {"name": "Memberina", "email": registration.user.email.upper(), "sessions": []}
    services.register(event=webinar, data=data, user=None)

    response = client.get(url, headers={"If-None-Match": etag})

    assert response.status_code == 200
    assert "Buyers webinar" in _titles(response)


def test_a_reset_feed_address_answers_404_even_to_a_poll_with_its_last_etag(member_feed, client):
    registration, url = member_feed
    etag = client.get(url)["ETag"]
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304

    reset_calendar_feed(user=registration.user)

    assert client.get(url, headers={"If-None-Match": etag}).status_code == 404
    assert client.get(_feed(registration.user), headers={"If-None-Match": etag}).status_code == 304


def test_a_deactivated_accounts_feed_answers_404_even_to_a_poll_with_its_last_etag(member_feed, client):
    registration, url = member_feed
    etag = client.get(url)["ETag"]
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304

    registration.user.is_active = False
    registration.user.save()

    assert client.get(url, headers={"If-None-Match": etag}).status_code == 404


def test_a_promotion_from_the_waiting_list_turns_the_feeds_304_into_the_feed_with_the_join_link(client):
    """The waiting list promotes with a queryset update(), which sends no signal."""
    webinar = factories.WebinarFactory(title="Buyers webinar", join_url="https://meet.example.org/buyers")
    factories.RegistrationSettingsFactory(event=webinar, capacity=1)
    first = services.register(event=webinar, data={"name": "Bea", "email": "bea@example.org"}, user=None)
    waiting = factories.UserFactory()
    services.register(event=webinar, data={"name": "Ana", "email": waiting.email}, user=waiting)
    url = _feed(waiting)
    before = client.get(url)
    assert "meet.example.org/buyers" not in before.content.decode()

    services.cancel_registration(registration=first)
    response = client.get(url, headers={"If-None-Match": before["ETag"]})

    assert response.status_code == 200
    assert "meet.example.org/buyers" in response.content.decode()


def test_the_cache_keys_hold_neither_an_address_nor_a_feed_token(member_feed, client):
    """Version keys never expire, and keys are listed by anyone who can reach Redis: they hold digests."""
    from django.core.cache import caches

    _registration, url = member_feed
    webinar = factories.WebinarFactory()
    factories.RegistrationSettingsFactory(event=webinar)
    services.register(event=webinar, data={"name": "Guest", "email": "Guest.Person@example.org"}, user=None)
    client.get(url)
    token = url.rsplit("/", 1)[-1].removesuffix(".ics")

    keys = " ".join(caches["default"]._cache).lower()

    assert "registrant-address:" in keys
    assert "feed-etag" in keys
    assert "guest.person" not in keys
    assert token.lower() not in keys
