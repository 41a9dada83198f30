"""The main pages with the demo data, at phone and desktop width: each page's <h1> is on the
first screen and nothing overflows sideways on a phone. Screenshots go to
test-artifacts/screenshots/ for a person to look at."""

from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from events.demo import load_demo
from events.models import Event, Session, WebinarSeries
from tests import factories

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(settings.BASE_DIR) / "test-artifacts" / "screenshots"
VIEWPORTS = {"phone": {"width": 360, "height": 800}, "desktop": {"width": 1280, "height": 900}}


def main_pages():
    """{name: path} of the pages a visitor sees, on the demo data."""
    load_demo(password=factories.DEFAULT_PASSWORD)
    conference = Event.objects.filter(kind=Event.Kind.CONFERENCE, status=Event.Status.PUBLISHED).last()
    webinar = Event.objects.filter(kind=Event.Kind.WEBINAR).last()
    session = conference.sessions.filter(visibility=Session.Visibility.PUBLIC, kind="panel").first()
    factories.RegistrationSettingsFactory(event=conference)
    registration = factories.RegistrationFactory(event=conference, name="Ana Screenshot")
    return {
        "home": reverse("events:home"),
        "conference": conference.get_absolute_url(),
        "programme": reverse("events:programme_print", args=[conference.slug]),
        "session": session.get_absolute_url(),
        "speakers": reverse("events:speakers", args=[conference.slug]),
        "series": WebinarSeries.objects.get().get_absolute_url(),
        "webinar": webinar.get_absolute_url(),
        "register": reverse("registrations:register", args=[conference.slug]),
        "manage": reverse("registrations:manage", args=[registration.manage_token]),
        "not-found": "/no-such-page/",
        "login": reverse("account_login"),
    }


def test_main_pages_at_phone_and_desktop_width(page, live_server):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    problems = []
    for name, path in main_pages().items():
        for width_name, viewport in VIEWPORTS.items():
            page.set_viewport_size(viewport)
            page.goto(live_server.url + path)
            page.screenshot(path=SCREENSHOTS / f"{name}-{width_name}.png", full_page=True)
            # The first screen alone too: what a visitor sees before scrolling.
            page.screenshot(path=SCREENSHOTS / f"{name}-{width_name}-first-screen.png")

            heading = page.get_by_role("heading", level=1)
            if heading.count() != 1 or not heading.is_visible():
                problems.append(f"{name} {width_name}: no single visible <h1>")
                continue
            box = heading.bounding_box()
            if box["y"] + box["height"] > viewport["height"]:
                problems.append(f"{name} {width_name}: the <h1> is below the first screen")
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            if overflow > 0:
                problems.append(f"{name} {width_name}: {overflow}px of horizontal overflow")

    assert problems == []


def test_empty_home_page_says_so_and_points_to_the_recordings(page, live_server):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size(VIEWPORTS["phone"])

    page.goto(live_server.url + reverse("events:home"))
    page.screenshot(path=SCREENSHOTS / "home-empty-phone.png", full_page=True)

    assert page.get_by_text("No upcoming conferences yet.").is_visible()
    assert page.get_by_text("No upcoming webinars yet.").is_visible()
    page.get_by_role("link", name="Past events and webinar recordings").first.click()
    assert page.get_by_role("heading", level=1).inner_text() == "Past events"
