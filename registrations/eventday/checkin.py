"""Checking people in at the door, once per day of the event: the writes and the reads of the check-in page.

A check-in is a CheckIn row for one registration and one day of its event, a date in
the event's zone, so a two-day conference counts each day. Registration.attended_at
keeps meaning "attended at least once" for the reports and follow-ups that read it: the
first check-in sets it, and undoing check-ins keeps it at the earliest one left.
The door code, its shape and its QR image are registrations.door_code's; the page
accepts only the door code, never the manage token.
"""

import datetime as dt
import logging
from typing import NamedTuple

from django.db import transaction
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from registrations import door_code
from registrations.models import CheckIn, Registration

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


class CheckInResult(NamedTuple):
    """What check_in did: `created` is False when the registration was already in for that day."""

    registration: Registration
    check_in: CheckIn
    created: bool


class DayCount(NamedTuple):
    """How many confirmed registrations are checked in on `day`, the `number`th day of the event."""

    day: dt.date
    number: int
    checked_in: int


class CheckInCounts(NamedTuple):
    confirmed: int
    days: list

    def checked_in_on(self, day):
        return next((count.checked_in for count in self.days if count.day == day), 0)


def event_days(event):
    """The dates `event` spans in its own zone, first to last; an end at midnight adds no day."""
    tz = event.tz
    first = event.start.astimezone(tz).date()
    last = max((event.end - dt.timedelta(microseconds=1)).astimezone(tz).date(), first)
    return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]


def today_at(event, now=None):
    """The date at `now` (default: now) in `event`'s zone."""
    return timezone.localtime(now or timezone.now(), event.tz).date()


def current_day(event, now=None):
    """The day check-ins are for unless staff choose one: today during the event, else its nearest day."""
    days = event_days(event)
    return min(max(today_at(event, now), days[0]), days[-1])


def chosen_day(event, value, now=None):
    """The day of `event` that `value` ("YYYY-MM-DD") names; current_day for ""; None when it names no day."""
    value = (value or "").strip()
    if not value:
        return current_day(event, now)
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        return None
    return day if day in event_days(event) else None


def day_label(day):
    """A day as the check-in page and its messages name it: "Thursday 7 November"."""
    # Translators: a date format (Django's "date" filter): weekday, day and month, as "Thursday 7 November".
    return date_format(day, pgettext("check-in day", "l j F"))


def _lock(registration):
    return Registration.objects.select_for_update().select_related("event").get(pk=registration.pk)


@transaction.atomic
def check_in(*, registration, by, day=None, now=None):
    """Check `registration` in on `day` of its event (default: current_day); return a CheckInResult.

    Only a confirmed registration, on a day of its event, can be checked in; otherwise
    CheckInRefused is raised and nothing changes. Checking in again on the same day
    changes nothing: the result holds the first check-in, with `created` False.
    `by` is the staff user at the door.

    Side effects: a CheckIn row; the first check-in ever also sets the registration's
    attended_at. The registration's row is locked meanwhile.
    """
    locked = _lock(registration)
    if locked.status != Registration.Status.CONFIRMED:
        raise CheckInRefused(
            _("%(name)s can't be checked in: the registration is %(status)s, not confirmed.")
            % {"name": locked.name, "status": locked.get_status_display().lower()}
        )
    day = day or current_day(locked.event, now)
    if day not in event_days(locked.event):
        raise CheckInRefused(_("%(day)s is not a day of this event.") % {"day": day_label(day)})
    existing = CheckIn.objects.filter(registration=locked, day=day).first()
    if existing is not None:
        return CheckInResult(registration, existing, created=False)
    now = now or timezone.now()
    record = CheckIn.objects.create(registration=locked, day=day, checked_in_at=now, checked_in_by=by)
    if locked.attended_at is None:
        locked.attended_at = now
        locked.save(update_fields=["attended_at", "updated"])
    logger.info("Registration %s checked in for %s by user %s", locked.pk, day, getattr(by, "pk", None))
    registration.attended_at = locked.attended_at
    return CheckInResult(registration, record, created=True)


@transaction.atomic
def undo_check_in(*, registration, day=None, now=None):
    """Remove `registration`'s check-in on `day` (default: current_day); return whether there was one.

    Side effects: deletes that CheckIn row and sets attended_at to the earliest check-in
    left, or clears it when none is left. The registration's row is locked meanwhile.
    """
    locked = _lock(registration)
    day = day or current_day(locked.event, now)
    deleted, _rows = CheckIn.objects.filter(registration=locked, day=day).delete()
    if deleted:
        first = locked.checkins.order_by("checked_in_at").values_list("checked_in_at", flat=True).first()
        locked.attended_at = first
        locked.save(update_fields=["attended_at", "updated"])
    registration.attended_at = locked.attended_at
    return bool(deleted)


def checkin_search(event, query, day=None):
    """Return `event`'s confirmed and waitlisted registrations matching `query`, by name.

    `query` matches any part of the name, organisation or email, ignoring case; an
    empty query matches everyone listed. Each has `checked_in_at`: when it was checked
    in on `day` (default: current_day), or None.
    """
    registrations = Registration.objects.filter(event=event, status__in=LISTED_STATUSES)
    query = query.strip()
    if query:
        registrations = registrations.filter(
            Q(name__icontains=query) | Q(organisation__icontains=query) | Q(email__icontains=query)
        )
    day = day or current_day(event)
    on_day = CheckIn.objects.filter(registration=OuterRef("pk"), day=day).values("checked_in_at")[:1]
    return (
        registrations.only("pk", "event_id", "name", "email", "organisation", "status")
        .annotate(checked_in_at=Subquery(on_day))
        .order_by(Lower("name"), "pk")
    )


def checkin_counts(event):
    """Return `event`'s CheckInCounts: confirmed registrations, and how many are in each day; one query."""
    days = event_days(event)
    confirmed = Q(status=Registration.Status.CONFIRMED)
    per_day = {
        f"day_{number}": Count("checkins", filter=confirmed & Q(checkins__day=day))
        for number, day in enumerate(days, start=1)
    }
    row = Registration.objects.filter(event=event).aggregate(
        confirmed=Count("pk", filter=confirmed, distinct=True), **per_day
    )
    return CheckInCounts(
        confirmed=row["confirmed"],
        days=[DayCount(day, number, row[f"day_{number}"]) for number, day in enumerate(days, start=1)],
    )


def registration_for_code(event, typed):
    """Look up the registration whose door code is `typed` (as typed or scanned), for `event`.

    Returns a CodeLookup: the registration, or None and a message for staff when no
    registration has that door code or it belongs to another event. Anything but a
    door code, a manage token included, is "not found", like any unknown code.
    """
    code = door_code.normalise(typed)
    registration = Registration.objects.filter(door_code=code).first() if code else None
    if registration is None:
        return CodeLookup(None, _("Code not found. Check it, or search by name."))
    if registration.event_id != event.pk:
        return CodeLookup(None, _("This code is not for this event."))
    return CodeLookup(registration, "")
