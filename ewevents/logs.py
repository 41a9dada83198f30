"""Structured logs on stdout: a request id on every line, secrets and personal data left out.

The request id comes from the proxy's X-Request-ID header (or is made up here), is kept
in a context variable for the request, travels with every task the request queues
(ewevents/celery.py) and is added to each log record by RequestIdFilter. Production
logs are one JSON object per line (JsonFormatter); development keeps readable text.
"""

import contextvars
import datetime as dt
import json
import logging
import re
import time
import uuid

from django.conf import settings
from django.utils.functional import empty

request_id = contextvars.ContextVar("request_id", default=None)

# What a proxy may hand us as a request id: short, and nothing that could forge a log line.
SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")

# URL parts that are secrets: whoever holds one can act as its owner (manage links, calendar
# feeds, allauth's password-reset and email-confirmation keys, personal invitations).
_SECRET_PATH = re.compile(
    r"(/registrations/manage/|/calendar/|/accounts/password/reset/key/|/accounts/confirm-email/)"
    r"[^/?#\s\"']+"
)
_SECRET_QUERY = re.compile(r"([?&](?:invitation|token|key)=)[^&#\s\"']*")
REDACTED = "[redacted]"


def redact(text):
    """`text` with the secret parts of any site URL in it replaced by [redacted]."""
    return _SECRET_QUERY.sub(rf"\1{REDACTED}", _SECRET_PATH.sub(rf"\1{REDACTED}", text))


def new_request_id(header=None):
    """The proxy's request id when it is a safe short token, else a new random one."""
    if header and SAFE_REQUEST_ID.fullmatch(header):
        return header
    return uuid.uuid4().hex


class RequestIdFilter(logging.Filter):
    """Add `request_id` (or "-") to every record, for the formatters."""

    def filter(self, record):
        record.request_id = request_id.get() or "-"
        return True


class RedactSecrets(logging.Filter):
    """Redact secret URL parts from messages, such as Django's "Not Found: <path>" warnings."""

    def filter(self, record):
        try:
            message = record.getMessage()
        except Exception:  # a malformed call: let the handler report it, as logging does
            return True
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


# Attributes every LogRecord has; anything else on a record was passed as `extra`.
_RECORD_ATTRIBUTES = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


class DropTemplateContext(logging.Filter):
    """Strip the traceback from django.template's "Exception while resolving variable" records.

    At DEBUG level Django logs each missing template variable with the exception,
    whose text holds the whole template context: a registrant's name, address and
    answers on the pages that show them. The message (variable and template names) stays.
    """

    def filter(self, record):
        record.exc_info = None
        record.exc_text = None
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request_id and the `extra` fields.

    Only extra values that are plain strings, numbers, booleans or None are written:
    Django attaches the request object and Celery the task's arguments, which are left out.
    """

    def format(self, record):
        entry = {
            "time": dt.datetime.fromtimestamp(record.created, tz=dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _RECORD_ATTRIBUTES and isinstance(value, str | int | float | bool | type(None)):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, default=str)


def _user_kind(request):
    """The kind of user: anonymous, user or staff; None when finding out would cost queries."""
    user = getattr(request, "user", None)
    if getattr(user, "_wrapped", None) is empty:  # the lazy user was never looked at
        if settings.SESSION_COOKIE_NAME not in request.COOKIES:
            return "anonymous"
        return None
    if user is None or not user.is_authenticated:
        return "anonymous"
    return "staff" if user.is_staff else "user"


class RequestLogMiddleware:
    """Give each request an id (X-Request-ID, also on the response) and log one line about it.

    The line names the URL pattern, never the path, which may hold a token, and the kind of
    user (anonymous, user, staff), never who.
    """

    logger = logging.getLogger("ewevents.request")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = request_id.set(new_request_id(request.headers.get("X-Request-ID")))
        started = time.monotonic()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request_id.get()
            match = request.resolver_match
            route = match.route if match else None
            duration_ms = round((time.monotonic() - started) * 1000, 1)
            self.logger.info(
                "%s %s %s %sms",
                request.method,
                route or "(no route)",
                response.status_code,
                duration_ms,
                extra={
                    "method": request.method,
                    "route": route,
                    "status": response.status_code,
                    "duration_ms": duration_ms,
                    "user": _user_kind(request),
                },
            )
            return response
        finally:
            request_id.reset(token)
