"""Privacy: the versioned notice, retention, deletion by the registrant, and the staff export."""

import datetime as dt
import json

import pytest
from allauth.account.models import EmailAddress
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from events.models import Session
from ewevents import celery_app
from registrations import door_code
from registrations.eventday import checkin, reports
from registrations.models import Invitation, OutboxEmail, Registration, RegistrationSettings
from registrations.privacy import audit, retention
from registrations.signup import guest_list, services
from registrations.signup.registered_events import registered_event_ids
from tests import factories
from tests.conftest import shows_staff_only_page

pytestmark = pytest.mark.django_db

ANA = {
    "name": "Anastasia Privacyperson",
    "email": "Anastasia.P@example.com",
    "organisation": "Acme Widgets Cooperative",
    "role": "Procurement lead",
    "country": "Peru",
    "attendee_type": "academic",
    "dietary_needs": "Vegetarian, no peanuts",
    "accessibility_needs": "Step-free access please",
    "interpretation_language": "es",
    "time_zone": "America/Lima",
    "participant_list_consent": True,
}
ANA_TEXTS = [
    ANA[key] for key in ("name", "email", "organisation", "role", "dietary_needs", "accessibility_needs")
]


def _register(event, now, **data):
    return services.register(event=event, data={"sessions": [], **data}, now=now)


def _everything_stored_about(event):
    """Every stored value of the event's registrations, invitations, their emails and admin history."""
    rows = [
        *Registration.objects.filter(event=event).values(),
        *Invitation.objects.filter(event=event).values(),
        *OutboxEmail.objects.filter(registration__event=event).values(),
        *OutboxEmail.objects.filter(invitation__event=event).values(),
        *LogEntry.objects.values("object_repr", "change_message"),
    ]
    return json.dumps(rows, default=str).lower()


# --- The privacy notice -----------------------------------------------------------------------------


def test_registration_records_the_notice_version_and_time_the_page_shows(client, settings):
    settings.PRIVACY_NOTICE_VERSION = "2031-02"
    settings.REGISTRATION_MIN_FILL_SECONDS = 0
    event = factories.EventFactory()
    before = timezone.now()

    client.post(
        reverse("registrations:register", kwargs={"slug": event.slug}),
        {
            "name": "Ana Guest",
            "email": "ana@example.com",
            "time_zone": "Europe/Brussels",
            "language": "en",
            "privacy_consent": "on",
        },
    )

    registration = Registration.objects.get(event=event)
    assert registration.privacy_notice_version == "2031-02"
    assert before <= registration.privacy_consent_at <= timezone.now()
    notice = client.get(reverse("registrations:privacy")).content.decode()
    assert "Version 2031-02 of this notice" in notice
    assert "180 days after the event" in notice
    manage = client.get(reverse("registrations:manage", kwargs={"token": registration.manage_token}))
    assert "You accepted version 2031-02" in manage.content.decode()


# --- Retention ----------------------------------------------------------------------------------------


@pytest.fixture
def past_event():
    """A conference that ended 200 days ago, with a meal, three registrants (one waitlisted), a guest list."""
    now = timezone.now()
    event = factories.EventFactory(start=now - dt.timedelta(days=201), end=now - dt.timedelta(days=200))
    factories.RegistrationSettingsFactory(event=event, capacity=2)
    panel = factories.SessionFactory(event=event, title="Panel")
    factories.SessionFactory(event=event, title="Lunch", kind=Session.Kind.MEAL)
    registered_at = event.start - dt.timedelta(days=30)
    ana = _register(event, registered_at, **ANA, sessions=[panel])
    _register(event, registered_at, name="Bo Second", email="bo@example.com", dietary_needs="vegetarian")
    _register(event, registered_at, name="Cy Third", email="cy@example.com")
    checkin.check_in(registration=ana, by=None)
    invitation = factories.InvitationFactory(event=event, name="Dee Invitee", email="dee.invitee@example.com")
    guest_list.send_invitations(invitations=[invitation])
    return event


def _tables(event):
    return {table.key: table.rows for table in reports.summary_tables(event)}


