"""The door code: its own code that only checks in, never the manage token; the manage page; the migration."""

import base64
import datetime as dt
import re

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from registrations import door_code
from registrations.models import DOOR_CODE_ALPHABET, CheckIn, Registration, new_door_code
from registrations.signup import services
from tests import factories

pytestmark = pytest.mark.django_db

CODE_SHAPE = re.compile(f"[{DOOR_CODE_ALPHABET}]{{12}}")


def sign_up(event, email):
    return services.register(event=event, data={"name": "Ana Door", "email": email, "sessions": []})


def manage_page(client, registration):
    return client.get(reverse("registrations:manage", kwargs={"token": registration.manage_token}))


def test_each_registration_gets_its_own_door_code_that_is_not_its_manage_token():
    event = factories.EventFactory()

    registrations = [sign_up(event, f"person{n}@example.com") for n in range(20)]

    codes = [registration.door_code for registration in registrations]
    assert len(set(codes)) == 20
    assert all(CODE_SHAPE.fullmatch(code) for code in codes)
    for registration in registrations:
        assert registration.door_code not in registration.manage_token
        assert registration.manage_token not in registration.door_code
    assert Registration.objects.filter(door_code__in=codes).count() == 20


def test_door_codes_are_random_over_the_whole_alphabet():
    codes = {new_door_code() for _ in range(2000)}

    assert len(codes) == 2000
    assert set("".join(codes)) == set(DOOR_CODE_ALPHABET)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("7KQ2M9XD4HPA", "7KQ2M9XD4HPA"),
        (" 7kq2-m9xd-4hpa\n", "7KQ2M9XD4HPA"),
        ("7KQ2 M9XD 4HPA", "7KQ2M9XD4HPA"),
        ("OIL0-0000-0000", "011000000000"),  # read as the digits they look like
        ("7KQ2M9XD4HP", ""),  # too short
        ("7KQ2M9XD4HPAA", ""),  # too long
        ("7KQ2M9XD4HPU", ""),  # U is not in the alphabet
        ("7KQ2M9XD4HP!", ""),
        ("", ""),
    ],
)
def test_normalise_reads_a_typed_or_scanned_door_code(typed, expected):
    assert door_code.normalise(typed) == expected


def test_normalise_never_turns_a_manage_token_into_a_code():
    registration = factories.RegistrationFactory()

    assert door_code.normalise(registration.manage_token) == ""
    assert door_code.grouped("7KQ2M9XD4HPA") == "7KQ2-M9XD-4HPA"


# The manage page


def test_manage_page_shows_the_door_code_and_its_qr_for_a_confirmed_in_person_registration(client):
    registration = sign_up(factories.EventFactory(), "ana@example.com")

    response = manage_page(client, registration)

    html = response.content.decode()
    assert '<h2 id="door-code-heading" class="h4">Your code for the door</h2>' in html
    shown = door_code.grouped(registration.door_code)
    assert f'<code class="door-code-text">{shown}</code>' in html
    [src] = re.findall(r'<img class="door-code-qr" src="([^"]+)"', html)
    assert src.startswith("data:image/png;base64,")
    png = base64.b64decode(src.removeprefix("data:image/png;base64,"))
    assert png == door_code.checkin_qr_png(registration.door_code)
    assert png != door_code.checkin_qr_png(registration.manage_token)
    side = door_code.checkin_qr_side(registration.door_code)
    assert f'width="{side}" height="{side}"' in html
    # The PNG's own width and height (its IHDR chunk) are the ones the page states.
    assert (int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")) == (side, side)


@pytest.mark.parametrize(
    ("event_factory", "status"),
    [
        (factories.EventFactory, Registration.Status.WAITLISTED),
        (factories.EventFactory, Registration.Status.PENDING),
        (factories.EventFactory, Registration.Status.CANCELLED),
        (factories.WebinarFactory, Registration.Status.CONFIRMED),
    ],
)
def test_manage_page_shows_no_door_code_unless_confirmed_for_an_event_with_a_door(
    client, event_factory, status
):
    registration = factories.RegistrationFactory(event=event_factory(), status=status)

    html = manage_page(client, registration).content.decode()

    assert "Your code for the door" not in html
    assert registration.door_code not in html
    assert door_code.grouped(registration.door_code) not in html


def test_hybrid_event_has_a_door(client):
    registration = factories.RegistrationFactory(event=factories.EventFactory(kind="hybrid"))

    assert door_code.grouped(registration.door_code) in manage_page(client, registration).content.decode()


def test_a_door_code_opens_no_manage_page(client):
    registration = factories.RegistrationFactory()

    for code in (registration.door_code, door_code.grouped(registration.door_code)):
        response = client.get(reverse("registrations:manage", kwargs={"token": code}))
        assert response.status_code == 404


def test_badges_carry_neither_the_manage_token_nor_the_door_code(client, staff_user):
    event = factories.EventFactory()
    registrations = factories.RegistrationFactory.create_batch(3, event=event, participant_list_consent=True)
    client.force_login(staff_user)

    html = client.get(reverse("registrations:staff_badges", kwargs={"slug": event.slug})).content.decode()

    assert html.count('class="name-badge"') == 3
    for registration in registrations:
        assert registration.manage_token not in html
        assert registration.door_code not in html


# The migration


@pytest.mark.django_db(transaction=True)
def test_the_migration_gives_existing_registrations_distinct_codes_and_their_check_ins():
    before = [("registrations", "0011_sessionplaces")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    Event, Registration_ = old.get_model("events", "Event"), old.get_model("registrations", "Registration")
    start = dt.datetime(2030, 11, 6, 8, 0, tzinfo=dt.UTC)
    conference = Event.objects.create(
        title="Old", slug="old", start=start, end=start + dt.timedelta(days=1), time_zone="America/Lima"
    )
    webinar = Event.objects.create(
        title="Webinar", slug="webinar", kind="webinar", start=start, end=start + dt.timedelta(hours=1)
    )
    # 03:30 UTC on the 7th is still the 6th in Lima.
    attended = dt.datetime(2030, 11, 7, 3, 30, tzinfo=dt.UTC)
    rows = [
        Registration_(
            event=conference if n % 10 else webinar,
            name=f"Person {n}",
            email=f"person{n}@example.com",
            status="confirmed",
            privacy_consent_at=start,
            privacy_notice_version="1",
            manage_token=f"token-{n}",
            attended_at=attended if n % 3 == 0 else None,
        )
        for n in range(2500)  # more than one batch of the migration
    ]
    Registration_.objects.bulk_create(rows)
    try:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())

        codes = list(Registration.objects.values_list("door_code", flat=True))
        assert len(codes) == len(set(codes)) == 2500
        assert all(CODE_SHAPE.fullmatch(code) for code in codes)
        checked_in = Registration.objects.filter(event__slug="old", attended_at__isnull=False)
        assert checked_in.count() == 750
        # Past check-ins at the in-person event, on their day in its zone; a webinar's attendance is no door.
        assert sorted(CheckIn.objects.values_list("registration_id", flat=True)) == sorted(
            checked_in.values_list("pk", flat=True)
        )
        assert set(CheckIn.objects.values_list("day", "checked_in_at", "checked_in_by")) == {
            (dt.date(2030, 11, 6), attended, None)
        }
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


def test_new_registration_email_and_row_agree_on_the_door_code(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        registration = sign_up(factories.EventFactory(), "ana@example.com")

    [email] = registration.emails.all()
    assert door_code.grouped(Registration.objects.get(pk=registration.pk).door_code) in email.body_text
