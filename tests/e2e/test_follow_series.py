"""Following a series in the browser, on a phone and a laptop: the form on the series page, the
confirm and unsubscribe pages, each with 0 axe violations and nothing wider than the screen.

The pages are plain forms that post without any script; the browser keeps JavaScript on only
because axe runs in the page (Playwright's evaluate waits forever with it off).
"""

import re

import pytest
from django.urls import reverse

from events.demo import SERIES, load_demo
from registrations.models import OutboxEmail, SeriesFollower
from tests import factories
from tests.e2e.test_accessibility import axe_source, axe_violations, describe  # noqa: F401 - a fixture
from tests.e2e.test_screenshots import SCREENSHOTS
from tests.pages import CheckedPage

pytestmark = pytest.mark.browser

WIDTHS = {390: {"width": 390, "height": 844}, 1366: {"width": 1366, "height": 900}}


@pytest.mark.parametrize("width", sorted(WIDTHS))
def test_a_visitor_follows_confirms_and_unsubscribes(browser, live_server, settings, axe_source, width):  # noqa: F811
    settings.REGISTRATION_MIN_FILL_SECONDS = 0
    load_demo(password=factories.DEFAULT_PASSWORD)
    series_url = live_server.url + reverse("events:series_detail", kwargs={"slug": SERIES["slug"]})
    context = browser.new_context(viewport=WIDTHS[width])
    page = context.new_page()
    problems = []

    def check(name):
        violations = axe_violations(page, axe_source)
        if violations:
            problems.append(describe(CheckedPage(name, page.url), violations))
        # For a person to look at: test-artifacts/screenshots/follow-*.png
        page.screenshot(path=SCREENSHOTS / f"follow-{name.replace(' ', '-')}-{width}.png", full_page=True)
        # Nothing wider than the screen.
        assert page.evaluate("document.documentElement.scrollWidth") <= WIDTHS[width]["width"], name

    page.goto(series_url)
    form = page.locator("form.follow-form")
    assert form.is_visible()
    check("series page")
    page.get_by_label("Your email address").fill(f"buyer.{width}@city.example")
    page.get_by_role("button", name="Tell me about new webinars").click()
    assert page.get_by_role("heading", name="Check your email").is_visible()
    check("check your email")

    follower = SeriesFollower.objects.get(email=f"buyer.{width}@city.example")
    row = OutboxEmail.objects.get(follower=follower, kind=OutboxEmail.Kind.FOLLOW_CONFIRM)
    confirm_path = re.search(r"/follow/confirm/[^/\s]+/", row.body_text).group(0)
    page.goto(live_server.url + confirm_path)
    check("confirm page")
    page.get_by_role("button", name="Yes, tell me about new webinars").click()
    assert page.get_by_role("heading", name="You follow this series").is_visible()
    check("confirmed page")
    follower.refresh_from_db()
    assert follower.confirmed_at is not None

    unsubscribe_path = re.search(r"/follow/unsubscribe/[^/\s]+/", row.body_text).group(0)
    page.goto(live_server.url + unsubscribe_path)
    check("unsubscribe page")
    page.get_by_role("button", name="Unsubscribe").click()
    assert page.get_by_role("heading", name="You are unsubscribed").is_visible()
    check("unsubscribed page")
    follower.refresh_from_db()
    assert follower.unsubscribed_at is not None
    context.close()

    assert not problems, "axe-core found accessibility problems:\n" + "\n".join(problems)
