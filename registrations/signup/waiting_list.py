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

import datetime as dt
from collections import Counter

from django.utils import timezone

from registrations.models import OutboxEmail, Registration, SessionChoice

from . import capacity, emails


def fill(settings, *, now=None, told=()):
    """Give every free place to the head of its list, the event's first; return the registrations served.

    `settings` are the event's, locked (capacity.lock_event). Without an offer time for the
    event, the place is theirs at once, with a "promoted" email and its .ics. With one
    (`offer_hours`), the place is held for them until they accept it (registrations.signup.offers),
    with an "offered" email; an offer not accepted in time passes to the next in line.
    Each registration served gets one email, unless its pk is in `told`: a registration
    whose own change called this, and whose own email states the outcome.
    """
    now = now or timezone.now()
    offered_until = now + dt.timedelta(hours=settings.offer_hours) if settings.offer_hours else None
    served = {registration.pk: registration for registration in _serve_event(settings, now, offered_until)}
    event_places = set(served)
    for registration in _serve_sessions(settings, offered_until):
        served.setdefault(registration.pk, registration)
    kind = OutboxEmail.Kind.OFFERED if offered_until else OutboxEmail.Kind.PROMOTED
    for registration in served.values():
        if registration.pk not in told:
            emails.queue_registration_email(
                registration=registration,
                kind=kind,
                context={
                    "session_place_only": registration.pk not in event_places,
                    "offered_until": offered_until,
                },
            )
    return list(served.values())


def _serve_event(settings, now, offered_until):
    """Confirm (or offer a place to) the heads of the event's waiting list, for its free places."""
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
    status = Registration.Status.OFFERED if offered_until else Registration.Status.CONFIRMED
    Registration.objects.filter(pk__in=[registration.pk for registration in heads]).update(
        status=status, offered_until=offered_until, updated=now
    )
    for registration in heads:
        registration.status = status
        registration.offered_until = offered_until
        registration.event = settings.event
    capacity.take_event_places(settings, len(heads))
    return heads


def _serve_sessions(settings, offered_until):
    """Give (or offer) each session's free places to the heads of its list; return who was served."""
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
    status = SessionChoice.Status.OFFERED if offered_until else SessionChoice.Status.CONFIRMED
    SessionChoice.objects.filter(pk__in=[pk for pk, _session, _registration in chosen]).update(
        status=status, offered_until=offered_until
    )
    capacity.count_in_sessions(settings, Counter(session for _pk, session, _registration in chosen))
    registrations = Registration.objects.filter(pk__in={registration for _pk, _s, registration in chosen})
    return [_with_event(registration, settings.event) for registration in registrations.order_by("pk")]


def _with_event(registration, event):
    registration.event = event
    return registration
