import pytest

from registrations.models import OutboxEmail, Registration
from registrations.signup import emails
from tests import factories
from tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _no_minimum_fill_time(settings):
    """These tests post the form at once, as no person could: the bot checks have their own tests."""
    settings.REGISTRATION_MIN_FILL_SECONDS = 0


@pytest.fixture(autouse=True)
def _stub_email_rendering(monkeypatch):
    """This test is about the form in a browser, not about how emails look."""
    monkeypatch.setattr(
        emails,
        "render_email",
        lambda *, registration, kind, **_: {"subject": str(kind), "body_text": str(kind)},
    )


@pytest.fixture
def page(browser):
    # A browser far from the event's zone, to see timezone.js preset the form.
    context = browser.new_context(viewport={"width": 1280, "height": 900}, timezone_id="America/Santiago")
    page = context.new_page()
    yield page
    context.close()


def test_guest_registers_without_restricted_sessions_and_affiliate_sees_them(
    page, live_server, conference_with_mixed_sessions
):
    c = conference_with_mixed_sessions
    affiliate = factories.MembershipFactory(user__email="ana@union.example.org").user

    page.goto(live_server.url + c.event.get_absolute_url())
    page.get_by_role("link", name="Register", exact=True).click()

    assert page.get_by_role("checkbox", name="Open panel").count() == 1
    assert page.get_by_text("Restricted conversation").count() == 0
    assert page.get_by_text("Hidden closed meeting").count() == 0
    assert page.get_by_text("Coffee break").count() == 0
    assert page.locator("select[name=time_zone]").input_value() == "America/Santiago"

    page.get_by_label("Full name").fill("Bo Guest")
    page.get_by_label("Email address").fill("bo@example.com")
    page.get_by_role("checkbox", name="Open panel").check()
    page.get_by_role("checkbox", name="I have read and accept the privacy notice").check()
    page.get_by_role("button", name="Register").click()

    assert page.get_by_role("heading", level=1).inner_text() == "Check your email"
    assert page.get_by_text("We have sent an email to bo@example.com").is_visible()
    registration = Registration.objects.get(email="bo@example.com")
    assert (registration.status, registration.time_zone) == ("confirmed", "America/Santiago")
    assert list(registration.sessions.all()) == [c.public]
    assert OutboxEmail.objects.filter(registration=registration, kind="registered").count() == 1

    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Email").fill(affiliate.email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(live_server.url + c.event.get_absolute_url())
    page.get_by_role("link", name="Register", exact=True).click()

    assert page.get_by_role("checkbox", name="Restricted conversation").count() == 1
    assert page.get_by_role("checkbox", name="Hidden closed meeting").count() == 1
    assert page.get_by_text("Coffee break").count() == 0
    assert page.get_by_label("Email address").input_value() == "ana@union.example.org"
