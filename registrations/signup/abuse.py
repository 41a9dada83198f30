"""Defences of the registration form (and the series' follow form) against bots and floods.

A signed time stamp refuses forms posted too soon after they were shown, and counters
in the abuse store limit registration POSTs per client and event, follow requests per
client and series, requests for manage
links per client and per email address, and "your link" emails per recipient. A client
is its address past the trusted proxies, an IPv6 one its /64 (ewevents.client_address).
"""

import hashlib
import time

from django.conf import settings
from django.core import signing

from ewevents.cache import abuse_store
from ewevents.client_address import client_bucket

STAMP_SALT = "registrations.register-form-stamp"
# Its own salt: a registration form's stamp for event 3 is no follow form's stamp for series 3.
FOLLOW_STAMP_SALT = "registrations.follow-form-stamp"
UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class StampError(Exception):
    """The form's time stamp is missing, tampered with, or too recent."""


def make_stamp(event, *, salt=STAMP_SALT):
    """The signed time stamp of a form for `event` (or, with FOLLOW_STAMP_SALT, a series) shown now."""
    return signing.TimestampSigner(salt=salt).sign(str(event.pk))


def check_stamp(stamp, event, *, salt=STAMP_SALT):
    """Raise StampError unless `stamp` was made for `event` at least the minimum fill time ago."""
    minimum = settings.REGISTRATION_MIN_FILL_SECONDS
    if not stamp:
        if minimum <= 0:
            return
        raise StampError("missing")
    signer = signing.TimestampSigner(salt=salt)
    try:
        value = signer.unsign(stamp)
    except signing.BadSignature:
        raise StampError("tampered") from None
    if value != str(event.pk):
        raise StampError("tampered")
    if minimum <= 0:
        return
    try:
        # Unsigning within max_age succeeds only while the stamp is younger than the minimum.
        signer.unsign(stamp, max_age=minimum)
    except signing.SignatureExpired:
        return
    raise StampError("too fast")


def parse_rate(rate):
    """`"10/h"`, `"10/30m"` or `(10, 3600)` → (count, seconds); None or empty → None (no limit)."""
    if not rate:
        return None
    if isinstance(rate, (tuple, list)):
        count, seconds = rate
        return int(count), int(seconds)
    count, _, period = str(rate).partition("/")
    period = period.strip() or "h"
    multiple = int(period[:-1]) if period[:-1] else 1
    return int(count), multiple * UNITS[period[-1]]


def _key(scope, identifier, window_start):
    # Hashed, so no address or IP is kept in the store's key space in clear. The window is in the
    # key, so a count never outlives its window, whatever expiry a backend gives it after incr().
    digest = hashlib.sha256(f"{scope}|{identifier}".encode()).hexdigest()
    return f"ratelimit:{scope}:{digest}:{window_start}"


def over_limit(scope, identifier, rate, *, count=True):
    """Count one attempt by `identifier` under `scope`; once over `rate`, the seconds to wait, else 0.

    Windows are fixed (they start at multiples of their length). With `count=False` nothing
    is counted: the answer is whether one more attempt would go over. The counters
    live in the abuse store (ewevents.cache.abuse_store), which pages cannot evict (on its
    database table an increment is a read and a write, so two at the same instant may count
    as one: a flood is still held to about its limit). An outage
    of that store lets the attempt through (ewevents.cache counts it as a first attempt):
    these limits slow floods down, they must never stop a real person registering.
    """
    parsed = parse_rate(rate)
    if parsed is None:
        return 0
    limit, window = parsed
    window_start = int(time.time()) // window * window
    key = _key(scope, identifier, window_start)
    store = abuse_store()
    if not count:
        return window if store.get(key, 0) >= limit else 0
    store.add(key, 0, timeout=window)
    try:
        counted = store.incr(key)
    except ValueError:  # expired between add and incr
        store.set(key, 1, timeout=window)
        counted = 1
    return window if counted > limit else 0


def over_rate_limit(request, event):
    """Count this registration POST; the seconds to wait once its client is over the limit for the event."""
    identifier = f"{client_bucket(request)}|{event.pk}|{event.slug}"
    return over_limit("register", identifier, settings.REGISTRATION_RATE_LIMIT)


def over_follow_rate_limit(request, series):
    """Count this follow POST; the seconds to wait once its client is over the limit for the series."""
    identifier = f"{client_bucket(request)}|{series.pk}"
    return over_limit("follow-series", identifier, settings.SERIES_FOLLOW_RATE_LIMIT)


def over_link_request_limit(request, email):
    """Count a request to email manage links, per client and per address; the seconds to wait when over."""
    over_client = over_limit(
        "manage-link-ip", client_bucket(request), settings.MANAGE_LINK_RATE_LIMIT_PER_CLIENT
    )
    over_address = over_limit("manage-link-email", email.lower(), settings.MANAGE_LINK_RATE_LIMIT_PER_ADDRESS)
    return max(over_client, over_address)


def may_email_link_to(email):
    """Count one "your link" email to `email`; False once the address has had its share.

    Whoever asks and however (the "email me my link" page, registering again, a password
    reset), an address receives at most settings.LINK_EMAILS_PER_ADDRESS of them.
    """
    return not over_limit("link-email-to", email.strip().lower(), settings.LINK_EMAILS_PER_ADDRESS)


def _login_identifiers(request, login):
    bucket = client_bucket(request)
    return bucket, f"{login.strip().lower()}|{bucket}"


def login_wait(request, login):
    """Seconds this client must wait before it may try to log in as `login`; 0 when it may now.

    Failed logins are counted per client (any account) and per account and client, never
    per account alone: a stranger's guesses slow the stranger down, not the account's
    owner, who logs in from a connection of their own.
    """
    client, account_and_client = _login_identifiers(request, login)
    return max(
        over_limit("login-failed-client", client, settings.LOGIN_FAILURES_PER_CLIENT, count=False),
        over_limit(
            "login-failed-account-client",
            account_and_client,
            settings.LOGIN_FAILURES_PER_ACCOUNT_AND_CLIENT,
            count=False,
        ),
    )


def count_login_failure(request, login):
    """Count a failed login as `login` from this client; True the first time in its window that the
    account's failures from everywhere go over settings.LOGIN_FAILURES_BEFORE_ALERT (tell the owner)."""
    client, account_and_client = _login_identifiers(request, login)
    over_limit("login-failed-client", client, settings.LOGIN_FAILURES_PER_CLIENT)
    over_limit(
        "login-failed-account-client", account_and_client, settings.LOGIN_FAILURES_PER_ACCOUNT_AND_CLIENT
    )
    window = over_limit("login-failed-account", login.strip().lower(), settings.LOGIN_FAILURES_BEFORE_ALERT)
    if not window:
        return False
    window_start = int(time.time()) // window * window
    # add() succeeds once per key: one alert per account and window, however long the attack.
    return abuse_store().add(_key("login-alert", login.strip().lower(), window_start), 1, timeout=window)
