"""The one settings module: embedded defaults, and the environment overriding them."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from django.conf import settings

PROBE = """
import json, django
from django.conf import settings
django.setup()
from ewevents import celery_app
from django.core.mail import send_mail
print(json.dumps({
    "engine": settings.DATABASES["default"]["ENGINE"],
    "db_name": str(settings.DATABASES["default"]["NAME"]),
    "db_options": settings.DATABASES["default"].get("OPTIONS", {}),
    "cache": settings.CACHES["default"]["BACKEND"],
    "abuse_cache": [settings.CACHES["abuse"]["BACKEND"], settings.CACHES["abuse"]["LOCATION"]],
    "proxy_hops": [settings.TRUSTED_PROXY_HOPS, settings.ALLAUTH_TRUSTED_PROXY_COUNT],
    "broker": celery_app.conf.broker_url,
    "eager": celery_app.conf.task_always_eager,
    "email_backend": settings.EMAIL_BACKEND,
    "email_path": str(getattr(settings, "EMAIL_FILE_PATH", "")),
    "debug": settings.DEBUG,
    "allowed_hosts": settings.ALLOWED_HOSTS,
    "ssl_redirect": settings.SECURE_SSL_REDIRECT,
    "static": settings.STORAGES["staticfiles"]["BACKEND"],
    "hsts": [
        settings.SECURE_HSTS_SECONDS, settings.SECURE_HSTS_INCLUDE_SUBDOMAINS, settings.SECURE_HSTS_PRELOAD
    ],
}))
if {send}:
    send_mail("Hello", "Body", "from@example.org", ["to@example.org"])
"""


def _settings_in_fresh_process(env, *, send=False):
    base = {"PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": "ewevents.settings"}
    result = subprocess.run(
        [sys.executable, "-c", PROBE.replace("{send}", str(send))],
        cwd=settings.BASE_DIR,
        env={**base, **env},
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[0]), result.stderr


def test_embedded_defaults_need_no_services():
    values, _ = _settings_in_fresh_process({})

    assert values["engine"] == "django.db.backends.sqlite3"
    assert values["db_name"] == str(Path(settings.BASE_DIR) / "db.sqlite3")
    # Holds a crowd (tests/test_embedded_database_crowd.py): WAL, a busy timeout, IMMEDIATE transactions.
    assert values["db_options"]["transaction_mode"] == "IMMEDIATE"
    assert values["db_options"]["timeout"] == 30
    assert "PRAGMA journal_mode=WAL" in values["db_options"]["init_command"]
    assert values["cache"] == "django.core.cache.backends.locmem.LocMemCache"
    assert values["eager"] is True
    assert values["email_backend"] == "django.core.mail.backends.filebased.EmailBackend"
    assert values["email_path"] == str(Path(settings.BASE_DIR) / "var" / "mail")
    assert values["debug"] is True


def test_default_email_is_written_to_a_file_a_person_can_open(tmp_path):
    _settings_in_fresh_process({"EMAIL_FILE_PATH": str(tmp_path)}, send=True)

    (message,) = list(tmp_path.iterdir())
    text = message.read_text()
    assert "Subject: Hello" in text
    assert "To: to@example.org" in text


def test_environment_configures_production_services():
    values, _ = _settings_in_fresh_process(
        {
            "DEBUG": "0",
            "SECRET_KEY": "a-real-secret-for-this-test-only-0123456789abcdef",
            "DATABASE_URL": "postgres://user:pw@db.internal:5432/ewevents",
            "REDIS_URL": "redis://cache.internal:6379/0",
            "EMAIL_URL": "smtp+tls://mailer:pw@smtp.internal:587",
            "ALLOWED_HOSTS": "events.example.org",
        }
    )

    assert values["engine"] == "django.db.backends.postgresql"
    assert values["db_name"] == "ewevents"
    assert values["db_options"] == {}
    assert values["cache"] == "ewevents.cache.ForgivingRedisCache"
    assert values["broker"] == "redis://cache.internal:6379/0"
    assert values["eager"] is False
    assert values["email_backend"] == "django.core.mail.backends.smtp.EmailBackend"
    assert values["allowed_hosts"] == ["events.example.org"]
    assert values["ssl_redirect"] is True
    assert values["static"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"


PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "a-real-secret-for-this-test-only-0123456789abcdef",
    "ALLOWED_HOSTS": "events.example.org",
}


def test_hsts_covers_this_host_only_and_asks_for_no_preload_unless_configured():
    """Preloading and includeSubDomains bind every host of the domain for years: a deliberate choice."""
    values, _ = _settings_in_fresh_process(PRODUCTION)

    assert values["hsts"] == [31_536_000, False, False]


def test_hsts_preload_and_subdomains_are_configured_by_environment():
    values, _ = _settings_in_fresh_process(
        {**PRODUCTION, "SECURE_HSTS_INCLUDE_SUBDOMAINS": "1", "SECURE_HSTS_PRELOAD": "1"}
    )

    assert values["hsts"] == [31_536_000, True, True]


def test_production_refuses_to_start_without_a_secret_key():
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=settings.BASE_DIR,
        env={"PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": "ewevents.settings", "DEBUG": "0"},
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )

    assert result.returncode != 0
    assert "Set SECRET_KEY when DEBUG is off." in result.stderr


def test_stylesheets_and_scripts_come_from_the_site_itself(client, db):
    from django.contrib.staticfiles import finders

    html = client.get("/").content.decode()
    # Stylesheets, icons and scripts; not the canonical link, which names the page itself.
    assets = re.findall(r'<link rel="(?:stylesheet|icon|apple-touch-icon)"[^>]+href="([^"]+)"', html)
    assets += re.findall(r'<script[^>]+src="([^"]+)"', html)

    assert "/static/vendor/bootstrap/bootstrap.min.css" in assets
    assert all(asset.startswith("/static/") for asset in assets)
    assert finders.find("vendor/bootstrap/bootstrap.min.css") is not None
    assert finders.find("vendor/bootstrap/bootstrap.bundle.min.js") is not None


def test_limits_count_in_a_store_of_their_own_shared_by_all_workers():
    embedded, _ = _settings_in_fresh_process({})
    production, _ = _settings_in_fresh_process(
        {
            "DEBUG": "0",
            "SECRET_KEY": "a-real-secret-for-this-test-only-0123456789abcdef",
            "REDIS_URL": "redis://cache.internal:6379/0",
            "ABUSE_REDIS_URL": "redis://counters.internal:6379/0",
            "TRUSTED_PROXY_HOPS": "2",
        }
    )

    # A table every worker shares, not the in-process cache pages fill.
    assert embedded["abuse_cache"] == [
        "django.core.cache.backends.db.DatabaseCache",
        "registrations_abusecounter",
    ]
    assert embedded["proxy_hops"] == [0, 0]
    assert production["abuse_cache"] == [
        "ewevents.cache.ForgivingRedisCache",
        "redis://counters.internal:6379/0",
    ]
    assert production["proxy_hops"] == [2, 2]
