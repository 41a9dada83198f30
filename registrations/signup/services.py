"""Writes on registrations: registering, changing, cancelling, approving, rejecting and promoting.

Places are taken and freed through capacity (its docstring gives the lock order); every
email goes through the outbox (emails.queue_registration_email).
"""

import secrets

from django.conf import settings as django_settings
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone

from events import page_cache
from events import services as event_services
from registrations.models import (
    OPTIONAL_FIELDS,
    Invitation,
    OutboxEmail,
    Registration,
    RegistrationSettings,
    SessionPlaces,
)

from . import capacity, emails, selectors

# Answers copied from `data` onto a new registration, besides name and email.
_ANSWER_FIELDS = (*OPTIONAL_FIELDS, "language", "time_zone")


class RegistrationError(Exception):
    """Base class: the registration was refused and nothing was stored."""


class RegistrationClosed(RegistrationError):
    """Registration is not open yet, or no longer."""


class InvalidInvitationCode(RegistrationError):
    """The invitation code given is wrong, or in guest-list mode the personal invitation token.

    A token is wrong when no invitation of this event has it: absent, mistyped,
    deleted, or another event's.
    """


class AlreadyRegistered(RegistrationError):
    """The email already has an active registration for the event; it is in `registration`.

    Callers must not reveal this to the person registering: they send the manage
    link to that address and show the same page as for a new registration.
    """

    def __init__(self, registration):
        # No email address in the message: exceptions end up in logs.
        super().__init__(f"Registration {registration.pk} is active for event {registration.event_id}")
        self.registration = registration


class InvalidTransition(RegistrationError):
    """The registration's status does not allow this change."""


def _locked_registration(registration):
    return Registration.objects.select_for_update().select_related("event").get(pk=registration.pk)


@transaction.atomic
def resend_confirmation(*, registration):
    """Queue again the email that states `registration`'s current status; return the outbox row.

    The kind follows the status: confirmed → registered, waitlisted → waitlisted,
    pending → awaiting_approval, cancelled → cancelled, rejected → rejected.
    Side effects: queues one outbox email (see emails.queue_registration_email). No status or place changes.
    """
    kinds = {
        Registration.Status.CONFIRMED: OutboxEmail.Kind.REGISTERED,
        Registration.Status.WAITLISTED: OutboxEmail.Kind.WAITLISTED,
        Registration.Status.PENDING: OutboxEmail.Kind.AWAITING_APPROVAL,
        Registration.Status.CANCELLED: OutboxEmail.Kind.CANCELLED,
        Registration.Status.REJECTED: OutboxEmail.Kind.REJECTED,
    }
    # Read the status afresh: the caller's copy may predate a promotion or cancellation.
    registration = Registration.objects.select_related("event").get(pk=registration.pk)
    return emails.queue_registration_email(registration=registration, kind=kinds[registration.status])


@transaction.atomic
def register(*, event, data, user=None, now=None, registration_settings=None):
    """Register someone for `event` from cleaned form `data` and return the Registration.

    `data` holds name, email, sessions (a list of Session) and optional answers; in
    invitation mode also invitation_code. In guest-list mode it holds invitation_token,
    the token of one of the event's invitations: the registration takes that
    invitation's email, whatever `data["email"]` says.

    The status is pending in approval mode; otherwise confirmed while the event and
    every chosen session with a capacity have a place left, else waitlisted.

    Side effects: creates the event's RegistrationSettings if missing and locks it (and
    the chosen sessions that have a capacity); inserts the Registration and its session
    choices; when confirmed, increments RegistrationSettings.confirmed_count and each
    chosen session's confirmed_count; queues one outbox email: "registered",
    "waitlisted" or "awaiting_approval". In guest-list mode links the invitation to the
    new registration (replacing a cancelled or rejected one).

    `registration_settings`, an unlocked read of the event's settings the caller already
    holds, saves reading them again to predict the status (see below); the status itself
    is always decided under the lock.

    Raises RegistrationClosed, InvalidInvitationCode or AlreadyRegistered, having
    stored nothing.
    """
    now = now or timezone.now()
    sessions = list(data.get("sessions") or [])
    registration = _unsaved_registration(event, data, user, now)
    # Rendering the email is the costly part: it is done before the lock is taken, for the
    # status an unlocked read predicts, and again under the lock only if the status differs.
    predicted = selectors.status_for_new_registration(
        event, sessions, registration_settings=registration_settings
    )
    rendered = {predicted: _render_new_registration_email(registration, predicted, sessions)}

    settings = capacity.lock_event(event)
    _check_open_and_invited(settings, data, now)
    invitation = _guest_list_invitation(settings, data)
    if invitation is not None:
        registration.email = invitation.email
    _refuse_second_registration(event, registration.email)
    status = _status_for_new_registration(settings, sessions)
    _save_new_registration(registration, status, sessions, settings, now)
    if invitation is not None:
        # The invitation's earlier registration, if any, is inactive: AlreadyRegistered above.
        invitation.registration = registration
        invitation.save(update_fields=["registration"])
    if status not in rendered:
        rendered[status] = _render_new_registration_email(registration, status, sessions)
    emails.queue_registration_email(
        registration=registration, kind=_NEW_REGISTRATION_EMAILS[status], content=rendered[status]
    )
    return registration


