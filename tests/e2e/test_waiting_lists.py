"""Waiting lists in a browser: a guest waits for a full session, staff add and give places in admin.

Screenshots of each page at a phone's and a laptop's width go to test-artifacts/screenshots/
(waiting-*.png) for a person to look at.
"""

from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.test import Client
from django.urls import reverse

from events.models import Session
from registrations.models import OutboxEmail, Registration, RegistrationSettings, SessionPlaces
from registrations.signup import services
from tests import factories

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(settings.BASE_DIR) / "test-artifacts" / "screenshots"
VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1366, "height": 900}}
FULL = "This session is full: you can join its waiting list"
CY_WAITLISTED = "Cy Later <cy.later@example.org> (Waitlisted)"


@pytest.fixture(autouse=True)
def _no_minimum_fill_time(settings):
    """The browser posts the form at once, as no person could: the bot checks have their own tests."""
    settings.REGISTRATION_MIN_FILL_SECONDS = 0


@pytest.fixture
def staff_page(browser, live_server):
    """A page logged in as staff (with the second factor) through a session cookie."""
    client = Client()
    client.force_login(factories.StaffFactory())
    context = browser.new_context(viewport=VIEWPORTS["desktop"])
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "domain": urlsplit(live_server.url).hostname,
                "path": "/",
            }
        ]
    )
    page = context.new_page()
    yield page
    context.close()


