"""Staff move a webinar or a session: the confirmed registrants it concerns get one email per move."""

import datetime as dt

import icalendar
import pytest
from django.contrib import admin

from events.models import Event, Session
from registrations.admin import events as event_admin
from registrations.mailings.followups import notify_time_change
from registrations.models import OutboxEmail, Registration
from tests import factories
from tests.events.test_admin import change_url, form_data

pytestmark = pytest.mark.django_db

UTC = dt.UTC


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = "http://testserver.example"


def time_changed_emails():
    return list(OutboxEmail.objects.filter(kind=OutboxEmail.Kind.TIME_CHANGED).order_by("pk"))


def move_webinar(admin_client, webinar, start, end):
    data = form_data(admin_client.get(change_url(webinar)), "event_form")
    data.update({"start_1": start, "end_1": end})
    response = admin_client.post(change_url(webinar), data)
    assert response.status_code == 302
    return response


def save_unchanged(admin_client, obj, form_id):
    response = admin_client.post(change_url(obj), form_data(admin_client.get(change_url(obj)), form_id))
    assert response.status_code == 302


def only_entry(ics):
    (entry,) = icalendar.Calendar.from_ical(ics).walk("VEVENT")
    return entry


@pytest.fixture
def webinar():
    # 10:00–11:00 London (BST), 17 June 2030.
    return factories.WebinarFactory(title="Buying fair", slug="buying-fair")


def test_registrations_admin_handles_time_changes_of_events_and_sessions():
    assert type(admin.site._registry[Event]) is event_admin.EventAdmin
    assert type(admin.site._registry[Session]) is event_admin.SessionAdmin


def test_confirmed_registrant_gets_one_email_with_old_and_new_times_in_both_zones(admin_client, webinar):
    registration = factories.RegistrationFactory(
        event=webinar, email="ana@example.com", time_zone="America/Mexico_City"
    )

    move_webinar(admin_client, webinar, "11:00:00", "12:00:00")

    [email] = time_changed_emails()
    assert (email.registration, email.to_email, email.subject) == (
        registration,
        "ana@example.com",
        "The time has changed: Buying fair",
    )
    old_part, new_part = email.body_text.split("Now:")
    assert "Monday 17 June 2030, 10:00–11:00 London time (BST)" in old_part
    assert "Monday 17 June 2030, 3:00–4:00 Mexico City time (CST)" in old_part
    assert "Monday 17 June 2030, 11:00–12:00 London time (BST)" in new_part
    assert "Monday 17 June 2030, 4:00–5:00 Mexico City time (CST)" in new_part
    assert "<s>Monday 17 June 2030, 10:00–11:00 London time (BST)</s>" in email.body_html
    assert "<strong>Monday 17 June 2030, 4:00–5:00 Mexico City time (CST)</strong>" in email.body_html
    entry = only_entry(email.ics)
    assert (str(entry["UID"]), entry["SEQUENCE"]) == (f"event-{webinar.pk}@ewevents.invalid", 1)
    assert entry.decoded("dtstart").astimezone(UTC) == dt.datetime(2030, 6, 17, 10, 0, tzinfo=UTC)
    assert email.dedupe_key == f"time_changed:event:{webinar.pk}:1:{registration.pk}"


def test_saving_again_sends_nothing_and_moving_again_sends_a_second_email(admin_client, webinar):
    registration = factories.RegistrationFactory(event=webinar)

    move_webinar(admin_client, webinar, "11:00:00", "12:00:00")
    save_unchanged(admin_client, webinar, "event_form")
    save_unchanged(admin_client, webinar, "event_form")
    assert len(time_changed_emails()) == 1

    move_webinar(admin_client, webinar, "12:00:00", "13:00:00")

    first, second = time_changed_emails()
    assert (first.registration, second.registration) == (registration, registration)
    assert [only_entry(email.ics)["SEQUENCE"] for email in (first, second)] == [1, 2]
    assert "11:00–12:00 London time (BST)" in second.body_text.split("Now:")[0]
    assert "12:00–13:00 London time (BST)" in second.body_text.split("Now:")[1]


def test_notifying_the_same_move_twice_queues_nothing_new(webinar):
    factories.RegistrationFactory(event=webinar)
    old_start, old_end = webinar.start, webinar.end
    webinar.start += dt.timedelta(hours=1)
    webinar.end += dt.timedelta(hours=1)
    webinar.sequence = 1
    webinar.save()

    counts = [notify_time_change(instance=webinar, old_start=old_start, old_end=old_end) for _ in range(2)]

    assert (counts, len(time_changed_emails())) == ([1, 0], 1)


