"""Places: the one owner of capacity, for events and their sessions.

Every change of places goes through here, under one lock order: the event's
RegistrationSettings row first, then SessionPlaces rows (by session), then Registration
rows. Holding the settings row serialises every change of places for one event, which
is what makes the counts hold under concurrency. The counts (RegistrationSettings and
SessionPlaces.confirmed_count) are kept here, so pages never count over registrations; a change
of places makes the cached pages showing them stale (events.page_cache.places_changed).
"""

from django.db.models import F

from events import page_cache
from events.models import Session
from registrations.models import Registration, RegistrationSettings, SessionPlaces


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
    """Return whether every one of `sessions` with a capacity has a place left; locks their places rows.

    Reads the counts that count_in_sessions maintains, not the registrations.
    """
    limited = (
        SessionPlaces.objects.select_for_update()
        .filter(session__in=[session.pk for session in sessions], capacity__isnull=False)
        .order_by("session_id")
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
    page_cache.places_changed(settings.event)


def free(settings, session_ids=()):
    """Count one confirmed registration fewer for the event and each session; the caller holds the lock."""
    RegistrationSettings.objects.filter(pk=settings.pk).update(confirmed_count=F("confirmed_count") - 1)
    settings.confirmed_count -= 1
    count_in_sessions(session_ids, -1)
    page_cache.places_changed(settings.event)


def count_in_sessions(sessions, change):
    """Add `change` (+1 or -1) to the confirmed count of each of `sessions` (rows or pks).

    Called whenever a registration becomes confirmed or stops being confirmed, or a
    confirmed registration's sessions change; the caller holds the event's lock. Adding
    first creates the places rows that are missing (one insert that skips existing rows).
    """
    ids = sorted({getattr(session, "pk", session) for session in sessions})
    if not ids:
        return
    if change > 0:
        SessionPlaces.objects.bulk_create([SessionPlaces(session_id=pk) for pk in ids], ignore_conflicts=True)
    SessionPlaces.objects.filter(session__in=ids).update(confirmed_count=F("confirmed_count") + change)


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


def _places_of(session):
    """The session's places row, or None; loaded with the session by select_related("places")."""
    try:
        return session.places
    except SessionPlaces.DoesNotExist:
        return None


def session_capacity(session):
    """The capacity of `session`, or None when it has no limit."""
    places = _places_of(session)
    return places.capacity if places is not None else None


def session_places_left(session):
    """Places still free in `session`, or None when it has no limit."""
    places = _places_of(session)
    return places.places_left if places is not None else None