def screenshots(page, name, *, phone_fits=True):
    """Screenshot `page` at each width; on a phone, the public pages must not scroll sideways."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for width_name, viewport in VIEWPORTS.items():
        page.set_viewport_size(viewport)
        page.screenshot(path=SCREENSHOTS / f"waiting-{name}-{width_name}.png", full_page=True)
        if phone_fits:
            assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0, width_name
    page.set_viewport_size(VIEWPORTS["desktop"])


def register(event, name, email, sessions):
    return services.register(event=event, data={"name": name, "email": email, "sessions": sessions})


def text_of(locator):
    return " ".join(locator.inner_text().split())


@pytest.fixture
def workshop_event():
    """A conference whose one-place workshop Ana holds; its panel has room."""
    event = factories.EventFactory(title="Waiting List Conference", slug="waiting-list-conference")
    workshop = factories.SessionFactory(
        event=event, title="Small workshop", kind=Session.Kind.WORKSHOP, capacity=1, start=event.start
    )
    panel = factories.SessionFactory(
        event=event, title="Open panel", capacity=30, start=event.start.replace(hour=14)
    )
    register(event, "Ana Early", "ana.early@example.org", [workshop])
    return event, workshop, panel


def test_guest_waits_for_the_full_session_and_holds_a_place_in_the_other(page, live_server, workshop_event):
    event, _workshop, _panel = workshop_event

    page.goto(live_server.url + reverse("registrations:register", args=[event.slug]))

    workshop_box = page.get_by_role("checkbox", name="Small workshop")
    assert workshop_box.count() == 1
    assert page.get_by_text(f"Small workshop ({FULL})").is_visible()
    assert page.get_by_text("Open panel (30 places left)").is_visible()
    screenshots(page, "register")

    page.get_by_label("Full name").fill("Bo Waiting")
    page.get_by_label("Email address").fill("bo.waiting@example.org")
    workshop_box.check()
    page.get_by_role("checkbox", name="Open panel").check()
    page.get_by_role("checkbox", name="I have read and accept the privacy notice").check()
    page.get_by_role("button", name="Register").click()

    assert page.get_by_role("heading", level=1).inner_text() == "Check your email"
    waiting = page.locator(".session-waiting")
    assert waiting.get_by_role("listitem").all_inner_texts() == ["Small workshop"]
    assert text_of(waiting.locator("p")) == (
        "This session is full, so you are on its waiting list. We will email you as soon as a place in it "
        "becomes free:"
    )

    registration = Registration.objects.get(email="bo.waiting@example.org")
    assert registration.status == Registration.Status.CONFIRMED
    page.goto(live_server.url + reverse("registrations:manage", args=[registration.manage_token]))
    sessions = page.locator(".registration-sessions li")
    assert sessions.count() == 2
    assert text_of(sessions.filter(has_text="Small workshop").locator(".badge")) == (
        "Full: you are number 1 on its waiting list"
    )
    assert text_of(sessions.filter(has_text="Open panel").locator(".badge")) == "Your place is confirmed"
    # The form to change them says the same, never "you can join its waiting list" for one she is on.
    page.get_by_text("Change my registration", exact=True).click()  # the form is behind its disclosure
    assert page.get_by_text("Small workshop (full: you are on its waiting list)").is_visible()
    assert page.get_by_text("Open panel (your place is confirmed)").is_visible()
    assert page.get_by_text(FULL).count() == 0
    screenshots(page, "manage")
    # On the narrowest phones the long badge wraps inside itself rather than widening the page.
    page.set_viewport_size({"width": 320, "height": 700})
    assert page.evaluate("document.documentElement.scrollWidth") == 320


def session_admin_url(session):
    return reverse("admin:events_session_change", args=[session.pk])


def test_staff_raise_a_session_capacity_and_the_first_waiting_gets_the_place(
    staff_page, live_server, workshop_event
):
    event, workshop, _panel = workshop_event
    bo = register(event, "Bo Waiting", "bo.waiting@example.org", [workshop])
    register(event, "Cy Later", "cy.later@example.org", [workshop])
    page = staff_page

    page.goto(live_server.url + session_admin_url(workshop))

    summary = page.locator(".field-places_and_waiting_list .readonly")
    assert text_of(summary.locator("p")) == "1 of 1 places taken, 0 left. 2 waiting."
    assert summary.locator("li").all_inner_texts() == [
        "Bo Waiting <bo.waiting@example.org>",
        "Cy Later <cy.later@example.org>",
    ]
    screenshots(page, "session-admin", phone_fits=False)

    page.get_by_label("Capacity").fill("2")
    page.get_by_role("button", name="Save", exact=True).click()

    assert text_of(page.locator(".messagelist .success")) == (
        "The session “Small workshop” was changed successfully."
    )
    bo_choice = bo.choices.get(session=workshop)
    assert bo_choice.status == "confirmed"
    promoted = OutboxEmail.objects.filter(kind=OutboxEmail.Kind.PROMOTED)
    assert list(promoted.values_list("to_email", flat=True)) == ["bo.waiting@example.org"]
    page.goto(live_server.url + reverse("registrations:manage", args=[bo.manage_token]))
    assert text_of(page.locator(".registration-sessions li .badge")) == "Your place is confirmed"

    page.goto(live_server.url + session_admin_url(workshop))
    assert text_of(page.locator(".field-places_and_waiting_list .readonly p")) == (
        "2 of 2 places taken, 0 left. 1 waiting."
    )
    page.get_by_label("Capacity").fill("1")
    page.get_by_role("button", name="Save", exact=True).click()

    assert text_of(page.locator(".field-capacity .errorlist")) == (
        "2 people hold places: the capacity cannot be lower than 2."
    )
    places = SessionPlaces.objects.get(session=workshop)
    assert (places.capacity, places.confirmed_count) == (2, 2)
    assert promoted.count() == 1


@pytest.fixture
def full_event():
    """An event with one place, held by Ana; Bo and then Cy wait for it."""
    event = factories.EventFactory(title="Full Conference", slug="full-conference")
    factories.RegistrationSettingsFactory(event=event, capacity=1)
    register(event, "Ana Early", "ana.early@example.org", [])
    bo = register(event, "Bo Waiting", "bo.waiting@example.org", [])
    cy = register(event, "Cy Later", "cy.later@example.org", [])
    assert (bo.status, cy.status) == ("waitlisted", "waitlisted")
    return event, bo, cy


def run_action(page, pk, action_label):
    page.locator(f'input[name="_selected_action"][value="{pk}"]').check()
    page.locator('select[name="action"]').select_option(label=action_label)
    page.get_by_role("button", name="Go").click()


def test_staff_give_a_place_out_of_turn_with_a_reason(staff_page, live_server, full_event):
    event, bo, cy = full_event
    page = staff_page
    page.goto(live_server.url + reverse("admin:registrations_registration_changelist"))

    run_action(page, cy.pk, "Give a place out of turn (adds one place)")

    assert page.get_by_role("heading", name="Give a place out of turn").is_visible()
    assert page.locator(".give-place-registrations li").all_inner_texts() == [CY_WAITLISTED]
    screenshots(page, "give-place", phone_fits=False)

    page.get_by_role("button", name="Give the place").click()

    assert text_of(page.locator(".field-reason .errorlist")) == "This field is required."
    assert page.locator(".give-place-registrations li").all_inner_texts() == [CY_WAITLISTED]
    cy.refresh_from_db()
    assert cy.status == Registration.Status.WAITLISTED
    assert RegistrationSettings.objects.get(event=event).capacity == 1

    page.get_by_label("Why this person, out of turn?").fill("Interpreter for the Spanish session")
    page.get_by_role("button", name="Give the place").click()

    assert text_of(page.locator(".messagelist .success")) == (
        "1 registration was given a place; an email tells them."
    )
    cy.refresh_from_db()
    bo.refresh_from_db()
    assert (cy.status, bo.status) == ("confirmed", "waitlisted")
    assert RegistrationSettings.objects.get(event=event).capacity == 2
    assert LogEntry.objects.filter(object_id=str(cy.pk)).count() == 1
    page.goto(live_server.url + reverse("admin:registrations_registration_history", args=[cy.pk]))
    assert page.get_by_text(
        "Given a place out of turn (one place added for it). Reason: Interpreter for the Spanish session"
    ).is_visible()


def test_staff_give_the_next_place_on_the_events_waiting_list(staff_page, live_server, full_event):
    event, bo, cy = full_event
    page = staff_page
    page.goto(live_server.url + reverse("admin:events_event_changelist"))

    run_action(page, event.pk, "Give the next place on the event's waiting list (adds one place)")

    assert text_of(page.locator(".messagelist .success")) == (
        "Full Conference: one place added and given to Bo Waiting; an email tells them."
    )
    bo.refresh_from_db()
    cy.refresh_from_db()
    assert (bo.status, cy.status) == ("confirmed", "waitlisted")
    assert RegistrationSettings.objects.get(event=event).capacity == 2
    promoted = OutboxEmail.objects.filter(kind=OutboxEmail.Kind.PROMOTED)
    assert list(promoted.values_list("to_email", flat=True)) == ["bo.waiting@example.org"]