def test_only_confirmed_registrants_are_told(admin_client, webinar):
    confirmed = factories.RegistrationFactory(event=webinar)
    for status in [
        Registration.Status.WAITLISTED,
        Registration.Status.CANCELLED,
        Registration.Status.PENDING,
        Registration.Status.REJECTED,
    ]:
        factories.RegistrationFactory(event=webinar, status=status)
    factories.RegistrationFactory(event=factories.WebinarFactory())  # another webinar

    move_webinar(admin_client, webinar, "11:00:00", "12:00:00")

    assert [email.registration for email in time_changed_emails()] == [confirmed]


def test_session_moved_in_its_own_form_reaches_only_those_who_chose_it(admin_client):
    event = factories.EventFactory(title="Conf")
    moved = factories.SessionFactory(event=event, title="Moved panel")
    other = factories.SessionFactory(event=event, title="Other panel")
    chose_moved = factories.RegistrationFactory(event=event)
    chose_moved.sessions.set([moved, other])
    chose_other = factories.RegistrationFactory(event=event)
    chose_other.sessions.set([other])
    waitlisted = factories.RegistrationFactory(event=event, status=Registration.Status.WAITLISTED)
    waitlisted.sessions.set([moved])
    data = form_data(admin_client.get(change_url(moved)), "session_form")
    data.update({"start_1": "10:15:00", "end_1": "11:00:00"})

    admin_client.post(change_url(moved), data)
    save_unchanged(admin_client, moved, "session_form")

    [email] = time_changed_emails()
    assert email.registration == chose_moved
    assert "The time of the session “Moved panel” at Conf has changed." in email.body_text
    assert "Wednesday 6 November 2030, 9:00–10:30 Brussels time (CET)" in email.body_text.split("Now:")[0]
    assert "Wednesday 6 November 2030, 10:15–11:00 Brussels time (CET)" in email.body_text.split("Now:")[1]
    entries = {
        str(entry["UID"]): entry["SEQUENCE"]
        for entry in icalendar.Calendar.from_ical(email.ics).walk("VEVENT")
    }
    assert entries == {f"session-{moved.pk}@ewevents.invalid": 1, f"session-{other.pk}@ewevents.invalid": 0}
    assert email.dedupe_key == f"time_changed:session:{moved.pk}:1:{chose_moved.pk}"


def test_session_moved_through_the_event_inline_reaches_those_who_chose_it(admin_client):
    event = factories.EventFactory()
    moved = factories.SessionFactory(event=event, title="Moved")
    kept = factories.SessionFactory(event=event, title="Kept", start=event.start + dt.timedelta(hours=3))
    chose_moved = factories.RegistrationFactory(event=event)
    chose_moved.sessions.set([moved])
    factories.RegistrationFactory(event=event).sessions.set([kept])
    data = form_data(admin_client.get(change_url(event)), "event_form")
    index = 0 if data["sessions-0-id"] == str(moved.pk) else 1
    data[f"sessions-{index}-start_1"] = "09:30:00"

    admin_client.post(change_url(event), data)

    assert [email.registration for email in time_changed_emails()] == [chose_moved]


def test_guest_is_never_told_about_a_restricted_session(admin_client, conference_with_mixed_sessions):
    conference = conference_with_mixed_sessions
    # A guest can't choose these; attach them anyway, as a bug or an admin might.
    guest = factories.RegistrationFactory(event=conference.event, user=None)
    guest.sessions.set([conference.public, conference.teaser, conference.hidden])
    affiliate = factories.MembershipFactory().user
    insider = factories.RegistrationFactory(event=conference.event, user=affiliate)
    insider.sessions.set([conference.teaser])

    for session in (conference.teaser, conference.hidden):
        data = form_data(admin_client.get(change_url(session)), "session_form")
        data["end_1"] = "17:45:00"
        admin_client.post(change_url(session), data)

    [email] = time_changed_emails()
    assert email.registration == insider
    assert "Restricted conversation" in email.body_text
    guest_emails = OutboxEmail.objects.filter(registration=guest)
    assert not any(
        "SECRET" in " ".join([row.subject, row.body_text, row.body_html, row.ics]) for row in guest_emails
    )


def test_guest_time_changed_email_for_the_whole_event_holds_no_restricted_details(
    admin_client, conference_with_mixed_sessions
):
    conference = conference_with_mixed_sessions
    guest = factories.RegistrationFactory(event=conference.event, user=None)
    guest.sessions.set([conference.public, conference.teaser, conference.hidden])
    data = form_data(admin_client.get(change_url(conference.event)), "event_form")
    data["end_1"] = "18:00:00"

    admin_client.post(change_url(conference.event), data)

    [email] = time_changed_emails()
    everything = " ".join([email.subject, email.body_text, email.body_html, email.ics])
    assert email.registration == guest
    assert "Open panel" in everything
    assert "SECRET" not in everything
    assert "Secret Speaker" not in everything
    assert "Hidden closed meeting" not in everything
