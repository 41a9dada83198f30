"""Two refusals staff meet, in a browser: an export their account has no permission for, and
the admin before their second factor is set up. Screenshots at 390 and 1366 px go to
test-artifacts/screenshots/ for a person to look at."""

from urllib.parse import urlsplit

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from tests import factories
from tests.e2e.test_screenshots import SCREENSHOTS, staff_cookie

pytestmark = pytest.mark.browser

WIDTHS = {"390": {"width": 390, "height": 844}, "1366": {"width": 1366, "height": 768}}


def _look_at_both_widths(page, name):
    """Screenshot the page at both widths; return what is wrong with its layout."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    problems = []
    for width, viewport in WIDTHS.items():
        page.set_viewport_size(viewport)
        page.screenshot(path=SCREENSHOTS / f"{name}-{width}.png", full_page=True)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        if overflow > 0:
            problems.append(f"{name} {width}: {overflow}px of horizontal overflow")
        box = page.get_by_role("heading", level=1).bounding_box()
        if box["y"] + box["height"] > viewport["height"]:
            problems.append(f"{name} {width}: the <h1> is below the first screen")
    return problems


def test_staff_without_the_export_permission_get_a_page_saying_which_is_missing(browser, live_server):
    event = factories.EventFactory(title="Supply Chains Conference 2030", slug="supply-chains")
    factories.RegistrationFactory(event=event, name="Ana Pérez", email="ana@example.org")
    staff = factories.StaffFactory(is_superuser=False, email="door.staff@example.org")
    staff.user_permissions.add(Permission.objects.get(codename="view_registration"))
    context = browser.new_context(viewport=WIDTHS["390"])
    context.add_cookies([staff_cookie(live_server, staff)])
    page = context.new_page()

    export = reverse("registrations:staff_registrations_csv", args=[event.slug])

    response = page.goto(live_server.url + export)

    assert response.status == 403
    assert page.get_by_role("heading", level=1).inner_text() == "Your staff account may not open this page"
    missing = page.locator(".missing-permissions li")
    assert missing.all_inner_texts() == ["Can export registrations' personal data"]
    assert "ana@example.org" not in page.content()
    assert _look_at_both_widths(page, "staff-no-export-permission") == []
    context.close()


def test_staff_without_a_second_factor_are_led_to_set_one_up_after_their_password(page, live_server):
    event = factories.EventFactory(slug="supply-chains")
    staff = factories.StaffFactory(totp=False, email="new.staff@example.org")
    page.set_viewport_size(WIDTHS["390"])
    page.goto(live_server.url + reverse("account_login"))
    page.get_by_placeholder("Email address").fill(staff.email)
    page.get_by_placeholder("Password").fill(factories.DEFAULT_PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Log in").click()
    # Logged in with the password alone: the public site, without the admin.
    assert page.get_by_role("link", name="Admin").count() == 0

    page.goto(live_server.url + reverse("registrations:staff_summary", args=[event.slug]))
    assert urlsplit(page.url).path == reverse("account_reauthenticate")
    page.locator("input[name=password]").fill(factories.DEFAULT_PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()

    assert urlsplit(page.url).path == reverse("mfa_activate_totp")
    assert page.locator("input[name=code]").is_visible()
    assert _look_at_both_widths(page, "staff-second-factor-enrolment") == []
