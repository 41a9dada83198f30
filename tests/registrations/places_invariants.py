"""The rules places and waiting lists keep, checked over the rows (state-machine and concurrency tests).

A place is held by a confirmed registration or one a place is offered to; the same for
session choices (SessionChoice.HOLDING), of confirmed registrations only.
"""

from events.models import Session
from registrations.models import Registration, RegistrationSettings, SessionChoice, SessionPlaces

CONFIRMED = Registration.Status.CONFIRMED
HOLDING = Registration.HOLDING_STATUSES
IN_LINE = (CONFIRMED, Registration.Status.WAITLISTED, Registration.Status.OFFERED)


def queues(event, *, served_only=True):
    """{queue: [(join key, member pk), ...]} of everyone waiting now, in order.

    "event": waitlisted registrations by (waitlisted_at, pk); ("session", pk): waiting choices
    by (waiting_since, pk), as registration pks: of confirmed registrations, the ones a free
    place goes to, or with `served_only` false also of registrations waiting for (or offered)
    the event's place (in line for the session, but not served before they hold one).
    """
    waitlisted = Registration.objects.filter(event=event, status=Registration.Status.WAITLISTED)
    found = {"event": sorted(((at, pk), pk) for pk, at in waitlisted.values_list("pk", "waitlisted_at"))}
    statuses = [CONFIRMED] if served_only else IN_LINE
    waiting = SessionChoice.objects.filter(
        session__event=event, status=SessionChoice.Status.WAITING, registration__status__in=statuses
    ).values_list("session_id", "waiting_since", "pk", "registration_id")
    for session_id, since, pk, registration_id in sorted(waiting):
        found.setdefault(("session", session_id), []).append(((since, pk), registration_id))
    return found


def holders(event):
    """{queue: set of registration pks holding a place}: "event" and ("session", pk)."""
    holding = Registration.objects.filter(event=event, status__in=HOLDING)
    held = {"event": set(holding.values_list("pk", flat=True))}
    choices = SessionChoice.objects.filter(
        session__event=event, status__in=SessionChoice.HOLDING, registration__status=CONFIRMED
    )
    for session_id, registration_id in choices.values_list("session_id", "registration_id"):
        held.setdefault(("session", session_id), set()).add(registration_id)
    return held


def check(event):
    """Assert: counts match the rows; nobody holds more than capacity; no free place while someone waits."""
    settings = RegistrationSettings.objects.filter(event=event).first()
    taken = Registration.objects.filter(event=event, status__in=HOLDING).count()
    waitlisted = Registration.objects.filter(event=event, status=Registration.Status.WAITLISTED).exists()
    capacity = settings.capacity if settings else None
    assert (settings.confirmed_count if settings else 0) == taken
    if capacity is not None:
        assert taken <= capacity, "more places held than the event's capacity"
    if waitlisted:
        assert capacity is not None, "someone waits for an event without a limit"
        assert taken >= capacity, "a free event place while someone waits"
    # Only a confirmed registration holds session places.
    assert (
        not SessionChoice.objects.filter(session__event=event, status__in=SessionChoice.HOLDING)
        .exclude(registration__status=CONFIRMED)
        .exists()
    )
    held = holders(event)
    waiting = queues(event)
    places = {row.session_id: row for row in SessionPlaces.objects.filter(session__event=event)}
    for session in Session.objects.filter(event=event):
        row = places.get(session.pk)
        in_use = len(held.get(("session", session.pk), ()))
        assert (row.confirmed_count if row else 0) == in_use, f"kept count of {session.pk} is off"
        limit = row.capacity if row else None
        if limit is not None:
            assert in_use <= limit, f"session {session.pk} holds more than its capacity"
        if waiting.get(("session", session.pk)):
            assert limit is not None, f"someone waits for session {session.pk}, which has no limit"
            assert in_use >= limit, f"a free place in session {session.pk} while someone waits"


def check_fair(before_waiting, before_held, event):
    """Assert nobody got a place in a queue while someone who joined that queue earlier still waits.

    `before_waiting` and `before_held` are queues(served_only=False) and holders() taken before the step.
    """
    after_waiting = queues(event)
    after_held = holders(event)
    for queue, members in after_held.items():
        newly = members - before_held.get(queue, set())
        if not newly:
            continue
        still_waiting = {pk for _key, pk in after_waiting.get(queue, [])}
        earlier = before_waiting.get(queue, [])
        for pk in newly:
            keys = [key for key, member in earlier if member == pk]
            # A newcomer (not in the queue before) queues behind everyone who was.
            limit = keys[0] if keys else None
            jumped = [m for key, m in earlier if m in still_waiting and (limit is None or key < limit)]
            assert not jumped, f"{pk} got a place in {queue} ahead of {jumped}, who waited before"
