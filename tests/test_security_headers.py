"""Headers and settings: a strict Content-Security-Policy, frame denial, no sniffing, a referrer
policy, secure cookies and HSTS under production settings, and `check --deploy` without a warning.

That browsers refuse nothing on the site's pages is tests/e2e/test_content_security_policy.py."""

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from registrations.models import Mailing
from tests import factories

# Exactly the policy every HTML page is served under.
STRICT_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
    "base-uri": ["'none'"],
    "object-src": ["'none'"],
}

TEMPLATES_DIR = Path(settings.BASE_DIR) / "templates"
# Emails are not served under the header; mail clients need their styles inline.
EMAIL_TEMPLATES_DIR = TEMPLATES_DIR / "registrations" / "email"
# Emails keep their styles inline (mail clients drop style sheets); no browser page serves them.
EMAIL_TEMPLATE_DIRS = [EMAIL_TEMPLATES_DIR, TEMPLATES_DIR / "email", TEMPLATES_DIR / "account" / "email"]


def parse_csp(header):
    """{directive: [source, ...]} of a Content-Security-Policy header; a repeated directive fails."""
    policy = {}
    for part in header.split(";"):
        name, *sources = part.split()
        assert name not in policy, f"{name} appears twice in {header!r}"
        policy[name.lower()] = sources
    return policy


def assert_strict_headers(response, *, referrer="same-origin"):
    assert response.status_code == 200, response.status_code
    header = response["Content-Security-Policy"]
    assert parse_csp(header) == STRICT_POLICY
    assert "unsafe-inline" not in header
    assert "unsafe-eval" not in header
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == referrer
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


@pytest.fixture
def event():
    return factories.EventFactory(title="Headers Conference", slug="headers")


@pytest.mark.django_db
def test_public_pages_send_the_strict_policy(client, event):
    assert_strict_headers(client.get(reverse("events:home")))
    assert_strict_headers(client.get(event.get_absolute_url()))


@pytest.mark.django_db
def test_registration_form_sends_the_strict_policy(client, event):
    assert_strict_headers(client.get(reverse("registrations:register", kwargs={"slug": event.slug})))


@pytest.mark.django_db
def test_account_pages_send_the_strict_policy(client):
    assert_strict_headers(client.get(reverse("account_login")))

    client.force_login(factories.UserFactory())
    assert_strict_headers(client.get(reverse("account_email")))
    # Pages that show a secret link (here the calendar feed's) send a referrer only to the site itself.
    assert_strict_headers(client.get(reverse("registrations:mine")), referrer="same-origin")


@pytest.mark.django_db
def test_admin_pages_send_the_strict_policy(client, event):
    mailing = Mailing.objects.create(event=event, subject="News", body="Hello **{{ name }}**.")
    factories.RegistrationFactory(event=event, name="Preview Person")
    client.force_login(factories.StaffFactory())

    assert_strict_headers(client.get(reverse("admin:index")))
    assert_strict_headers(client.get(reverse("admin:registrations_registration_changelist")))
    assert_strict_headers(client.get(reverse("admin:events_event_change", args=[event.pk])))
    # The email is shown in a sandboxed srcdoc iframe, which inherits this same policy.
    preview = client.get(reverse("admin:registrations_mailing_preview", args=[mailing.pk]))
    assert_strict_headers(preview)
    assert 'sandbox="" srcdoc="' in preview.content.decode()


# --- Templates: nothing inline for the policy to refuse ---------------------------------------

# A JSON-LD data block (schema.org event data) is never run, so the policy lets it be.
INLINE_SCRIPT = re.compile(
    r"<script\b(?![^>]*\bsrc\s*=)(?![^>]*\btype\s*=\s*[\"']?application/ld\+json)[^>]*>", re.IGNORECASE
)
STYLE_ELEMENT = re.compile(r"<style\b", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"<[a-z][^>]*\sstyle\s*=", re.IGNORECASE)
HANDLER_ATTRIBUTE = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.IGNORECASE)
JAVASCRIPT_URL = re.compile(r"""=\s*["']?\s*javascript:""", re.IGNORECASE)
PATTERNS = {
    "inline <script>": INLINE_SCRIPT,
    "<style> element": STYLE_ELEMENT,
    "style= attribute": STYLE_ATTRIBUTE,
    "on*= handler": HANDLER_ATTRIBUTE,
    "javascript: URL": JAVASCRIPT_URL,
}


def served_templates():
    return sorted(
        path
        for path in TEMPLATES_DIR.rglob("*.html")
        if not any(path.is_relative_to(folder) for folder in EMAIL_TEMPLATE_DIRS)
    )


