"""Reads on registrations that depend on the viewer or the moment. None of them writes or locks."""

from typing import NamedTuple

from allauth.account.models import EmailAddress
from django.db.models import Prefetch, Q
from django.db.models.functions import Lower
from django.utils import timezone

from events.models import Membership, Session
from registrations.models import Invitation, Registration, RegistrationSettings, SessionChoice

from . import capacity


def registration_settings_for(event):
    """Return `event`'s RegistrationSettings, or unsaved defaults when staff have set none.

    The defaults are what services.register creates on first use: open mode, open
    now, no capacity, every optional field optional.
    """
    settings = RegistrationSettings.objects.filter(event=event).first()
    if settings is None:
        return RegistrationSettings(event=event)
    settings.event = event
    return settings


def sessions_to_choose(event, user):
    """Return the sessions of `event` that `user` may sign up for.

    Only sessions `user` may see in full (guests: public ones; affiliates and staff:
    restricted ones too), and never breaks or meals. Each comes with its places row
    (capacity.session_places_left reads it without a query).
    """
    return (
        Session.objects.visible_to(user, in_full=True)
        .attendable()
        .filter(event=event)
        .select_related("places")
        .order_by("start", "end", "pk")
    )


def chosen_sessions(registration):
    """{session pk: SessionChoice status} for the sessions a confirmed `registration` chose (prefetched).

    Empty for any other registration: one that holds no place for the event waits in none of its
    sessions' lists either (its choices all say "waiting" until it is confirmed).
    """
    if registration.pk is None or registration.status != Registration.Status.CONFIRMED:
        return {}
    return {choice.session_id: choice.status for choice in registration.choices.all()}


class Outcome(NamedTuple):
    """A registration's status and, when confirmed, the pks of the chosen sessions it waits for."""

    status: str
    waiting: frozenset = frozenset()


def outcome_for_new_registration(event, sessions, *, registration_settings=None):
    """Return the Outcome a new registration for `event` with `sessions` would get right now.

    Approval mode: pending. A place left for the event: confirmed, waiting for the chosen
    sessions that are full. Else waitlisted. Shown on the "check your email" page when the
    address is already registered: the page must look exactly as it would for a new
    registration. `sessions` are Session rows read in this request with their places
    (sessions_to_choose). It mirrors services.register but reads without locking and
    writes nothing, so it can be off by a place under a race; the email tells the truth.
    """
    settings = registration_settings or registration_settings_for(event)
    if settings.mode == RegistrationSettings.Mode.APPROVAL:
        return Outcome(Registration.Status.PENDING)
    places_left = settings.places_left
    if places_left is not None and places_left <= 0:
        return Outcome(Registration.Status.WAITLISTED)
    full = frozenset(session.pk for session in sessions if capacity.session_places_left(session) == 0)
    return Outcome(Registration.Status.CONFIRMED, waiting=full)


def outcome_of(registration):
    """The Outcome `registration` has now: its status and the sessions it waits for while confirmed."""
    waiting = frozenset()
    if registration.status == Registration.Status.CONFIRMED:
        waiting_choices = registration.choices.filter(status=SessionChoice.Status.WAITING)
        waiting = frozenset(waiting_choices.values_list("session_id", flat=True))
    return Outcome(registration.status, waiting)


def organisation_name_of(user):
    """Return the name of the first organisation `user` is a member of, or ""."""
    membership = (
        Membership.objects.filter(user=user, organisation__is_active=True)
        .select_related("organisation")
        .order_by("organisation__name")
        .first()
    )
    return membership.organisation.name if membership else ""


def registration_for_token(token):
    """Return the registration whose manage token is `token`, with its event and sessions; or None.

    The token is long and random, so a lookup on the unique column is the comparison.
    """
    in_order = ("session__start", "session__end", "session__pk")
    return (
        Registration.objects.select_related("event", "event__venue", "user")
        .prefetch_related(
            Prefetch("sessions", queryset=Session.objects.order_by("start", "end", "pk")),
            Prefetch("choices", queryset=SessionChoice.objects.select_related("session").order_by(*in_order)),
        )
        .filter(manage_token=token)
        .first()
    )


def choices_with_positions(registration):
    """`registration`'s session choices (prefetched), each waiting one of a confirmed registration with
    its `position` on the session's waiting list (1 is next)."""
    choices = list(registration.choices.all())
    if registration.status == Registration.Status.CONFIRMED:
        for choice in choices:
            if choice.status == SessionChoice.Status.WAITING:
                choice.position = waiting_position(choice)
    return choices


def offer_deadline(registration, now=None):
    """When the first place offered to `registration` (choices prefetched) lapses, or None."""
    now = now or timezone.now()
    moments = [registration.offered_until] if registration.status == Registration.Status.OFFERED else []
    if registration.status == Registration.Status.CONFIRMED:
        offered = [c for c in registration.choices.all() if c.status == SessionChoice.Status.OFFERED]
        moments += [choice.offered_until for choice in offered]
    moments = [moment for moment in moments if moment is not None and moment > now]
    return min(moments, default=None)


def waiting_position(choice):
    """The 1-based place of a confirmed registration's waiting `choice` on its session's waiting list."""
    ahead = SessionChoice.objects.filter(
        session_id=choice.session_id,
        status=SessionChoice.Status.WAITING,
        registration__status=Registration.Status.CONFIRMED,
    ).filter(
        Q(waiting_since__lt=choice.waiting_since) | Q(waiting_since=choice.waiting_since, pk__lt=choice.pk)
    )
    return ahead.count() + 1


def event_waiting_position(registration):
    """The 1-based place of a waitlisted `registration` on its event's waiting list."""
    ahead = Registration.objects.filter(
        event_id=registration.event_id, status=Registration.Status.WAITLISTED
    ).filter(
        Q(waitlisted_at__lt=registration.waitlisted_at)
        | Q(waitlisted_at=registration.waitlisted_at, pk__lt=registration.pk)
    )
    return ahead.count() + 1


def verified_addresses(user):
    """`user`'s verified email addresses, lower-cased, as rows of {"address": ...} (a subquery or a list)."""
    return (
        EmailAddress.objects.filter(user=user, verified=True)
        .annotate(address=Lower("email"))
        .values("address")
    )


# Keep in sync: registrations_of and active_registration_rows_of find the same registrations.
def registrations_of(user):
    """Return `user`'s registrations, newest event first: by account, or to a verified address of theirs."""
    return (
        Registration.objects.annotate(address=Lower("email"))
        .filter(Q(user=user) | Q(address__in=verified_addresses(user)))
        .select_related("event")
        .order_by("-event__start", "-created")
    )


def active_registration_rows_of(user, *fields):
    """Return `fields` (as for values_list) of `user`'s active registrations, as registrations_of finds them.

    One query, each half by an index (the user's; the active registrations' lower-cased
    address), where the "or" of registrations_of reads the whole table: for what is asked
    often and must be cheap (a personal feed's ETag, registrations.signup.feeds).
    """
    active = Registration.objects.filter(status__in=Registration.ACTIVE_STATUSES).order_by()
    by_account = active.filter(user=user).values_list(*fields)
    by_address = (
        active.annotate(address=Lower("email"))
        .filter(address__in=verified_addresses(user))
        .values_list(*fields)
    )
    return by_account.union(by_address)


def invitation_for(event, token):
    """Return the Invitation of `event` with `token`, or None; another event's token finds none."""
    if not token:
        return None
    return Invitation.objects.filter(event=event, token=token).select_related("registration").first()
