"""Error reports (ewevents/error_reports.py): off without SENTRY_DSN; with it, what leaves the site
holds no email address, name, token, door code, cookie, request body or user.

The realistic test runs the real Sentry SDK with its Django integration: a view fails on a
manage link, and the event the SDK would send is kept by a transport instead of the network.
"""

import contextlib
import json
import logging
import os
import subprocess
import sys

import pytest
import sentry_sdk
from django.conf import settings
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from django.test import RequestFactory
from django.urls import reverse
from sentry_sdk.transport import Transport

from ewevents import error_reports
from registrations.models import CalendarFeedToken
from tests import factories

FILTERED = error_reports.FILTERED
# Kept apart from the lines that fail: Sentry sends the source lines around each frame.
NAME, EMAIL, NEEDS = "Ana Núñez", "ana.nunez@example.org", "wheelchair"
SESSION_COOKIE = "s3cret-session-cookie"


class KeepingTransport(Transport):
    """Keeps the events the SDK would send."""

    def __init__(self, options=None):
        super().__init__(options)
        self.events = []

    def capture_envelope(self, envelope):
        event = envelope.get_event()
        if event is not None:
            self.events.append(event)

    def flush(self, timeout, callback=None):
        pass

    def kill(self):
        pass


@pytest.fixture
def sentry_events():
    """Reporting started as settings.py starts it, to a transport that keeps the events."""
    started = error_reports.start(
        "https://public@sentry.invalid/1", environment="test", release="ewevents@test"
    )
    transport = KeepingTransport()
    sentry_sdk.get_client().transport = transport
    yield transport.events
    sentry_sdk.get_client().close()
    sentry_sdk.get_global_scope().set_client(None)  # reporting off again for the rest of the session
    assert started


def test_nothing_is_reported_without_a_dsn():
    assert settings.SENTRY_DSN == ""
    assert not sentry_sdk.get_client().is_active()

    assert error_reports.start("", environment="production", release="ewevents@0") is False
    assert not sentry_sdk.get_client().is_active()