def inline_findings(text):
    return [name for name, pattern in PATTERNS.items() if pattern.search(text)]


def test_the_template_scan_finds_what_the_policy_refuses():
    assert inline_findings("<script>alert(1)</script>") == ["inline <script>"]
    assert inline_findings('<script type="module">x()</script>') == ["inline <script>"]
    assert inline_findings('<script src="/static/js/a.js" defer></script>') == []
    assert inline_findings('<script type="application/ld+json">{"@type": "Event"}</script>') == []
    assert inline_findings('<script type="application/json">{}</script>') == ["inline <script>"]
    assert inline_findings("<style>p { color: red }</style>") == ["<style> element"]
    assert inline_findings('<p class="x"\n   style="color: red">') == ["style= attribute"]
    assert inline_findings('<button onclick="go()">') == ["on*= handler"]
    assert inline_findings('<a href="javascript:go()">') == ["javascript: URL"]
    assert inline_findings('<p data-style="x" data-onion="y">{% translate "online" %}</p>') == []


@pytest.mark.django_db
def test_event_page_has_no_inline_script_but_its_event_data(client, event):
    html = client.get(event.get_absolute_url()).content.decode()

    assert '<script type="application/ld+json">' in html
    assert inline_findings(html) == []


def test_served_templates_have_no_inline_script_or_style():
    templates = served_templates()
    assert len(templates) > 20
    assert TEMPLATES_DIR / "base.html" in templates

    findings = {
        str(path.relative_to(TEMPLATES_DIR)): found
        for path in templates
        if (found := inline_findings(path.read_text()))
    }

    assert findings == {}


# --- Production settings, in a fresh process ------------------------------------------------

PRODUCTION_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "events.example.org",
    "SECURE_SSL_REDIRECT": "1",
}

PRODUCTION_PROBE = """
import json, django
django.setup()
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from tests import factories

call_command("migrate", verbosity=0)
factories.StaffFactory(email="staff@example.org", username="staff")
client = Client(HTTP_HOST="events.example.org")
insecure = client.get("/accounts/login/")
login_page = client.get("/accounts/login/", secure=True)
password_step = client.post(
    "/accounts/login/",
    {"login": "staff@example.org", "password": factories.DEFAULT_PASSWORD, "next": "/admin/"},
    secure=True,
)
import time
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
code = format_hotp_value(hotp_value(factories.TOTP_SECRET, int(time.time()) // 30))
logged_in = client.post(password_step["Location"], {"code": code}, secure=True)
admin = client.get("/admin/", secure=True)
cookie = lambda name: {key: str(client.cookies[name][key]) for key in ("secure", "httponly", "samesite")}
print(json.dumps({
    "insecure": [insecure.status_code, insecure.get("Location")],
    "login": [login_page.status_code, dict(login_page.headers)],
    "logged_in": [logged_in.status_code, logged_in.get("Location")],
    "admin": [admin.status_code, dict(admin.headers)],
    "session_cookie": cookie(settings.SESSION_COOKIE_NAME),
    "csrf_cookie": cookie(settings.CSRF_COOKIE_NAME),
}))
"""


def run_in_production(args, tmp_path):
    env = {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "ewevents.settings",
        **PRODUCTION_ENV,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'production.sqlite3'}",
        # Templates use {% static %}; no collectstatic here.
        "STATIC_MANIFEST": "0",
        "EMAIL_FILE_PATH": str(tmp_path / "mail"),
    }
    return subprocess.run(
        [sys.executable, *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_check_deploy_has_no_warning_under_production_settings(tmp_path):
    result = run_in_production(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], tmp_path)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_responses_and_cookies_are_locked_down(tmp_path):
    result = run_in_production(["-c", PRODUCTION_PROBE], tmp_path)
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.splitlines()[-1])

    assert seen["insecure"] == [301, "https://events.example.org/accounts/login/"]
    assert seen["logged_in"] == [302, "/admin/"]
    for status, headers in (seen["login"], seen["admin"]):
        assert status == 200
        assert parse_csp(headers["Content-Security-Policy"]) == STRICT_POLICY
        # This host only, unless the environment opts in (tests/test_settings.py).
        assert headers["Strict-Transport-Security"] == "max-age=31536000"
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"
        assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert seen["session_cookie"] == {"secure": "True", "httponly": "True", "samesite": "Lax"}
    # The CSRF token is read from the form, never by scripts, but the cookie is secure-only.
    assert seen["csrf_cookie"]["secure"] == "True"
    assert seen["csrf_cookie"]["samesite"] == "Lax"
