"""Places offered from a waiting list: accepted by the registrant, or passed on when the time is up.

With an offer time set for the event (RegistrationSettings.offer_hours), waiting_list.fill
holds a freed place for the head of its list until `offered_until` instead of giving it
outright: a registration waiting for the event becomes "offered", a session choice of a
confirmed registration "offered". The person accepts on their manage page (accept); an
offer not accepted in time lapses (expire_offers, run every few minutes): the registration
is cancelled, or the session dropped from it, with an email, and the place goes to the next
in line, as pretix's waiting-list vouchers do.
"""

from collections import Counter

from django.db import transaction
from django.utils import timezone

from events.models import Event
from registrations.models import OutboxEmail, Registration, SessionChoice

from . import capacity, emails, waiting_list


class NothingToAccept(Exception):
    """No place is offered to this registration now (never, accepted already, or lapsed)."""


def offered_choices(registration, now):
    return registration.choices.filter(status=SessionChoice.Status.OFFERED, offered_until__gt=now)


@transaction.atomic
def accept(*, registration, now=None):
    """Accept every place offered to `registration` that has not lapsed; return it, confirmed.

    Side effects: the registration (if offered the event's place) and its offered session
    choices become confirmed; its sessions then queue for their places (waiting_list.fill);
    one "promoted" email with the .ics. Raises NothingToAccept, changing nothing.
    """
    settings = capacity.lock_event(registration.event)
    now = now or timezone.now()
    registration = Registration.objects.select_for_update().select_related("event").get(pk=registration.pk)
    offered_event = registration.status == Registration.Status.OFFERED and registration.offered_until > now
    sessions = (
        offered_choices(registration, now) if registration.status == Registration.Status.CONFIRMED else None
    )
    if not offered_event and not (sessions is not None and sessions.exists()):
        raise NothingToAccept(f"Registration {registration.pk} has no place offered now.")
    if offered_event:
        registration.status = Registration.Status.CONFIRMED
        registration.offered_until = None
        registration.save(update_fields=["status", "offered_until", "updated"])
    else:
        sessions.update(status=SessionChoice.Status.CONFIRMED, offered_until=None)
    waiting_list.fill(settings, now=now, told={registration.pk})
    emails.queue_registration_email(
        registration=registration,
        kind=OutboxEmail.Kind.PROMOTED,
        context={"session_place_only": not offered_event},
    )
    return registration


def events_with_lapsed_offers(now):
    """The pks of the events where an offer lapsed at or before `now`."""
    registrations = Registration.objects.filter(status=Registration.Status.OFFERED, offered_until__lte=now)
    choices = SessionChoice.objects.filter(status=SessionChoice.Status.OFFERED, offered_until__lte=now)
    return sorted(
        set(registrations.values_list("event_id", flat=True))
        | set(choices.values_list("session__event_id", flat=True))
    )


@transaction.atomic
def expire_offers_of(*, event, now=None):
    """Pass on the places offered for `event` that lapsed at or before `now`; return how many lapsed.

    Side effects: each lapsed registration is cancelled and each lapsed session choice
    dropped, freeing its place, with an "offer_expired" email; then the freed places go to
    the next in line (waiting_list.fill).
    """
    settings = capacity.lock_event(event)
    now = now or timezone.now()
    lapsed = list(
        Registration.objects.select_for_update().filter(
            event=event, status=Registration.Status.OFFERED, offered_until__lte=now
        )
    )
    for registration in lapsed:
        registration.event = event
        capacity.free_event_place(settings)
        registration.status = Registration.Status.CANCELLED
        registration.cancelled_at = now
        registration.offered_until = None
        registration.save(update_fields=["status", "cancelled_at", "offered_until", "updated"])
        emails.queue_registration_email(registration=registration, kind=OutboxEmail.Kind.OFFER_EXPIRED)
    choices = list(
        SessionChoice.objects.filter(
            session__event=event, status=SessionChoice.Status.OFFERED, offered_until__lte=now
        ).select_related("registration", "session")
    )
    SessionChoice.objects.filter(pk__in=[choice.pk for choice in choices]).delete()
    # Counted per session: two offers of one session can lapse together.
    freed = Counter()
    for choice in choices:
        freed[choice.session_id] -= 1
    capacity.count_in_sessions(settings, freed)
    for choice in choices:
        choice.registration.event = event
        emails.queue_registration_email(
            registration=choice.registration,
            kind=OutboxEmail.Kind.OFFER_EXPIRED,
            context={"lapsed_session": choice.session},
        )
    waiting_list.fill(settings, now=now)
    return len(lapsed) + len(choices)


def expire_offers(*, now=None):
    """Pass on every lapsed offer, event by event; return how many lapsed. For the periodic task."""
    now = now or timezone.now()
    return sum(
        expire_offers_of(event=event, now=now)
        for event in Event.objects.filter(pk__in=events_with_lapsed_offers(now))
    )
