"""The admin staff work in, in a browser at 1366 × 900 (a common laptop) and 390 px (a phone): the
staff home, an event's change page with its sessions, a session's with its speakers, the registration
list and the mailing form fit the screen without sideways scrolling, and axe-core finds no serious
or critical problem in them.
Screenshots go to test-artifacts/screenshots/ for a person to look at."""

import pytest
from django.urls import reverse

from events.demo import load_demo
from events.models import Event
from registrations.models import Mailing, RegistrationSettings
from tests import checkers, factories
from tests.e2e.test_accessibility import axe_violations, describe
from tests.e2e.test_screenshots import SCREENSHOTS, staff_cookie

pytestmark = pytest.mark.browser

LAPTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}

# Wider than the page, or a table wider than the box it sits in (its right edge cut off or scrolled).
OVERFLOW = """
() => {
  const found = [];
  const page = document.documentElement.scrollWidth - window.innerWidth;
  if (page > 0) found.push(`the page scrolls sideways by ${page}px`);
  for (const table of document.querySelectorAll("#content table")) {
    const box = table.parentElement.getBoundingClientRect();
    const wide = table.getBoundingClientRect().width - box.width;
    if (wide > 1) {
      const name = table.closest("[id]")?.id || table.className || "a table";
      found.push(`${name}: its table is ${Math.round(wide)}px wider than its container`);
    }
  }
  return found;
}
"""


@pytest.fixture(scope="session")
def axe():
    try:
        return checkers.axe_script().read_text(encoding="utf-8")
    except checkers.CheckerUnavailable as error:
        pytest.fail(str(error))


@pytest.fixture
def demo(transactional_db):
    load_demo(password=factories.DEFAULT_PASSWORD)
    conference = Event.objects.filter(kind=Event.Kind.CONFERENCE, start__year__gt=2024).get()
    RegistrationSettings.objects.get_or_create(event=conference)
    mailing = Mailing.objects.create(
        event=conference, subject="Practical information", body="Hello {{ name }}", audience="sessions"
    )
    return conference, mailing


def _staff_page(browser, live_server, viewport):
    context = browser.new_context(viewport=viewport)
    context.add_cookies([staff_cookie(live_server)])
    return context, context.new_page()


def _admin_pages(conference, mailing):
    return {
        "admin-home": reverse("admin:index"),
        "admin-event": reverse("admin:events_event_change", args=[conference.pk]),
        # Its speakers' inline: an autocomplete box in a row without a <label> (static/js/admin.js).
        "admin-session": reverse("admin:events_session_change", args=[conference.sessions.first().pk]),
        "admin-registrations": reverse("admin:registrations_registration_changelist"),
        "admin-mailing": reverse("admin:registrations_mailing_change", args=[mailing.pk]),
    }


def _serious(violations):
    return [violation for violation in violations if violation["impact"] in ("serious", "critical")]


def test_admin_pages_fit_a_laptop_and_a_phone_without_serious_axe_problems(browser, live_server, demo, axe):
    conference, mailing = demo
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    problems = []
    for width, viewport in (("1366", LAPTOP), ("390", PHONE)):
        context, page = _staff_page(browser, live_server, viewport)
        for name, path in _admin_pages(conference, mailing).items():
            response = page.goto(live_server.url + path)
            assert response.status == 200, f"{name}: {response.status}"
            page.screenshot(path=SCREENSHOTS / f"{name}-{width}.png", full_page=True)
            page.screenshot(path=SCREENSHOTS / f"{name}-{width}-first-screen.png")
            if name == "admin-event":
                page.locator("#sessions-group").screenshot(path=SCREENSHOTS / f"{name}-sessions-{width}.png")
            found = page.evaluate(OVERFLOW)
            if width == "390":  # a phone: the page fits; wide tables scroll within their own box
                found = [line for line in found if line.startswith("the page")]
            problems += [f"{name} at {width}: {line}" for line in found]
            violations = _serious(axe_violations(page, axe))
            if violations:
                problems.append(describe(f"{name} at {width}", violations))
        context.close()

    assert problems == [], "\n".join(problems)
