"""A session's materials in a browser at 390 and 1366 px: the session page lists them under a
heading, a file downloads under a readable name, a recording is a plain link; the page passes axe
and fits the width. And the home and programme pages of the demo data, for the README (docs/)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from events.demo import DEMO_CONFERENCE, load_demo
from events.models import SessionMaterial
from tests import checkers, factories
from tests.e2e.test_admin_layout import OVERFLOW
from tests.e2e.test_registration_journey import WIDTHS, check
from tests.e2e.test_screenshots import SCREENSHOTS, staff_cookie

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def axe_source():
    try:
        return checkers.axe_script().read_text(encoding="utf-8")
    except checkers.CheckerUnavailable as error:
        pytest.fail(str(error))


@pytest.mark.parametrize("width", list(WIDTHS))
def test_a_session_with_materials_at_phone_and_laptop_width(
    browser, live_server, conference_with_mixed_sessions, axe_source, width
):
    c = conference_with_mixed_sessions
    c.event.venue.accessibility = "Step-free entrance on the side street; a hearing loop in the plenary."
    c.event.venue.save()
    factories.SessionMaterialFactory(
        session=c.public,
        title="Slides of the open panel",
        url="",
        file=SimpleUploadedFile("deck.pdf", b"%PDF-1.4 open panel"),
    )
    factories.SessionMaterialFactory(
        session=c.public,
        kind=SessionMaterial.Kind.RECORDING,
        title="Recording of the open panel",
        url="https://video.example.org/open-panel",
        position=1,
    )
    factories.SessionMaterialFactory(session=c.teaser, title="Minutes of the restricted conversation")
    context = browser.new_context(viewport=WIDTHS[width], accept_downloads=True)
    page = context.new_page()
    problems = []

    page.goto(live_server.url + c.event.get_absolute_url())
    programme = page.locator(".programme-materials")
    assert programme.count() == 1  # the public panel's; the restricted one's are not for this visitor
    assert programme.get_by_role("link", name="Slides of the open panel").is_visible()
    assert "Minutes of the restricted conversation" not in page.content()
    accessibility = page.get_by_role("heading", name="Accessibility")
    accessibility.scroll_into_view_if_needed()
    assert accessibility.is_visible()
    check(page, "materials-programme", width, axe_source, problems)

    page.goto(live_server.url + c.public.get_absolute_url())
    section = page.get_by_role("region", name="Recordings and materials")
    assert section.get_by_role("link", name="Recording of the open panel").get_attribute("href") == (
        "https://video.example.org/open-panel"
    )
    with page.expect_download() as download:
        section.get_by_role("link", name="Slides of the open panel").click()
    assert download.value.suggested_filename == "slides-of-the-open-panel.pdf"
    check(page, "materials-session", width, axe_source, problems)
    context.close()

    assert problems == []


def test_a_sessions_materials_fit_its_admin_page_on_a_laptop(browser, live_server):
    """Links and files side by side in the materials table, within 1366 px."""
    session = factories.SessionFactory(title="Opening panel")
    factories.SessionMaterialFactory(
        session=session, title="Slides", url="https://files.example.org/a-rather-long-name-of-slides.pdf"
    )
    factories.SessionMaterialFactory(
        session=session, title="Minutes", url="", file=SimpleUploadedFile("minutes.pdf", b"%PDF-1.4")
    )
    context = browser.new_context(viewport=README_WIDTHS["1366"])
    context.add_cookies([staff_cookie(live_server)])
    page = context.new_page()

    page.goto(live_server.url + reverse("admin:events_session_change", args=[session.pk]))
    page.locator("#materials-group").screenshot(path=SCREENSHOTS / "admin-session-materials-1366.png")

    assert page.evaluate(OVERFLOW) == []
    context.close()


README_WIDTHS = {"390": {"width": 390, "height": 844}, "1366": {"width": 1366, "height": 900}}


def test_home_and_programme_pages_for_the_readme(browser, live_server):
    """docs/home-*.png and docs/programme-*.png are copied from these (README, "What visitors see")."""
    load_demo(password=factories.DEFAULT_PASSWORD)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    pages = {
        "home": reverse("events:home"),
        "programme": reverse("events:event_detail", args=[DEMO_CONFERENCE["slug"]]),
    }
    for width, viewport in README_WIDTHS.items():
        context = browser.new_context(viewport=viewport)
        page = context.new_page()
        for name, path in pages.items():
            page.goto(live_server.url + path)
            clip = None
            if name == "programme":  # from its heading, a screen and a half: the page above is the event's
                top = page.locator("#programme-heading").bounding_box()["y"] - 16
                clip = {"x": 0, "y": top, "width": viewport["width"], "height": viewport["height"] * 1.5}
            page.screenshot(path=SCREENSHOTS / f"readme-{name}-{width}.png", full_page=True, clip=clip)
            assert page.get_by_role("heading", level=1).count() == 1
        context.close()
