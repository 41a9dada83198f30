"""pytest fixtures that run the test session against real services.

tests/conftest.py imports them with `from tests.service_fixtures import *`.

- `django_db_modify_db_settings` (pytest-django hook fixture): unless DATABASE_URL
  already points at PostgreSQL, start a private PostgreSQL cluster for the session
  and point the "default" database at it; pytest-django then creates the test
  database there.
- `redis_url`: URL of a redis-server started for the session.
- `chromium_executable`: path of the installed Chromium, for Playwright's `executable_path`.
- `smtp_server`: an aiosmtpd SMTP server on loopback that keeps the messages it receives.
- `celery_worker_process`: a real `celery -A ewevents worker` subprocess using the test
  database, the session's Redis and `smtp_server`; stopped by PID after the test.
  `start_celery_worker(**env)` starts more of them, with extra settings.
  Tests using it need `django_db(transaction=True)`, so the worker sees their rows.
- `publishing_to(url)`: a context manager pointing this process's Celery app at a broker.

A missing binary skips the tests that need it (the database falls back to SQLite
with a warning), except under CI=true, where it fails the run instead.
"""

from __future__ import annotations

import contextlib
import os
import warnings
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from tests import services

__all__ = [
    "celery_worker_process",
    "chromium_executable",
    "django_db_modify_db_settings",
    "publishing_to",
    "redis_url",
    "smtp_server",
    "start_celery_worker",
]

POSTGRES_URL_SCHEMES = ("postgres://", "postgresql://", "pgsql://", "postgis://")


def running_in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def missing_service(message: str) -> None:
    """Skip, or under CI=true fail, because a service binary is not installed."""
    if running_in_ci():
        pytest.fail(f"{message} (CI=true: install it, tests must not skip in CI)", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix: None) -> Iterator[None]:
    """Point Django's "default" database at a private PostgreSQL server for the session."""
    if os.environ.get("DATABASE_URL", "").startswith(POSTGRES_URL_SCHEMES):
        yield  # settings already use it
        return

    bin_dir = services.find_postgres_bin_dir()
    if bin_dir is None:
        message = (
            "PostgreSQL server binaries (initdb, postgres) not found in /usr/lib/postgresql/*/bin or PATH"
        )
        if running_in_ci():
            pytest.fail(f"{message}; CI=true requires PostgreSQL (apt-get install postgresql)", pytrace=False)
        warnings.warn(f"{message}: tests run on SQLite instead", stacklevel=1)
        yield
        return

    from django import db
    from django.conf import settings

    server = services.start_postgres(dbname="ewevents", bin_dir=bin_dir)
    try:
        settings.DATABASES["default"].update(
            ENGINE="django.db.backends.postgresql",
            NAME=server.dbname,
            USER=server.user,
            PASSWORD="",
            HOST=server.host,
            PORT=str(server.port),
            OPTIONS={},  # any SQLite options do not apply
        )
        # A connection object created before this point still uses the old ENGINE.
        with contextlib.suppress(AttributeError, KeyError):
            del db.connections["default"]
        yield
    finally:
        server.stop()


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """URL of a redis-server started for the session (redis://127.0.0.1:<port>/0)."""
    if services.find_redis_server() is None:
        missing_service("redis-server binary not found (apt-get install redis-server)")
    server = services.start_redis()
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture(scope="session")
def chromium_executable() -> str:
    """Path of the installed Chromium (no Playwright browser download)."""
    path = services.find_chromium()
    if path is None:
        missing_service("Chromium not found: no chromium or chromium-browser (apt-get install chromium)")
    return path


@pytest.fixture
def smtp_server() -> Iterator[services.SmtpServer]:
    """An SMTP server on 127.0.0.1 (aiosmtpd) collecting messages in `.messages`."""
    try:
        import aiosmtpd  # noqa: F401
    except ImportError:
        missing_service("aiosmtpd is not installed: pip install -e '.[test]'")
    server = services.start_smtp_server()
    try:
        yield server
    finally:
        server.stop()


def _test_database_url() -> str:
    from django.db import connection

    if connection.vendor != "postgresql":
        missing_service("a Celery worker needs the PostgreSQL test database, not SQLite")
    db = connection.settings_dict
    password = f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else ""
    return f"postgresql://{quote(db['USER'], safe='')}{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


@pytest.fixture
def start_celery_worker(transactional_db, redis_url, smtp_server) -> Iterator:
    """Start real Celery workers (as `celery_worker_process`), with extra settings as keyword
    arguments (`EMAIL_SEND_LEASE_SECONDS="2"`) and the queues to consume (`queues=("email",)`,
    by default all); each is stopped by PID after the test."""
    from django.conf import settings

    workers = []

    def start(queues: tuple[str, ...] | None = None, **extra_env: str) -> services.CeleryWorker:
        env = {
            "DATABASE_URL": _test_database_url(),
            "REDIS_URL": redis_url,
            "EMAIL_HOST": smtp_server.host,
            "EMAIL_PORT": str(smtp_server.port),
            "EMAIL_USE_TLS": "false",
            "SITE_URL": settings.SITE_URL,
            **extra_env,
        }
        workers.append(services.start_celery_worker(env, cwd=Path(settings.BASE_DIR), queues=queues))
        return workers[-1]

    try:
        yield start
    finally:
        for worker in workers:
            worker.stop()


@pytest.fixture
def celery_worker_process(start_celery_worker) -> services.CeleryWorker:
    """A real Celery worker on the test database, the session's Redis, sending to `smtp_server`."""
    return start_celery_worker()


def _reset_broker_connections(app) -> None:
    """Drop pooled broker connections so the next publish connects to the configured URL."""
    import kombu.pools

    kombu.pools.reset()  # closes and forgets every pool, so none is reused closed
    app._pool = None
    with contextlib.suppress(AttributeError, KeyError):
        app.__dict__["amqp"]._producer_pool = None


@contextlib.contextmanager
def publishing_to(broker_url: str) -> Iterator[None]:
    """Make this process's Celery app publish to `broker_url` instead of running tasks eagerly."""
    from ewevents import celery_app

    saved = {key: celery_app.conf[key] for key in ("broker_url", "task_always_eager")}
    celery_app.conf.update(broker_url=broker_url, task_always_eager=False)
    _reset_broker_connections(celery_app)
    try:
        yield
    finally:
        celery_app.conf.update(saved)
        _reset_broker_connections(celery_app)
