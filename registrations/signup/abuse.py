"""Defences of the registration form against bots and floods.

A signed time stamp refuses forms posted too soon after they were shown, and
cache-based counters limit registration POSTs per client address and event, and
requests for manage links per client address and per email address.
"""

import hashlib

from django.conf import settings
from django.core import signing
from django.core.cache import cache

STAMP_SALT = "registrations.register-form-stamp"
UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class StampError(Exception):
    """The form's time stamp is missing, tampered with, or too recent."""


def make_stamp(event):
    return signing.TimestampSigner(salt=STAMP_SALT).sign(str(event.pk))


def check_stamp(stamp, event):
    """Raise StampError unless `stamp` was made for `event` at least the minimum fill time ago."""
    minimum = settings.REGISTRATION_MIN_FILL_SECONDS
    if not stamp:
        if minimum <= 0:
            return
        raise StampError("missing")
    signer = signing.TimestampSigner(salt=STAMP_SALT)
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


def _key(scope, identifier):
    # Hashed, so no address or IP is kept in the cache's key space in clear.
    digest = hashlib.sha256(f"{scope}|{identifier}".encode()).hexdigest()
    return f"ratelimit:{scope}:{digest}"


def over_limit(scope, identifier, rate):
    """Count one attempt by `identifier` under `scope`; True once it goes over `rate`.

    A cache outage lets the attempt through (ewevents.cache counts it as a first attempt):
    these limits slow floods down, they must never stop a real person registering.
    """
    parsed = parse_rate(rate)
    if parsed is None:
        return False
    limit, window = parsed
    key = _key(scope, identifier)
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        count = 1
    return count > limit


def client_ip(request):
    return request.META.get("REMOTE_ADDR", "")


def over_rate_limit(request, event):
    """Count this registration POST; True when its client has gone over the limit for the event."""
    identifier = f"{client_ip(request)}|{event.pk}|{event.slug}"
    return over_limit("register", identifier, settings.REGISTRATION_RATE_LIMIT)


def over_link_request_limit(request, email):
    """Count a request to email manage links; limited per client and, against mail bombing, per address."""
    over_client = over_limit("manage-link-ip", client_ip(request), settings.MANAGE_LINK_RATE_LIMIT_PER_CLIENT)
    over_address = over_limit("manage-link-email", email.lower(), settings.MANAGE_LINK_RATE_LIMIT_PER_ADDRESS)
    return over_client or over_address