def test_past_event_beyond_retention_is_anonymised_and_its_summaries_still_count(past_event, settings):
    settings.REGISTRATION_RETENTION_DAYS = 180
    recent = factories.EventFactory(
        start=timezone.now() - dt.timedelta(days=11), end=timezone.now() - dt.timedelta(days=10)
    )
    recent_one = _register(
        recent, recent.start - dt.timedelta(days=3), name="Recent Person", email="r@example.com"
    )
    ana = Registration.objects.get(event=past_event, name=ANA["name"])
    old_token, old_door_code = ana.manage_token, ana.door_code
    check_ins_before = list(ana.checkins.values_list("day", "checked_in_at"))
    audit.log_changes(
        user=factories.StaffFactory(), objects=[ana], message="Checked in on the check-in page."
    )
    before = _tables(past_event)
    assert ANA["name"] in json.dumps(before, default=str)  # the control: the accessibility table names her

    run = retention.anonymise_expired()

    assert run == (3, 1)
    stored = _everything_stored_about(past_event)
    others = [
        "bo@example.com",
        "Bo Second",
        "cy@example.com",
        "Cy Third",
        "Dee Invitee",
        "dee.invitee@example.com",
    ]
    for text in [*ANA_TEXTS, *others]:
        assert text.lower() not in stored
    after = _tables(past_event)
    for key in ("statuses", "attendee-types", "sessions", "interpretation"):
        assert after[key] == before[key], key
    assert after["catering"][-2:] == before["catering"][-2:]  # "None stated" and the total per day
    assert len(after["accessibility"]) == len(before["accessibility"]) == 1
    assert ANA["name"] not in json.dumps(after, default=str)
    ana.refresh_from_db()
    assert ana.attended_at is not None
    assert ana.anonymised_at is not None
    assert (ana.interpretation_language, ana.user_id, ana.participant_list_consent) == ("es", None, False)
    assert client_get_manage(old_token).status_code == 404
    # The old door code checks no one in; the attendance stays.
    assert not Registration.objects.filter(door_code=old_door_code).exists()
    assert len(ana.door_code) == len(old_door_code)
    assert list(ana.checkins.values_list("day", "checked_in_at")) == check_ins_before != []
    assert not reports.participants_for_print(past_event).exists()
    recent_one.refresh_from_db()
    assert (recent_one.name, recent_one.anonymised_at) == ("Recent Person", None)


def client_get_manage(token):
    from django.test import Client

    return Client().get(reverse("registrations:manage", kwargs={"token": token}))


def test_anonymising_again_changes_nothing(past_event, settings):
    settings.REGISTRATION_RETENTION_DAYS = 180
    retention.anonymise_expired()
    first = list(
        Registration.objects.filter(event=past_event).values_list("pk", "anonymised_at", "manage_token")
    )

    assert retention.anonymise_expired() == (0, 0)

    assert (
        list(Registration.objects.filter(event=past_event).values_list("pk", "anonymised_at", "manage_token"))
        == first
    )


def test_an_anonymised_registration_leaves_its_accounts_list_of_events(past_event, settings):
    settings.REGISTRATION_RETENTION_DAYS = 180
    user = factories.UserFactory()
    Registration.objects.filter(event=past_event, name=ANA["name"]).update(user=user)
    assert past_event.pk in registered_event_ids(user)  # now cached for the account

    retention.anonymise_expired()

    assert past_event.pk not in registered_event_ids(user)


def test_within_the_retention_period_nothing_is_anonymised(past_event, settings):
    settings.REGISTRATION_RETENTION_DAYS = 365

    assert retention.anonymise_expired() == (0, 0)

    assert Registration.objects.filter(event=past_event, name=ANA["name"], anonymised_at=None).exists()


def test_the_daily_beat_entry_runs_the_anonymising_task(past_event, settings):
    settings.REGISTRATION_RETENTION_DAYS = 180
    entry = settings.CELERY_BEAT_SCHEDULE["anonymise-expired-registrations"]
    assert entry["schedule"] == 24 * 60 * 60

    result = celery_app.tasks[entry["task"]].apply()

    assert result.get() == 4
    assert not Registration.objects.filter(event=past_event, anonymised_at=None).exists()


# --- Deletion by the registrant ----------------------------------------------------------------------


