"""Staff change a built-in question (organisation) as they edit their own; a guest meets it on the form.

Screenshots of the question's admin page and of the form at a phone's and a laptop's width go to
test-artifacts/screenshots/ (default-questions-*.png) for a person to look at.
"""

import pytest
from django.urls import reverse

from registrations.models import Question, Registration
from registrations.signup import questions
from tests import factories
from tests.e2e.test_registration_questions import staff_context
from tests.e2e.test_waiting_lists import SCREENSHOTS, VIEWPORTS

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _no_minimum_fill_time(settings):
    """The browser posts the form at once, as no person could: the bot checks have their own tests."""
    settings.REGISTRATION_MIN_FILL_SECONDS = 0


def screenshots(page, name, *, phone_fits=True):
    """Screenshot `page` at each width; on a phone, the public pages must not scroll sideways."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for width_name, viewport in VIEWPORTS.items():
        page.set_viewport_size(viewport)
        page.screenshot(path=SCREENSHOTS / f"default-questions-{name}-{width_name}.png", full_page=True)
        if phone_fits:
            assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0, width_name
    page.set_viewport_size(VIEWPORTS["desktop"])


def test_staff_make_organisation_required_and_relabel_it_and_a_guest_sees_it(browser, page, live_server):
    event = factories.EventFactory(title="Buying Fair Electronics", slug="buying-fair")
    factories.RegistrationSettingsFactory(event=event)
    questions.add_default_questions(event=event)

    context = staff_context(browser, live_server)
    staff = context.new_page()
    staff.goto(live_server.url + reverse("admin:events_event_change", args=[event.pk]))
    staff.locator(".object-tools").get_by_role("link", name="Questions").click()
    staff.get_by_role("link", name="Organisation", exact=True).click()
    staff.locator("#id_label_en").fill("Employer or organisation")
    staff.locator("#id_label_es").fill("Empleador u organización")
    staff.get_by_role("checkbox", name="Required").check()
    screenshots(staff, "admin-question", phone_fits=False)
    staff.get_by_role("button", name="Save", exact=True).click()

    assert "was changed successfully" in staff.locator(".messagelist").inner_text()
    organisation = Question.objects.get(event=event, field="organisation")
    assert (organisation.label_en, organisation.required, organisation.kind) == (
        "Employer or organisation",
        True,
        "text",
    )
    context.close()

    page.goto(live_server.url + reverse("registrations:register", kwargs={"slug": event.slug}))
    field = page.get_by_label("Employer or organisation")
    assert field.get_attribute("required") is not None
    assert page.get_by_label("Country").locator("option:checked").inner_text() == "Choose a country"
    page.get_by_label("Full name").fill("Bo Guest")
    page.get_by_label("Email address").fill("bo@example.com")
    page.get_by_label("Country").select_option(label="Kenya")
    page.get_by_role("checkbox", name="I have read and accept the privacy notice").check()
    # The browser itself asks first; without that check the server answers the same.
    page.locator("form[method=post]:not(.language-switcher)").evaluate("form => form.noValidate = true")
    page.get_by_role("button", name="Register").click()

    assert page.locator("#div_id_organisation").get_by_text("This field is required.").is_visible()
    assert Registration.objects.count() == 0
    page.get_by_label("Employer or organisation").fill("Demo City Council")
    screenshots(page, "register-form")
    page.get_by_role("button", name="Register").click()

    assert page.get_by_role("heading", level=1).inner_text() == "Check your email"
    registration = Registration.objects.get(email="bo@example.com")
    assert (registration.organisation, registration.country) == ("Demo City Council", "Kenya")
