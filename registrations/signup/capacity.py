"""Places: the one owner of capacity, for events and their sessions.

Every change of places goes through here, under one lock order: the event's
RegistrationSettings row first, then Session rows (by primary key), then Registration
rows. Holding the settings row serialises every change of places for one event, which
is what makes the counts hold under concurrency. The counts (the event's and each
session's confirmed_count) are kept here, so pages never count over registrations.
"""

from django.db.models import F

from events.models import Session
from registrations.models import Registration, RegistrationSettings


def places_left(capacity, confirmed):
    """Places still free of `capacity` with `confirmed` taken; None when there is no limit (capacity None)."""
    if capacity is None:
        return None
    return max(capacity - confirmed, 0)


def lock_event(event):
    """Return the event's RegistrationSettings, created with defaults if missing, locked for update.

    The first lock every change of places takes. Only the settings row is locked, not the
    event's: pages and staff read events freely.
    """
    locked = RegistrationSettings.objects.select_for_update()
    try:
        settings = locked.get(event=event)
    except RegistrationSettings.DoesNotExist:
        RegistrationSettings.objects.get_or_create(event=event)
        settings = locked.get(event=event)
    settings.event = event
    return settings


def sessions_have_room(sessions):
    """Return whether every session with a capacity has a place left; locks those Session rows.

    Reads the counts that count_in_sessions maintains, not the registrations.
    """
    ids = [session.pk for session in sessions]
    limited = (
        Session.objects.select_for_update()
        .filter(pk__in=ids, capacity__isnull=False)
        .order_by("pk")
        .values_list("capacity", "confirmed_count")
    )
    return all(confirmed < capacity for capacity, confirmed in limited)


def has_room(settings, sessions):
    """Return whether the event (its locked `settings`) and each of `sessions` have a place left."""
    left = settings.places_left
    if left is not None and left <= 0:
        return False
    return sessions_have_room(sessions)


def take(settings, sessions=()):
    """Count one more confirmed registration for the event and each of `sessions`; under the event's lock."""
    RegistrationSettings.objects.filter(pk=settings.pk).update(confirmed_count=F("confirmed_count") + 1)
    settings.confirmed_count += 1
    count_in_sessions(sessions, +1)


def free(settings, session_ids=()):
    """Count one confirmed registration fewer for the event and each session; the caller holds the lock."""
    RegistrationSettings.objects.filter(pk=settings.pk).update(confirmed_count=F("confirmed_count") - 1)
    settings.confirmed_count -= 1
    count_in_sessions(session_ids, -1)


def count_in_sessions(sessions, change):
    """Add `change` (+1 or -1) to the confirmed_count of each of `sessions` (rows or pks), in one query.

    Called whenever a registration becomes confirmed or stops being confirmed, or a
    confirmed registration's sessions change; the caller holds the event's lock.
    """
    ids = sorted({getattr(session, "pk", session) for session in sessions})
    if ids:
        Session.objects.filter(pk__in=ids).update(confirmed_count=F("confirmed_count") + change)


def confirmed_session_ids(registration):
    """The pks of `registration`'s sessions if it is confirmed, else []; read without locking it.

    Under the event's lock a registration's status and sessions hold still, so the counts
    can be changed before its row is locked, in the lock order above.
    """
    return list(
        Session.objects.filter(
            registrations=registration.pk, registrations__status=Registration.Status.CONFIRMED
        ).values_list("pk", flat=True)
    )
