import datetime as dt

import icalendar
import pytest
from django.urls import reverse

from registrations.models import OutboxEmail, Registration
from registrations.signup.emails import queue_registration_email, render_email
from tests import factories

pytestmark = pytest.mark.django_db

# The status a registration has when each kind of email is sent about it.
STATUS_OF_KIND = {
    OutboxEmail.Kind.REGISTERED: Registration.Status.CONFIRMED,
    OutboxEmail.Kind.WAITLISTED: Registration.Status.WAITLISTED,
    OutboxEmail.Kind.AWAITING_APPROVAL: Registration.Status.PENDING,
    OutboxEmail.Kind.APPROVED: Registration.Status.CONFIRMED,
    OutboxEmail.Kind.REJECTED: Registration.Status.REJECTED,
    OutboxEmail.Kind.PROMOTED: Registration.Status.CONFIRMED,
    OutboxEmail.Kind.CHANGED: Registration.Status.CONFIRMED,
    OutboxEmail.Kind.CANCELLED: Registration.Status.CANCELLED,
    OutboxEmail.Kind.MANAGE_LINK: Registration.Status.WAITLISTED,
    OutboxEmail.Kind.REMINDER: Registration.Status.CONFIRMED,
    OutboxEmail.Kind.TIME_CHANGED: Registration.Status.CONFIRMED,
    OutboxEmail.Kind.RECORDING_AVAILABLE: Registration.Status.CONFIRMED,
    OutboxEmail.Kind.OFFERED: Registration.Status.OFFERED,
    OutboxEmail.Kind.OFFER_EXPIRED: Registration.Status.CANCELLED,
}
# Every kind but "invitation", which is about an Invitation (tests/registrations/test_invitations.py).
REGISTRATION_KINDS = list(STATUS_OF_KIND)
CONFIRMING_KINDS = [
    OutboxEmail.Kind.REGISTERED,
    OutboxEmail.Kind.APPROVED,
    OutboxEmail.Kind.PROMOTED,
    OutboxEmail.Kind.CHANGED,
]


def manage_link(registration):
    return "http://testserver.example" + reverse(
        "registrations:manage", kwargs={"token": registration.manage_token}
    )


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = "http://testserver.example"


def calendar_entries(ics):
    return [entry for entry in icalendar.Calendar.from_ical(ics).walk("VEVENT")]


@pytest.mark.parametrize("kind", REGISTRATION_KINDS)
def test_each_kind_renders_subject_text_and_html_in_english(kind):
    event = factories.EventFactory(title="Procurement & Rights 2030")
    registration = factories.RegistrationFactory(
        event=event, name="Ana Pérez", status=STATUS_OF_KIND[kind], language="en"
    )

    email = render_email(registration=registration, kind=kind)

    assert "\n" not in email["subject"]
    assert email["subject"].endswith(": Procurement & Rights 2030")
    assert email["body_text"].startswith("Dear Ana Pérez,\n")
    assert "Procurement & Rights 2030" in email["body_text"]  # plain text is not HTML-escaped
    assert manage_link(registration) in email["body_text"]
    assert f'href="{manage_link(registration)}"' in email["body_html"]
    assert "Procurement &amp; Rights 2030" in email["body_html"]
    assert registration.get_status_display() in email["body_text"]


def test_subjects_say_what_happened():
    event = factories.EventFactory(title="Conf")
    subjects = {
        kind: render_email(
            registration=factories.RegistrationFactory(event=event, status=STATUS_OF_KIND[kind]), kind=kind
        )["subject"]
        for kind in REGISTRATION_KINDS
    }

    assert subjects == {
        "registered": "You are registered: Conf",
        "waitlisted": "You are on the waiting list: Conf",
        "awaiting_approval": "We received your registration: Conf",
        "approved": "Your registration is approved: Conf",
        "rejected": "Your registration was not accepted: Conf",
        "promoted": "A place is yours: Conf",
        "changed": "Your registration was updated: Conf",
        "cancelled": "Your registration is cancelled: Conf",
        "manage_link": "Your registration link: Conf",
        "reminder": "Reminder: Conf",
        "time_changed": "The time has changed: Conf",
        "recording_available": "The recording is available: Conf",
        "offered": "A place is held for you: Conf",
        "offer_expired": "The place held for you has passed on: Conf",
    }


def test_manage_link_email_says_already_registered_and_the_status():
    registration = factories.RegistrationFactory(status=Registration.Status.WAITLISTED)

    email = render_email(registration=registration, kind=OutboxEmail.Kind.MANAGE_LINK)

    assert "You are already registered, so nothing has changed." in email["body_text"]
    assert "The status of your registration is: Waitlisted." in email["body_text"]
    assert manage_link(registration) in email["body_text"]
    assert email["ics"] == ""


@pytest.mark.parametrize("kind", REGISTRATION_KINDS)
def test_each_kind_renders_in_spanish_selection_with_the_manage_link(kind):
    registration = factories.RegistrationFactory(status=STATUS_OF_KIND[kind], language="es")

    email = render_email(registration=registration, kind=kind)

    assert email["subject"]
    assert manage_link(registration) in email["body_text"]
    assert manage_link(registration) in email["body_html"]
    assert '<html lang="es">' in email["body_html"]


@pytest.mark.parametrize("stored", ["xx", "../../"])
def test_a_language_the_site_does_not_have_gets_the_email_in_the_sites_language(stored):
    # Stored as posted before issue 16; the form now keeps only the site's languages.
    registration = factories.RegistrationFactory(status=Registration.Status.CONFIRMED, language=stored)

    row = queue_registration_email(registration=registration, kind=OutboxEmail.Kind.REGISTERED)

    assert row.language == "en"
    assert '<html lang="en">' in row.body_html
    assert "Your place is confirmed." in row.body_text


