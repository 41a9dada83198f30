"""The waiting lists, one for the event's places and one per session, and `fill`, which gives free places out.

The event's list holds its waitlisted registrations, in the order of `waitlisted_at`; a
session's list holds the waiting choices (SessionChoice) of confirmed registrations, in
the order of `waiting_since`. A registration waitlisted for the event waits for the event
first: its sessions' lists take it once it holds an event place.

Whatever can free or add a place (a cancellation, a rejection, a deletion, a change that
drops a session, an approval, a raised capacity, a session deleted or hidden) ends by
calling `fill` under the event's lock, in its transaction: so no place is ever free while
someone waits for it, and a newcomer, who queues behind everyone, never gets a place
someone earlier was waiting for.
"""

from collections import Counter

from django.utils import timezone

from registrations.models import OutboxEmail, Registration, SessionChoice

from . import capacity, emails


def fill(settings, *, now=None, told=()):
    """Give every free place to the head of its list, the event's first; return the registrations promoted.

    `settings` are the event's, locked (capacity.lock_event). Each promoted registration
    gets one "promoted" email, with its .ics, unless its pk is in `told`: a registration
    whose own change called this, and whose own email states the outcome.
    """
    now = now or timezone.now()
    promoted = {registration.pk: registration for registration in _promote_for_event(settings, now)}
    event_places = set(promoted)
    for registration in _promote_for_sessions(settings):
        promoted.setdefault(registration.pk, registration)
    for registration in promoted.values():
        if registration.pk not in told:
            emails.queue_registration_email(
                registration=registration,
                kind=OutboxEmail.Kind.PROMOTED,
                context={"session_place_only": registration.pk not in event_places},
            )
    return list(promoted.values())


def _promote_for_event(settings, now):
    """Confirm the heads of the event's waiting list for its free places; their sessions then queue."""
    left = settings.places_left
    if left is not None and left <= 0:
        return []
    heads = (
        Registration.objects.select_for_update()
        .filter(event=settings.event, status=Registration.Status.WAITLISTED)
        .order_by("waitlisted_at", "pk")
    )
    heads = list(heads[:left] if left is not None else heads)
    if not heads:
        return []
    Registration.objects.filter(pk__in=[registration.pk for registration in heads]).update(
        status=Registration.Status.CONFIRMED, updated=now
    )
    for registration in heads:
        registration.status = Registration.Status.CONFIRMED
        registration.event = settings.event
    capacity.take_event_places(settings, len(heads))
    return heads


def _promote_for_sessions(settings):
    """Give each session's free places to the heads of its list; return the registrations that got one."""
    waiting = SessionChoice.objects.filter(
        session__event=settings.event,
        status=SessionChoice.Status.WAITING,
        registration__status=Registration.Status.CONFIRMED,
    )
    session_ids = sorted(set(waiting.values_list("session_id", flat=True)))
    if not session_ids:
        return []
    left = capacity.session_places_left_locked(session_ids)
    chosen = []
    for session_id in session_ids:
        if left.get(session_id) == 0:
            continue
        queue = (
            waiting.filter(session_id=session_id)
            .order_by("waiting_since", "pk")
            .values_list("pk", "session_id", "registration_id")
        )
        chosen += queue[: left[session_id]] if session_id in left else queue
    if not chosen:
        return []
    SessionChoice.objects.filter(pk__in=[pk for pk, _session, _registration in chosen]).update(
        status=SessionChoice.Status.CONFIRMED
    )
    capacity.count_in_sessions(settings, Counter(session for _pk, session, _registration in chosen))
    registrations = Registration.objects.filter(pk__in={registration for _pk, _s, registration in chosen})
    return [_with_event(registration, settings.event) for registration in registrations.order_by("pk")]


def _with_event(registration, event):
    registration.event = event
    return registration
