"""An affiliate who opens the admin logs in, sees the staff-only page instead of a redirect
loop, and logs in as someone else from it. Screenshots of the page at 390 and 1366 px go to
test-artifacts/screenshots/ for a person to look at."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from tests import factories
from tests.e2e.test_screenshots import SCREENSHOTS

pytestmark = pytest.mark.browser

WIDTHS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1366, "height": 768}}


def _next_of(url):
    return parse_qs(urlsplit(url).query).get("next")


def test_an_affiliate_opening_the_admin_gets_the_staff_only_page_and_can_switch_account(page, live_server):
    affiliate = factories.MembershipFactory(user__email="ana.affiliate@union.example").user
    page.set_viewport_size(WIDTHS["phone"])

    # Not logged in yet: the admin sends to the login page, which brings back to the admin.
    page.goto(live_server.url + reverse("admin:index"))
    assert urlsplit(page.url).path == reverse("account_login")
    assert _next_of(page.url) == [reverse("admin:index")]
    page.get_by_placeholder("Email address").fill(affiliate.email)
    page.get_by_placeholder("Password").fill(factories.DEFAULT_PASSWORD)
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Log in").click()

    # Logged in, but not staff: a 403 page, not ERR_TOO_MANY_REDIRECTS.
    assert navigation.value.status == 403
    assert urlsplit(page.url).path == reverse("admin:index")
    heading = page.get_by_role("heading", level=1)
    assert heading.inner_text() == "This page is for the organisers' staff only"
    assert page.get_by_text(f"You are logged in as {affiliate.email}").is_visible()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for name, viewport in WIDTHS.items():
        page.set_viewport_size(viewport)
        page.screenshot(path=SCREENSHOTS / f"staff-only-{name}-{viewport['width']}.png", full_page=True)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{overflow}px of horizontal overflow at {viewport['width']} px"
        box = heading.bounding_box()
        assert box["y"] + box["height"] <= viewport["height"], "the <h1> is below the first screen"
    assert page.get_by_role("link", name="Go to the home page").is_visible()

    with page.expect_navigation():
        page.get_by_role("button", name="Log out and log in as someone else").click()

    assert urlsplit(page.url).path == reverse("account_login")
    assert _next_of(page.url) == [reverse("admin:index")]
    assert page.get_by_role("heading", level=1).inner_text() == "Log in"
    assert page.get_by_role("button", name="Log out").count() == 0  # logged out
