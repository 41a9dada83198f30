"""Settings for ewevents: one module, read from the environment.

Every value has an embedded default so that `make run` works on a fresh machine
with nothing but Python: SQLite, a local-memory cache, Celery tasks run eagerly
and emails written to files. Production sets the variables listed in README.md.
"""

from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from kombu import Exchange, Queue

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

# --- Core -------------------------------------------------------------------

DEBUG = env.bool("DEBUG", default=True)
_DEV_SECRET_KEY = "dev-only-insecure-key-set-SECRET_KEY-in-production"  # noqa: S105
SECRET_KEY = env.str("SECRET_KEY", default=_DEV_SECRET_KEY)
if not DEBUG and SECRET_KEY == _DEV_SECRET_KEY:
    raise ImproperlyConfigured("Set SECRET_KEY when DEBUG is off.")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
# Used in calendar UIDs so they stay stable across hosts and deployments.
CALENDAR_UID_DOMAIN = env.str("CALENDAR_UID_DOMAIN", default="ewevents.invalid")

INSTALLED_APPS = [
    # Before the admin, so its TranslationAdmin can patch model forms.
    "modeltranslation",
    # Django's admin, answering logged-in users without staff status with a 403 page, not a loop.
    "ewevents.apps.AdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    # runserver for `make run`: WhiteNoise's, taking a crowd's connections (ewevents/devserver).
    "ewevents.devserver",
    # manage.py backup_database / restore_database and the daily backup task (ewevents/backups).
    "ewevents.backups",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "crispy_forms",
    "crispy_bootstrap5",
    "csp",
    # The country question's list, its names in the visitor's language (registrations.signup.questions).
    "django_countries",
    "events",
    "registrations",
    # The periodic jobs' heartbeats, run_periodic and the staff home's health panel.
    "operations",
]

MIDDLEWARE = [
    # First, so its one log line per request times and sees everything (ewevents/logs.py).
    "ewevents.logs.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Inside WhiteNoise, whose static files keep their own headers; outside the session, so it
    # sees every cookie set and answers a matching If-None-Match with 304 (ewevents/http_cache.py).
    "ewevents.http_cache.HttpCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "ewevents.middleware.RejectNullBytesMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "events.two_factor.StaffTwoFactorMiddleware",
]

ROOT_URLCONF = "ewevents.urls"
WSGI_APPLICATION = "ewevents.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
# Persistent connections in production save a connect per request; health checks drop dead ones.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0 if DEBUG else 60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default holds a crowd: readers never wait for the writer (WAL); each
    # transaction takes the write lock when it begins (IMMEDIATE), so none fails to upgrade
    # a read lock with "database is locked", and waits up to `timeout` seconds for its turn.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": env.int("SQLITE_TIMEOUT", default=30),
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, broker and Celery -----------------------------------------------

REDIS_URL = env.str("REDIS_URL", default="")
# The counters of the rate limits and login failures live apart from the pages' cache, which
# may drop any entry to make room (ewevents/cache.py): a Redis that evicts nothing in production
# (ABUSE_REDIS_URL, the same server by default), a table that every worker shares otherwise.
# Counts are kept in windows of their own, so the default timeout only needs to outlast a day.
_ABUSE_TIMEOUT = 2 * 24 * 60 * 60
if REDIS_URL:
    CACHES = {
        "default": {
            # An outage is a cache miss, not an error page (ewevents/cache.py).
            "BACKEND": "ewevents.cache.ForgivingRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        },
        "abuse": {
            "BACKEND": "ewevents.cache.ForgivingRedisCache",
            "LOCATION": env.str("ABUSE_REDIS_URL", default=REDIS_URL),
            "KEY_PREFIX": "abuse",
            "TIMEOUT": _ABUSE_TIMEOUT,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        },
    }
    # Sessions are written to the database and read from Redis while it holds them: a
    # logged-in page skips one query, and a Redis outage only means reading the database.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "abuse": {
            # Django's database cache in the table of registrations.AbuseCounter (made by migrate).
            # Past MAX_ENTRIES rows it deletes the expired counts, and only then live ones: large
            # enough that no flood gets there, small enough that counting the rows stays cheap.
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "registrations_abusecounter",
            "TIMEOUT": _ABUSE_TIMEOUT,
            "OPTIONS": {"MAX_ENTRIES": 100_000},
        },
    }

