"""Checking people in at the door: the writes and the reads of the check-in page.

The code a registrant shows at the door, and its QR image, are registrations.door_code's.
"""

import logging
from typing import NamedTuple

from django.db import transaction
from django.db.models import Count, Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from registrations.models import Registration

logger = logging.getLogger(__name__)

# Shown on the check-in page: confirmed registrations can be checked in, waitlisted
# ones are listed (greyed) so staff can tell someone at the door where they stand.
LISTED_STATUSES = (Registration.Status.CONFIRMED, Registration.Status.WAITLISTED)


class CheckInRefused(Exception):
    """The registration can't be checked in; the message says why and may be shown to staff."""


class CodeLookup(NamedTuple):
    """The outcome of looking a typed or scanned code up for one event."""

    registration: Registration | None
    error: str


@transaction.atomic
def check_in(*, registration, by):
    """Mark `registration` present now, unless it already is; return the registration.

    Only a confirmed registration can be checked in; any other raises CheckInRefused
    and changes nothing. Checking in twice keeps the first time. `by` is the staff
    user at the door; it is logged, not stored.

    Side effects: sets attended_at on the registration's row (locked meanwhile).
    """
    locked = Registration.objects.select_for_update().get(pk=registration.pk)
    if locked.status != Registration.Status.CONFIRMED:
        raise CheckInRefused(
            _("%(name)s can't be checked in: the registration is %(status)s, not confirmed.")
            % {"name": locked.name, "status": locked.get_status_display().lower()}
        )
    if locked.attended_at is None:
        locked.attended_at = timezone.now()
        locked.save(update_fields=["attended_at", "updated"])
        logger.info("Registration %s checked in by user %s", locked.pk, getattr(by, "pk", None))
    registration.attended_at = locked.attended_at
    return registration


@transaction.atomic
def undo_check_in(*, registration):
    """Mark `registration` as not present (yet); return the registration.

    Side effects: clears attended_at on the registration's row.
    """
    Registration.objects.filter(pk=registration.pk).update(attended_at=None, updated=timezone.now())
    registration.attended_at = None
    return registration


def checkin_search(event, query):
    """Return `event`'s confirmed and waitlisted registrations matching `query`, by name.

    `query` matches any part of the name, organisation or email, ignoring case; an
    empty query matches everyone listed.
    """
    registrations = Registration.objects.filter(event=event, status__in=LISTED_STATUSES)
    query = query.strip()
    if query:
        registrations = registrations.filter(
            Q(name__icontains=query) | Q(organisation__icontains=query) | Q(email__icontains=query)
        )
    return registrations.only(
        "pk", "event_id", "name", "email", "organisation", "status", "attended_at"
    ).order_by(Lower("name"), "pk")


def checkin_counts(event):
    """Return {"checked_in": n, "confirmed": m} for `event`'s confirmed registrations, in one query."""
    confirmed = Q(status=Registration.Status.CONFIRMED)
    return Registration.objects.filter(event=event).aggregate(
        confirmed=Count("pk", filter=confirmed),
        checked_in=Count("pk", filter=confirmed & Q(attended_at__isnull=False)),
    )


def registration_for_code(event, code):
    """Look up the registration whose manage token is `code`, for `event`.

    Returns a CodeLookup: the registration, or None and a message for staff when no
    registration has that code or it belongs to another event.
    """
    code = code.strip()
    registration = Registration.objects.filter(manage_token=code).first() if code else None
    if registration is None:
        return CodeLookup(None, _("Code not found. Check it, or search by name."))
    if registration.event_id != event.pk:
        return CodeLookup(None, _("This code is not for this event."))
    return CodeLookup(registration, "")
