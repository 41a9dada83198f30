"""Reminder emails before an event starts, at the offsets staff set per event (Event.reminder_offsets)."""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from events.models import Event
from registrations.models import OutboxEmail, Registration
from registrations.signup.emails import queue_registration_email


def reminder_dedupe_key(*, registration, offset, start):
    """The outbox key of the reminder `offset` minutes before `start`: one email per key, ever.

    The start is part of it, so an event moved to another time reminds everyone again.
    """
    return f"reminder:{registration.pk}:{offset}:{start.isoformat()}"


def due_offset(event, now):
    """The reminder of `event` due at `now`: the smallest offset whose moment has come, or None.

    Due means ``start - offset <= now < start``. When several are due at once (the beat
    ran late), only the nearest counts: a larger one is superseded and never sent later,
    since from now on a smaller offset is always due too.
    """
    if not event.start > now:
        return None
    due = [
        offset for offset in event.reminder_offsets or [] if event.start - dt.timedelta(minutes=offset) <= now
    ]
    return min(due, default=None)


def queue_due_reminders(*, now=None):
    """Queue the reminder emails due at `now` (default: the current time); return how many.

    For each published event that has not started, the smallest due offset (see
    due_offset) is sent to each confirmed registration, unless the registration was
    made after that reminder's moment: its confirmation email is fresher than the reminder.
    Each reminder is written at most once per registration, offset and event start
    (OutboxEmail.dedupe_key), so running this late, twice, after a restart or in
    two workers at once sends nothing twice. Cancelled, waitlisted, pending and
    rejected registrations get none.

    Side effects: inserts one "reminder" OutboxEmail row per registration owed one,
    each in its own transaction; once it commits, queues registrations.send_email.
    Queries: three per run, plus the rendering and insert of each new row. The count
    returned is of rows this run tried to write: a concurrent run writing the same key
    first makes this one's attempt a no-op, yet both count it.
    """
    now = now or timezone.now()
    # Offsets are per event, in JSON: the few events not started yet are filtered here.
    events = Event.objects.published().filter(start__gt=now).only("pk", "start", "reminder_offsets")
    due = {event.pk: offset for event in events if (offset := due_offset(event, now)) is not None}
    if not due:
        return 0
    registrations = list(
        Registration.objects.filter(event_id__in=due, status=Registration.Status.CONFIRMED)
        .select_related("event", "user")
        .order_by("event_id", "pk")
    )
    owed = {}
    for registration in registrations:
        offset = due[registration.event_id]
        start = registration.event.start
        if registration.created > start - dt.timedelta(minutes=offset):
            continue
        owed[reminder_dedupe_key(registration=registration, offset=offset, start=start)] = registration
    # Skip the reminders already written without rendering them again: this runs every few minutes.
    written = set(OutboxEmail.objects.filter(dedupe_key__in=owed).values_list("dedupe_key", flat=True))
    queued = 0
    for key, registration in owed.items():
        if key in written:
            continue
        # Its own transaction: one registrant's failure leaves the others' reminders written.
        with transaction.atomic():
            queue_registration_email(
                registration=registration,
                kind=OutboxEmail.Kind.REMINDER,
                dedupe_key=key,
                context={"now": now},
            )
        queued += 1
    return queued
