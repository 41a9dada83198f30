"""The production stack as docker-compose.yml, the Dockerfile and gunicorn.conf.py describe it.

Docker can't run here, so the compose file is read and checked for what an operator relies
on: every role present, health checks, one queue per worker service, workers that scale
with `--scale worker=N`, mail caught by Mailpit. The web health check command runs for real
against gunicorn started with the repository's gunicorn.conf.py.
"""

import os
import runpy
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.conf import settings

from tests import services
from tests.service_fixtures import _test_database_url

BASE = Path(settings.BASE_DIR)


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((BASE / "docker-compose.yml").read_text())


def command_of(service):
    return " ".join(service["command"])


def test_the_stack_has_every_role(compose):
    assert set(compose["services"]) == {
        "postgres",
        "redis",
        "mailpit",
        "migrate",
        "proxy",
        "web",
        "worker",
        "worker-mailings",
        "beat",
    }
    for name, service in compose["services"].items():
        for dependency in service.get("depends_on", {}):
            assert dependency in compose["services"], (name, dependency)


def test_every_long_running_service_has_a_health_check(compose):
    checked = {name for name, service in compose["services"].items() if service.get("healthcheck")}
    assert checked == {"postgres", "redis", "mailpit", "proxy", "web", "worker", "worker-mailings", "beat"}
    services_ = compose["services"]
    assert services_["web"]["healthcheck"]["test"] == ["CMD", "python", "-m", "ewevents.health"]
    assert services_["beat"]["healthcheck"]["test"] == ["CMD", "python", "-m", "ewevents.health", "beat"]
    assert "inspect ping" in services_["worker"]["healthcheck"]["test"][1]
    assert "-d email@$$HOSTNAME" in services_["worker"]["healthcheck"]["test"][1]
    assert "-d mailings@$$HOSTNAME" in services_["worker-mailings"]["healthcheck"]["test"][1]
    # The app waits for healthy servers and a finished migration.
    assert services_["web"]["depends_on"]["postgres"] == {"condition": "service_healthy"}
    assert services_["web"]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}


def test_web_runs_gunicorn_with_the_config_file_in_compose_and_in_the_image(compose):
    assert (
        command_of(compose["services"]["web"])
        == "gunicorn --config gunicorn.conf.py ewevents.wsgi:application"
    )
    assert (
        'CMD ["gunicorn", "--config", "gunicorn.conf.py", "ewevents.wsgi:application"]'
        in (BASE / "Dockerfile").read_text()
    )


def test_each_queue_has_its_own_worker_service_and_workers_scale(compose):
    services_ = compose["services"]
    assert "-Q email " in command_of(services_["worker"])
    assert "-Q mailings " in command_of(services_["worker-mailings"])
    assert set(settings.TASK_QUEUES) == {"email", "mailings"}
    for name in ("worker", "worker-mailings", "beat"):
        # Fixed names or published ports would stop `docker compose up --scale worker=N`.
        assert "container_name" not in services_[name]
        assert "ports" not in services_[name]
    assert "celery -A ewevents beat" in command_of(services_["beat"])


def test_mail_goes_to_mailpit_unless_an_email_url_is_given(compose):
    environment = compose["services"]["worker"]["environment"]
    assert environment["EMAIL_URL"] == "${EMAIL_URL:-smtp://mailpit:1025}"
    assert environment["REDIS_URL"] == "redis://redis:6379/0"
    assert environment["DEBUG"] == "0"


def gunicorn_settings(monkeypatch, **env):
    for name in ("WEB_CONCURRENCY", "WEB_THREADS", "GUNICORN_BIND", "PORT", "WEB_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(BASE / "gunicorn.conf.py"))


def test_gunicorn_settings_come_from_the_environment(monkeypatch):
    default = gunicorn_settings(monkeypatch)
    assert default["workers"] == min(os.cpu_count() * 2 + 1, 12)
    assert default["bind"] == "0.0.0.0:8000"
    assert (default["timeout"], default["graceful_timeout"], default["keepalive"]) == (30, 30, 5)
    assert (default["accesslog"], default["errorlog"]) == ("-", "-")

    tuned = gunicorn_settings(monkeypatch, WEB_CONCURRENCY="5", WEB_THREADS="4", PORT="9000")
    assert (tuned["workers"], tuned["threads"], tuned["bind"]) == (5, 4, "0.0.0.0:9000")


@pytest.mark.django_db(transaction=True)
def test_the_web_health_check_command_passes_against_gunicorn_and_fails_without_it(tmp_path, heartbeats):
    heartbeats(default=1)  # every periodic job just ran
    port = services.free_port()
    env = {
        "DEBUG": "false",
        "SECRET_KEY": "test-only-secret-key-for-the-health-check-test-0123456789",
        "DATABASE_URL": _test_database_url(),
        "REDIS_URL": "",
        "ALLOWED_HOSTS": "events.example.org,127.0.0.1",
        "STATIC_MANIFEST": "false",
        "EMAIL_FILE_PATH": str(tmp_path / "mail"),
    }
    check = [sys.executable, "-m", "ewevents.health"]
    check_env = {**os.environ, "PORT": str(port), "ALLOWED_HOSTS": "events.example.org,127.0.0.1"}

    server = services.start_gunicorn(env, cwd=BASE, workers=1, extra_args=("--bind", f"127.0.0.1:{port}"))
    try:
        healthy = subprocess.run(check, cwd=BASE, env=check_env, capture_output=True, text=True, check=False)
    finally:
        server.stop()
    down = subprocess.run(check, cwd=BASE, env=check_env, capture_output=True, text=True, check=False)

    assert (healthy.returncode, healthy.stdout.strip()) == (
        0,
        '{"status": "ok", "database": "ok", "periodic_jobs": "ok"}',
    )
    assert down.returncode == 1
    assert "unhealthy" in down.stderr


@pytest.mark.django_db(transaction=True)
def test_the_beat_health_check_command_fails_while_a_periodic_job_is_late(heartbeats):
    check = [sys.executable, "-m", "ewevents.health", "beat"]
    env = {**os.environ, "DATABASE_URL": _test_database_url(), "REDIS_URL": ""}

    heartbeats(default=1)
    healthy = subprocess.run(check, cwd=BASE, env=env, capture_output=True, text=True, check=False)
    heartbeats(default=1, expire_offers=11)  # every five minutes, not run for eleven
    late = subprocess.run(check, cwd=BASE, env=env, capture_output=True, text=True, check=False)

    assert (healthy.returncode, healthy.stdout.strip()) == (0, "periodic jobs ok")
    assert (late.returncode, late.stderr.strip()) == (1, "unhealthy: periodic jobs late: expire-offers")