CELERY_BROKER_URL = REDIS_URL or "memory://"
# No broker configured: run tasks in-process, so the site works with nothing else.
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = True
# Two queues, so a mailing to thousands never delays a registration's email: "email" for what
# someone is waiting for (and the periodic sweeps), "mailings" for bulk sends. A worker started
# without -Q consumes both; docker-compose.yml runs one worker service per queue.
# Which job waits in which queue is decided in registrations/outbox/routing.py.
# (Not CELERY_ names: Celery would read them as its own settings.)
EMAIL_QUEUE = "email"
MAILINGS_QUEUE = "mailings"
TASK_QUEUES = (EMAIL_QUEUE, MAILINGS_QUEUE)
CELERY_TASK_DEFAULT_QUEUE = EMAIL_QUEUE
CELERY_TASK_QUEUES = [Queue(name, Exchange(name), routing_key=name) for name in TASK_QUEUES]
CELERY_TIMEZONE = "UTC"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Publishing gives up quickly when the broker is down: the outbox sweep re-queues later.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.5}
# A task is acknowledged when it has run, not when it was received: a worker killed
# mid-task leaves it to be delivered again (the outbox row's claim keeps that safe).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BEAT_SCHEDULE = {
    # Offered places not accepted in time pass to the next in line (registrations.signup.offers).
    "expire-offers": {"task": "registrations.expire_offers", "schedule": 300.0},
    # Emails whose task was never queued (broker down at commit) or whose retries were lost.
    "requeue-pending-emails": {"task": "registrations.requeue_pending_emails", "schedule": 60.0},
    # Each reminder is written once (its dedupe key), so a late or doubled run sends nothing twice.
    "queue-due-reminders": {"task": "registrations.queue_due_reminders", "schedule": 300.0},
    # A mailing whose task was lost is finished later; its dedupe keys keep anyone from getting it twice.
    "resume-mailings": {"task": "registrations.resume_mailings", "schedule": 300.0},
    # Personal data of events ended over REGISTRATION_RETENTION_DAYS ago; already anonymised rows are skipped.
    "anonymise-expired-registrations": {
        "task": "registrations.anonymise_expired_registrations",
        "schedule": 24 * 60 * 60.0,
    },
    # The database and media files into BACKUP_DIR, older backups pruned (ewevents/backups).
    "backup-database": {"task": "ewevents.backup_database", "schedule": 24 * 60 * 60.0},
    # Emails ADMINS once when a job above has not run for twice its period (operations.heartbeats).
    "check-heartbeats": {"task": "operations.check_heartbeats", "schedule": 300.0},
}
# Every job above also runs without beat: `manage.py run_periodic` (started by `make run`).
# The names of the jobs late by their heartbeats (operations), for /healthz/ and the beat health check.
PERIODIC_JOBS_LATE = "operations.selectors.late_job_names"

# --- Email ------------------------------------------------------------------

EMAIL_FILE_PATH = env.path("EMAIL_FILE_PATH", default=VAR_DIR / "mail")
if env.str("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))
elif env.str("EMAIL_HOST", default=""):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = env.str("EMAIL_HOST")
    EMAIL_PORT = env.int("EMAIL_PORT", default=587)
    EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
    EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
    EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=True)