def _unsaved_registration(event, data, user, now):
    answers = {field: data[field] for field in _ANSWER_FIELDS if data.get(field) is not None}
    return Registration(
        event=event,
        user=user,
        name=data["name"],
        email=data["email"].strip(),
        privacy_consent_at=now,
        privacy_notice_version=data.get("privacy_notice_version") or django_settings.PRIVACY_NOTICE_VERSION,
        **answers,
    )


def _check_open_and_invited(settings, data, now):
    """Raise RegistrationClosed or, in invitation mode, InvalidInvitationCode for a wrong code."""
    if not settings.is_open(now):
        raise RegistrationClosed(f"Registration for {settings.event} is not open.")
    if settings.mode == RegistrationSettings.Mode.INVITATION:
        given = str(data.get("invitation_code") or "")
        if not settings.invitation_code or not secrets.compare_digest(
            given.encode(), settings.invitation_code.encode()
        ):
            raise InvalidInvitationCode(f"Wrong invitation code for {settings.event}.")


def _guest_list_invitation(settings, data):
    """In guest-list mode, the invitation `data` has the token of (else InvalidInvitationCode); else None."""
    if settings.mode != RegistrationSettings.Mode.GUEST_LIST:
        return None
    token = str(data.get("invitation_token") or "")
    # Serialised by the settings lock, like every registration for the event.
    invitation = Invitation.objects.filter(event=settings.event, token=token).first() if token else None
    if invitation is None:
        raise InvalidInvitationCode(f"No invitation of {settings.event} has this token.")
    return invitation


def _refuse_second_registration(event, email):
    """Raise AlreadyRegistered when `email` already has an active registration for `event`."""
    # Matches the unique index on lower(email) for active registrations.
    existing = (
        Registration.objects.annotate(address=Lower("email"))
        .filter(event=event, address=email.lower(), status__in=Registration.ACTIVE_STATUSES)
        .first()
    )
    if existing is not None:
        existing.event = event
        raise AlreadyRegistered(existing)


def _status_for_new_registration(settings, sessions):
    """Pending in approval mode; else confirmed when the event and `sessions` have room, else waitlisted."""
    if settings.mode == RegistrationSettings.Mode.APPROVAL:
        return Registration.Status.PENDING
    if capacity.has_room(settings, sessions):
        return Registration.Status.CONFIRMED
    return Registration.Status.WAITLISTED


def _save_new_registration(registration, status, sessions, settings, now):
    """Insert `registration` with `status` and its sessions; a confirmed one takes its places."""
    registration.status = status
    registration.waitlisted_at = now if status == Registration.Status.WAITLISTED else None
    registration.save(force_insert=True)
    if sessions:
        registration.sessions.add(*sessions)
    if status == Registration.Status.CONFIRMED:
        capacity.take(settings, sessions)


# The email a new registration gets, by the status it gets.
_NEW_REGISTRATION_EMAILS = {
    Registration.Status.CONFIRMED: OutboxEmail.Kind.REGISTERED,
    Registration.Status.WAITLISTED: OutboxEmail.Kind.WAITLISTED,
    Registration.Status.PENDING: OutboxEmail.Kind.AWAITING_APPROVAL,
}


def _render_new_registration_email(registration, status, sessions):
    registration.status = status
    return emails.render_email(
        registration=registration, kind=_NEW_REGISTRATION_EMAILS[status], sessions=sessions
    )


