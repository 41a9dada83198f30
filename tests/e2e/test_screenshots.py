"""The main pages with the demo data, at phone and desktop width: each page's <h1> is on the
first screen and nothing overflows sideways on a phone. Screenshots go to
test-artifacts/screenshots/ for a person to look at."""

import datetime as dt
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from events.demo import load_demo
from events.models import Event, Session, WebinarSeries
from registrations.eventday import checkin
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


DOOR_WIDTHS = {"390": {"width": 390, "height": 844}, "1366": {"width": 1366, "height": 768}}


def staff_cookie(live_server, staff=None):
    """The session cookie of `staff` (by default a new superuser), logged in with the second factor."""
    client = Client()
    client.force_login(staff or factories.StaffFactory())
    return {
        "name": settings.SESSION_COOKIE_NAME,
        "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
        "domain": urlsplit(live_server.url).hostname,
        "path": "/",
    }


def overflow(page, name):
    pixels = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    return [f"{name}: {pixels}px of horizontal overflow"] if pixels > 0 else []


def test_door_code_and_check_in_pages_at_390_and_1366(browser, live_server):
    """The manage page's door code section and the two-day check-in page, for a person to look at."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    event = factories.EventFactory(title="Supply Chains Conference 2030", slug="supply-chains")
    ana = factories.RegistrationFactory(event=event, name="Ana Pérez", organisation="Metalworkers Union")
    for name in ("Bo Lindqvist", "Chen Wu"):
        factories.RegistrationFactory(event=event, name=name)
    checkin.check_in(registration=ana, by=None, day=dt.date(2030, 11, 6))
    manage = live_server.url + reverse("registrations:manage", args=[ana.manage_token])
    checkin_page = live_server.url + reverse("registrations:checkin", args=[event.slug]) + "?day=2030-11-07"
    problems = []
    for width_name, viewport in DOOR_WIDTHS.items():
        context = browser.new_context(viewport=viewport)
        context.add_cookies([staff_cookie(live_server)])
        page = context.new_page()

        page.goto(manage)
        page.locator(".door-code").screenshot(path=SCREENSHOTS / f"door-code-{width_name}.png")
        box = page.locator(".door-code-qr").bounding_box()
        if box["width"] < 150 or box["x"] + box["width"] > viewport["width"]:
            problems.append(f"door code {width_name}: the QR code is {box}")
        problems += overflow(page, f"door code {width_name}")
        page.goto(checkin_page)
        page.screenshot(path=SCREENSHOTS / f"check-in-two-days-{width_name}.png", full_page=True)
        problems += overflow(page, f"check-in {width_name}")
        context.close()

    assert problems == []
