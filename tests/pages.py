"""The site's pages, as a visitor sees them, for checkers that go over every page.

`build_pages()` writes a realistic dataset (the demo data of `load_demo`: the seed
2024 conference, the upcoming demo edition, the webinar series; plus a guest's
registration with its manage link) and returns a `CheckedPage` for each page, in
English and in Spanish. `fetch()` gets a page with Django's test Client;
`open_in_browser()` opens it in a Playwright page against `live_server`.

Call `configure(settings)` first (the pytest-django `settings` fixture): the
pages include form posts, which must not be refused as too fast or too many.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from events import demo
from events.models import Event, Session, WebinarSeries
from registrations.models import Registration, SeriesFollower

DEMO_PASSWORD = "ewevents-demo-password"
AFFILIATE = demo.AFFILIATE_EMAIL
STAFF = demo.STAFF_EMAIL
LANGUAGES = ("en", "es")

CONFERENCE = demo.DEMO_CONFERENCE["slug"]  # upcoming: registration open
PAST_CONFERENCE = demo.SEED_CONFERENCE["slug"]
SERIES = demo.SERIES["slug"]
WEBINAR = demo.DEMO_WEBINARS[0]["slug"]  # upcoming
PAST_WEBINAR = demo.SEED_WEBINARS[0]["slug"]  # with its recording


@dataclass(frozen=True)
class CheckedPage:
    """One page to check. `login`: the email of the user it is seen as (None: anonymous).

    `method="POST"` pages are what the site answers to posting `data` to `url`, redirects
    followed (a form with errors shown again, the page after registering).
    """

    name: str
    url: str
    method: str = "GET"
    data: dict | None = None
    login: str | None = None
    language: str = "en"
    status: int = 200

    def __str__(self):
        return f"{self.name} [{self.language}] {self.method} {self.url}"


def configure(settings):
    """Let the pages' form posts through the registration form's bot and flood checks."""
    settings.REGISTRATION_MIN_FILL_SECONDS = 0
    settings.REGISTRATION_RATE_LIMIT = None
    settings.SERIES_FOLLOW_RATE_LIMIT = None


def build_pages(languages=LANGUAGES):
    """Write the dataset and return the pages to check, each in every language of `languages`."""
    demo.load_demo(password=DEMO_PASSWORD)
    conference = Event.objects.get(slug=CONFERENCE)
    sessions = Session.objects.filter(event=conference)
    public = sessions.get(title=demo.PANEL_REGULATORY)
    restricted = sessions.get(title=demo.COLLECTIVE_LEVERAGE)
    registration = Registration.objects.create(
        event=conference,
        name="Rosa Martínez",
        email="rosa.martinez@example.org",
        organisation="Sindicato de Trabajadores de la Electrónica",
        status=Registration.Status.CONFIRMED,
        privacy_consent_at=timezone.now(),
        privacy_notice_version="1",
    )
    registration.sessions.set([public])
    affiliate = get_user_model().objects.get(email=AFFILIATE)
    Registration.objects.create(
        event=conference,
        user=affiliate,
        name="Demo Affiliate",
        email=AFFILIATE,
        status=Registration.Status.CONFIRMED,
        privacy_consent_at=timezone.now(),
        privacy_notice_version="1",
    ).sessions.set([public, restricted])
    register_url = reverse("registrations:register", kwargs={"slug": CONFERENCE})
    series = WebinarSeries.objects.get(slug=SERIES)
    follower = SeriesFollower.objects.create(series=series, email="rosa.martinez@example.org")
    follow_url = reverse("registrations:follow_series", kwargs={"slug": SERIES})

    pages = []
    for language in languages:

        def add(name, url, language=language, **kwargs):
            pages.append(CheckedPage(name, url, language=language, **kwargs))

        add("home", reverse("events:home"))
        add("past events", reverse("events:past_events"))
        add("conference", conference.get_absolute_url())
        add("past conference", reverse("events:event_detail", kwargs={"slug": PAST_CONFERENCE}))
        add("printable programme", reverse("events:programme_print", kwargs={"slug": CONFERENCE}))
        add("speakers", reverse("events:speakers", kwargs={"slug": CONFERENCE}))
        add("public session", public.get_absolute_url())
        add("restricted session, anonymous", restricted.get_absolute_url())
        add("restricted session, affiliate", restricted.get_absolute_url(), login=AFFILIATE)
        add("conference, affiliate", conference.get_absolute_url(), login=AFFILIATE)
        add("webinar series", WebinarSeries.objects.get(slug=SERIES).get_absolute_url())
        add("webinar", reverse("events:event_detail", kwargs={"slug": WEBINAR}))
        add("past webinar", reverse("events:event_detail", kwargs={"slug": PAST_WEBINAR}))
        add("registration form", register_url)
        add("webinar registration form", reverse("registrations:register", kwargs={"slug": WEBINAR}))
        add(
            "registration form with errors",
            register_url,
            method="POST",
            data={"name": "", "email": "not-an-email", "time_zone": "Europe/Brussels"},
        )
        add(
            "after registering",
            register_url,
            method="POST",
            data={
                "name": "Ana Guest",
                "email": f"ana.guest.{language}@example.org",
                "organisation": "City of Ghent",
                "sessions": [str(public.pk)],
                "time_zone": "Europe/Brussels",
                "privacy_consent": "on",
                "language": language,
            },
        )
        add(
            "manage registration",
            reverse("registrations:manage", kwargs={"token": registration.manage_token}),
        )
        add(
            "cancel registration",
            reverse("registrations:cancel", kwargs={"token": registration.manage_token}),
        )
        add("find my registration", reverse("registrations:request_manage_link"))
        add("registration closed", reverse("registrations:register", kwargs={"slug": PAST_CONFERENCE}))
        add(
            "webinar search without results",
            f"{reverse('events:series_detail', kwargs={'slug': SERIES})}?q=zzzz",
        )
        add("follow the series with errors", follow_url, method="POST", data={"email": "not-an-email"})
        add(
            "follow the series: check your email",
            follow_url,
            method="POST",
            data={"email": f"buyer.{language}@example.org"},
        )
        add(
            "confirm following",
            reverse("registrations:follow_confirm", kwargs={"token": follower.confirm_token}),
        )
        add(
            "unsubscribe from the series",
            reverse("registrations:follow_unsubscribe", kwargs={"token": follower.unsubscribe_token}),
        )
        add(
            "follow link no longer valid",
            reverse("registrations:follow_unsubscribe", kwargs={"token": "no-such-token"}),
            status=404,
        )
        add("my registrations", reverse("registrations:mine"), login=AFFILIATE)
        add("account email addresses", reverse("account_email"), login=AFFILIATE)
        add("change password", reverse("account_change_password"), login=AFFILIATE)
        add("privacy", reverse("registrations:privacy"))
        add("not found", "/no-such-page/", status=404)
        add("staff only", reverse("admin:index"), login=AFFILIATE, status=403)
        add("log in", reverse("account_login"))
        add(
            "log in with errors",
            reverse("account_login"),
            method="POST",
            data={"login": AFFILIATE, "password": "not-the-password"},
        )
        add("sign up", reverse("account_signup"))
        add(
            "sign up with errors",
            reverse("account_signup"),
            method="POST",
            data={"email": "not-an-email", "password1": "short", "password2": "different"},
        )
        add("password reset", reverse("account_reset_password"))
    return pages


def _user(email):
    return get_user_model().objects.get(email=email)


def client_for(checked: CheckedPage) -> Client:
    """A test Client in the page's language, logged in as its user."""
    client = Client()
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = checked.language
    if checked.login:
        client.force_login(_user(checked.login))
    return client


