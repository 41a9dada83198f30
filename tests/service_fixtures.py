"""pytest fixtures that run the test session against real services.

tests/conftest.py imports them with `from tests.service_fixtures import *`.

- `django_db_modify_db_settings` (pytest-django hook fixture): unless DATABASE_URL
  already points at PostgreSQL, start a private PostgreSQL cluster for the session
  and point the "default" database at it; pytest-django then creates the test
  database there.
- `redis_url`: URL of a redis-server started for the session.
- `chromium_executable`: path of the installed Chromium, for Playwright's `executable_path`.

A missing binary skips the tests that need it (the database falls back to SQLite
with a warning), except under CI=true, where it fails the run instead.
"""

from __future__ import annotations

import contextlib
import os
import warnings
from collections.abc import Iterator

import pytest

from tests import services

__all__ = ["chromium_executable", "django_db_modify_db_settings", "redis_url"]

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
