"""A burst of guests registering for a limited event, against gunicorn under the benchmark's
production settings (bench/site.py) on a private PostgreSQL and Redis: places hold exactly,
everyone gets one email, nothing answers 5xx. `make bench` runs the same burst at 200 guests.
"""

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.urls import Resolver404, resolve

from bench import site
from bench.burst import run_burst
from tests import services
from tests.service_fixtures import missing_service

GUESTS, PLACES = 40, 30


@pytest.fixture(scope="module")
def bench_site():
    if services.find_postgres_bin_dir() is None:
        missing_service("PostgreSQL server binaries are not installed")
    if services.find_redis_server() is None:
        missing_service("redis-server is not installed")
    with site.prepared_site("burst", "event", "burst", PLACES) as prepared:
        server = services.start_gunicorn(prepared.env, cwd=site.BASE_DIR, workers=2)
        try:
            yield prepared.env, server, prepared.data["path"]
        finally:
            server.stop()


def test_a_burst_of_guests_fills_the_places_exactly_and_waitlists_the_rest(bench_site):
    env, server, register = bench_site

    # The production minimum fill time (3 s) applies: each guest spends longer on the form.
    burst = run_burst(server.url, register, guests=GUESTS, window=2.0, fill_seconds=3.5)

    assert burst.server_errors == 0, (burst.outcomes, server.log()[-3000:])
    assert burst.outcomes == {"GET 200": GUESTS, "POST 302": GUESTS}
    counts = site.dataset(env, "counts", "burst")
    assert counts["statuses"] == {"confirmed": PLACES, "waitlisted": GUESTS - PLACES}
    assert counts["confirmed_count"] == PLACES
    # No worker runs: every email waits in the outbox, one per guest.
    assert counts["outbox"] == {"registered": PLACES, "waitlisted": GUESTS - PLACES}


def test_the_ceiling_view_is_routed_only_when_the_benchmark_asks(bench_site):
    _, server, _ = bench_site

    status, _, body = services.SiteClient(server.url).get("/bench/ceiling/")
    assert (status, body) == (200, "ok")
    with pytest.raises(Resolver404):  # the suite's settings, as production's: not routed
        resolve("/bench/ceiling/")


def test_check_deploy_is_clean_under_the_benchmark_settings(tmp_path):
    env = site.production_env(
        database_url=f"sqlite:///{tmp_path / 'check.sqlite3'}",
        redis_url="redis://127.0.0.1:9/0",  # never contacted by the checks
        static_root=tmp_path / "static",
        mail_dir=tmp_path / "mail",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env={"PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": "ewevents.settings", **env},
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
