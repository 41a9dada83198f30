"""The programme on a phone: restricted sessions as quiet lines under one note, and the register
bar that keeps registering at hand at the bottom of the screen (never on a laptop)."""

import pytest
from django.urls import reverse

from events.demo import load_demo
from events.models import Event
from tests import factories
from tests.e2e.test_screenshots import SCREENSHOTS

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1366, "height": 900}


@pytest.fixture
def conference(transactional_db):
    load_demo(password=factories.DEFAULT_PASSWORD)
    return Event.objects.get(slug="annual-conference-demo")


def test_on_a_phone_the_register_bar_stays_at_hand_and_hides_no_focused_link(
    browser, live_server, conference
):
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.goto(live_server.url + conference.get_absolute_url())
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    bar = page.locator(".register-bar")
    assert bar.is_visible()
    page.locator("footer").scroll_into_view_if_needed()  # past the programme, to the end of the page
    box = bar.bounding_box()
    assert box["y"] + box["height"] == pytest.approx(PHONE["height"], abs=1)
    page.screenshot(path=SCREENSHOTS / "programme-register-bar-390.png")

    # A link focused near the bottom of the screen is scrolled clear of the bar.
    last_link = page.locator("footer a").last
    last_link.focus()
    link = last_link.bounding_box()
    assert link["y"] + link["height"] <= bar.bounding_box()["y"]

    bar.get_by_role("link").click()
    assert page.url == live_server.url + reverse("registrations:register", kwargs={"slug": conference.slug})
    context.close()


def test_on_a_laptop_there_is_no_bar_and_hidden_sessions_are_quiet_lines(browser, live_server, conference):
    context = browser.new_context(viewport=LAPTOP)
    page = context.new_page()
    page.goto(live_server.url + conference.get_absolute_url())

    assert not page.locator(".register-bar").is_visible()
    assert page.get_by_role("heading", name="Who sees every session").count() == 1
    assert page.get_by_role("link", name="Log in to see the details").count() == 1
    assert page.locator(".hidden-block").count() >= 1
    assert page.locator("#programme-heading ~ * .restricted-badge").count() == 0
    page.locator(".access-note").scroll_into_view_if_needed()
    page.screenshot(path=SCREENSHOTS / "programme-restricted-grouped-1366.png")
    context.close()
