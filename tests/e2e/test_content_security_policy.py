"""In headless Chromium, the site's pages run under the strict Content-Security-Policy with nothing
refused: every script and stylesheet comes from the site, nothing is inline (tests/test_security_headers.py
checks the header itself)."""

from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from registrations.models import Mailing
from tests import factories

pytestmark = pytest.mark.browser


RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} ${event.blockedURI}`);
});
"""


def csp_problems(page, console):
    reported = page.evaluate("window.__cspViolations")
    logged = [text for text in console if "Content Security Policy" in text or "Refused to" in text]
    return reported + logged


@pytest.fixture
def recorded(page):
    console = []
    page.on("console", lambda message: console.append(message.text))
    page.add_init_script(RECORD_VIOLATIONS)
    return console


def log_in_as_staff(page, live_server):
    client = Client()
    client.force_login(factories.StaffFactory())
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "domain": urlsplit(live_server.url).hostname,
                "path": "/",
            }
        ]
    )


def test_pages_load_in_a_browser_without_a_policy_violation(page, live_server, recorded):
    event = factories.EventFactory(title="Browser Conference", slug="browser")
    factories.SessionFactory(event=event, title="Opening plenary")
    factories.RegistrationFactory(event=event, name="Preview Person")
    mailing = Mailing.objects.create(event=event, subject="News", body="Hello **{{ name }}**.")
    urls = [
        reverse("events:home"),
        event.get_absolute_url(),
        reverse("registrations:register", kwargs={"slug": event.slug}),
        reverse("account_login"),
        reverse("admin:login"),
    ]

    for url in urls:
        response = page.goto(live_server.url + url)
        assert response.status == 200, url
        page.wait_for_load_state("networkidle")
        assert csp_problems(page, recorded) == [], url

    # Scripts ran and stylesheets applied, all from the site itself.
    page.goto(live_server.url + event.get_absolute_url())
    loaded = page.evaluate("performance.getEntriesByType('resource').map((entry) => entry.name)")
    assert any(url.endswith("/static/js/localtime.js") for url in loaded)
    assert page.evaluate("getComputedStyle(document.querySelector('.container')).marginLeft") != "0px"

    log_in_as_staff(page, live_server)
    admin_pages = [
        reverse("admin:index"),
        reverse("admin:registrations_registration_changelist"),
        reverse("admin:events_event_change", args=[event.pk]),
        reverse("admin:registrations_mailing_change", args=[mailing.pk]),
        f"{reverse('admin:registrations_emailtext_event')}?event={event.pk}",
        f"{reverse('admin:registrations_emailtext_add')}?event={event.pk}&kind=registered&language=es",
        f"{reverse('admin:registrations_emailtext_preview')}?event={event.pk}&kind=registered&language=en",
    ]
    for url in admin_pages:
        response = page.goto(live_server.url + url)
        assert response.status == 200, url
        page.wait_for_load_state("networkidle")
        assert csp_problems(page, recorded) == [], url
    # Admin scripts ran: the changelist's action bar counts the selected rows.
    page.goto(live_server.url + reverse("admin:registrations_registration_changelist"))
    page.locator("#action-toggle").check()
    assert page.locator("input.action-select:checked").count() == 1

    # The mailing preview shows the email in a sandboxed srcdoc iframe under the same policy.
    page.goto(live_server.url + reverse("admin:registrations_mailing_preview", args=[mailing.pk]))
    page.wait_for_load_state("networkidle")
    preview = page.frame_locator("iframe.mailing-preview-html")
    assert preview.get_by_text("Preview Person").first.is_visible()
    assert csp_problems(page, recorded) == []


def test_the_browser_check_would_see_a_violation(page, live_server, recorded):
    page.goto(live_server.url + reverse("events:home"))
    page.evaluate("document.body.setAttribute('style', 'color: red')")
    page.wait_for_timeout(200)

    assert csp_problems(page, recorded) != []
