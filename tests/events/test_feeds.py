"""Public calendar feeds of a series and of an event, and the join link that never leaks."""

import datetime as dt

import pytest
from django.conf import settings
from django.urls import reverse
from icalendar import Calendar

from events.models import Event
from tests import factories

pytestmark = pytest.mark.django_db

JOIN_URL = "https://meet.example.com/j/JOIN-7c41e9-never-public"


def _parse(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert "Content-Disposition" not in response
    return Calendar.from_ical(response.content)


def _summaries(calendar):
    return [str(entry["SUMMARY"]) for entry in calendar.walk("VEVENT")]


def _assert_valid(calendar, *, name, zones):
    assert str(calendar["PRODID"]) == "-//ewevents//Programme//EN"
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["X-WR-CALNAME"]) == name
    assert sorted(str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")) == sorted(zones)
    for entry in calendar.walk("VEVENT"):
        for required in ["UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY", "SEQUENCE", "URL"]:
            assert required in entry, required
        assert entry["DTSTART"].params["TZID"] in zones
        assert entry["DTEND"].params["TZID"] in zones


@pytest.fixture
def series():
    """A series with two published webinars in two zones, a draft one and another series' webinar."""
    series = factories.WebinarSeriesFactory(title="Buyers' webinars", slug="buyers")
    london = factories.WebinarFactory(
        series=series, title="Due diligence basics", summary="Public summary.", description="Long text."
    )
    mexico = factories.WebinarFactory(
        series=series,
        title="Webinar para compradores",
        time_zone="America/Mexico_City",
        start=dt.datetime(2030, 7, 1, 16, 0, tzinfo=dt.UTC),
        end=dt.datetime(2030, 7, 1, 17, 0, tzinfo=dt.UTC),
    )
    factories.WebinarFactory(series=series, title="Draft webinar", status=Event.Status.DRAFT)
    factories.WebinarFactory(title="Other series webinar")
    return series, london, mexico


def test_series_feed_holds_one_entry_per_published_webinar(client, series):
    series, london, mexico = series

    calendar = _parse(client.get(reverse("events:series_feed", kwargs={"slug": "buyers"})))

    _assert_valid(calendar, name="Buyers' webinars", zones=["Europe/London", "America/Mexico_City"])
    assert _summaries(calendar) == ["Due diligence basics", "Webinar para compradores"]
    first, second = calendar.walk("VEVENT")
    assert str(first["UID"]) == f"event-{london.pk}@ewevents.invalid"
    assert str(second["UID"]) == f"event-{mexico.pk}@ewevents.invalid"
    assert first["DTSTART"].params["TZID"] == "Europe/London"
    assert first.decoded("DTSTART") == dt.datetime(2030, 6, 17, 9, 0, tzinfo=dt.UTC)
    assert second["DTSTART"].params["TZID"] == "America/Mexico_City"
    assert second.decoded("DTEND") == dt.datetime(2030, 7, 1, 17, 0, tzinfo=dt.UTC)
    assert (str(first["DESCRIPTION"]), str(first["LOCATION"])) == ("Public summary.", "Online")
    assert str(first["URL"]) == f"{settings.SITE_URL}{london.get_absolute_url()}"
    assert first["SEQUENCE"] == 0


def test_feed_uids_are_stable_across_requests(client, series):
    url = reverse("events:series_feed", kwargs={"slug": "buyers"})

    first = _parse(client.get(url))
    second = _parse(client.get(url))

    uids = [str(entry["UID"]) for entry in first.walk("VEVENT")]
    assert uids == [str(entry["UID"]) for entry in second.walk("VEVENT")]
    assert len(set(uids)) == 2


def test_series_feed_is_the_public_one_even_for_staff(client, staff_user, series):
    client.force_login(staff_user)

    calendar = _parse(client.get(reverse("events:series_feed", kwargs={"slug": "buyers"})))

    assert _summaries(calendar) == ["Due diligence basics", "Webinar para compradores"]


def test_unknown_series_feed_is_not_found(client):
    assert client.get(reverse("events:series_feed", kwargs={"slug": "nope"})).status_code == 404


def test_event_feed_is_the_public_programme_whoever_asks(viewer, conference_with_mixed_sessions):
    c = conference_with_mixed_sessions

    response = viewer.client.get(reverse("events:event_feed", kwargs={"slug": c.event.slug}))
    calendar = _parse(response)
    raw = response.content.decode()

    _assert_valid(calendar, name="Mixed Conference", zones=["Europe/Brussels"])
    assert _summaries(calendar) == [
        "Open panel – Mixed Conference",
        "Coffee break – Mixed Conference",
        "Restricted conversation – Mixed Conference",
    ]
    entries = {str(entry["UID"]): entry for entry in calendar.walk("VEVENT")}
    assert set(entries) == {
        f"session-{session.pk}@ewevents.invalid" for session in [c.public, c.coffee, c.teaser]
    }
    teaser = entries[f"session-{c.teaser.pk}@ewevents.invalid"]
    assert str(teaser["DESCRIPTION"]) == "Restricted to affiliates and monitoring partners."
    assert "Open Speaker" in str(entries[f"session-{c.public.pk}@ewevents.invalid"]["DESCRIPTION"])
    for secret in ["SECRET", "Secret Speaker", "Hidden", "hidden"]:
        assert secret not in raw


def test_event_feed_of_a_webinar_without_sessions_is_the_webinar(client):
    webinar = factories.WebinarFactory(title="CPT webinar", slug="cpt")

    calendar = _parse(client.get(reverse("events:event_feed", kwargs={"slug": "cpt"})))

    _assert_valid(calendar, name="CPT webinar", zones=["Europe/London"])
    (entry,) = calendar.walk("VEVENT")
    assert str(entry["UID"]) == f"event-{webinar.pk}@ewevents.invalid"
    assert entry.decoded("DTSTART") == dt.datetime(2030, 6, 17, 9, 0, tzinfo=dt.UTC)


def test_event_feed_of_a_draft_is_not_found_even_for_staff(client, staff_user):
    draft = factories.WebinarFactory(status=Event.Status.DRAFT)
    client.force_login(staff_user)

    response = client.get(reverse("events:event_feed", kwargs={"slug": draft.slug}))

    assert response.status_code == 404


def test_series_and_event_pages_link_to_their_feeds(client, series):
    series, london, _mexico = series

    series_html = client.get(series.get_absolute_url()).content.decode()
    event_html = client.get(london.get_absolute_url()).content.decode()

    assert 'href="/series/buyers/calendar.ics">Subscribe to the calendar</a>' in series_html
    assert f'href="/events/{london.slug}/feed.ics">Subscribe to the calendar</a>' in event_html


@pytest.mark.parametrize("webinars", [2, 12])
def test_series_feed_queries_do_not_grow(client, webinars, django_assert_num_queries):
    series = factories.WebinarSeriesFactory(slug="grows")
    for _ in range(webinars):
        factories.WebinarFactory(series=series, topics=[factories.TopicFactory()])

    # series, webinars
    with django_assert_num_queries(2):
        response = client.get(reverse("events:series_feed", kwargs={"slug": "grows"}))

    assert len(_parse(response).walk("VEVENT")) == webinars


@pytest.mark.parametrize("sessions", [2, 12])
def test_event_feed_queries_do_not_grow(client, sessions, django_assert_num_queries):
    event = factories.EventFactory(slug="grows")
    for _ in range(sessions):
        factories.SessionSpeakerFactory(session=factories.SessionFactory(event=event))

    # event, partners, sessions, speakers
    with django_assert_num_queries(4):
        response = client.get(reverse("events:event_feed", kwargs={"slug": "grows"}))

    assert len(_parse(response).walk("VEVENT")) == sessions


# --- The join link --------------------------------------------------------------------------------


@pytest.fixture
def events_with_join_links():
    """Every kind of events page, each event carrying the same join link that must never show."""
    topic = factories.TopicFactory(name="Forced labour")
    series = factories.WebinarSeriesFactory(slug="leaky")
    upcoming = factories.WebinarFactory(series=series, slug="upcoming", join_url=JOIN_URL, topics=[topic])
    session = factories.SessionFactory(event=upcoming, title="Questions")
    past = factories.WebinarFactory(
        series=series,
        slug="past-webinar",
        join_url=JOIN_URL,
        recording_url="https://video.example.com/recording",
        start=dt.datetime(2020, 6, 17, 9, 0, tzinfo=dt.UTC),
        end=dt.datetime(2020, 6, 17, 10, 0, tzinfo=dt.UTC),
    )
    draft = factories.WebinarFactory(
        series=series, slug="draft", status=Event.Status.DRAFT, join_url=JOIN_URL
    )
    conference = factories.EventFactory(slug="conference", join_url=JOIN_URL)
    conference_session = factories.SessionFactory(event=conference)
    factories.SessionSpeakerFactory(session=conference_session)
    pages = [
        reverse("events:home"),
        reverse("events:past_events"),
        series.get_absolute_url(),
        series.get_absolute_url() + "?topic=forced-labour",
        series.get_absolute_url() + "?q=https",
        reverse("events:series_feed", kwargs={"slug": series.slug}),
        session.get_absolute_url(),
        reverse("events:session_ics", kwargs={"slug": upcoming.slug, "pk": session.pk}),
        conference_session.get_absolute_url(),
        reverse("events:session_ics", kwargs={"slug": conference.slug, "pk": conference_session.pk}),
    ]
    for event in [upcoming, past, draft, conference]:
        for name in ["event_detail", "programme_print", "speakers", "event_ics", "event_feed"]:
            pages.append(reverse(f"events:{name}", kwargs={"slug": event.slug}))
    return pages


def test_join_link_is_on_no_events_page_or_calendar_for_any_viewer(viewer, events_with_join_links):
    shown = {}
    for url in events_with_join_links:
        response = viewer.client.get(url)
        shown[url] = response.status_code
        assert response.status_code in (200, 404), url
        content = response.content.decode()
        assert JOIN_URL not in content, url
        assert "JOIN-7c41e9" not in content, url

    # The pages were really rendered, drafts included for staff.
    assert shown["/events/upcoming/"] == shown["/events/past-webinar/"] == 200
    assert shown["/events/draft/"] == (200 if viewer.kind == "staff" else 404)
    assert shown["/events/draft/feed.ics"] == 404
