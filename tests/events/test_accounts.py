"""Accounts (django-allauth): sign up, verify, log in and out, reset a password.

Every flow goes through the real allauth views and templates, as a visitor's
browser would: forms are posted, links are taken from the emails sent.
"""

import re
import statistics
import time

import pytest
from allauth.account.models import EmailAddress
from celery.app.task import Task
from django.conf import settings
from django.core.cache import cache
from django.urls import reverse

from events.models import Organisation, Session
from registrations import account_tasks
from registrations.models import OutboxEmail
from tests import factories

pytestmark = pytest.mark.django_db

PASSWORD = factories.DEFAULT_PASSWORD
NEW_PASSWORD = "lantern-orchard-quietly-42"
LOGIN_ERROR = "The email address and/or password you specified are not correct."
RESET_LINK = r"/accounts/password/reset/key/[^/\s]+/"
AFFILIATE_ONLY_TEXT = "AFFILIATE-ONLY: the audit findings from the Penang factories."


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """allauth counts attempts in the cache; start each test with none."""
    cache.clear()


def _h1s(html):
    """The text of each <h1> on the page, whitespace collapsed."""
    return [" ".join(text.split()) for text in re.findall(r"<h1[^>]*>(.*?)</h1>", html, re.DOTALL)]


def _unstyled_inputs(html):
    """Text-like <input> tags without Bootstrap's form-control class."""
    inputs = re.findall(r"<input\b[^>]*>", html)
    text_like = [tag for tag in inputs if not re.search(r'type="(hidden|checkbox|radio|submit)"', tag)]
    assert text_like, "the page has no text inputs to check"
    return [tag for tag in text_like if "form-control" not in tag]


def _link_in(message, path_pattern):
    """The path of the one link in `message` matching `path_pattern`."""
    urls = re.findall(rf"{re.escape(settings.SITE_URL)}({path_pattern})", message.body)
    assert len(urls) == 1, message.body
    return urls[0]


def _confirmation_path(message):
    return _link_in(message, r"/accounts/confirm-email/[^/\s]+/")


def _logged_in_user_id(client):
    return client.session.get("_auth_user_id")


def _sign_up(client, email):
    return client.post(
        reverse("account_signup"), {"email": email, "password1": PASSWORD, "password2": PASSWORD}
    )


def _log_in(client, email, password=PASSWORD):
    return client.post(reverse("account_login"), {"login": email, "password": password})


def _confirm(client, message):
    return client.post(_confirmation_path(message))


def _email_page_redirect(client):
    """Where the login-only email page sends this client, or None if it is shown."""
    response = client.get(reverse("account_email"))
    return response.url if response.status_code == 302 else None


LOGIN_REDIRECT = f"{reverse('account_login')}?next={reverse('account_email')}"


# --- Pages in the site's layout ---------------------------------------------


@pytest.mark.parametrize(
    ("url_name", "logged_in", "heading"),
    [
        ("account_signup", False, "Sign up"),
        ("account_login", False, "Log in"),
        ("account_reset_password", False, "Password Reset"),
        ("account_email", True, "Email Addresses"),
    ],
)
def test_account_page_renders_inside_site_layout_with_one_heading(client, url_name, logged_in, heading):
    if logged_in:
        client.force_login(factories.UserFactory())

    response = client.get(reverse(url_name))
    html = response.content.decode()

    assert response.status_code == 200
    assert _h1s(html) == [heading]
    assert (
        '<a class="navbar-brand" href="/"><img class="brand-mark" src="/static/img/favicon.svg" alt=""'
        ' width="32" height="32"> Electronics Watch events</a>'
    ) in html
    assert '<a class="visually-hidden-focusable skip-link" href="#main">Skip to main content</a>' in html
    assert '<main id="main" class="container py-4" tabindex="-1">' in html
    assert _unstyled_inputs(html) == []
    assert 'class="btn btn-primary"' in html


def test_email_page_lists_addresses_as_bootstrap_choices_with_status_badges(client):
    user = factories.UserFactory(email="ada@example.net")
    client.force_login(user)

    html = client.get(reverse("account_email")).content.decode()

    assert re.findall(r'<input class="form-check-input"[^>]*value="([^"]+)"', html) == ["ada@example.net"]
    badges = re.findall(r'<span class="badge ([^"]+)">\s*(\w+)\s*</span>', html)
    assert badges == [("text-bg-success", "Verified"), ("text-bg-secondary", "Primary")]
    assert "account/js/account.js" in html


# --- Sign up and mandatory verification -------------------------------------


def test_signup_sends_one_verification_email_and_does_not_log_in(client, mailoutbox):
    response = _sign_up(client, "ada@example.net")

    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    assert [(m.to, m.subject) for m in mailoutbox] == [
        (["ada@example.net"], "[ewevents] Please Confirm Your Email Address")
    ]
    assert list(EmailAddress.objects.values_list("email", "verified")) == [("ada@example.net", False)]
    assert _logged_in_user_id(client) is None
    assert _email_page_redirect(client) == LOGIN_REDIRECT


