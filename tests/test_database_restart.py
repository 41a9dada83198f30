"""PostgreSQL restarted while the site serves: a friendly 503 during the outage, no
half-written registration, and the site serves again as soon as the database is back.

The site runs in gunicorn with production settings against a private PostgreSQL
cluster, which the test shuts down and starts again by PID.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.conf import settings

from events import demo
from tests import services
from tests.service_fixtures import missing_service

pytestmark = pytest.mark.django_db  # only for the session's database setup; the site has its own

WEBINAR = demo.DEMO_WEBINARS[0]["slug"]
REGISTER = f"/events/{WEBINAR}/register/"


@pytest.fixture
def database():
    if services.find_postgres_bin_dir() is None:
        missing_service("PostgreSQL server binaries are not installed")
    with services.running_postgres("restartable") as server:
        yield server


@pytest.fixture
def site(database, tmp_path):
    env = {
        "DEBUG": "false",
        "SECRET_KEY": "test-only-secret-key-for-the-restart-test-0123456789",
        "DATABASE_URL": database.url,
        "CONN_MAX_AGE": "60",
        "REDIS_URL": "",
        "ALLOWED_HOSTS": "127.0.0.1",
        "STATIC_MANIFEST": "false",
        "REGISTRATION_MIN_FILL_SECONDS": "0",
        "EMAIL_FILE_PATH": str(tmp_path / "mail"),
    }
    base = Path(settings.BASE_DIR)
    for command in (["migrate", "--noinput"], ["load_demo", "--password", "restart-test-password"]):
        subprocess.run(
            [sys.executable, "manage.py", *command],
            cwd=base,
            env={**os.environ, **env},
            check=True,
            capture_output=True,
        )
    # One worker, so the page cached before the outage is in the cache of the worker that answers.
    server = services.start_gunicorn(env, cwd=base, workers=1)
    yield server
    server.stop()


def registration_form(client):
    status, _, page = client.get(REGISTER)
    assert status == 200, page[:500]
    return {
        "csrfmiddlewaretoken": re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1),
        "form_stamp": re.search(r'name="form_stamp" value="([^"]*)"', page).group(1),
        "name": "Ana Guest",
        "email": "ana@example.com",
        "time_zone": "Europe/Brussels",
        "language": "en",
        "privacy_consent": "on",
    }


def registrations_of(database, address):
    with psycopg.connect(database.url) as connection:
        row = connection.execute(
            "SELECT count(*) FROM registrations_registration WHERE email = %s", [address]
        ).fetchone()
    return row[0]


def test_a_database_restart_shows_a_friendly_503_then_the_site_serves_again(database, site):
    client = services.SiteClient(site.url)
    assert client.get("/")[0] == 200
    form = registration_form(client)

    database.pause()

    # A page an anonymous visitor got before the outage is still served from the cache...
    assert services.SiteClient(site.url).get("/")[0] == 200
    # ...and pages that need the database say so.
    for path in (f"/events/{WEBINAR}/", REGISTER, "/events/past/"):
        status, headers, page = client.get(path)
        assert status == 503, (path, page[:300])
        assert "Back in a moment" in page
        assert headers.get("Retry-After") == "30"
        assert "Traceback" not in page
    status, _, page = client.post(REGISTER, form)
    assert status == 503
    assert "Nothing you sent was half-saved" in page
    status, _, page = client.get("/healthz/")
    assert status == 503

    database.resume()

    assert client.get("/")[0] == 200
    assert client.get(f"/events/{WEBINAR}/")[0] == 200
    assert registrations_of(database, "ana@example.com") == 0  # nothing half-written
    status, headers, _ = client.post(REGISTER, registration_form(client))
    assert status == 302, site.log()[-3000:]
    assert registrations_of(database, "ana@example.com") == 1
