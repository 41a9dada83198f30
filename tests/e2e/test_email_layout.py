"""A registration email, as a phone's mail app shows it: fits 390 px without sideways scrolling."""

import pytest

from registrations.models import OutboxEmail
from registrations.signup.emails import render_email
from tests import factories
from tests.e2e.test_screenshots import SCREENSHOTS

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [390, 1366])
def test_the_confirmation_email_fits_a_phone_and_a_laptop(browser, transactional_db, width):
    venue = factories.VenueFactory(address="Havenlaan 88")
    event = factories.EventFactory(title="Electronics Watch Annual Conference", venue=venue)
    registration = factories.RegistrationFactory(event=event, name="Ana Pérez", language="es")
    html = render_email(registration=registration, kind=OutboxEmail.Kind.REGISTERED)["body_html"]

    context = browser.new_context(viewport={"width": width, "height": 900}, java_script_enabled=False)
    page = context.new_page()
    page.set_content(html)

    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert page.get_by_role("link", name="Mapa del lugar").is_visible()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"email-registered-es-{width}.png", full_page=True)
    context.close()
