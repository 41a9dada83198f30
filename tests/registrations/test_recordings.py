"""Telling registrants a recording is available, once, and importing who attended."""

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from registrations.mailings.followups import notify_recording_available, record_attendance
from registrations.models import OutboxEmail, Registration
from tests import factories
from tests.conftest import shows_staff_only_page

pytestmark = pytest.mark.django_db

UTC = dt.UTC
RECORDING = "https://video.example.org/buying-fair"
ATTENDED = "Thank you for joining Buying fair."
MISSED = "We missed you at Buying fair."
NEUTRAL = "The recording of Buying fair is now available:"
EVENTS_URL = reverse("admin:events_event_changelist")
IMPORT_URL = reverse("admin:registrations_registration_attendance")


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = "http://testserver.example"


@pytest.fixture
def webinar():
    return factories.WebinarFactory(title="Buying fair", recording_url=RECORDING)


def recording_emails():
    return list(OutboxEmail.objects.filter(kind=OutboxEmail.Kind.RECORDING_AVAILABLE).order_by("pk"))


def tell(admin_client, *events):
    return admin_client.post(
        EVENTS_URL,
        {"action": "tell_recording_available", "_selected_action": [event.pk for event in events]},
        follow=True,
    )


def texts(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def report(content, name="attendees.csv"):
    return SimpleUploadedFile(name, content.encode("utf-8-sig"), content_type="text/csv")


def test_action_tells_each_confirmed_registrant_once_however_often_it_is_run(admin_client, webinar):
    ana = factories.RegistrationFactory(event=webinar, email="ana@example.com")
    bo = factories.RegistrationFactory(event=webinar, email="bo@example.com")
    factories.RegistrationFactory(event=webinar, status=Registration.Status.WAITLISTED)
    factories.RegistrationFactory(event=webinar, status=Registration.Status.CANCELLED)

    first = tell(admin_client, webinar)
    second = tell(admin_client, webinar)

    assert [(email.registration, email.to_email) for email in recording_emails()] == [
        (ana, "ana@example.com"),
        (bo, "bo@example.com"),
    ]
    assert texts(first) == ["Buying fair: 2 emails were queued."]
    assert texts(second) == [
        "Buying fair: 0 emails were queued.",
        "Buying fair: 2 registrants were told before and were skipped.",
    ]
    [email, _] = recording_emails()
    assert email.subject == "The recording is available: Buying fair"
    assert RECORDING in email.body_text
    assert f'href="{RECORDING}"' in email.body_html
    assert email.dedupe_key == f"recording:{webinar.pk}:{ana.pk}"


def test_registrant_confirmed_after_the_first_run_is_told_on_the_next(webinar):
    factories.RegistrationFactory(event=webinar)
    notify_recording_available(event=webinar)
    late = factories.RegistrationFactory(event=webinar)

    notice = notify_recording_available(event=webinar)

    assert (notice.queued, notice.already_told) == (1, 1)
    assert recording_emails()[-1].registration == late


def test_attended_and_missed_get_different_texts_where_attendance_is_recorded(webinar):
    came = factories.RegistrationFactory(event=webinar, attended_at=timezone.now())
    missed = factories.RegistrationFactory(event=webinar)

    notify_recording_available(event=webinar)

    by_registration = {email.registration: email for email in recording_emails()}
    assert ATTENDED in by_registration[came].body_text
    assert MISSED not in by_registration[came].body_text
    assert MISSED in by_registration[missed].body_text
    assert ATTENDED not in by_registration[missed].body_text
    assert ATTENDED in by_registration[came].body_html


def test_without_recorded_attendance_everyone_gets_the_neutral_text(webinar):
    factories.RegistrationFactory(event=webinar)
    factories.RegistrationFactory(event=webinar)
    # Attendance at another webinar says nothing about this one.
    factories.RegistrationFactory(event=factories.WebinarFactory(), attended_at=timezone.now())

    notify_recording_available(event=webinar)

    bodies = [email.body_text for email in recording_emails()]
    assert len(bodies) == 2
    assert all(NEUTRAL in body and ATTENDED not in body and MISSED not in body for body in bodies)


def test_event_without_recording_link_is_skipped(admin_client):
    event = factories.WebinarFactory(recording_url="")
    factories.RegistrationFactory(event=event)

    response = tell(admin_client, event)

    assert recording_emails() == []
    assert texts(response) == ["1 event was skipped: it has no recording link."]


# --- Attendance import ----------------------------------------------------------------------------


def test_import_marks_matching_confirmed_registrations_case_insensitively(admin_client, webinar):
    ana = factories.RegistrationFactory(event=webinar, email="Ana@Example.com")
    bo = factories.RegistrationFactory(event=webinar, email="bo@example.com")
    absent = factories.RegistrationFactory(event=webinar, email="absent@example.com")
    waitlisted = factories.RegistrationFactory(
        event=webinar, email="wait@example.com", status=Registration.Status.WAITLISTED
    )
    elsewhere = factories.RegistrationFactory(event=factories.WebinarFactory(), email="other@example.com")
    csv = (
        "Name,Email,Join Time\n"
        "Ana,ANA@EXAMPLE.COM,06/17/2030 10:02:33 AM\n"
        "Ana again,ana@example.com,06/17/2030 10:20:00 AM\n"
        "Bo,bo@example.com,not a time\n"
        "Stranger,stranger@example.com,06/17/2030 10:05:00 AM\n"
        "Waiting,wait@example.com,\n"
        "Other,other@example.com,\n"
    )

    response = admin_client.post(IMPORT_URL, {"event": webinar.pk, "file": report(csv)}, follow=True)

    assert texts(response) == [
        "2 registrations were marked as attended.",
        "3 addresses matched no confirmed registration: "
        "stranger@example.com, wait@example.com, other@example.com",
    ]
    for registration in (ana, bo, absent, waitlisted, elsewhere):
        registration.refresh_from_db()
    # The join time is in the event's zone (London, BST); the earliest join counts.
    assert ana.attended_at == dt.datetime(2030, 6, 17, 9, 2, 33, tzinfo=UTC)
    # An unreadable join time: the time of the import.
    assert timezone.now() - bo.attended_at < dt.timedelta(minutes=1)
    assert (absent.attended_at, waitlisted.attended_at, elsewhere.attended_at) == (None, None, None)


def test_import_without_join_times_uses_the_import_time_and_keeps_earlier_marks(webinar):
    earlier = dt.datetime(2030, 6, 17, 9, 1, tzinfo=UTC)
    marked = factories.RegistrationFactory(event=webinar, email="marked@example.com", attended_at=earlier)
    new = factories.RegistrationFactory(event=webinar, email="new@example.com")
    at = dt.datetime(2030, 6, 18, 8, 0, tzinfo=UTC)

    result = record_attendance(event=webinar, emails=["MARKED@example.com", " new@example.com ", ""], at=at)

    marked.refresh_from_db()
    new.refresh_from_db()
    assert (result.matched, result.unmatched) == (2, [])
    assert (marked.attended_at, new.attended_at) == (earlier, at)


def test_import_with_semicolons_and_no_known_addresses_changes_nothing(admin_client, webinar):
    registration = factories.RegistrationFactory(event=webinar, email="ana@example.com")

    response = admin_client.post(
        IMPORT_URL,
        {"event": webinar.pk, "file": report("email;name\nnobody@example.com;No One\n")},
        follow=True,
    )

    registration.refresh_from_db()
    assert registration.attended_at is None
    assert texts(response) == [
        "0 registrations were marked as attended.",
        "1 address matched no confirmed registration: nobody@example.com",
    ]


def test_import_without_an_email_column_shows_an_error_and_changes_nothing(admin_client, webinar):
    registration = factories.RegistrationFactory(event=webinar, email="ana@example.com")

    response = admin_client.post(
        IMPORT_URL, {"event": webinar.pk, "file": report("name,address\nAna,ana@example.com\n")}
    )

    registration.refresh_from_db()
    assert response.status_code == 200
    assert response.context["form"].errors == {"file": ["The first line must name an email column."]}
    assert registration.attended_at is None


def test_import_page_is_linked_from_the_registrations_list(admin_client):
    response = admin_client.get(reverse("admin:registrations_registration_changelist"))

    assert f'href="{IMPORT_URL}"' in response.content.decode()


def test_non_staff_get_the_staff_only_page(client, webinar):
    registration = factories.RegistrationFactory(event=webinar, email="ana@example.com")
    client.force_login(factories.UserFactory())

    get = client.get(IMPORT_URL)
    post = client.post(IMPORT_URL, {"event": webinar.pk, "file": report("email\nana@example.com\n")})

    registration.refresh_from_db()
    assert shows_staff_only_page(get)
    assert shows_staff_only_page(post)
    assert registration.attended_at is None
