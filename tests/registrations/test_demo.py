"""The registrations' demo data: a full workshop with its waiting list, places left, the same on every run."""

import io

import pytest
from django.urls import reverse
from django.utils import timezone

from events.demo import DEMO_WORKSHOP, PANEL_REGULATORY, load_demo
from registrations import demo as registrations_demo
from registrations.models import OutboxEmail, Registration, RegistrationSettings, SessionChoice, SessionPlaces
from registrations.signup import selectors, staff_places
from registrations.signup.services import cancel_registration

pytestmark = pytest.mark.django_db

PASSWORD = "x-test-pass-1"
GUEST_EMAILS = [email for _name, email, _organisation, _type in registrations_demo.GUESTS]


def load(out=None):
    return load_demo(password=PASSWORD, today=timezone.localdate(), stdout=out)


def demo_event():
    return load()[1]


def waiting_names(session):
    """The names on `session`'s waiting list, in order (a cancelled registration's choices are on none)."""
    choices = SessionChoice.objects.filter(
        session=session, status=SessionChoice.Status.WAITING, registration__status="confirmed"
    )
    return list(choices.order_by("waiting_since", "pk").values_list("registration__name", flat=True))


def snapshot():
    """Every row the demo's registrations make, as values."""
    return {
        "registrations": list(Registration.objects.order_by("pk").values_list("pk", "email", "status")),
        "choices": list(
            SessionChoice.objects.order_by("pk").values_list("pk", "session", "status", "waiting_since")
        ),
        "emails": list(OutboxEmail.objects.order_by("pk").values_list("pk", "to_email", "kind")),
        "settings": list(
            RegistrationSettings.objects.values_list("event", "mode", "capacity", "confirmed_count")
        ),
        "places": list(
            SessionPlaces.objects.order_by("pk").values_list("session", "capacity", "confirmed_count")
        ),
    }


def test_demo_conference_has_places_left_and_a_full_workshop_with_two_guests_waiting():
    event = demo_event()
    workshop = event.sessions.get(title=DEMO_WORKSHOP)
    panel = event.sessions.get(title=PANEL_REGULATORY)

    settings = RegistrationSettings.objects.get(event=event)
    assert (settings.mode, settings.capacity, settings.confirmed_count, settings.places_left) == (
        "open",
        120,
        5,
        115,
    )
    places = SessionPlaces.objects.get(session=workshop)
    assert (places.capacity, places.confirmed_count) == (3, 3)
    assert waiting_names(workshop) == ["Demo Guest Four", "Demo Guest Five"]
    assert waiting_names(panel) == []
    registrations = Registration.objects.filter(event=event).order_by("created", "pk")
    assert list(registrations.values_list("email", "status")) == [
        (email, "confirmed") for email in GUEST_EMAILS
    ]
    assert all(email.endswith("@example.org") for email in GUEST_EMAILS)
    assert sorted(OutboxEmail.objects.values_list("to_email", "kind")) == [
        (email, "registered") for email in GUEST_EMAILS
    ]


def test_the_pages_show_the_full_workshop_and_where_a_guest_waits(client):
    event = demo_event()
    four = Registration.objects.get(event=event, email="demo-guest-4@example.org")

    event_page = client.get(event.get_absolute_url()).content.decode()
    form = client.get(reverse("registrations:register", args=[event.slug])).content.decode()
    manage = client.get(reverse("registrations:manage", args=[four.manage_token])).content.decode()

    assert "115 places left." in event_page
    assert f"{DEMO_WORKSHOP} (This session is full: you can join its waiting list)" in form
    assert "Full: you are number 1 on its waiting list" in manage
    assert "Your place is confirmed" in manage


def test_loading_it_again_gives_the_same_rows_and_prints_the_same():
    first = io.StringIO()
    load(first)
    rows = snapshot()

    again = io.StringIO()
    load(again)

    assert snapshot() == rows
    assert again.getvalue() == first.getvalue()


def test_it_prints_the_workshop_places_and_the_manage_links_of_those_waiting(settings):
    out = io.StringIO()
    event = load(out)[1]

    four, five = (Registration.objects.get(event=event, email=f"demo-guest-{n}@example.org") for n in (4, 5))
    site = settings.SITE_URL
    assert (
        f"\nWaiting list: {DEMO_WORKSHOP}: 3 of 3 places taken, 2 waiting\n"
        f"  1. Demo Guest Four: {site}/registrations/manage/{four.manage_token}/\n"
        f"  2. Demo Guest Five: {site}/registrations/manage/{five.manage_token}/\n"
    ) in out.getvalue()


def test_a_run_after_staff_gave_the_workshop_a_place_keeps_it_and_adds_no_one():
    event = demo_event()
    workshop = event.sessions.get(title=DEMO_WORKSHOP)
    staff_places.give_next_place(event=event, session=workshop)
    rows = snapshot()

    load()

    assert snapshot() == rows
    assert SessionPlaces.objects.get(session=workshop).capacity == 4
    assert waiting_names(workshop) == ["Demo Guest Five"]
    choice = SessionChoice.objects.get(session=workshop, registration__email="demo-guest-5@example.org")
    assert selectors.waiting_position(choice) == 1


def test_a_guest_who_cancelled_registers_again_at_the_end_of_the_list():
    event = demo_event()
    workshop = event.sessions.get(title=DEMO_WORKSHOP)
    one = Registration.objects.get(event=event, email="demo-guest-1@example.org")

    cancel_registration(registration=one)
    assert waiting_names(workshop) == ["Demo Guest Five"]  # Four got One's place

    load()

    assert waiting_names(workshop) == ["Demo Guest Five", "Demo Guest One"]
    assert Registration.objects.filter(event=event, status="confirmed").count() == 5
