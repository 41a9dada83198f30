"""Staff write an event's confirmation email in a browser, preview it, send a test to themselves, and a
guest who registers then gets it. Screenshots of the edit and preview pages at 390 and 1366 px go to
test-artifacts/screenshots/ (email-text-*.png) for a person to look at."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from registrations.models import EmailText, OutboxEmail, Registration
from tests import checkers, factories
from tests.e2e.test_accessibility import AXE_TAGS, RUN_AXE, describe
from tests.e2e.test_screenshots import staff_cookie
from tests.e2e.test_staff_permissions import WIDTHS, _look_at_both_widths

pytestmark = pytest.mark.browser

SUBJECT = "Welcome to {{ event }}, {{ name }}"
BODY = "Hello {{ name }},\n\nWe look forward to seeing you at {{ event }}.\n\nDirections: https://example.org/way"


# axe-core on what these pages add, inside the admin's own layout.
RUN_AXE_ON_CONTENT = RUN_AXE.replace("axe.run(document,", "axe.run(document.querySelector('#content'),")


def axe_problems(page, source, name):
    page.evaluate(source)
    violations = page.evaluate(RUN_AXE_ON_CONTENT, AXE_TAGS)
    return [describe(name, violations)] if violations else []


@pytest.fixture(autouse=True)
def _no_minimum_fill_time(settings):
    """The browser posts the form at once, as no person could: the bot checks have their own tests."""
    settings.REGISTRATION_MIN_FILL_SECONDS = 0


def test_staff_write_preview_and_test_a_confirmation_that_a_guest_then_receives(browser, live_server):
    axe_source = checkers.axe_script().read_text(encoding="utf-8")
    event = factories.EventFactory(title="Supply Chains Conference 2030", slug="supply-chains")
    factories.RegistrationSettingsFactory(event=event)
    factories.SessionFactory(event=event, title="Opening plenary", start=event.start)
    staff = factories.StaffFactory(email="writer@example.org")
    context = browser.new_context(viewport=WIDTHS["1366"])
    context.add_cookies([staff_cookie(live_server, staff)])
    page = context.new_page()

    # The event's list of emails: each kind in each language, all built in so far.
    page.goto(f"{live_server.url}{reverse('admin:registrations_emailtext_event')}?event={event.pk}")
    assert page.get_by_role("heading", level=1).inner_text() == "Email texts: Supply Chains Conference 2030"
    assert axe_problems(page, axe_source, "event's email texts") == []
    assert _look_at_both_widths(page, "email-text-event") == []
    page.set_viewport_size(WIDTHS["1366"])
    page.get_by_role("link", name="Write your own: Confirmation (registered), English").click()

    # The form starts from the built-in text.
    body = page.get_by_label("Message")
    assert body.input_value().startswith("Dear {{ name }},\n\nThank you for registering for {{ event }}.")
    assert page.get_by_label("Subject").input_value() == "You are registered: {{ event }}"
    expect(page.get_by_text("{{ manage_link }}", exact=True)).to_be_visible()

    # A mistyped placeholder is refused, saying which.
    body.fill("Hello {{ nmae }}")
    page.get_by_role("button", name="Save and preview").click()
    expect(page.get_by_text("Unknown placeholder: {{ nmae }}.")).to_be_visible()
    assert EmailText.objects.count() == 0

    page.get_by_label("Subject").fill(SUBJECT)
    page.get_by_label("Message").fill(BODY)
    assert _look_at_both_widths(page, "email-text-edit") == []
    assert axe_problems(page, axe_source, "edit") == []
    page.set_viewport_size(WIDTHS["1366"])
    page.get_by_role("button", name="Save and preview").click()

    # The preview: as a made-up registrant gets it, HTML and plain text.
    expect(page.get_by_text("This is your text.")).to_be_visible()
    expect(page.locator(".email-text-preview-subject")).to_have_text(
        "Welcome to Supply Chains Conference 2030, Alex Example"
    )
    text = page.locator(".email-text-preview-text").inner_text()
    assert text.startswith(
        "Hello Alex Example,\n\nWe look forward to seeing you at Supply Chains Conference 2030."
    )
    html = page.frame_locator(".email-text-preview-html")
    expect(html.get_by_role("link", name="https://example.org/way")).to_be_visible()
    expect(html.get_by_role("link", name="Manage your registration")).to_be_visible()
    assert _look_at_both_widths(page, "email-text-preview") == []
    assert axe_problems(page, axe_source, "preview") == []
    page.set_viewport_size(WIDTHS["1366"])

    page.get_by_role("button", name="Send this preview to myself").click()
    expect(page.get_by_text("A test was queued to writer@example.org.")).to_be_visible()
    test_row = OutboxEmail.objects.get(to_email="writer@example.org")
    assert test_row.subject == "[Test] Welcome to Supply Chains Conference 2030, Alex Example"
    context.close()

    # A guest registers: their confirmation is staff's text, with their name and the manage link.
    guest = browser.new_page()
    guest.goto(live_server.url + reverse("registrations:register", args=[event.slug]))
    guest.get_by_label("Full name").fill("Bo Guest")
    guest.get_by_label("Email address").fill("bo.guest@example.org")
    guest.get_by_role("checkbox", name="Opening plenary").check()
    guest.get_by_role("checkbox", name="I have read and accept the privacy notice").check()
    guest.get_by_role("button", name="Register").click()
    expect(guest.get_by_role("heading", level=1)).to_have_text("Check your email")

    registration = Registration.objects.get(email="bo.guest@example.org")
    row = OutboxEmail.objects.get(registration=registration, kind=OutboxEmail.Kind.REGISTERED)
    assert row.subject == "Welcome to Supply Chains Conference 2030, Bo Guest"
    assert row.body_text.startswith(
        "Hello Bo Guest,\n\nWe look forward to seeing you at Supply Chains Conference 2030.\n\n"
        "Directions: https://example.org/way"
    )
    assert registration.manage_token in row.body_text
    assert '<a href="https://example.org/way">https://example.org/way</a>' in row.body_html
    guest.close()