else:
    # Embedded default: each message is a file a person can open (see README).
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="events@ewevents.invalid")
# Where visitors write to the organisers: shown on the site (who sees what, privacy) and in emails.
CONTACT_EMAIL = env.str("CONTACT_EMAIL", default=DEFAULT_FROM_EMAIL)
# Where a reply to one of the site's emails goes (Reply-To); empty: to the sender.
REPLY_TO_EMAIL = env.str("REPLY_TO_EMAIL", default=CONTACT_EMAIL)
# Attempts at sending one outbox email before it is marked failed (retries back off up to 10 minutes).
EMAIL_MAX_ATTEMPTS = env.int("EMAIL_MAX_ATTEMPTS", default=5)
# The first retry after an SMTP error waits this long, each next one twice as long (at most 10x).
EMAIL_RETRY_BACKOFF_SECONDS = env.int("EMAIL_RETRY_BACKOFF_SECONDS", default=60)
# A sender holds an outbox row this long; if it dies mid-send, the row is sent again after it.
EMAIL_SEND_LEASE_SECONDS = env.int("EMAIL_SEND_LEASE_SECONDS", default=300)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Who is emailed when a periodic job is late (and Django's error mails): ADMINS=ops@example.org,...
ADMINS = [("", address) for address in env.list("ADMINS", default=[])]

# --- Client addresses --------------------------------------------------------

# Reverse proxies in front of the site that append the address they received a request from
# to X-Forwarded-For (0: the site faces clients directly and X-Forwarded-For is ignored). The
# limits count a client by the address that many entries from the right (ewevents/client_address.py).
TRUSTED_PROXY_HOPS = env.int("TRUSTED_PROXY_HOPS", default=0)
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_HOPS

# --- Accounts (django-allauth) ----------------------------------------------

AUTHENTICATION_BACKENDS = [
    # Django's and allauth's, keeping the logged-in user in the cache between requests.
    "ewevents.auth_backends.CachedModelBackend",
    "ewevents.auth_backends.CachedAuthenticationBackend",
]
# Client addresses as the site's limits count them; failed logins; account emails through the outbox,
# their links and site name from SITE_URL, never from the request (ewevents/site.py).
ACCOUNT_ADAPTER = "registrations.accounts.AccountAdapter"
# A password reset only queues a task, so it answers as fast for any address (registrations/accounts.py).
ACCOUNT_FORMS = {"reset_password": "registrations.accounts.ResetPasswordForm"}
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = True
# A password reset for an address with no account sends nothing: typing someone's address
# must not make the site write to them (allauth would say "Unknown Account").
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[ewevents] "
# Two-factor authentication with an authenticator app (TOTP) and recovery codes; staff
# must use it before the admin and staff pages (events/two_factor.py).
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Electronics Watch events"
# allauth's own limits, stated here so they are visible: per client address ("ip") and per
# account or email address ("key"), counted in the abuse store. Over a limit, the site's 429 page
# with Retry-After (ewevents/errors.py).
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    # Failed logins are counted by the site's adapter instead (LOGIN_FAILURES_* below): allauth's
    # per-account count would let anyone keep an account's owner out.
    "login_failed": "",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "confirm_email": "1/3m/key",
    "change_password": "5/m/user",
}
# Failed logins (registrations/accounts.py, registrations/signup/abuse.py), as "count/period". Over
# either of the first two, that client waits (429 with Retry-After) before it may try again; the
# account stays open to everyone else, its owner included. Past the third, counted from everywhere,
# the owner is emailed once per period that someone is trying their password.
LOGIN_FAILURES_PER_CLIENT = env.str("LOGIN_FAILURES_PER_CLIENT", default="10/m")
LOGIN_FAILURES_PER_ACCOUNT_AND_CLIENT = env.str("LOGIN_FAILURES_PER_ACCOUNT_AND_CLIENT", default="5/5m")
LOGIN_FAILURES_BEFORE_ALERT = env.str("LOGIN_FAILURES_BEFORE_ALERT", default="10/h")
LOGIN_REDIRECT_URL = "events:home"
LOGIN_URL = "account_login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Forms ------------------------------------------------------------------

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Languages and time -----------------------------------------------------

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("es", _("Spanish"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Titles and texts of events, sessions and series have an _en and an _es column
# (events/translation.py); a missing Spanish text falls back to the English one.
MODELTRANSLATION_DEFAULT_LANGUAGE = "en"
MODELTRANSLATION_FALLBACK_LANGUAGES = ("en",)
MODELTRANSLATION_PREPOPULATE_LANGUAGE = "en"  # slugs come from the English title
# Event(title=...) fills the English column too, whatever the active language.
MODELTRANSLATION_AUTO_POPULATE = "required"


def _localized_verbose_name(verbose_name, code):
    """Admin labels such as "title (Spanish)" rather than "title [es]"."""
    return f"{verbose_name} ({dict(LANGUAGES)[code]})"


MODELTRANSLATION_BUILD_LOCALIZED_VERBOSE_NAME = _localized_verbose_name
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"

# --- Static files -----------------------------------------------------------

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # Compressed, cache-busted files need `collectstatic`; development doesn't.
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if env.bool("STATIC_MANIFEST", default=not DEBUG)
        else "django.contrib.staticfiles.storage.StaticFilesStorage",
    },
}

