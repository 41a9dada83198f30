"""Cancellation, rejection and a dropped session withdraw the registrant's calendar entries (issue 15).

The withdrawal is a METHOD:CANCEL file (cancel.ics) with the UIDs of the entries the
registrant's earlier files added and a higher SEQUENCE, so calendar apps remove them.
"""

import datetime as dt

import icalendar
import pytest

from registrations.models import OutboxEmail, Registration
from registrations.outbox.delivery import build_message
from registrations.signup.services import (
    cancel_registration,
    change_registration,
    register,
    reject_registration,
)
from tests import factories

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2030, 1, 15, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = "http://testserver.example"
    settings.DEFAULT_FROM_EMAIL = "Events team <events@example.org>"


def uid(session):
    return f"session-{session.pk}@ewevents.invalid"


def entries(ics):
    calendar = icalendar.Calendar.from_ical(ics)
    return {str(entry["UID"]): entry for entry in calendar.walk("VEVENT")}


def method(ics):
    return str(icalendar.Calendar.from_ical(ics)["METHOD"])


def emails_of(registration, kind):
    return list(OutboxEmail.objects.filter(registration=registration, kind=kind).order_by("pk"))


@pytest.fixture
def conference():
    event = factories.EventFactory(title="Supply chains")
    factories.RegistrationSettingsFactory(event=event)
    start = event.start
    sessions = [
        factories.SessionFactory(event=event, title=title, start=start + dt.timedelta(hours=hours))
        for hours, title in enumerate(["Opening", "Workshop", "Panel"])
    ]
    return event, sessions


def registered(event, sessions, email="ana@example.com"):
    data = {"name": "Ana", "email": email, "sessions": sessions}
    return register(event=event, data=data, now=NOW)


def test_cancelling_sends_a_cancel_ics_for_every_session_entry_with_a_higher_sequence(conference):
    event, (opening, workshop, _panel) = conference
    registration = registered(event, [opening, workshop])
    [registered_email] = emails_of(registration, OutboxEmail.Kind.REGISTERED)
    added = entries(registered_email.ics)

    cancel_registration(registration=registration, now=NOW)

    [email] = emails_of(registration, OutboxEmail.Kind.CANCELLED)
    withdrawn = entries(email.cancel_ics)
    assert method(email.cancel_ics) == "CANCEL"
    assert method(registered_email.ics) == "PUBLISH"
    assert sorted(withdrawn) == sorted(added) == sorted([uid(opening), uid(workshop)])
    for key, entry in withdrawn.items():
        assert str(entry["STATUS"]) == "CANCELLED"
        assert entry["SEQUENCE"] == added[key]["SEQUENCE"] + 1
        assert str(entry["ORGANIZER"]) == "mailto:events@example.org"
        assert str(entry["ATTENDEE"]) == "mailto:ana@example.com"
    assert email.ics == ""
    assert "The attached calendar file (cancel.ics) removes from your calendar" in email.body_text


def test_the_cancel_ics_is_attached_as_a_calendar_cancellation(conference):
    event, (opening, *_rest) = conference
    registration = registered(event, [opening])
    cancel_registration(registration=registration, now=NOW)
    [email] = emails_of(registration, OutboxEmail.Kind.CANCELLED)

    message = build_message(email)

    [(name, content, mimetype)] = message.attachments
    assert (name, mimetype) == ("cancel.ics", "text/calendar; method=CANCEL")
    assert uid(opening) in content


def test_cancelling_a_registration_without_sessions_withdraws_the_event_entry():
    webinar = factories.WebinarFactory()
    registration = registered(webinar, [])
    [registered_email] = emails_of(registration, OutboxEmail.Kind.REGISTERED)

    cancel_registration(registration=registration, now=NOW)

    [email] = emails_of(registration, OutboxEmail.Kind.CANCELLED)
    expected = f"event-{webinar.pk}@ewevents.invalid"
    assert list(entries(email.cancel_ics)) == list(entries(registered_email.ics)) == [expected]


def test_rejecting_a_confirmed_registration_withdraws_its_entries(conference):
    event, (opening, *_rest) = conference
    registration = registered(event, [opening])

    reject_registration(registration=registration, now=NOW)

    [email] = emails_of(registration, OutboxEmail.Kind.REJECTED)
    assert list(entries(email.cancel_ics)) == [uid(opening)]


def test_cancelling_a_waitlisted_registration_withdraws_nothing(conference):
    event, (opening, *_rest) = conference
    event.registration_settings.capacity = 0
    event.registration_settings.save()
    registration = registered(event, [opening])
    assert registration.status == Registration.Status.WAITLISTED

    cancel_registration(registration=registration, now=NOW)

    [email] = emails_of(registration, OutboxEmail.Kind.CANCELLED)
    assert (email.cancel_ics, email.ics) == ("", "")
    assert "cancel.ics" not in email.body_text


def test_a_change_that_drops_a_session_cancels_only_that_entry_and_outranks_it(conference):
    event, (opening, workshop, panel) = conference
    registration = registered(event, [opening, workshop])
    [registered_email] = emails_of(registration, OutboxEmail.Kind.REGISTERED)
    before = entries(registered_email.ics)

    change_registration(registration=registration, data={"sessions": [opening, panel]}, now=NOW)

    [email] = emails_of(registration, OutboxEmail.Kind.CHANGED)
    assert list(entries(email.cancel_ics)) == [uid(workshop)]
    assert entries(email.cancel_ics)[uid(workshop)]["SEQUENCE"] == before[uid(workshop)]["SEQUENCE"] + 1
    kept = entries(email.ics)
    assert sorted(kept) == sorted([uid(opening), uid(panel)])
    # The updated file comes after the cancellation: it must outrank the earlier one.
    assert kept[uid(opening)]["SEQUENCE"] > before[uid(opening)]["SEQUENCE"]
    message = build_message(email)
    assert [(name, mimetype) for name, _content, mimetype in message.attachments] == [
        ("invite.ics", "text/calendar; method=PUBLISH"),
        ("cancel.ics", "text/calendar; method=CANCEL"),
    ]


def test_a_change_that_keeps_every_session_sends_no_cancellation(conference):
    event, (opening, workshop, _panel) = conference
    registration = registered(event, [opening])

    change_registration(registration=registration, data={"sessions": [opening, workshop]}, now=NOW)
    change_registration(registration=registration, data={"name": "Ana María"}, now=NOW)

    assert [email.cancel_ics for email in emails_of(registration, OutboxEmail.Kind.CHANGED)] == ["", ""]
    registration.refresh_from_db()
    assert registration.calendar_sequence == 0


def test_dropping_every_session_swaps_the_session_entries_for_the_event_entry(conference):
    event, (opening, *_rest) = conference
    registration = registered(event, [opening])

    change_registration(registration=registration, data={"sessions": []}, now=NOW)

    [email] = emails_of(registration, OutboxEmail.Kind.CHANGED)
    assert list(entries(email.cancel_ics)) == [uid(opening)]
    assert list(entries(email.ics)) == [f"event-{event.pk}@ewevents.invalid"]


def test_dropping_a_session_only_waited_for_withdraws_nothing():
    event = factories.EventFactory()
    factories.RegistrationSettingsFactory(event=event)
    opening = factories.SessionFactory(event=event, title="Opening")
    full = factories.SessionFactory(event=event, title="Full workshop", capacity=0)
    registration = registered(event, [opening, full])

    change_registration(registration=registration, data={"sessions": [opening]}, now=NOW)

    [email] = emails_of(registration, OutboxEmail.Kind.CHANGED)
    assert email.cancel_ics == ""
    assert list(entries(email.ics)) == [uid(opening)]
