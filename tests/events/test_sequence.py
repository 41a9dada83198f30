"""A time change raises the calendar SEQUENCE once; saving again with the same times does not."""

import datetime as dt

import pytest
from django.contrib import admin
from django.urls import reverse
from icalendar import Calendar

from events.models import Event, Session
from events.services import record_time_change
from tests import factories
from tests.events.test_admin import add_url, change_url, form_data

pytestmark = pytest.mark.django_db

UTC = dt.UTC


def _sequence_in(client, url, uid):
    calendar = Calendar.from_ical(client.get(url).content)
    (entry,) = [entry for entry in calendar.walk("VEVENT") if str(entry["UID"]) == uid]
    return entry["SEQUENCE"]


def test_record_time_change_raises_sequence_only_when_a_time_moved():
    event = factories.WebinarFactory()
    old_start, old_end = event.start, event.end

    unchanged = record_time_change(instance=event, old_start=old_start, old_end=old_end)
    event.end = old_end + dt.timedelta(minutes=30)
    moved = record_time_change(instance=event, old_start=old_start, old_end=old_end)

    event.refresh_from_db()
    assert (unchanged, moved, event.sequence) == (False, True, 1)


def test_record_time_change_leaves_a_new_row_at_zero():
    session = factories.SessionFactory()

    assert record_time_change(instance=session, old_start=None, old_end=None) is False
    session.refresh_from_db()
    assert session.sequence == 0


def test_webinar_moved_in_admin_has_a_higher_sequence_in_its_calendars_once(admin_client, client):
    webinar = factories.WebinarFactory(slug="moved")
    uid = f"event-{webinar.pk}@ewevents.invalid"
    feed = reverse("events:event_feed", kwargs={"slug": "moved"})
    series_feed = reverse("events:series_feed", kwargs={"slug": webinar.series.slug})
    assert _sequence_in(client, feed, uid) == 0

    data = form_data(admin_client.get(change_url(webinar)), "event_form")
    data.update({"start_1": "11:00:00", "end_1": "12:00:00"})
    first = admin_client.post(change_url(webinar), data)
    again = admin_client.post(
        change_url(webinar), form_data(admin_client.get(change_url(webinar)), "event_form")
    )

    assert (first.status_code, again.status_code) == (302, 302)
    webinar.refresh_from_db()
    assert (webinar.start, webinar.sequence) == (dt.datetime(2030, 6, 17, 10, 0, tzinfo=UTC), 1)
    assert _sequence_in(client, feed, uid) == _sequence_in(client, series_feed, uid) == 1
    assert _sequence_in(client, reverse("events:event_ics", kwargs={"slug": "moved"}), uid) == 1


def test_event_saved_in_admin_without_a_time_change_keeps_its_sequence(admin_client):
    event = factories.EventFactory()
    data = form_data(admin_client.get(change_url(event)), "event_form")
    data["title_en"] = "Renamed"

    response = admin_client.post(change_url(event), data)

    assert response.status_code == 302
    event.refresh_from_db()
    assert (event.title, event.sequence) == ("Renamed", 0)


def test_event_added_in_admin_starts_at_sequence_zero(admin_client):
    data = form_data(admin_client.get(add_url(Event)), "event_form")
    data.update(
        {
            "title_en": "New webinar",
            "slug": "new-webinar",
            "start_0": "2031-11-05",
            "start_1": "09:00:00",
            "end_0": "2031-11-05",
            "end_1": "10:00:00",
        }
    )

    response = admin_client.post(add_url(Event), data)

    assert response.status_code == 302
    assert Event.objects.get(slug="new-webinar").sequence == 0


def test_session_moved_through_the_event_inline_raises_only_its_sequence(admin_client, client):
    event = factories.EventFactory(slug="conf")
    moved = factories.SessionFactory(event=event, title="Moved")
    kept = factories.SessionFactory(event=event, title="Kept", start=event.start + dt.timedelta(hours=3))
    data = form_data(admin_client.get(change_url(event)), "event_form")
    index = 0 if data["sessions-0-id"] == str(moved.pk) else 1
    data[f"sessions-{index}-start_1"] = "09:30:00"
    data[f"sessions-{1 - index}-title_en"] = "Kept, renamed"

    first = admin_client.post(change_url(event), data)
    again = admin_client.post(change_url(event), form_data(admin_client.get(change_url(event)), "event_form"))

    assert (first.status_code, again.status_code) == (302, 302)
    assert list(Session.objects.order_by("pk").values_list("title", "sequence")) == [
        ("Moved", 1),
        ("Kept, renamed", 0),
    ]
    event.refresh_from_db()
    assert event.sequence == 0
    ics = reverse("events:event_feed", kwargs={"slug": "conf"})
    assert _sequence_in(client, ics, f"session-{moved.pk}@ewevents.invalid") == 1
    assert _sequence_in(client, ics, f"session-{kept.pk}@ewevents.invalid") == 0


def test_session_moved_in_its_own_admin_form_has_a_higher_sequence_once(admin_client, client):
    session = factories.SessionFactory(event=factories.WebinarFactory())
    data = form_data(admin_client.get(change_url(session)), "session_form")
    data.update({"start_1": "10:15:00", "end_1": "10:45:00"})

    first = admin_client.post(change_url(session), data)
    again = admin_client.post(
        change_url(session), form_data(admin_client.get(change_url(session)), "session_form")
    )

    assert (first.status_code, again.status_code) == (302, 302)
    session.refresh_from_db()
    assert (session.start, session.sequence) == (dt.datetime(2030, 6, 17, 9, 15, tzinfo=UTC), 1)
    url = reverse("events:session_ics", kwargs={"slug": session.event.slug, "pk": session.pk})
    assert _sequence_in(client, url, f"session-{session.pk}@ewevents.invalid") == 1


def test_admin_time_change_hook_is_called_once_per_moved_row(admin_client, monkeypatch):
    moved = []
    event_admin = type(admin.site._registry[Event])
    monkeypatch.setattr(
        event_admin,
        "time_changed",
        lambda self, request, instance, old_start, old_end: moved.append((instance, old_end.hour)),
    )
    event = factories.EventFactory()
    data = form_data(admin_client.get(change_url(event)), "event_form")
    data["end_1"] = "18:00:00"

    admin_client.post(change_url(event), data)
    admin_client.post(change_url(event), form_data(admin_client.get(change_url(event)), "event_form"))

    assert moved == [(event, 15)]
