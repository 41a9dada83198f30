"""Places: the one owner of capacity, for events and their sessions.

Every change of places goes through here, and takes one lock first: the event's
RegistrationSettings row (lock_event). Holding it serialises every change of places for
one event, which is what makes the counts hold under concurrency; the SessionPlaces and
Registration rows locked after it are then only ever locked by its one holder. The
counts (RegistrationSettings and SessionPlaces.confirmed_count) are kept here, so pages
never count over registrations; a change of places makes the cached pages showing them
stale (events.page_cache.places_changed).

Who gets a place that is free is decided by registrations.signup.waiting_list.
"""

from collections import Counter

from django.db import connection
from django.db.models import F

from events import page_cache
from registrations.models import RegistrationSettings, SessionChoice, SessionPlaces


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


def event_has_room(settings):
    """Whether the event (its locked `settings`) has a place left."""
    left = settings.places_left
    return left is None or left > 0


def session_places_left_locked(session_ids):
    """Return {session pk: places left} for the sessions among `session_ids` that have a capacity.

    Locks their places rows; a session missing from the result has no limit. Reads the
    counts kept here, not the registrations.
    """
    rows = (
        SessionPlaces.objects.select_for_update()
        .filter(session__in=sorted(set(session_ids)), capacity__isnull=False)
        .order_by("session_id")
        .values_list("session_id", "capacity", "confirmed_count")
    )
    return {pk: max(limit - confirmed, 0) for pk, limit, confirmed in rows}


def take_event_places(settings, count=1):
    """Count `count` more confirmed registrations for the event; under the event's lock."""
    _add_to_event(settings, count)


def free_event_place(settings):
    """Count one confirmed registration fewer for the event; under the event's lock."""
    _add_to_event(settings, -1)


def _add_to_event(settings, change):
    if not change:
        return
    RegistrationSettings.objects.filter(pk=settings.pk).update(confirmed_count=F("confirmed_count") + change)
    settings.confirmed_count += change
    page_cache.places_changed(settings.event)


def count_in_sessions(settings, changes):
    """Add each of `changes` ({session pk: +n or -n}) to that session's confirmed count.

    Called whenever session choices start or stop holding a place; the caller holds the
    event's lock. Adding first creates the places rows that are missing (one insert that
    skips existing rows).
    """
    changes = {pk: change for pk, change in Counter(changes).items() if change}
    if not changes:
        return
    _add_to_sessions({pk: change for pk, change in changes.items() if change > 0})
    taken_back = {pk: change for pk, change in changes.items() if change < 0}
    for change in sorted(set(taken_back.values())):
        ids = sorted(pk for pk, value in taken_back.items() if value == change)
        SessionPlaces.objects.filter(session__in=ids).update(confirmed_count=F("confirmed_count") + change)
    page_cache.places_changed(settings.event)


def _add_to_sessions(added):
    """Add each of `added` ({session pk: n > 0}) to its session's count, creating missing rows.

    One upsert, whatever the number of sessions: every registration with sessions pays it.
    PostgreSQL and SQLite both know ON CONFLICT ... DO UPDATE; Django's bulk_create can only
    overwrite a column with the new value, not add to it.
    """
    if not added:
        return
    quote = connection.ops.quote_name
    table, count = quote(SessionPlaces._meta.db_table), quote("confirmed_count")
    rows = sorted(added.items())
    values = ", ".join(["(%s, %s)"] * len(rows))
    # Only quoted identifiers and placeholders are formatted in; the values are parameters.
    sql = (
        f"INSERT INTO {table} ({quote('session_id')}, {count}) VALUES {values} "  # noqa: S608
        f"ON CONFLICT ({quote('session_id')}) DO UPDATE SET {count} = {table}.{count} + excluded.{count}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [value for row in rows for value in row])


def release_choices(settings, registration):
    """Free the session places `registration` holds: its choices all wait again; under the event's lock.

    For a registration that stops holding a place for the event (cancelled, rejected,
    deleted). Returns the pks of the sessions freed.
    """
    held = SessionChoice.objects.filter(registration=registration, status__in=SessionChoice.HOLDING)
    freed = list(held.values_list("session_id", flat=True))
    if freed:
        held.update(status=SessionChoice.Status.WAITING, offered_until=None)
        count_in_sessions(settings, dict.fromkeys(freed, -1))
    return freed


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
