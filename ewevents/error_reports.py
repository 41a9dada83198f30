"""Error reports to Sentry, optional: on only when SENTRY_DSN is set, and never with personal data.

`start()` is called by settings.py (so web processes, workers and beat all report). Every event
and breadcrumb passes through `scrub` before it leaves the process:

- who: the user (id, email, address), cookies, every request header and the query string are
  dropped; the request body is never read (max_request_body_size="never") nor sent;
- what: local variables in stack frames are neither collected nor sent;
- anywhere in what remains (exception messages, log messages and their arguments, breadcrumbs,
  extra data, URLs): email addresses, the secret parts of URLs (manage links, calendar feeds,
  password-reset and confirmation keys, invitations; ewevents.logs.redact) and door codes are
  replaced, and values under keys that name personal data or secrets (name, email, token,
  door_code, password, cookie...) are dropped.

A name typed into free text (an exception message that quotes one) cannot be recognised; the
site's own messages and logs carry ids, never names (tests/test_request_logs.py).
"""

import re

from ewevents.logs import redact

FILTERED = "[Filtered]"
EMAIL = re.compile(r"[^\s@<>\"'(),;:/\[\]]+@[^\s@<>\"'(),;:/\[\]]+\.[A-Za-z]{2,}")
# A door code (registrations.models.DOOR_CODE_ALPHABET, 12 characters), plain or in groups of four.
_DOOR_CHAR = "[0-9A-HJKMNP-TV-Z]"
DOOR_CODE = re.compile(rf"\b{_DOOR_CHAR}{{4}}[- ]?{_DOOR_CHAR}{{4}}[- ]?{_DOOR_CHAR}{{4}}\b")
# Keys whose values are personal data or secrets, wherever they appear (compared in lower case).
PERSONAL_KEYS = {
    "name",
    "first_name",
    "last_name",
    "full_name",
    "username",
    "user",
    "to",
    "employer",
    "organisation",
    "organization",
    "job_title",
    "phone",
    "needs",
    "accessibility_needs",
    "dietary_needs",
    "answers",
    "code",
    "ip_address",
    "remote_addr",
    "body",
    "body_text",
    "body_html",
}
SECRET_KEY_PARTS = (
    "email",
    "token",
    "password",
    "passwd",
    "secret",
    "cookie",
    "session",
    "csrf",
    "door_code",
)
SECRET_KEY_PARTS += ("authorization", "api_key", "apikey", "signature")
# Of a request, only these are kept (the URL without its query string, redacted).
REQUEST_KEPT = ("method", "url")
# What the SDK says about itself and the machine ("sdk": {"name": ...}): kept as it is.
ABOUT_THE_SDK = ("sdk", "modules", "debug_meta")


def start(dsn, *, environment, release):
    """Start reporting to `dsn`; return whether it did (False, doing nothing, without a DSN)."""
    if not dsn:
        return False
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        send_default_pii=False,
        include_local_variables=False,
        max_request_body_size="never",
        traces_sample_rate=None,  # errors only: no performance data
        before_send=scrub,
        before_breadcrumb=scrub_breadcrumb,
    )
    return True


def scrub(event, hint=None):
    """`event` without personal data or secrets (see the module docstring)."""
    event.pop("user", None)
    request = event.get("request")
    if isinstance(request, dict):
        event["request"] = {key: request[key] for key in REQUEST_KEPT if key in request}
    for exception in (event.get("exception") or {}).get("values") or []:
        _drop_frame_variables(exception.get("stacktrace"))
    for thread in (event.get("threads") or {}).get("values") or []:
        _drop_frame_variables(thread.get("stacktrace"))
    return {
        key: value if key in ABOUT_THE_SDK else _clean(value, by_key=key != "contexts")
        for key, value in event.items()
    }


def scrub_breadcrumb(breadcrumb, hint=None):
    return _clean(breadcrumb)


def _drop_frame_variables(stacktrace):
    for frame in (stacktrace or {}).get("frames") or []:
        frame.pop("vars", None)


def _personal_key(key):
    key = str(key).lower()
    return key in PERSONAL_KEYS or any(part in key for part in SECRET_KEY_PARTS)


def _clean(value, *, by_key=True):
    """`value` with emails, URL secrets and door codes replaced in its strings; with `by_key`, the
    values under personal keys dropped too (not in "contexts", where "name" is the runtime's)."""
    if isinstance(value, str):
        return DOOR_CODE.sub(FILTERED, EMAIL.sub(FILTERED, redact(value)))
    if isinstance(value, dict):
        return {
            key: FILTERED if by_key and _personal_key(key) else _clean(item, by_key=by_key)
            for key, item in value.items()
        }
    if isinstance(value, (list, tuple)):
        return [_clean(item, by_key=by_key) for item in value]
    return value