@contextlib.contextmanager
def served_as_gunicorn_would():
    """Django's WSGI handler, which Sentry's integration wraps in production, in the test's
    transaction: like Django's test client, it leaves the connection open between requests."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def wsgi_post(app, url, data, cookies):
    environ = RequestFactory().post(url, data).environ
    environ["HTTP_COOKIE"] = "; ".join(f"{name}={value}" for name, value in cookies.items())
    environ["HTTP_X_CSRFTOKEN"] = cookies["csrftoken"]
    statuses = []
    b"".join(app(environ, lambda status, headers, exc_info=None: statuses.append(status)))
    return statuses[0]


@pytest.mark.django_db
def test_a_failing_manage_page_is_reported_without_personal_data(sentry_events, monkeypatch):
    registration = factories.RegistrationFactory(name=NAME, email=EMAIL)
    feed = CalendarFeedToken.objects.create(user=factories.UserFactory(email=f"x.{EMAIL}"))

    def failing(registration):
        # What the request did before it failed: a log line and breadcrumbs naming the person.
        logging.getLogger("registrations.test").warning("Bounce from %s", registration.email)
        sentry_sdk.add_breadcrumb(
            category="mail", message=f"Sent to {registration.email}", data={"to": EMAIL}
        )
        sentry_sdk.add_breadcrumb(category="feed", message=f"GET /calendar/{feed.token}.ics")
        raise RuntimeError(f"No seat map for {registration.email}, door code {registration.door_code}")

    monkeypatch.setattr("registrations.views.selectors.choices_with_positions", failing)
    url = reverse("registrations:manage", args=[registration.manage_token])
    cookies = {"sessionid": SESSION_COOKIE, "csrftoken": "c" * 32}

    with served_as_gunicorn_would() as app:
        status = wsgi_post(
            app, f"{url}?email={EMAIL}", {"name": NAME, "email": EMAIL, "needs": NEEDS}, cookies
        )

    assert status.startswith("500")
    assert sentry_events, "the failure was reported"
    sent = json.dumps(sentry_events, ensure_ascii=False)
    for personal in (
        EMAIL,
        EMAIL.split("@")[0],
        NAME.split()[-1],
        NEEDS,
        registration.manage_token,
        registration.door_code,
        feed.token,
        SESSION_COOKIE,
    ):
        assert personal not in sent
    event = sentry_events[0]
    assert event["exception"]["values"][-1]["type"] == "RuntimeError"
    assert event["exception"]["values"][-1]["value"] == f"No seat map for {FILTERED}, door code {FILTERED}"
    assert event["request"] == {"method": "POST", "url": "http://testserver/registrations/manage/[redacted]/"}
    assert "user" not in event
    crumbs = [(crumb.get("category"), crumb.get("message")) for crumb in event["breadcrumbs"]["values"]]
    assert ("registrations.test", f"Bounce from {FILTERED}") in crumbs
    assert ("mail", f"Sent to {FILTERED}") in crumbs
    assert ("feed", "GET /calendar/[redacted]") in crumbs


def test_the_scrubber_removes_what_an_sdk_with_personal_data_on_would_send():
    token = "Zq3kR8vB2xN5mP7wY1tL9cH4gJ6fD0sA-_uE"
    event = {
        "user": {"id": 7, "email": "ana@example.org", "ip_address": "203.0.113.9", "username": "ana"},
        "request": {
            "method": "POST",
            "url": f"https://events.example.org/registrations/manage/{token}/",
            "query_string": f"token={token}",
            "cookies": {"sessionid": "abc", "csrftoken": "def"},
            "headers": {
                "Cookie": "sessionid=abc",
                "Authorization": "Basic eDp5",
                "X-Forwarded-For": "203.0.113.9",
            },
            "data": {"name": "Ana Núñez", "email": "ana@example.org", "answers": {"diet": "halal"}},
            "env": {"REMOTE_ADDR": "203.0.113.9"},
        },
        "exception": {
            "values": [
                {
                    "type": "IntegrityError",
                    "value": "Key (email)=(ana@example.org) already exists; code 7KQ4-M2XD-9HPV",
                    "stacktrace": {
                        "frames": [
                            {"function": "register", "vars": {"name": "'Ana Núñez'", "self": "<Form>"}}
                        ]
                    },
                }
            ]
        },
        "logentry": {"message": "Could not send to %s", "params": ["ana@example.org"]},
        "breadcrumbs": {
            "values": [{"message": "invitation", "data": {"url": "/register/?invitation=s3cr3t"}}]
        },
        "extra": {
            "celery-job": {"task": "registrations.send_email", "kwargs": {"outbox_id": 5, "to": "x@y.org"}}
        },
        "contexts": {"runtime": {"name": "CPython", "version": "3.11.7"}},
        "sdk": {"name": "sentry.python.django", "version": "2.75.0"},
    }

    scrubbed = error_reports.scrub(event, {})

    assert "user" not in scrubbed
    assert scrubbed["request"] == {
        "method": "POST",
        "url": "https://events.example.org/registrations/manage/[redacted]/",
    }
    assert scrubbed["exception"]["values"][0]["value"] == (
        f"Key (email)=({FILTERED}) already exists; code {FILTERED}"
    )
    assert scrubbed["exception"]["values"][0]["stacktrace"]["frames"] == [{"function": "register"}]
    assert scrubbed["logentry"] == {"message": "Could not send to %s", "params": [FILTERED]}
    assert scrubbed["breadcrumbs"]["values"][0]["data"] == {"url": "/register/?invitation=[redacted]"}
    assert scrubbed["extra"]["celery-job"] == {
        "task": "registrations.send_email",
        "kwargs": {"outbox_id": 5, "to": FILTERED},
    }
    assert scrubbed["contexts"] == {"runtime": {"name": "CPython", "version": "3.11.7"}}
    assert scrubbed["sdk"] == {"name": "sentry.python.django", "version": "2.75.0"}


PROBE = """
import json, django, sentry_sdk
django.setup()
client = sentry_sdk.get_client()
options = client.options if client.is_active() else {}
print(json.dumps({
    "active": client.is_active(),
    "before_send": getattr(options.get("before_send"), "__qualname__", None),
    "send_default_pii": options.get("send_default_pii"),
    "release": options.get("release"),
}))
"""


def settings_process_reports(env):
    """What a web or worker process started with `env` configured, read in a fresh process."""
    base = {"PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": "ewevents.settings"}
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=settings.BASE_DIR,
        env={**base, **env},
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


def test_settings_start_reporting_only_when_a_dsn_is_set():
    assert settings_process_reports({}) == {
        "active": False,
        "before_send": None,
        "send_default_pii": None,
        "release": None,
    }
    assert settings_process_reports({"SENTRY_DSN": "https://public@sentry.invalid/1"}) == {
        "active": True,
        "before_send": "scrub",
        "send_default_pii": False,
        "release": "ewevents@0.2.0",
    }
