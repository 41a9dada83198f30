"""An event's own questions in a browser: a guest answers them, staff read the answers in admin.

Screenshots of the form at a phone's and a laptop's width go to test-artifacts/screenshots/
(questions-*.png) for a person to look at.
"""

from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from registrations.models import Answer, Question, Registration
from tests import factories
from tests.e2e.test_waiting_lists import SCREENSHOTS, VIEWPORTS

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _no_minimum_fill_time(settings):
    """The browser posts the form at once, as no person could: the bot checks have their own tests."""
    settings.REGISTRATION_MIN_FILL_SECONDS = 0


def screenshots(page, name):
    """Screenshot `page` at each width; on a phone, the page must not scroll sideways."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for width_name, viewport in VIEWPORTS.items():
        page.set_viewport_size(viewport)
        page.screenshot(path=SCREENSHOTS / f"questions-{name}-{width_name}.png", full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0, width_name
    page.set_viewport_size(VIEWPORTS["desktop"])


def staff_context(browser, live_server):
    client = Client()
    client.force_login(factories.StaffFactory())
    context = browser.new_context(viewport=VIEWPORTS["desktop"])
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "domain": urlsplit(live_server.url).hostname,
                "path": "/",
            }
        ]
    )
    return context


def test_guest_answers_the_events_questions_and_staff_read_them_in_admin(browser, page, live_server):
    event = factories.EventFactory(title="Buying Fair Electronics", slug="buying-fair")
    factories.RegistrationSettingsFactory(event=event)
    factories.QuestionFactory(
        event=event,
        label_en="Which sector do you work in?",
        kind=Question.Kind.SINGLE_CHOICE,
        required=True,
        choices=["Public buyer", "Trade union", "Civil society"],
    )
    factories.QuestionFactory(
        event=event,
        label_en="Country you work in",
        help_text_en="We group the discussion tables by region.",
        kind=Question.Kind.COUNTRY,
    )
    factories.QuestionFactory(event=event, label_en="You may take photos of me", kind=Question.Kind.CHECKBOX)
    factories.QuestionFactory(
        event=event, label_en="Partner monitoring code", audience=Question.Audience.AFFILIATES
    )

    page.goto(live_server.url + reverse("registrations:register", kwargs={"slug": event.slug}))

    assert page.get_by_text("Partner monitoring code").count() == 0
    page.get_by_label("Full name").fill("Bo Guest")
    page.get_by_label("Email address").fill("bo@example.com")
    page.get_by_role("radio", name="Trade union").check()
    page.get_by_label("Country you work in").select_option("KE")
    page.get_by_role("checkbox", name="You may take photos of me").check()
    page.get_by_role("checkbox", name="I have read and accept the privacy notice").check()
    screenshots(page, "register-form")
    page.get_by_role("button", name="Register").click()

    assert page.get_by_role("heading", level=1).inner_text() == "Check your email"
    registration = Registration.objects.get(email="bo@example.com")
    assert list(
        Answer.objects.filter(registration=registration).values_list("question__label_en", "text")
    ) == [
        ("Which sector do you work in?", "Trade union"),
        ("Country you work in", "Kenya"),
        ("You may take photos of me", "yes"),
    ]

    context = staff_context(browser, live_server)
    staff = context.new_page()
    staff.goto(live_server.url + reverse("admin:registrations_registration_change", args=[registration.pk]))
    answers = staff.locator("table", has=staff.get_by_role("columnheader", name="Question"))

    assert answers.locator("tbody tr").all_inner_texts() == [
        "Which sector do you work in?\tTrade union",
        "Country you work in\tKenya",
        "You may take photos of me\tyes",
    ]
    context.close()


def test_a_required_question_left_unanswered_is_shown_beside_its_field(page, live_server):
    event = factories.EventFactory(slug="buying-fair")
    factories.RegistrationSettingsFactory(event=event)
    factories.QuestionFactory(
        event=event,
        label_en="Which sector do you work in?",
        kind=Question.Kind.SINGLE_CHOICE,
        required=True,
        choices=["Public buyer", "Trade union"],
    )

    page.goto(live_server.url + reverse("registrations:register", kwargs={"slug": event.slug}))
    page.get_by_label("Full name").fill("Bo Guest")
    page.get_by_label("Email address").fill("bo@example.com")
    page.get_by_role("checkbox", name="I have read and accept the privacy notice").check()
    # The browser itself asks first; without that check the server answers the same.
    page.locator("form[method=post]:not(.language-switcher)").evaluate("form => form.noValidate = true")
    page.get_by_role("button", name="Register").click()

    assert page.get_by_role("link", name="Which sector do you work in?: This field is required.").is_visible()
    assert (
        page.locator("#div_id_question_" + str(Question.objects.get().pk))
        .get_by_text("This field is required.")
        .is_visible()
    )
    assert Registration.objects.count() == 0
