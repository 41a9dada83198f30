"""Structured logs: one JSON line per request and per task on stdout, a request id carried from
the web request to the task it queued, and no tokens or personal data anywhere in them.

The site runs in gunicorn with its own gunicorn.conf.py and production settings; the email
goes out through a real Celery worker on Redis. Both logs are read as an operator would.
"""

import json
import re
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from registrations.models import Registration
from tests import factories, services
from tests.service_fixtures import _test_database_url

pytestmark = pytest.mark.django_db(transaction=True)

PERSON = {"name": "Yolanda Tracewell", "email": "yolanda.tracewell@trace.example"}
REQUEST_ID = "lb-4f2a9c-77"


def eventually_in(text, read, timeout=10.0):
    """Whether `text` shows up in `read()` within `timeout` seconds: gunicorn writes its access
    line after the response has gone out."""
    deadline = time.monotonic() + timeout
    while text not in read() and time.monotonic() < deadline:
        time.sleep(0.05)
    return text in read()


def json_lines(log):
    """The log's JSON lines, parsed; anything else (gunicorn's access lines) is skipped."""
    return [json.loads(line) for line in log.splitlines() if line.startswith("{")]


@pytest.fixture
def site(redis_url, tmp_path):
    env = {
        "DEBUG": "false",
        "SECRET_KEY": "test-only-secret-key-for-the-request-log-test-0123456789",
        "DATABASE_URL": _test_database_url(),
        "REDIS_URL": redis_url,
        "ALLOWED_HOSTS": "127.0.0.1",
        "STATIC_MANIFEST": "false",
        "REGISTRATION_MIN_FILL_SECONDS": "0",
        "EMAIL_FILE_PATH": str(tmp_path / "mail"),
    }
    server = services.start_gunicorn(
        env, cwd=Path(settings.BASE_DIR), workers=1, extra_args=("-c", "gunicorn.conf.py")
    )
    yield server
    server.stop()


def register_through_the_site(site, event):
    client = services.SiteClient(site.url)
    path = reverse("registrations:register", kwargs={"slug": event.slug})
    status, _, page = client.get(path)
    assert status == 200, page[:500]
    form = {
        "csrfmiddlewaretoken": re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1),
        "form_stamp": re.search(r'name="form_stamp" value="([^"]*)"', page).group(1),
        **PERSON,
        "time_zone": "Europe/Brussels",
        "language": "en",
        "privacy_consent": "on",
    }
    status, headers, page = client.post(path, form, headers={"X-Request-ID": REQUEST_ID})
    assert status == 302, page[:2000]
    assert headers["X-Request-ID"] == REQUEST_ID
    return client


def test_the_email_task_logs_the_request_id_of_the_registration_that_queued_it(
    site, start_celery_worker, smtp_server
):
    worker = start_celery_worker(LOG_FORMAT="json")
    event = factories.EventFactory(title="Traceable Conference")
    factories.RegistrationSettingsFactory(event=event)

    client = register_through_the_site(site, event)

    [raw] = smtp_server.wait_for_messages(1, timeout=30)
    assert PERSON["email"].encode() in raw  # the control: the email went to the person
    assert worker.wait_for_log('"status": "SUCCESS"'), worker.log()
    [task_line] = [line for line in json_lines(worker.log()) if line["logger"] == "ewevents.task"]
    assert task_line["task"] == "registrations.send_email"
    assert task_line["request_id"] == REQUEST_ID
    assert task_line["duration_ms"] >= 0
    web_lines = [line for line in json_lines(site.log()) if line.get("request_id") == REQUEST_ID]
    assert [(line["logger"], line["method"], line["route"], line["status"]) for line in web_lines] == [
        ("ewevents.request", "POST", "events/<slug:slug>/register/", 302)
    ]
    assert web_lines[0]["user"] == "anonymous"
    assert eventually_in(f"request_id={REQUEST_ID}", site.log)  # gunicorn's access line

    # Opening the manage link: the route is logged, the token is not.
    token = Registration.objects.get(email=PERSON["email"]).manage_token
    status, headers, _ = client.get(reverse("registrations:manage", kwargs={"token": token}))
    assert status == 200
    [manage_line] = [line for line in json_lines(site.log()) if line["request_id"] == headers["X-Request-ID"]]
    assert (manage_line["route"], manage_line["status"]) == ("registrations/manage/<str:token>/", 200)

    assert eventually_in('"GET /registrations/manage/[redacted]/" 200', site.log)
    everything = site.log() + worker.log()
    assert token not in everything
    assert [value for value in PERSON.values() if value.lower() in everything.lower()] == []


def test_secrets_in_urls_never_reach_the_web_log(site):
    client = services.SiteClient(site.url)
    secrets = ["c2VjcmV0LW1hbmFnZS10b2tlbg", "c2VjcmV0LWZlZWQtdG9rZW4", "c2VjcmV0LWludml0YXRpb24"]
    event = factories.EventFactory()
    factories.RegistrationSettingsFactory(event=event)

    statuses = [
        client.get(f"/registrations/manage/{secrets[0]}/cancel/")[0],
        client.get(f"/calendar/{secrets[1]}.ics")[0],
        client.get(f"/events/{event.slug}/register/?invitation={secrets[2]}")[0],
    ]

    assert statuses == [404, 404, 200]
    assert eventually_in(f'"GET /events/{event.slug}/register/" 200', site.log)
    log = site.log()
    assert "registrations/manage/<str:token>/cancel/" in log  # the control: the requests were logged
    assert [secret for secret in secrets if secret in log] == []


def test_request_id_is_taken_from_the_proxy_when_safe_and_made_up_otherwise(client):
    home = reverse("events:home")

    given = client.get(home, headers={"X-Request-ID": "proxy-1234"})
    made_up = client.get(home)
    refused = client.get(home, headers={"X-Request-ID": "evil\u2028 id with spaces"})

    assert given["X-Request-ID"] == "proxy-1234"
    assert re.fullmatch(r"[0-9a-f]{32}", made_up["X-Request-ID"])
    assert re.fullmatch(r"[0-9a-f]{32}", refused["X-Request-ID"])
    assert made_up["X-Request-ID"] != refused["X-Request-ID"]
