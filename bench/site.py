"""The site as the benchmark serves it: production settings, a migrated database, collected static files.

Shared by bench.run and the tests that start the same site (tests/test_registration_burst.py),
so the settings measured are the settings tested.
"""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

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
