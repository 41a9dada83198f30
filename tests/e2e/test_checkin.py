import datetime as dt
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from registrations import door_code
from registrations.models import CheckIn, Registration
from tests import factories

pytestmark = pytest.mark.browser

PHONE_WIDTH = 360


@pytest.fixture
def phone(browser, live_server):
    """A page at a small phone's width, logged in as staff through a forced session cookie."""
    client = Client()
    client.force_login(factories.StaffFactory())
    context = browser.new_context(viewport={"width": PHONE_WIDTH, "height": 740})
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


def no_horizontal_scroll(page):
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH


def test_staff_checks_someone_in_on_a_phone(phone, live_server):
    event = factories.EventFactory(title="Door Conference with a rather long title to wrap", slug="door")
    ana = factories.RegistrationFactory(
        event=event,
        name="Ana Pérez",
        organisation="Metalworkers Union of the Northern Region",
        email="ana.perez.with.a.very.long.address@metalworkers-union.example.org",
    )
    factories.RegistrationFactory(event=event, name="Bo Lindqvist", organisation="City of Malmö")
    factories.RegistrationFactory(event=event, name="Ana Waitlisted", status=Registration.Status.WAITLISTED)

    phone.goto(live_server.url + reverse("registrations:checkin", kwargs={"slug": event.slug}))

    counts = phone.locator("#checkin-counts")
    assert " ".join(counts.inner_text().split()) == "0 checked in of 2 confirmed"
    assert no_horizontal_scroll(phone)

    phone.get_by_label("Search by name, organisation or email").fill("ana")
    phone.get_by_role("button", name="Search").click()

    assert phone.locator(".checkin-name").all_inner_texts() == ["Ana Pérez", "Ana Waitlisted"]
    assert phone.get_by_role("button", name="Mark Ana Waitlisted present").count() == 0
    assert no_horizontal_scroll(phone)
    button = phone.get_by_role("button", name="Mark Ana Pérez present")
    assert button.bounding_box()["height"] >= 44

    button.click()

    # The factory's conference has two days: the message names the one she is checked in for.
    assert phone.get_by_text("Ana Pérez is checked in for Wednesday 6 November.").is_visible()
    assert " ".join(counts.inner_text().split()) == "1 checked in of 2 confirmed"
    assert phone.get_by_label("Search by name, organisation or email").input_value() == "ana"
    assert phone.get_by_role("button", name="Undo check-in of Ana Pérez").is_visible()
    assert no_horizontal_scroll(phone)
    ana.refresh_from_db()
    assert ana.attended_at is not None


def codes_of_the_day(phone):
    return " ".join(phone.locator("#checkin-days").inner_text().split())


def test_staff_check_in_with_the_door_code_on_both_days_and_a_manage_token_is_refused(phone, live_server):
    # The factory's conference: Wednesday 6 and Thursday 7 November 2030, in Brussels.
    event = factories.EventFactory(title="Two-Day Conference", slug="two-days")
    ana = factories.RegistrationFactory(event=event, name="Ana Pérez")
    factories.RegistrationFactory(event=event, name="Bo Lindqvist")
    phone.goto(live_server.url + reverse("registrations:checkin", kwargs={"slug": event.slug}))
    code_field = phone.get_by_label("Door code (type or scan)")

    # Before the event, the page checks in for its first day and says it is not today.
    assert " ".join(phone.locator("#checkin-day").inner_text().split()) == (
        "Checking in for Wednesday 6 November (not today)"
    )
    code_field.fill(ana.manage_token)
    phone.get_by_role("button", name="Check in", exact=True).click()

    assert phone.get_by_text("Code not found. Check it, or search by name.").is_visible()
    assert codes_of_the_day(phone) == "Day 1, Wed 6 Nov 0 of 2 Day 2, Thu 7 Nov 0 of 2"

    # Typed as a person reads it from a phone: lower case, in groups.
    code_field.fill(door_code.grouped(ana.door_code).lower())
    phone.get_by_role("button", name="Check in", exact=True).click()

    assert phone.get_by_text("Ana Pérez is checked in for Wednesday 6 November.").is_visible()
    assert codes_of_the_day(phone) == "Day 1, Wed 6 Nov 1 of 2 Day 2, Thu 7 Nov 0 of 2"

    phone.get_by_role("link", name="Day 2, Thu 7 Nov").click()
    assert " ".join(phone.locator("#checkin-counts").inner_text().split()) == "0 checked in of 2 confirmed"
    code_field.fill(ana.door_code)
    phone.get_by_role("button", name="Check in", exact=True).click()

    assert phone.get_by_text("Ana Pérez is checked in for Thursday 7 November.").is_visible()
    assert " ".join(phone.locator("#checkin-day").inner_text().split()).startswith(
        "Checking in for Thursday 7 November"
    )
    assert codes_of_the_day(phone) == "Day 1, Wed 6 Nov 1 of 2 Day 2, Thu 7 Nov 1 of 2"
    assert phone.get_by_role("link", name="Day 2, Thu 7 Nov").get_attribute("aria-current") == "page"

    code_field.fill(ana.door_code)
    phone.get_by_role("button", name="Check in", exact=True).click()

    assert phone.get_by_text("Ana Pérez was already checked in on Thursday 7 November at").is_visible()
    assert codes_of_the_day(phone) == "Day 1, Wed 6 Nov 1 of 2 Day 2, Thu 7 Nov 1 of 2"
    assert no_horizontal_scroll(phone)
    assert sorted(CheckIn.objects.filter(registration=ana).values_list("day", flat=True)) == [
        dt.date(2030, 11, 6),
        dt.date(2030, 11, 7),
    ]