def test_verify_email_page_tells_new_user_to_check_inbox_inside_site_layout(client, mailoutbox):
    _sign_up(client, "ada@example.net")

    html = client.get(reverse("account_email_verification_sent")).content.decode()

    assert _h1s(html) == ["Verify Your Email Address"]
    assert "We have sent an email to you for verification." in html
    assert 'href="#main"' in html


def test_login_with_unverified_email_is_sent_to_verification_not_logged_in(client, mailoutbox):
    factories.UserFactory(email="ada@example.net", verified_email=False)

    response = _log_in(client, "ada@example.net")

    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    assert _logged_in_user_id(client) is None
    assert _email_page_redirect(client) == LOGIN_REDIRECT


def test_confirmation_link_asks_to_confirm_before_verifying(client, mailoutbox):
    _sign_up(client, "ada@example.net")

    response = client.get(_confirmation_path(mailoutbox[0]))
    html = response.content.decode()

    assert response.status_code == 200
    assert _h1s(html) == ["Confirm Email Address"]
    assert 'href="#main"' in html
    assert EmailAddress.objects.get(email="ada@example.net").verified is False


def test_following_confirmation_link_verifies_address_and_then_login_works(client, mailoutbox):
    _sign_up(client, "ada@example.net")

    confirmed = _confirm(client, mailoutbox[0])

    assert confirmed.status_code == 302
    assert confirmed.url == reverse("account_login")
    assert EmailAddress.objects.get(email="ada@example.net").verified is True
    assert _logged_in_user_id(client) is None

    logged_in = _log_in(client, "ada@example.net")

    user = EmailAddress.objects.get(email="ada@example.net").user
    assert logged_in.status_code == 302
    assert logged_in.url == reverse("events:home")
    assert _logged_in_user_id(client) == str(user.pk)
    assert _email_page_redirect(client) is None
    assert len(mailoutbox) == 1


# --- Affiliates by email domain ---------------------------------------------


@pytest.fixture
def restricted_session():
    """A published event with an affiliates-only session whose description must not leak."""
    return factories.SessionFactory(
        visibility=Session.Visibility.AFFILIATES, title="Audit briefing", description=AFFILIATE_ONLY_TEXT
    )


def _event_page(client, session):
    response = client.get(session.event.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("kind", [Organisation.Kind.AFFILIATE, Organisation.Kind.MONITORING_PARTNER])
def test_verified_signup_on_organisation_domain_makes_user_an_affiliate(
    client, mailoutbox, restricted_session, kind
):
    factories.OrganisationDomainFactory(organisation__kind=kind, domain="union.example.org")

    _sign_up(client, "worker@union.example.org")
    _log_in(client, "worker@union.example.org")
    before = _event_page(client, restricted_session)
    _confirm(client, mailoutbox[0])
    _log_in(client, "worker@union.example.org")
    after = _event_page(client, restricted_session)

    assert "Audit briefing" in before
    assert AFFILIATE_ONLY_TEXT not in before
    assert AFFILIATE_ONLY_TEXT in after


def test_verified_signup_on_inactive_organisation_domain_does_not_make_user_an_affiliate(
    client, mailoutbox, restricted_session
):
    factories.OrganisationDomainFactory(organisation__is_active=False, domain="former.example.org")

    _sign_up(client, "worker@former.example.org")
    _confirm(client, mailoutbox[0])
    _log_in(client, "worker@former.example.org")
    html = _event_page(client, restricted_session)

    assert _logged_in_user_id(client) is not None
    assert AFFILIATE_ONLY_TEXT not in html


# --- Log in and log out -----------------------------------------------------


def test_login_with_wrong_password_shows_error_and_does_not_log_in(client):
    factories.UserFactory(email="ada@example.net")

    response = _log_in(client, "ada@example.net", password="not-my-password")
    html = response.content.decode()

    assert response.status_code == 200
    assert re.findall(r'<div class="alert alert-block alert-danger">.*?<li>(.*?)</li>', html, re.DOTALL) == [
        LOGIN_ERROR
    ]
    assert _h1s(html) == ["Log in"]
    assert _logged_in_user_id(client) is None


def test_login_with_right_password_of_verified_user_logs_in(client):
    user = factories.UserFactory(email="ada@example.net")

    response = _log_in(client, "ada@example.net")

    assert response.status_code == 302
    assert response.url == reverse("events:home")
    assert _logged_in_user_id(client) == str(user.pk)


def test_logout_ends_the_session(client):
    factories.UserFactory(email="ada@example.net")
    _log_in(client, "ada@example.net")

    response = client.post(reverse("account_logout"))

    assert response.status_code == 302
    assert response.url == "/"
    assert _logged_in_user_id(client) is None
    assert _email_page_redirect(client) == LOGIN_REDIRECT


# --- Password reset ---------------------------------------------------------


@pytest.fixture
def ask_reset(client, django_capture_on_commit_callbacks, settings):
    """POST the reset form as a person would, and deliver the outbox row its task writes once that commits.

    The emailed link is on the configured site (SITE_URL), never on a request's Host: here, the test client's.
    """
    settings.SITE_URL = "http://testserver"

    def ask(email, **extra):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(reverse("account_reset_password"), {"email": email}, **extra)

    return ask


def test_password_reset_sends_one_email_with_a_reset_link(client, mailoutbox, ask_reset):
    factories.UserFactory(email="ada@example.net")

    response = ask_reset("ada@example.net")

    assert response.status_code == 302
    assert response.url == reverse("account_reset_password_done")
    assert [(m.to, m.subject) for m in mailoutbox] == [
        (["ada@example.net"], "[ewevents] Password Reset Email")
    ]
    assert client.get(_link_in(mailoutbox[0], RESET_LINK)).url.endswith("-set-password/")


def test_following_reset_link_and_setting_new_password_allows_login_with_it_only(
    client, mailoutbox, ask_reset
):
    user = factories.UserFactory(email="ada@example.net")
    ask_reset("ada@example.net")

    # The emailed link stores the key in the session and redirects to the form.
    link = client.get(_link_in(mailoutbox[0], RESET_LINK))
    form = client.get(link.url)
    changed = client.post(link.url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})

    assert link.status_code == 302
    assert _h1s(form.content.decode()) == ["Change Password"]
    assert changed.status_code == 302
    assert changed.url == reverse("account_reset_password_from_key_done")
    assert _logged_in_user_id(client) is None
    assert _log_in(client, "ada@example.net", password=PASSWORD).status_code == 200
    assert _logged_in_user_id(client) is None
    assert _log_in(client, "ada@example.net", password=NEW_PASSWORD).url == reverse("events:home")
    assert _logged_in_user_id(client) == str(user.pk)


