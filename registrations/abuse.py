"""Defences of the registration form against bots and floods.

A signed time stamp refuses forms posted too soon after they were shown, and a
cache-based counter limits registration POSTs per client address and event.
"""

import hashlib

from django.conf import settings
from django.core import signing
from django.core.cache import cache

STAMP_SALT = "registrations.register-form-stamp"
UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class StampError(Exception):
    """The form's time stamp is missing, tampered with, or too recent."""


def min_fill_seconds():
    return getattr(settings, "REGISTRATION_MIN_FILL_SECONDS", 3)


def make_stamp(event):
    return signing.TimestampSigner(salt=STAMP_SALT).sign(str(event.pk))


def check_stamp(stamp, event):
    """Raise StampError unless `stamp` was made for `event` at least the minimum fill time ago."""
    minimum = min_fill_seconds()
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


def _key(ip, event):
    digest = hashlib.sha256(f"{ip}|{event.pk}|{event.slug}".encode()).hexdigest()
    return f"registrations:rate:{digest}"


def over_rate_limit(request, event):
    """Count this registration POST; True when its client has gone over the limit for the event."""
    rate = parse_rate(getattr(settings, "REGISTRATION_RATE_LIMIT", "10/h"))
    if rate is None:
        return False
    limit, window = rate
    key = _key(request.META.get("REMOTE_ADDR", ""), event)
    try:
        cache.add(key, 0, timeout=window)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=window)
            count = 1
    except Exception:  # a cache outage must not stop registration
        return False
    return count > limit