# --- Uploaded files and backups ------------------------------------------------

# Files staff upload (speaker photos, materials), included in every backup.
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")
# Served by the site itself (ewevents/media.py): only the folders named in PUBLIC_MEDIA_FOLDERS.
MEDIA_URL = "/media/"
PUBLIC_MEDIA_FOLDERS = ["speakers"]
# A session's uploaded material (events.SessionMaterial), at most this many megabytes; larger
# files (a long recording) are given as a link. Never served from /media/: see events/views.py.
SESSION_MATERIAL_MAX_MB = env.int("SESSION_MATERIAL_MAX_MB", default=100)
# Where `manage.py backup_database` and the daily task write their archives (ewevents/backups).
BACKUP_DIR = env.path("BACKUP_DIR", default=VAR_DIR / "backups")
# Backups kept: the newest of each of the last N days, and of each of the last M months.
BACKUP_KEEP_DAILY = env.int("BACKUP_KEEP_DAILY", default=7)
BACKUP_KEEP_MONTHLY = env.int("BACKUP_KEEP_MONTHLY", default=12)
# An age public key ("age1..."): archives are then encrypted to it, and a backup without `age`
# installed fails rather than write them in the clear. Empty: archives are not encrypted.
BACKUP_AGE_RECIPIENT = env.str("BACKUP_AGE_RECIPIENT", default="")

# --- Event pages ------------------------------------------------------------

# What other apps add to an event's page (events/additions.py): functions (request, event).
EVENT_PAGE_ADDITIONS = ["registrations.event_page.registration_box"]
# What other apps add to a webinar series' page (events/additions.py): functions (request, series).
SERIES_PAGE_ADDITIONS = ["registrations.series_page.follow_box"]
# What other apps add to the demo data after the events' (events/demo.py, `manage.py load_demo`):
# functions (today=...) that return the lines to print.
DEMO_LOADERS = ["registrations.demo.load_demo_registrations"]
# The admin's index, the staff home (ewevents/staff_only.py): a function (request, app_list)
# returning the context of templates/admin/staff_home.html.
STAFF_HOME = "registrations.admin.home.staff_home"

# --- HTTP caching -----------------------------------------------------------

# Seconds a browser or a shared cache may keep an anonymous page without asking again
# (ewevents/http_cache.py): a change shows to anonymous visitors at most this late.
HTTP_CACHE_MAX_AGE = env.int("HTTP_CACHE_MAX_AGE", default=60)

# --- Registration ---------------------------------------------------------

# Raise when the privacy notice changes: each registration records the version it accepted.
PRIVACY_NOTICE_VERSION = env.str("PRIVACY_NOTICE_VERSION", default="2026-11")
# Days after an event ends until its registrations and guest list are anonymised (0: never).
REGISTRATION_RETENTION_DAYS = env.int("REGISTRATION_RETENTION_DAYS", default=180)
# Mailings hand their emails to the workers at most this many per minute (0: as fast as they go).
MAILING_RATE_PER_MINUTE = env.int("MAILING_RATE_PER_MINUTE", default=600)
# Against bots: a registration form posted sooner than this after it was shown is refused
# (0 also accepts a form without its signed time stamp).
REGISTRATION_MIN_FILL_SECONDS = env.int("REGISTRATION_MIN_FILL_SECONDS", default=3)
# Registration POSTs allowed per client address and event: "10/h" (s, m, h, d) or (count, seconds).
REGISTRATION_RATE_LIMIT = env.str("REGISTRATION_RATE_LIMIT", default="10/h")
# "Email me my link" requests allowed per client address, and per email address (against mail bombing).
MANAGE_LINK_RATE_LIMIT_PER_CLIENT = env.str("MANAGE_LINK_RATE_LIMIT_PER_CLIENT", default="10/h")
MANAGE_LINK_RATE_LIMIT_PER_ADDRESS = env.str("MANAGE_LINK_RATE_LIMIT_PER_ADDRESS", default="3/h")
# "Your link" emails one address receives, whoever asks: "email me my link", registering again
# with a registered address, and password resets all count (an address is never flooded).
LINK_EMAILS_PER_ADDRESS = env.str("LINK_EMAILS_PER_ADDRESS", default="3/h")

