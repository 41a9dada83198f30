from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from registrations.models import Registration
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

    assert phone.get_by_text("Ana Pérez is checked in.").is_visible()
    assert " ".join(counts.inner_text().split()) == "1 checked in of 2 confirmed"
    assert phone.get_by_label("Search by name, organisation or email").input_value() == "ana"
    assert phone.get_by_role("button", name="Undo check-in of Ana Pérez").is_visible()
    assert no_horizontal_scroll(phone)
    ana.refresh_from_db()
    assert ana.attended_at is not None