@transaction.atomic
def cancel_registration(*, registration, now=None, notify=True):
    """Cancel `registration` and return it, updated.

    Side effects: sets status cancelled and cancelled_at; queues a "cancelled" email
    (unless `notify` is false: the registrant is deleting their data); if it was
    confirmed, decrements confirmed_count (the event's and its sessions') and promotes
    from the waiting list (see promote_from_waitlist). A registration already cancelled
    or rejected is returned unchanged, with no email.
    """
    now = now or timezone.now()
    settings = capacity.lock_event(registration.event)
    # Confirmed implies active: the cancellation below goes ahead.
    capacity.count_in_sessions(capacity.confirmed_session_ids(registration), -1)
    registration = _locked_registration(registration)
    if not registration.is_active:
        return registration
    was_confirmed = registration.status == Registration.Status.CONFIRMED
    registration.status = Registration.Status.CANCELLED
    registration.cancelled_at = now
    registration.save(update_fields=["status", "cancelled_at", "updated"])
    if notify:
        emails.queue_registration_email(registration=registration, kind=OutboxEmail.Kind.CANCELLED)
    if was_confirmed:
        capacity.free(settings)
        promote_from_waitlist(event=registration.event)
    return registration


@transaction.atomic
def approve_registration(*, registration, now=None):
    """Approve a pending registration and return it, updated.

    Side effects: with a place left (event and chosen sessions), sets status confirmed,
    increments confirmed_count (the event's and each chosen session's) and queues an
    "approved" email; when full, sets status waitlisted with waitlisted_at and queues a
    "waitlisted" email.
    Raises InvalidTransition unless the registration is pending.
    """
    now = now or timezone.now()
    settings = capacity.lock_event(registration.event)
    # Read before locking the row, so that sessions are locked first (see the lock order
    # above); under the settings lock its status and sessions hold still.
    current = Registration.objects.get(pk=registration.pk)
    if current.status != Registration.Status.PENDING:
        raise InvalidTransition(f"Only pending registrations can be approved, not {current.status}.")
    sessions = list(current.sessions.all())
    confirm = capacity.has_room(settings, sessions)
    if confirm:
        capacity.count_in_sessions(sessions, +1)
    registration = _locked_registration(registration)
    if confirm:
        registration.status = Registration.Status.CONFIRMED
        capacity.take(settings)
        kind = OutboxEmail.Kind.APPROVED
    else:
        registration.status = Registration.Status.WAITLISTED
        registration.waitlisted_at = now
        kind = OutboxEmail.Kind.WAITLISTED
    registration.save(update_fields=["status", "waitlisted_at", "updated"])
    emails.queue_registration_email(registration=registration, kind=kind)
    return registration


@transaction.atomic
def reject_registration(*, registration):
    """Reject an active registration and return it, updated.

    Side effects: sets status rejected and queues a "rejected" email; if it was
    confirmed, decrements confirmed_count (the event's and its sessions') and promotes
    from the waiting list. Pending and waitlisted registrations hold no place, so
    rejecting them frees none.
    Raises InvalidTransition for a registration already cancelled or rejected.
    """
    settings = capacity.lock_event(registration.event)
    # Confirmed implies active: the rejection below goes ahead.
    capacity.count_in_sessions(capacity.confirmed_session_ids(registration), -1)
    registration = _locked_registration(registration)
    if not registration.is_active:
        raise InvalidTransition(f"A {registration.status} registration cannot be rejected.")
    was_confirmed = registration.status == Registration.Status.CONFIRMED
    registration.status = Registration.Status.REJECTED
    registration.save(update_fields=["status", "updated"])
    emails.queue_registration_email(registration=registration, kind=OutboxEmail.Kind.REJECTED)
    if was_confirmed:
        capacity.free(settings)
        promote_from_waitlist(event=registration.event)
    return registration


@transaction.atomic
def promote_from_waitlist(*, event):
    """Confirm waitlisted registrations, oldest first, while places are left; return the first or None.

    A waitlisted registration whose chosen sessions are still full is skipped, not
    blocked behind. Side effects: locks the event's settings row; for each promoted
    registration sets status confirmed, increments confirmed_count (the event's and each
    chosen session's) and queues a "promoted" email.
    """
    settings = capacity.lock_event(event)
    first = None
    waiting = (
        Registration.objects.select_for_update()
        .filter(event=event, status=Registration.Status.WAITLISTED)
        .order_by("waitlisted_at", "pk")
    )
    for registration in waiting:
        if settings.places_left == 0:
            break
        sessions = list(registration.sessions.all())
        if not capacity.sessions_have_room(sessions):
            continue
        registration.status = Registration.Status.CONFIRMED
        registration.save(update_fields=["status", "updated"])
        capacity.take(settings, sessions)
        emails.queue_registration_email(registration=registration, kind=OutboxEmail.Kind.PROMOTED)
        first = first or registration
    return first