def test_password_reset_for_unknown_address_looks_the_same_and_sends_nothing(client, mailoutbox, ask_reset):
    factories.UserFactory(email="ada@example.net")
    known = ask_reset("ada@example.net", follow=True)

    unknown = ask_reset("nobody@example.net", follow=True)

    assert unknown.redirect_chain == known.redirect_chain == [(reverse("account_reset_password_done"), 302)]
    assert _h1s(unknown.content.decode()) == _h1s(known.content.decode()) == ["Password Reset"]
    # Nothing is sent to an address without an account (ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS off).
    assert [mail.to for mail in mailoutbox] == [["ada@example.net"]]


def test_password_reset_answers_as_fast_for_an_address_with_an_account_as_without(
    client, settings, monkeypatch
):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "reset_password": ""}
    factories.UserFactory(email="ada@example.net")
    queued = []
    # A broker: tasks wait for a worker instead of running while the page answers.
    monkeypatch.setattr(
        Task, "apply_async", lambda task, kwargs=None, **_: queued.append((task.name, kwargs))
    )

    def answer_time(address):
        started = time.perf_counter()
        response = client.post(reverse("account_reset_password"), {"email": address})
        elapsed = time.perf_counter() - started
        assert response.status_code == 302
        return elapsed

    for address in ["ada@example.net", "nobody@example.net"] * 3:  # warm up templates and connections
        answer_time(address)
    known, unknown = [], []
    for turn in range(40):  # interleaved, each first in turn, so that a busy moment falls on both
        if turn % 2:
            unknown.append(answer_time("nobody@example.net"))
            known.append(answer_time("ada@example.net"))
        else:
            known.append(answer_time("ada@example.net"))
            unknown.append(answer_time("nobody@example.net"))

    known_ms, unknown_ms = statistics.median(known) * 1000, statistics.median(unknown) * 1000
    assert abs(known_ms - unknown_ms) < max(1.5, 0.25 * unknown_ms), (known_ms, unknown_ms)
    assert {name for name, _ in queued} == {"registrations.send_password_reset"}
    assert not OutboxEmail.objects.exists()  # nothing was looked up or written while the page answered


def test_the_reset_task_writes_one_outbox_email_per_account_within_the_cap(settings):
    settings.LINK_EMAILS_PER_ADDRESS = "1/h"
    settings.SITE_URL = "https://events.example.org"
    factories.UserFactory(email="ada@example.net")

    for address in ["ada@example.net", "nobody@example.net", "ada@example.net"]:
        account_tasks.task_send_password_reset(email=address, language="en")

    [row] = OutboxEmail.objects.all()
    assert (row.to_email, row.kind, row.subject) == (
        "ada@example.net",
        OutboxEmail.Kind.ACCOUNT,
        "[ewevents] Password Reset Email",
    )
    assert "https://events.example.org/accounts/password/reset/key/" in row.body_text
