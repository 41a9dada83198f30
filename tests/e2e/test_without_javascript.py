"""With JavaScript switched off, a person can still do everything: browse the programme, register
for the conference and a webinar, change and cancel from the email's link, log in and out."""

import re
from urllib.parse import urlsplit

import pytest

from events import demo
from registrations.models import OutboxEmail, Registration
from tests import pages

pytestmark = pytest.mark.browser

CONFERENCE = demo.DEMO_CONFERENCE["title"]
WEBINAR = demo.DEMO_WEBINARS[0]["title"]


@pytest.fixture
def page(browser, settings):
    pages.configure(settings)
    demo.load_demo(password=pages.DEMO_PASSWORD)
    context = browser.new_context(
        java_script_enabled=False, timezone_id="America/Santiago", viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    yield page
    context.close()


def heading(page):
    return page.get_by_role("heading", level=1).inner_text()


def manage_path_from_email(registration):
    message = OutboxEmail.objects.get(registration=registration, kind="registered")
    url = re.search(r"https?://\S+/registrations/manage/\S+/", message.body_text).group()
    return urlsplit(url).path


def test_browse_register_change_and_cancel_without_javascript(page, live_server):
    page.goto(live_server.url + "/")

    # Browse: home → conference → programme → session → webinar series → webinar.
    assert heading(page) == "Conferences and webinars"
    page.get_by_role("link", name=CONFERENCE).click()
    assert heading(page) == CONFERENCE
    assert page.get_by_role("heading", name="Programme").is_visible()
    page.get_by_role("link", name="Download the full programme").click()
    assert heading(page) == CONFERENCE
    assert page.get_by_text(demo.PANEL_REGULATORY).is_visible()
    page.go_back()
    page.get_by_role("link", name=demo.PANEL_REGULATORY).click()
    assert heading(page) == demo.PANEL_REGULATORY
    assert page.get_by_text("This panel will explore recent developments").is_visible()
    page.goto(live_server.url + "/")
    page.get_by_role("link", name=re.compile("All webinars and recordings of the series")).click()
    assert heading(page) == demo.SERIES["title"]
    page.get_by_role("link", name=WEBINAR).click()
    assert heading(page) == WEBINAR

    # Register as a guest for the webinar.
    page.get_by_role("link", name="Register", exact=True).click()
    page.get_by_label("Full name").fill("Nora Guest")
    page.get_by_label("Email address").fill("nora@example.org")
    page.get_by_role("checkbox", name="I have read and accept the privacy notice").check()
    page.get_by_role("button", name="Register").click()
    assert heading(page) == "Check your email"
    assert page.get_by_text("We have sent an email to nora@example.org").is_visible()
    assert Registration.objects.get(email="nora@example.org").event.title == WEBINAR

    # Register as a guest for the conference, choosing a session.
    page.goto(live_server.url + "/")
    page.get_by_role("link", name=CONFERENCE).click()
    page.get_by_role("link", name="Register", exact=True).click()
    assert page.get_by_role("checkbox", name=demo.COLLECTIVE_LEVERAGE).count() == 0
    # timezone.js did not run: the zone stays the event's, not the browser's America/Santiago.
    assert page.get_by_label("Your time zone").input_value() == "Europe/Brussels"
    page.get_by_label("Full name").fill("Nora Guest")
    page.get_by_label("Email address").fill("nora@example.org")
    page.get_by_role("checkbox", name=demo.PANEL_REGULATORY).check()
    page.get_by_role("checkbox", name="I have read and accept the privacy notice").check()
    page.get_by_role("button", name="Register").click()
    assert heading(page) == "Check your email"

    # The email's personal link opens the registration; change it, then cancel it.
    registration = Registration.objects.get(
        email="nora@example.org", event__slug=demo.DEMO_CONFERENCE["slug"]
    )
    page.goto(live_server.url + manage_path_from_email(registration))
    assert heading(page) == "Your registration"
    assert page.locator(".registration-sessions").get_by_text(demo.PANEL_REGULATORY).is_visible()
    # The form is behind its disclosure, which opens without JavaScript.
    page.get_by_text("Change my registration", exact=True).click()
    page.get_by_role("checkbox", name=demo.PANEL_ACCOUNTABILITY).check()
    page.get_by_label("Dietary needs").fill("Vegetarian")
    page.get_by_role("button", name="Save changes").click()
    assert page.get_by_text("Your changes are saved.").is_visible()
    assert page.locator(".registration-sessions").get_by_text(demo.PANEL_ACCOUNTABILITY).is_visible()
    assert page.locator(".registration-answers").get_by_text("Vegetarian").is_visible()

    page.get_by_role("link", name="Cancel my registration").click()
    assert heading(page) == "Cancel your registration"
    page.get_by_role("button", name="Yes, cancel my registration").click()
    assert heading(page) == "Registration cancelled"
    registration.refresh_from_db()
    assert registration.status == Registration.Status.CANCELLED


def test_log_in_register_see_my_registrations_and_log_out_without_javascript(page, live_server):
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Log in").click()
    page.get_by_label("Email").fill(demo.AFFILIATE_EMAIL)
    page.get_by_label("Password").fill(pages.DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    assert page.get_by_role("link", name="My registrations").is_visible()

    # An affiliate is offered the restricted sessions too.
    page.get_by_role("link", name=CONFERENCE).click()
    page.get_by_role("link", name="Register", exact=True).click()
    page.get_by_role("checkbox", name=demo.COLLECTIVE_LEVERAGE).check()
    page.get_by_role("checkbox", name="I have read and accept the privacy notice").check()
    page.get_by_role("button", name="Register").click()
    assert heading(page) == "Check your email"

    page.get_by_role("link", name="My registrations").click()
    assert heading(page) == "My registrations"
    assert page.locator("main").get_by_role("link", name=CONFERENCE).is_visible()

    page.get_by_role("button", name="Log out").click()
    assert page.get_by_role("link", name="Log in").is_visible()
    assert page.get_by_role("link", name="My registrations").count() == 0