@transaction.atomic
def send_manage_link(*, registration):
    """Queue a "manage_link" email to `registration`'s address and return the outbox row.

    Used when someone registers again with an address that is already registered: the
    page can't say so without revealing the registration, so the email does.
    Side effects: inserts one OutboxEmail row.
    """
    return emails.queue_registration_email(registration=registration, kind=OutboxEmail.Kind.MANAGE_LINK)


@transaction.atomic
def send_manage_links(*, email, now=None):
    """Queue a "manage_link" email for each active registration of `email` for an event not yet over.

    For the "email me my link" page, which answers the same whether or not the address
    is registered. Side effects: inserts one OutboxEmail row per such registration.
    """
    registrations = Registration.objects.filter(
        email__iexact=email.strip(),
        status__in=Registration.ACTIVE_STATUSES,
        event__end__gte=now or timezone.now(),
    ).select_related("event")
    return [send_manage_link(registration=registration) for registration in registrations]


class SessionFull(RegistrationError):
    """A newly chosen session has no place left; nothing was changed."""


# Answers a registrant may change after registering; the email address is not one.
_CHANGEABLE_FIELDS = ("name", *_ANSWER_FIELDS)


@transaction.atomic
def change_registration(*, registration, data):
    """Change `registration`'s answers and session choices from cleaned form `data`; return it.

    Only keys present in `data` change; the email address never does. A cancelled or
    rejected registration is returned unchanged, with no email.

    A confirmed registration holds a place in each chosen session, so every newly
    chosen session with a capacity must have a place left, else SessionFull is raised
    and nothing changes. Pending and waitlisted registrations hold no place yet: their
    sessions are checked for room when they are approved or promoted.

    Side effects: locks the event's settings row, then the newly chosen sessions with a
    capacity, then the registration; saves the answers and session choices; for a
    confirmed registration, increments the places count of each newly chosen session
    and decrements that of each session no longer chosen; queues one "changed" email.
    """
    settings = capacity.lock_event(registration.event)
    # Read under the settings lock, which serialises every change of places for the event.
    current = Registration.objects.get(pk=registration.pk)
    if not current.is_active:
        return current
    chosen = list(data.get("sessions") or []) if "sessions" in data else None
    if chosen is not None and current.status == Registration.Status.CONFIRMED:
        held = set(current.sessions.values_list("pk", flat=True))
        added = [session for session in chosen if session.pk not in held]
        if added and not capacity.sessions_have_room(added):
            raise SessionFull(f"A chosen session of {settings.event} is full.")
        capacity.count_in_sessions(added, +1)
        capacity.count_in_sessions(held - {session.pk for session in chosen}, -1)
    registration = _locked_registration(registration)
    changed = [field for field in _CHANGEABLE_FIELDS if data.get(field) is not None]
    for field in changed:
        setattr(registration, field, data[field])
    registration.save(update_fields=[*changed, "updated"])
    if chosen is not None:
        registration.sessions.set(chosen)
    emails.queue_registration_email(registration=registration, kind=OutboxEmail.Kind.CHANGED)
    return registration


@transaction.atomic
def clone_event_with_settings(*, event, offset, title=None, slug=None):
    """Copy `event` with events.services.clone_event, then its registration settings.

    The settings keep the mode, capacity, optional fields and invitation code; the
    opening and closing times move by `offset` like the event's. Each session keeps its
    capacity. Registrations and guest lists are not copied, so the copy starts with no
    confirmed places.

    Side effects: those of events.services.clone_event, plus one RegistrationSettings
    row when `event` has one and a SessionPlaces row per session with a capacity.
    Returns the new Event.
    """
    clone = event_services.clone_event(event=event, offset=offset, title=title, slug=slug)
    # clone_event copies the sessions in primary-key order.
    copies = dict(zip(event.sessions.order_by("pk"), clone.sessions.order_by("pk"), strict=True))
    SessionPlaces.objects.bulk_create(
        SessionPlaces(session=copies[places.session], capacity=places.capacity)
        for places in SessionPlaces.objects.filter(
            session__event=event, capacity__isnull=False
        ).select_related("session")
    )
    settings = RegistrationSettings.objects.filter(event=event).first()
    if settings is not None:
        RegistrationSettings.objects.create(
            event=clone,
            mode=settings.mode,
            invitation_code=settings.invitation_code,
            capacity=settings.capacity,
            field_settings=settings.field_settings,
            opens_at=event_services.shift_local_time(settings.opens_at, offset=offset, tz=event.tz),
            closes_at=event_services.shift_local_time(settings.closes_at, offset=offset, tz=event.tz),
        )
        page_cache.places_changed(clone)
    return clone