# --- Following a webinar series ---------------------------------------------

# Follow POSTs allowed per client address and series (the form has no CSRF token: registrations.following).
SERIES_FOLLOW_RATE_LIMIT = env.str("SERIES_FOLLOW_RATE_LIMIT", default="10/h")
# Asking again with the same address sends the confirmation again at most this often.
SERIES_FOLLOW_RESEND_MINUTES = env.int("SERIES_FOLLOW_RESEND_MINUTES", default=15)
# Days after which followers who never confirmed (or who unsubscribed) are forgotten (0: never).
SERIES_FOLLOWER_RETENTION_DAYS = env.int("SERIES_FOLLOWER_RETENTION_DAYS", default=30)

# --- Benchmark ----------------------------------------------------------------

# Routes /bench/ceiling/, a bare view that `make bench` measures as the ceiling. Off in production.
BENCH_CEILING_VIEW = env.bool("BENCH_CEILING_VIEW", default=False)

# --- Security (production values when DEBUG is off) -------------------------

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
# Load balancers check health over plain HTTP from inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz/$"]
SESSION_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_SECURE = not DEBUG
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
# This host only, by default: includeSubDomains and preload bind every host of the domain to
# HTTPS for years, and a preload listing is slow to undo, so each is a deliberate choice made
# in the environment. The preload token only consents to the list; a site is listed when its
# registrable domain is submitted by hand (hstspreload.org refuses subdomains on their own).
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
# `check --deploy` warns whenever either is off (W005, W021); off is the considered default here.
SILENCED_SYSTEM_CHECKS = ["security.W005", "security.W021"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp): scripts, styles, fonts and requests come from this site
# only, never inline. Templates keep behaviour in static/js and looks in static/css; emails,
# which are not served under this header, may style inline. The admin's mailing preview shows
# the email in a sandboxed srcdoc iframe, which inherits this policy (so no frame-src is needed).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [NONE],
        "object-src": [NONE],
    },
}

# --- Logging ----------------------------------------------------------------

# No personal data in the logs (tests/registrations/test_logs_hold_no_personal_data.py): SQL
# with its parameters only when asked for with LOG_SQL (and DEBUG on), and template lookups
# without the context they would dump.
# Every line on stdout carries the request id (also given to the tasks a request queues), and
# URL secrets such as manage tokens are redacted (ewevents/logs.py). LOG_FORMAT "json" writes
# one JSON object per line, the default without DEBUG; "text" is for people reading along.
LOG_FORMAT = env.str("LOG_FORMAT", default="text" if DEBUG else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "drop_template_context": {"()": "ewevents.logs.DropTemplateContext"},
        "request_id": {"()": "ewevents.logs.RequestIdFilter"},
        "redact_secrets": {"()": "ewevents.logs.RedactSecrets"},
    },
    "formatters": {
        "json": {"()": "ewevents.logs.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        # runserver's request lines, as Django's default logging writes them.
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": LOG_FORMAT,
            "filters": ["request_id", "redact_secrets"],
        },
        "django.server": {"class": "logging.StreamHandler", "formatter": "django.server"},
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Django's own handlers replaced by the root's: no error emails to ADMINS (they would carry
        # the request, personal data included); ADMINS only hear of late periodic jobs (operations).
        "django": {"handlers": [], "level": "INFO"},
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
        "django.db.backends": {"level": "DEBUG" if env.bool("LOG_SQL", default=False) else "INFO"},
        "django.template": {"filters": ["drop_template_context"]},
    },
}

# --- Error reports ------------------------------------------------------------

# Sentry, off unless SENTRY_DSN is set; events leave without personal data (ewevents/error_reports.py).
SENTRY_DSN = env.str("SENTRY_DSN", default="")
SENTRY_ENVIRONMENT = env.str("SENTRY_ENVIRONMENT", default="production")
if SENTRY_DSN:
    from ewevents import __version__
    from ewevents.error_reports import start as start_error_reports

    start_error_reports(SENTRY_DSN, environment=SENTRY_ENVIRONMENT, release=f"ewevents@{__version__}")
