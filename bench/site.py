"""The site as the benchmark serves it: production settings, a migrated database, collected static files.

Shared by bench.run, bench.profile and the tests that start the same site
(tests/test_registration_burst.py), so the settings measured are the settings tested.
"""

import contextlib
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests import services

BASE_DIR = Path(__file__).resolve().parent.parent


def production_env(*, database_url, redis_url, static_root, mail_dir, secret_key=None):
    """Environment variables for production settings on 127.0.0.1, as the benchmark runs them.

    Departures from a real deployment, each needed to load one site from one address:
    the registration rate limit is off (every POST comes from 127.0.0.1), and
    /bench/ceiling/ is routed. HTTPS stays required: clients send X-Forwarded-Proto.
    """
    return {
        "DEBUG": "0",
        "SECRET_KEY": secret_key or secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SITE_URL": "https://127.0.0.1",
        "DATABASE_URL": database_url,
        "CONN_MAX_AGE": "60",
        # Cache and Celery broker. No worker runs: emails wait in the outbox, as they would for one.
        "REDIS_URL": redis_url,
        "STATIC_ROOT": str(static_root),
        "STATIC_MANIFEST": "1",
        "EMAIL_FILE_PATH": str(mail_dir),
        "REGISTRATION_RATE_LIMIT": "",
        "BENCH_CEILING_VIEW": "1",
    }


def _run(env, args):
    result = subprocess.run(
        [sys.executable, *args],
        cwd=BASE_DIR,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed:\n{result.stdout[-2000:]}\n{result.stderr[-4000:]}")
    return result.stdout


def prepare(env):
    """Migrate the database and collect the static files (the manifest needs them)."""
    _run(env, ["manage.py", "migrate", "--noinput"])
    _run(env, ["manage.py", "collectstatic", "--noinput"])


def dataset(env, *args):
    """Run `python -m bench.dataset ARGS` under `env`; return the JSON it prints."""
    return json.loads(_run(env, ["-m", "bench.dataset", *map(str, args)]).splitlines()[-1])


@dataclass
class PreparedSite:
    env: dict  # production_env's variables, for every process that serves or loads the site
    data: dict  # what the data set's loader printed
    folder: Path  # static files, mail and whatever else the caller keeps there; removed afterwards
    postgres: services.PostgresServer  # its bin_dir outlives the server: the report names its version


@contextlib.contextmanager
def prepared_site(name, *dataset_args) -> Iterator[PreparedSite]:
    """Start a private PostgreSQL (database `name`) and Redis, migrate, collect the static files and
    load `python -m bench.dataset DATASET_ARGS`; stop both servers and remove the folder afterwards."""
    folder = Path(tempfile.mkdtemp(prefix=f"{name}-"))
    folder.chmod(0o755)  # nginx's workers, `nobody` when we are root, read the static files in it
    try:
        with services.running_postgres(name) as postgres, services.running_redis() as redis:
            env = production_env(
                database_url=postgres.url,
                redis_url=redis.url,
                static_root=folder / "static",
                mail_dir=folder / "mail",
            )
            print("Migrating, collecting static files, loading the data set...", flush=True)
            prepare(env)
            yield PreparedSite(env, dataset(env, *dataset_args), folder, postgres)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
