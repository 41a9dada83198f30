"""The registration journey in a browser at 390 and 1366 px: the form with the event beside it
(above it on a phone) and the browser's zone preset, the confirmation page with its calendar links
and next steps, the manage page with its status, own sessions and the change form behind a
disclosure. Each page passes axe and fits the width; screenshots go to test-artifacts/screenshots/."""

import pytest
from django.urls import reverse

from registrations.models import Registration
from registrations.signup import emails
from tests import checkers, factories
from tests.e2e.test_accessibility import axe_violations, describe
from tests.e2e.test_screenshots import SCREENSHOTS

pytestmark = pytest.mark.browser

WIDTHS = {"390": {"width": 390, "height": 844}, "1366": {"width": 1366, "height": 900}}


@pytest.fixture(autouse=True)
def _no_minimum_fill_time(settings):
    settings.REGISTRATION_MIN_FILL_SECONDS = 0


@pytest.fixture(autouse=True)
def _stub_email_rendering(monkeypatch):
    """This test is about the pages, not about how emails look."""
    monkeypatch.setattr(
        emails,
        "render_email",
        lambda *, registration, kind, **_: {"subject": str(kind), "body_text": str(kind)},
    )


@pytest.fixture(scope="module")
def axe_source():
    try:
        return checkers.axe_script().read_text(encoding="utf-8")
    except checkers.CheckerUnavailable as error:
        pytest.fail(str(error))


def check(page, name, width, axe_source, problems):
    """Screenshot the page, then note axe's violations and any sideways scrolling."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"journey-{name}-{width}.png", full_page=True)
    violations = axe_violations(page, axe_source)
    if violations:
        problems.append(describe(f"{name} at {width}", violations))
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    if overflow > 0:
        problems.append(f"{name} at {width}: {overflow}px of horizontal overflow")


@pytest.mark.parametrize("width", list(WIDTHS))
def test_registration_journey_at_phone_and_laptop_width(
    browser, live_server, conference_with_mixed_sessions, axe_source, width
):
    c = conference_with_mixed_sessions
    factories.RegistrationSettingsFactory(event=c.event)
    # Chromium names this zone by its old alias, "Asia/Calcutta": the form must still find it.
    context = browser.new_context(viewport=WIDTHS[width], timezone_id="Asia/Kolkata")
    page = context.new_page()
    problems = []

    page.goto(live_server.url + c.event.get_absolute_url())
    page.get_by_role("link", name="Register", exact=True).first.click()
    page.wait_for_load_state()
    assert page.locator("select[name=time_zone]").input_value() == "Asia/Kolkata"
    summary = page.locator("aside.event-summary-box")
    form = page.locator(".registration-form")
    assert summary.get_by_text("Herman Tierlinck Building, Brussels").is_visible()
    summary_box, form_box = summary.bounding_box(), form.bounding_box()
    if width == "1366":
        # A sidebar to the right of the form, listing the sessions on offer.
        assert summary_box["x"] > form_box["x"] + form_box["width"] - 1
        assert summary.get_by_text("Open panel").is_visible()
    else:
        # Above the form, short: the form lists the sessions just below.
        assert summary_box["y"] + summary_box["height"] <= form_box["y"]
        assert not summary.get_by_text("Open panel").is_visible()
    check(page, "form", width, axe_source, problems)

    page.get_by_label("Full name").fill("Bo Guest")
    page.get_by_label("Email address").fill("bo@example.com")
    page.get_by_role("checkbox", name="Open panel").check()
    page.get_by_role("checkbox", name="I have read and accept the privacy notice").check()
    page.get_by_role("button", name="Register").click()

    assert page.get_by_role("heading", level=1).inner_text() == "Check your email"
    google = page.get_by_role("link", name="Google Calendar")
    assert google.get_attribute("href").startswith("https://calendar.google.com/calendar/render?")
    assert (
        page.get_by_role("link", name="Outlook").get_attribute("href").startswith("https://outlook.live.com/")
    )
    assert page.get_by_role("link", name="Apple Calendar (.ics)").is_visible()
    assert page.get_by_role("heading", name="What happens next").is_visible()
    registration = Registration.objects.get(email="bo@example.com")
    assert registration.manage_token not in page.content()
    check(page, "confirmation", width, axe_source, problems)

    page.goto(live_server.url + reverse("registrations:manage", args=[registration.manage_token]))
    badge = page.locator(".registration-status .status-badge")
    assert badge.inner_text() == "Confirmed"
    assert "text-bg-success" in badge.get_attribute("class")
    assert page.locator(".door-code-qr").is_visible()
    assert page.get_by_role("link", name="Add my sessions to my calendar (.ics)").is_visible()
    full_name = page.get_by_label("Full name")
    assert not full_name.is_visible()
    check(page, "manage", width, axe_source, problems)
    page.get_by_text("Change my registration", exact=True).click()
    assert full_name.is_visible()
    check(page, "manage-change-open", width, axe_source, problems)
    context.close()

    assert problems == []
