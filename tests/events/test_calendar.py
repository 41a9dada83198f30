import datetime as dt

import pytest
from django.conf import settings
from django.urls import reverse
from icalendar import Calendar

from tests import factories

pytestmark = pytest.mark.django_db


def _parse(response):
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return Calendar.from_ical(response.content)


def _entries(calendar):
    return {str(entry["SUMMARY"]): entry for entry in calendar.walk("VEVENT")}


def test_event_calendar_holds_what_each_viewer_may_see(viewer, conference_with_mixed_sessions):
    c = conference_with_mixed_sessions
    url = reverse("events:event_ics", kwargs={"slug": c.event.slug})

    response = viewer.client.get(url)
    calendar = _parse(response)
    entries = _entries(calendar)
    raw = response.content.decode()

    expected = {"Open panel", "Restricted conversation", "Coffee break"}
    if viewer.sees_restricted:
        expected.add("Hidden closed meeting")
    assert {title.removesuffix(" – Mixed Conference") for title in entries} == expected
    assert "Open Speaker" in str(entries["Open panel – Mixed Conference"]["DESCRIPTION"])
    teaser = entries["Restricted conversation – Mixed Conference"]
    if viewer.sees_restricted:
        assert "SECRET teaser description" in str(teaser["DESCRIPTION"])
        assert "Secret Speaker" in str(teaser["DESCRIPTION"])
    else:
        assert str(teaser["DESCRIPTION"]) == "Restricted to affiliates and monitoring partners."
        for secret in ["SECRET", "Secret Speaker", "Hidden"]:
            assert secret not in raw


def test_calendar_entries_are_valid_and_stable(client, conference_with_mixed_sessions):
    c = conference_with_mixed_sessions
    url = reverse("events:session_ics", kwargs={"slug": c.event.slug, "pk": c.public.pk})

    first = _parse(client.get(url))
    second = _parse(client.get(url))

    (entry,) = first.walk("VEVENT")
    assert (
        str(entry["UID"]) == str(second.walk("VEVENT")[0]["UID"]) == f"session-{c.public.pk}@ewevents.invalid"
    )
    assert "DTSTAMP" in entry
    assert entry["DTSTART"].params["TZID"] == "Europe/Brussels"
    assert entry.decoded("DTSTART") == dt.datetime(2030, 11, 6, 8, 0, tzinfo=dt.UTC)
    assert entry.decoded("DTEND") == dt.datetime(2030, 11, 6, 9, 30, tzinfo=dt.UTC)
    assert [tz["TZID"] for tz in first.walk("VTIMEZONE")] == ["Europe/Brussels"]
    assert str(entry["URL"]) == f"{settings.SITE_URL}{c.public.get_absolute_url()}"
    assert "Herman Tierlinck Building" in str(entry["LOCATION"])


def test_session_calendar_of_restricted_session_is_a_teaser_for_the_public(
    client, conference_with_mixed_sessions
):
    c = conference_with_mixed_sessions
    teaser_url = reverse("events:session_ics", kwargs={"slug": c.event.slug, "pk": c.teaser.pk})
    hidden_url = reverse("events:session_ics", kwargs={"slug": c.event.slug, "pk": c.hidden.pk})

    teaser = client.get(teaser_url)
    hidden = client.get(hidden_url)

    assert "SECRET" not in teaser.content.decode()
    assert "Secret Speaker" not in teaser.content.decode()
    assert str(_parse(teaser).walk("VEVENT")[0]["SUMMARY"]) == "Restricted conversation – Mixed Conference"
    assert hidden.status_code == 404


def test_session_calendar_of_restricted_session_is_complete_for_an_affiliate(
    client, affiliate_user, conference_with_mixed_sessions
):
    c = conference_with_mixed_sessions
    client.force_login(affiliate_user)

    response = client.get(reverse("events:session_ics", kwargs={"slug": c.event.slug, "pk": c.hidden.pk}))

    entry = _parse(response).walk("VEVENT")[0]
    assert "SECRET hidden description" in str(entry["DESCRIPTION"])


def test_webinar_without_sessions_is_one_calendar_entry_in_its_zone(client):
    webinar = factories.WebinarFactory(title="CPT webinar")

    calendar = _parse(client.get(reverse("events:event_ics", kwargs={"slug": webinar.slug})))

    (entry,) = calendar.walk("VEVENT")
    assert str(entry["SUMMARY"]) == "CPT webinar"
    assert str(entry["UID"]) == f"event-{webinar.pk}@ewevents.invalid"
    assert entry["DTSTART"].params["TZID"] == "Europe/London"
    assert entry.decoded("DTSTART") == dt.datetime(2030, 6, 17, 9, 0, tzinfo=dt.UTC)
    assert str(entry["LOCATION"]) == "Online"


@pytest.mark.parametrize(
    "title",
    [
        "Annual conference",
        # Folded so that a continuation line reads BEGIN:VEVENT: the zones still go before the entries.
        "x" * 49 + "BEGIN:VEVENT" + "y" * 80,
    ],
)
def test_time_zones_are_placed_as_icalendar_places_them(title):
    from events.calendar import _calendar, _to_ical, event_entry

    event = factories.EventFactory(title=title, time_zone="America/Sao_Paulo")

    def calendar():
        calendar = _calendar(event.title)
        calendar.add_component(event_entry(event, build_url=str))
        calendar.add_component(event_entry(event, build_url=str))
        return calendar

    spliced = calendar()
    expected = calendar()
    for component in (*spliced.walk("VEVENT"), *expected.walk("VEVENT")):
        component["DTSTAMP"] = expected.walk("VEVENT")[0]["DTSTAMP"]
    expected.add_missing_timezones()

    assert _to_ical(spliced) == expected.to_ical()
    assert [tz["TZID"] for tz in Calendar.from_ical(_to_ical(spliced)).walk("VTIMEZONE")] == [
        "America/Sao_Paulo"
    ]


def test_a_calendar_without_entries_still_gets_nothing_but_its_frame():
    from events.calendar import _calendar, _to_ical

    assert _to_ical(_calendar("Empty")) == _calendar("Empty").to_ical()