def _delete_url(registration):
    return reverse("registrations:delete_data", kwargs={"token": registration.manage_token})


def test_registrant_deletes_their_data_and_the_place_goes_to_the_waiting_list(client):
    event = factories.EventFactory()
    factories.RegistrationSettingsFactory(event=event, capacity=1)
    ana = _register(event, None, **ANA)
    bo = _register(event, None, name="Bo Waiting", email="bo@example.com")
    assert (ana.status, bo.status) == (Registration.Status.CONFIRMED, Registration.Status.WAITLISTED)
    manage_url = reverse("registrations:manage", kwargs={"token": ana.manage_token})
    assert _delete_url(ana) in client.get(manage_url).content.decode()

    confirm = client.get(_delete_url(ana))
    assert "Yes, delete my data" in confirm.content.decode()
    assert Registration.objects.get(pk=ana.pk).name == ANA["name"]  # the GET changes nothing

    done = client.post(_delete_url(ana))

    assert done.status_code == 200
    assert "Your data is deleted" in done.content.decode()
    assert client.get(manage_url).status_code == 404
    assert client.get(_delete_url(ana)).status_code == 404
    ana.refresh_from_db()
    bo.refresh_from_db()
    assert ana.status == Registration.Status.CANCELLED
    assert ana.anonymised_at is not None
    assert bo.status == Registration.Status.CONFIRMED
    assert OutboxEmail.objects.filter(registration=bo, kind=OutboxEmail.Kind.PROMOTED).exists()
    assert RegistrationSettings.objects.get(event=event).confirmed_count == 1
    # No "cancelled" email is written to an address being deleted; the pending one is withdrawn, emptied.
    assert list(ana.emails.values_list("kind", "status", "to_email", "body_text")) == [
        (OutboxEmail.Kind.REGISTERED, OutboxEmail.Status.WITHDRAWN, "", "")
    ]
    stored = _everything_stored_about(event)
    for text in ANA_TEXTS:
        assert text.lower() not in stored


def test_delete_needs_the_forms_csrf_token(client):
    from django.test import Client

    registration = _register(factories.EventFactory(), None, **ANA)

    response = Client(enforce_csrf_checks=True).post(_delete_url(registration))

    assert response.status_code == 403
    registration.refresh_from_db()
    assert (registration.name, registration.status) == (ANA["name"], Registration.Status.CONFIRMED)


def test_deleting_a_guest_list_registration_removes_the_invitation_too(client):
    event = factories.EventFactory()
    factories.RegistrationSettingsFactory(event=event, mode=RegistrationSettings.Mode.GUEST_LIST)
    invitation = factories.InvitationFactory(event=event, name=ANA["name"], email=ANA["email"])
    registration = _register(event, None, **ANA, invitation_token=invitation.token)

    client.post(_delete_url(registration))

    invitation.refresh_from_db()
    assert invitation.anonymised_at is not None
    assert ANA["email"].lower() not in invitation.email.lower()


# --- The staff export --------------------------------------------------------------------------------

EXPORT_URL = reverse("registrations:staff_personal_data")


@pytest.fixture
def ana_everywhere():
    """Ana with an account (two addresses, a membership), two registrations, an invitation; and Bo."""
    user = factories.UserFactory(email="ana@example.com")
    EmailAddress.objects.create(user=user, email="ana.alt@example.org", verified=True, primary=False)
    factories.MembershipFactory(user=user, organisation__name="Monitoring Partner Org")
    conference, webinar = factories.EventFactory(), factories.WebinarFactory()
    _register(conference, None, **{**ANA, "email": "ANA@example.com"})
    services.register(event=webinar, data={"name": "A", "email": "x@example.net", "sessions": []}, user=user)
    factories.InvitationFactory(event=conference, name=ANA["name"], email="Ana@Example.com")
    _register(conference, None, name="Bo Otherperson", email="bo.other@example.com", dietary_needs="Halal")
    return user