def test_times_are_in_the_event_zone_and_the_registrants_zone():
    webinar = factories.WebinarFactory()  # 10:00–11:00 London, 17 June 2030 (09:00 UTC)
    registration = factories.RegistrationFactory(event=webinar, time_zone="America/Mexico_City")

    email = render_email(registration=registration, kind=OutboxEmail.Kind.REGISTERED)

    assert "Monday 17 June 2030, 10:00–11:00 London time (BST)" in email["body_text"]
    assert "Monday 17 June 2030, 3:00–4:00 Mexico City time (CST)" in email["body_text"]
    assert "3:00–4:00 Mexico City time (CST)" in email["body_html"]


def test_registrant_in_the_event_zone_sees_it_once():
    webinar = factories.WebinarFactory()
    registration = factories.RegistrationFactory(event=webinar, time_zone="Europe/London")

    email = render_email(registration=registration, kind=OutboxEmail.Kind.REGISTERED)

    assert email["body_text"].count("London time (BST)") == 1


@pytest.mark.parametrize("kind", CONFIRMING_KINDS)
def test_confirming_emails_carry_an_ics_with_the_chosen_sessions_in_utc(kind, conference_with_mixed_sessions):
    conference = conference_with_mixed_sessions
    registration = factories.RegistrationFactory(event=conference.event)
    registration.sessions.set([conference.public])

    email = render_email(registration=registration, kind=kind)

    [entry] = calendar_entries(email["ics"])
    assert str(entry["summary"]) == "Open panel – Mixed Conference"
    assert entry.decoded("dtstart").astimezone(dt.UTC) == dt.datetime(2030, 11, 6, 8, 0, tzinfo=dt.UTC)
    assert entry.decoded("dtend").astimezone(dt.UTC) == dt.datetime(2030, 11, 6, 9, 30, tzinfo=dt.UTC)


def test_confirmed_without_sessions_gets_the_event_in_the_ics():
    event = factories.EventFactory(title="Whole Event")
    registration = factories.RegistrationFactory(event=event)

    email = render_email(registration=registration, kind=OutboxEmail.Kind.REGISTERED)

    [entry] = calendar_entries(email["ics"])
    assert str(entry["summary"]) == "Whole Event"
    assert entry.decoded("dtstart").astimezone(dt.UTC) == dt.datetime(2030, 11, 6, 8, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    "kind",
    [
        OutboxEmail.Kind.WAITLISTED,
        OutboxEmail.Kind.AWAITING_APPROVAL,
        OutboxEmail.Kind.REJECTED,
        OutboxEmail.Kind.CANCELLED,
        OutboxEmail.Kind.MANAGE_LINK,
    ],
)
def test_emails_without_a_place_carry_no_ics(kind):
    registration = factories.RegistrationFactory(status=STATUS_OF_KIND[kind])

    assert render_email(registration=registration, kind=kind)["ics"] == ""


def test_changed_email_of_a_waitlisted_registration_carries_no_ics():
    registration = factories.RegistrationFactory(status=Registration.Status.WAITLISTED)

    assert render_email(registration=registration, kind=OutboxEmail.Kind.CHANGED)["ics"] == ""


def test_guest_email_never_holds_restricted_session_details(conference_with_mixed_sessions):
    conference = conference_with_mixed_sessions
    # A guest can't choose these; attach them anyway, as a bug or an admin might.
    guest = factories.RegistrationFactory(event=conference.event, user=None)
    guest.sessions.set([conference.public, conference.teaser, conference.hidden])

    email = render_email(registration=guest, kind=OutboxEmail.Kind.REGISTERED)

    everything = " ".join(email.values())
    assert "SECRET" not in everything
    assert "Secret Speaker" not in everything
    assert "Hidden Speaker" not in everything
    assert "Restricted conversation" not in everything
    assert "Open panel description." in email["body_text"]
    assert "Open Speaker" in email["body_html"]
    assert [str(entry["summary"]) for entry in calendar_entries(email["ics"])] == [
        "Open panel – Mixed Conference"
    ]


def test_non_affiliate_account_gets_no_restricted_details_either(conference_with_mixed_sessions):
    conference = conference_with_mixed_sessions
    registration = factories.RegistrationFactory(event=conference.event, user=factories.UserFactory())
    registration.sessions.set([conference.teaser])

    email = render_email(registration=registration, kind=OutboxEmail.Kind.REGISTERED)

    assert "SECRET" not in " ".join(email.values())


def test_affiliate_email_holds_restricted_session_details(conference_with_mixed_sessions, affiliate_user):
    conference = conference_with_mixed_sessions
    registration = factories.RegistrationFactory(event=conference.event, user=affiliate_user)
    registration.sessions.set([conference.public, conference.teaser])

    email = render_email(registration=registration, kind=OutboxEmail.Kind.REGISTERED)

    assert "SECRET teaser description" in email["body_text"]
    assert "SECRET teaser description" in email["body_html"]
    assert "Secret Speaker" in email["body_text"]
    assert "Room SECRET-ROOM" in email["body_text"]
    entries = {str(entry["summary"]): entry for entry in calendar_entries(email["ics"])}
    assert sorted(entries) == ["Open panel – Mixed Conference", "Restricted conversation – Mixed Conference"]
    assert "SECRET teaser description" in str(
        entries["Restricted conversation – Mixed Conference"]["description"]
    )
