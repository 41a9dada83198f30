"""What staff do to places: set an event's or a session's capacity, and give places from the waiting lists.

Each takes the event's lock (capacity.lock_event) and ends with waiting_list.fill, like
every change of places. A capacity is never set below the places already held: staff
cancel registrations for that, and their owners are told.
"""

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from registrations.models import OutboxEmail, Registration, SessionChoice, SessionPlaces

from . import capacity, emails, waiting_list


class CapacityError(Exception):
    """The change was refused and nothing was stored; the message says why, for staff."""


def check_capacity(new, held):
    """Raise CapacityError when a capacity of `new` is below the `held` places."""
    if new is not None and new < held:
        raise CapacityError(
            ngettext(
                "%(count)d person holds a place: the capacity cannot be lower than %(count)d.",
                "%(count)d people hold places: the capacity cannot be lower than %(count)d.",
                held,
            )
            % {"count": held}
        )


@transaction.atomic
def set_event_capacity(*, event, capacity_value, now=None):
    """Set `event`'s capacity (None: no limit) and give any new places to its waiting list.

    Returns the registrations promoted. Raises CapacityError, changing nothing, below
    the places already held.
    """
    settings = capacity.lock_event(event)
    check_capacity(capacity_value, settings.confirmed_count)
    settings.capacity = capacity_value
    settings.save(update_fields=["capacity"])
    return waiting_list.fill(settings, now=now)


@transaction.atomic
def set_session_capacity(*, session, capacity_value, now=None):
    """Set `session`'s capacity (None: no limit) and give any new places to its waiting list.

    Returns the registrations promoted. Raises CapacityError, changing nothing, below
    the places already held.
    """
    settings = capacity.lock_event(session.event)
    places, _created = SessionPlaces.objects.select_for_update().get_or_create(session=session)
    check_capacity(capacity_value, places.confirmed_count)
    places.capacity = capacity_value
    places.save(update_fields=["capacity"])
    return waiting_list.fill(settings, now=now)


@transaction.atomic
def refill(*, event, now=None):
    """Give whatever places are free to the waiting lists of `event`; return the registrations promoted.

    For changes made around the services (a session deleted or hidden, a capacity saved
    elsewhere): under the lock, the lists are filled as after any change of places.
    """
    return waiting_list.fill(capacity.lock_event(event), now=now)


@transaction.atomic
def give_next_place(*, event, session=None, now=None):
    """Add one place to `event` (or to `session`) and give it to the head of its waiting list.

    For staff who find one more seat. Returns the registration promoted; raises
    CapacityError when no one waits or the capacity has no limit.
    """
    settings = capacity.lock_event(event)
    if session is None:
        _one_more_place_for_event(settings)
    else:
        _one_more_place_in_session(session)
    return waiting_list.fill(settings, now=now)


def _one_more_place_for_event(settings):
    waiting = Registration.objects.filter(event=settings.event, status=Registration.Status.WAITLISTED)
    if settings.capacity is None or not waiting.exists():
        raise CapacityError(_("No one is on the event's waiting list."))
    settings.capacity += 1
    settings.save(update_fields=["capacity"])


def _one_more_place_in_session(session):
    places = SessionPlaces.objects.select_for_update().filter(session=session, capacity__isnull=False).first()
    waiting = SessionChoice.objects.filter(
        session=session,
        status=SessionChoice.Status.WAITING,
        registration__status=Registration.Status.CONFIRMED,
    )
    if places is None or not waiting.exists():
        raise CapacityError(_("No one is on this session's waiting list."))
    places.capacity += 1
    places.save(update_fields=["capacity"])


@transaction.atomic
def give_place_to(*, registration, now=None):
    """Give `registration` a place out of turn: one more place for the event and each session it waits for.

    For staff, who say why (the admin keeps the reason in the registration's history).
    Queues its "promoted" email; returns the registration, promoted. Raises
    CapacityError when it waits for nothing.
    """
    now = now or timezone.now()
    settings = capacity.lock_event(registration.event)
    registration = Registration.objects.select_for_update().select_related("event").get(pk=registration.pk)
    waits_for_event = registration.status == Registration.Status.WAITLISTED
    sessions = []
    if waits_for_event or registration.status == Registration.Status.CONFIRMED:
        waiting = registration.choices.filter(status=SessionChoice.Status.WAITING)
        sessions = sorted(waiting.values_list("session_id", flat=True))
    if not waits_for_event and not sessions:
        raise CapacityError(_("This registration is not waiting for a place."))
    if waits_for_event:
        if settings.capacity is not None:
            settings.capacity += 1
            settings.save(update_fields=["capacity"])
        registration.status = Registration.Status.CONFIRMED
        registration.save(update_fields=["status", "updated"])
        capacity.take_event_places(settings)
    _add_places_and_hold(settings, registration, sessions)
    emails.queue_registration_email(
        registration=registration,
        kind=OutboxEmail.Kind.PROMOTED,
        context={"session_place_only": not waits_for_event},
    )
    waiting_list.fill(settings, now=now, told={registration.pk})
    return registration


def _add_places_and_hold(settings, registration, session_ids):
    """One more place in each of `session_ids` that has a limit, held by `registration`'s choice."""
    if not session_ids:
        return
    limited = SessionPlaces.objects.filter(session__in=session_ids, capacity__isnull=False)
    limited.update(capacity=F("capacity") + 1)
    registration.choices.filter(session__in=session_ids).update(status=SessionChoice.Status.CONFIRMED)
    capacity.count_in_sessions(settings, dict.fromkeys(session_ids, 1))