def test_staff_export_everything_held_on_an_address_as_json(admin_client, ana_everywhere):
    assert "Export personal data" in admin_client.get(EXPORT_URL).content.decode()

    response = admin_client.post(EXPORT_URL, {"email": "ana@EXAMPLE.com"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"] == 'attachment; filename="personal-data.json"'
    assert "no-store" in response["Cache-Control"]
    body = response.content.decode()
    data = json.loads(body)
    [account] = data["accounts"]
    assert account["email"] == "ana@example.com"
    assert {a["email"] for a in account["email_addresses"]} >= {"ana.alt@example.org"}
    assert [m["organisation"] for m in account["memberships"]] == ["Monitoring Partner Org"]
    # By address, any letter case, and by her account: all events.
    assert sorted(r["email"] for r in data["registrations"]) == ["ANA@example.com", "x@example.net"]
    conference_registration = next(r for r in data["registrations"] if r["email"] == "ANA@example.com")
    assert conference_registration["dietary_needs"] == ANA["dietary_needs"]
    assert [i["email"] for i in data["invitations"]] == ["Ana@Example.com"]
    assert {e["to_email"] for e in data["emails"]} == {"ANA@example.com", "x@example.net"}
    assert all("[private link removed]" in e["body_text"] for e in data["emails"])
    for other in ("Bo Otherperson", "bo.other@example.com", "Halal", "manage_token"):
        assert other not in body
    for registration in Registration.objects.all():
        assert registration.manage_token not in body


def test_export_holds_the_check_ins_and_no_door_code(admin_client, ana_everywhere):
    registration = Registration.objects.get(email="ANA@example.com")
    staff = factories.StaffFactory()
    first = dt.datetime(2030, 11, 6, 8, 45, tzinfo=dt.UTC)
    second = dt.datetime(2030, 11, 7, 8, 55, tzinfo=dt.UTC)
    checkin.check_in(registration=registration, by=staff, day=dt.date(2030, 11, 7), now=second)
    checkin.check_in(registration=registration, by=staff, day=dt.date(2030, 11, 6), now=first)

    response = admin_client.post(EXPORT_URL, {"email": "ana@example.com"})

    body = response.content.decode()
    data = json.loads(body)
    by_email = {r["email"]: r for r in data["registrations"]}
    assert by_email["ANA@example.com"]["check_ins"] == [
        {"day": "2030-11-06", "checked_in_at": "2030-11-06T08:45:00Z"},
        {"day": "2030-11-07", "checked_in_at": "2030-11-07T08:55:00Z"},
    ]
    assert by_email["x@example.net"]["check_ins"] == []
    # The confirmation email printed the door code: a credential, left out like the links.
    [registered] = [e for e in data["emails"] if e["to_email"] == "ANA@example.com"]
    assert "[door code removed]" in registered["body_text"]
    assert registration.door_code not in body
    assert door_code.grouped(registration.door_code) not in body
    assert staff.email not in body


@pytest.mark.parametrize("who", ["anonymous", "user", "affiliate"])
def test_export_refuses_non_staff(client, ana_everywhere, who):
    if who == "user":
        client.force_login(factories.UserFactory())
    elif who == "affiliate":
        client.force_login(ana_everywhere)

    response = client.post(EXPORT_URL, {"email": "ana@example.com"})

    if who == "anonymous":
        assert response.status_code == 302
        assert response.url.startswith(reverse("account_login"))
    else:
        assert shows_staff_only_page(response)
    assert "json" not in response["Content-Type"]  # nothing exported


def test_export_refuses_staff_without_the_view_permissions(client, ana_everywhere):
    staff = factories.UserFactory(is_staff=True)
    client.force_login(staff)
    assert client.post(EXPORT_URL, {"email": "ana@example.com"}).status_code == 403

    staff.user_permissions.set(
        Permission.objects.filter(
            codename__in=[
                "view_user",
                "view_registration",
                "view_invitation",
                "view_outboxemail",
                "export_registration",
            ]
        )
    )
    staff = type(staff).objects.get(pk=staff.pk)
    client.force_login(staff)
    assert client.post(EXPORT_URL, {"email": "ana@example.com"}).status_code == 200


def test_export_link_is_on_the_registrations_admin_page(admin_client):
    page = admin_client.get(reverse("admin:registrations_registration_changelist")).content.decode()
    assert EXPORT_URL in page
