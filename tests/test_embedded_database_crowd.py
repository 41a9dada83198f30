"""The embedded default holds a crowd: 40 guests posting the registration form at the same
moment to a `make run`-style server on a SQLite file each get an answer that is not 5xx, and
the places hold exactly (issue 16; tests/registrations/test_concurrency.py does the same on
PostgreSQL). Served by runserver, as `make run` does, and by gunicorn's threads in two processes.
"""

import os
import re
import subprocess
import sys
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.conf import settings

from bench import site
from tests import services

GUESTS, PLACES = 40, 10
SLUG = "crowd"
REGISTER = f"/events/{SLUG}/register/"
_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
_STAMP = re.compile(r'name="form_stamp" value="([^"]*)"')
ADD_SESSION = f"""
from events.models import Event, Session
event = Event.objects.get(slug={SLUG!r})
print(Session.objects.create(event=event, title="Workshop", start=event.start, end=event.end).pk)
"""


def embedded_env(tmp_path):
    """The embedded defaults (no DATABASE_URL or REDIS_URL in production's sense) on a SQLite file."""
    return {
        "DEBUG": "1",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "REDIS_URL": "",
        "EMAIL_FILE_PATH": str(tmp_path / "mail"),
        # Every guest posts from 127.0.0.1 at once, faster than a person fills the form.
        "REGISTRATION_RATE_LIMIT": "",
        "REGISTRATION_MIN_FILL_SECONDS": "0",
    }


def manage(env, *args):
    """Run manage.py under `env`; return what it printed."""
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def start_server(kind, env):
    if kind == "runserver":
        return services.start_runserver(env, cwd=settings.BASE_DIR)
    return services.start_gunicorn(env, cwd=settings.BASE_DIR, workers=2, extra_args=("--threads", "8"))


@pytest.fixture(params=["runserver", "gunicorn-threads"])
def embedded_site(request, tmp_path):
    env = embedded_env(tmp_path)
    manage(env, "migrate", "--noinput")
    site.dataset(env, "event", SLUG, PLACES)
    server = start_server(request.param, env)
    try:
        yield env, server
    finally:
        server.stop()


def post_together(base_url, guests):
    """Each guest opens the form; once all have it, all post at the same moment. Outcomes counted."""
    outcomes = Counter()
    lock = threading.Lock()
    barrier = threading.Barrier(guests)

    def guest(number):
        client = services.SiteClient(base_url)
        try:
            status, _, page = client.get(REGISTER)
            form = {
                "csrfmiddlewaretoken": _CSRF.search(page).group(1),
                "form_stamp": _STAMP.search(page).group(1),
                "name": f"Crowd Guest {number}",
                "email": f"crowd-{number}@example.com",
                "time_zone": "Europe/Brussels",
                "language": "en",
                "privacy_consent": "on",
            }
        finally:
            barrier.wait(timeout=120)
        try:
            status, _, _ = client.post(REGISTER, form)
            outcome = f"POST {status}"
        except Exception as error:  # no answer at all is counted, not fatal
            outcome = f"POST error: {type(error).__name__}"
        with lock:
            outcomes[outcome] += 1

    with ThreadPoolExecutor(max_workers=guests) as pool:
        list(pool.map(guest, range(guests)))
    return outcomes


def test_forty_guests_posting_at_once_on_sqlite_all_get_an_answer_and_places_hold(embedded_site):
    env, server = embedded_site

    outcomes = post_together(server.url, GUESTS)

    assert outcomes == {"POST 302": GUESTS}, (outcomes, server.log()[-3000:])
    counts = site.dataset(env, "counts", SLUG)
    assert counts["statuses"] == {"confirmed": PLACES, "waitlisted": GUESTS - PLACES}
    assert counts["confirmed_count"] == PLACES
    assert counts["outbox"] == {"registered": PLACES, "waitlisted": GUESTS - PLACES}


def test_out_of_range_session_ids_on_sqlite_are_a_form_error(tmp_path):
    env = embedded_env(tmp_path)
    manage(env, "migrate", "--noinput")
    site.dataset(env, "event", SLUG, PLACES)
    manage(env, "shell", "-c", ADD_SESSION)
    server = services.start_runserver(env, cwd=settings.BASE_DIR)
    try:
        client = services.SiteClient(server.url)
        _, _, page = client.get(REGISTER)
        form = {
            "csrfmiddlewaretoken": _CSRF.search(page).group(1),
            "name": "Ana",
            "email": "ana@example.com",
            "time_zone": "Europe/Brussels",
            "privacy_consent": "on",
            "sessions": ["9223372036854775808"],
        }

        status, _, page = client.post(REGISTER, form)
    finally:
        server.stop()

    assert status == 200
    assert "“9223372036854775808” is not a valid value." in page
    assert site.dataset(env, "counts", SLUG)["statuses"] == {}