def fetch(checked: CheckedPage, client: Client | None = None):
    """The response to the page with Django's test Client (redirects of a POST followed)."""
    client = client or client_for(checked)
    if checked.method == "POST":
        return client.post(checked.url, checked.data or {}, follow=True)
    return client.get(checked.url)


def fetch_html(checked: CheckedPage) -> str:
    """The page's HTML; fails if the page does not answer with its expected status."""
    response = fetch(checked)
    assert response.status_code == checked.status, f"{checked}: status {response.status_code}"
    return response.content.decode()


# Submits a form made from `data` (plus the page's CSRF token), as a browser does.
SUBMIT_FORM = """
([action, data]) => {
  const form = document.createElement("form");
  form.method = "post";
  form.action = action;
  const token = document.querySelector("input[name=csrfmiddlewaretoken]");
  const fields = Object.entries(data);
  if (token) fields.push(["csrfmiddlewaretoken", token.value]);
  for (const [name, value] of fields) {
    for (const one of Array.isArray(value) ? value : [value]) {
      const input = document.createElement("input");
      input.type = "hidden";
      input.name = name;
      input.value = one;
      form.append(input);
    }
  }
  document.body.append(form);
  form.submit();
}
"""


def add_cookies(context, live_server, checked: CheckedPage):
    """Give a Playwright browser context the page's language cookie and its user's session."""
    host = urlsplit(live_server.url).hostname
    cookies = [
        {"name": django_settings.LANGUAGE_COOKIE_NAME, "value": checked.language, "domain": host, "path": "/"}
    ]
    if checked.login:
        client = Client()
        client.force_login(_user(checked.login))
        session = client.cookies[django_settings.SESSION_COOKIE_NAME].value
        cookies.append(
            {"name": django_settings.SESSION_COOKIE_NAME, "value": session, "domain": host, "path": "/"}
        )
    context.clear_cookies()
    context.add_cookies(cookies)


def open_in_browser(page, live_server, checked: CheckedPage):
    """Open the page in a Playwright `page`, as its user and in its language; assert its status.

    A POST page is reached by opening `url` and submitting a form with `data` from it.
    """
    add_cookies(page.context, live_server, checked)
    response = page.goto(live_server.url + checked.url)
    if checked.method == "POST":
        with page.expect_navigation() as navigation:
            page.evaluate(SUBMIT_FORM, [checked.url, checked.data or {}])
        response = navigation.value
    assert response.status == checked.status, f"{checked}: status {response.status}"
    page.wait_for_load_state("load")
    return page
