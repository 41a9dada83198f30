"""The site header on a phone: one row with a "Menu" button that opens the links, without
JavaScript too; on a laptop staff's longer header still fits one row."""

import pytest
from django.urls import reverse

from events.demo import load_demo
from tests import factories
from tests.e2e.test_screenshots import SCREENSHOTS, staff_cookie

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1366, "height": 900}


def header_height(page):
    return page.locator("header.site-header").bounding_box()["height"]


@pytest.mark.parametrize("language", ["en", "es"])
def test_phone_header_is_one_row_and_its_menu_opens_without_javascript(browser, live_server, language):
    load_demo(password=factories.DEFAULT_PASSWORD)
    context = browser.new_context(viewport=PHONE, java_script_enabled=False, locale=language)
    context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page = context.new_page()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.goto(live_server.url + reverse("events:home"))

    assert header_height(page) < 120
    menu = page.locator("summary.site-menu-toggle")
    assert menu.is_visible()
    past_name = "Eventos pasados" if language == "es" else "Past events"
    past = page.locator("header").get_by_role("link", name=past_name)
    assert not past.is_visible()
    page.screenshot(path=SCREENSHOTS / f"phone-header-home-{language}-390.png", full_page=True)

    menu.focus()
    page.keyboard.press("Enter")
    assert past.is_visible()
    assert header_height(page) < 120  # the open menu drops over the page
    page.screenshot(path=SCREENSHOTS / f"phone-header-menu-open-{language}-390.png")
    past.click()
    assert page.url == live_server.url + reverse("events:past_events")
    context.close()


def test_staff_header_fits_one_row_at_1366_without_a_menu_button(browser, live_server):
    load_demo(password=factories.DEFAULT_PASSWORD)
    context = browser.new_context(viewport=LAPTOP)
    context.add_cookies([staff_cookie(live_server)])
    page = context.new_page()
    page.goto(live_server.url + reverse("events:home"))

    assert not page.locator("summary.site-menu-toggle").is_visible()
    assert page.locator("header").get_by_role("link", name="Admin").is_visible()
    assert page.locator("header").get_by_role("button", name="Log out").is_visible()
    assert header_height(page) < 80
    page.screenshot(path=SCREENSHOTS / "phone-header-staff-home-1366.png")
    context.close()
