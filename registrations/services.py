"""Writes on registrations: taking, freeing and promoting places, and queueing the emails they owe.

Lock order, everywhere: the event's RegistrationSettings row first, then Session rows
(by primary key), then Registration rows. Holding the settings row serialises every
change of places for one event, which is what makes the counts hold under concurrency.
"""

import secrets
from typing import NamedTuple

from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from events import page_cache
from events import services as event_services
from events.models import Session

from . import emails, selectors, tasks
from .models import OPTIONAL_FIELDS, Invitation, OutboxEmail, Registration, RegistrationSettings

DEFAULT_PRIVACY_NOTICE_VERSION = "1"

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


def _locked_settings(event):
    """Return the event's RegistrationSettings, created with defaults if missing, locked for update.

    Only the settings row is locked, not the event's: pages and staff read events freely.
    """
    locked = RegistrationSettings.objects.select_for_update()
    try:
        settings = locked.get(event=event)
    except RegistrationSettings.DoesNotExist:
        RegistrationSettings.objects.get_or_create(event=event)
        settings = locked.get(event=event)
    settings.event = event
    return settings


def _sessions_have_room(sessions):
    """Return whether every session with a capacity has a place left; locks those Session rows.

    Reads the counts that _count_in_sessions maintains, not the registrations.
    """
    ids = [session.pk for session in sessions]
    limited = (
        Session.objects.select_for_update()
        .filter(pk__in=ids, capacity__isnull=False)
        .order_by("pk")
        .values_list("capacity", "confirmed_count")
    )
    return all(confirmed < capacity for capacity, confirmed in limited)


def _has_room(settings, sessions):
    places_left = settings.places_left
    if places_left is not None and places_left <= 0:
        return False
    return _sessions_have_room(sessions)


def _take_place(settings):
    """Count one more confirmed registration; the caller holds the settings lock."""
    RegistrationSettings.objects.filter(pk=settings.pk).update(confirmed_count=F("confirmed_count") + 1)
    settings.confirmed_count += 1
    page_cache.places_changed(settings.event)


def _free_place(settings):
    """Count one confirmed registration fewer; the caller holds the settings lock."""
    RegistrationSettings.objects.filter(pk=settings.pk).update(confirmed_count=F("confirmed_count") - 1)
    settings.confirmed_count -= 1
    page_cache.places_changed(settings.event)


def _count_in_sessions(session_ids, change):
    """Add `change` (+1 or -1) to the confirmed_count of each session in `session_ids`, in one query.

    Called whenever a registration becomes confirmed or stops being confirmed, or a
    confirmed registration's sessions change; the caller holds the event's settings
    lock, which serialises every change of these counts for the event.
    """
    ids = sorted({getattr(session, "pk", session) for session in session_ids})
    if ids:
        Session.objects.filter(pk__in=ids).update(confirmed_count=F("confirmed_count") + change)


def _confirmed_session_ids(registration):
    """The pks of `registration`'s sessions if it is confirmed, else []; read without locking it.

    Under the event's settings lock a registration's status and sessions hold still, so
    the counts can be changed before its row is locked, in the lock order above.
    """
    return list(
        Session.objects.filter(
            registrations=registration.pk, registrations__status=Registration.Status.CONFIRMED
        ).values_list("pk", flat=True)
    )


def _locked_registration(registration):
    return Registration.objects.select_for_update().select_related("event").get(pk=registration.pk)


def _queue_outbox(*, to_email, kind, rendered, language, registration=None, invitation=None, dedupe_key=None):
    """Write one pending outbox row holding the `rendered` email, in the caller's transaction.

    With a `dedupe_key` that is already taken, nothing is written and the existing
    row is returned: that email is owed once, however often this is called.

    Side effects: inserts an OutboxEmail row; once the transaction commits, queues
    registrations.send_email for it. If the broker can't be reached the row stays
    pending and the periodic sweep queues it later.
    """
    fields = {
        "registration": registration,
        "invitation": invitation,
        "to_email": to_email,
        "kind": kind,
        "language": language,
        "dedupe_key": dedupe_key,
        **rendered,
    }
    if dedupe_key is None:
        row = OutboxEmail.objects.create(**fields)
    else:
        try:
            # A savepoint, so that losing a race on the unique key leaves the caller's transaction usable.
            with transaction.atomic():
                row = OutboxEmail.objects.create(**fields)
        except IntegrityError:
            return OutboxEmail.objects.get(dedupe_key=dedupe_key)
    transaction.on_commit(lambda: tasks.queue_send_email(outbox_id=row.pk, queue=tasks.queue_for(kind)))
    return row


def queue_email(*, registration, kind, dedupe_key=None, context=None):
    """Write one pending outbox row of `kind` to the registrant, in the caller's transaction.

    The email is rendered now (registrations.emails), in the registrant's language,
    so the row holds exactly what will be sent. `context` adds template variables
    (for example the old time of a time change). With a `dedupe_key`, the email is
    written at most once (see _queue_outbox).

    Side effects: inserts an OutboxEmail row; once the transaction commits, queues
    registrations.send_email for it. If the broker can't be reached the row stays
    pending and the periodic sweep queues it later.
    """
    if dedupe_key is not None:
        # Checked before rendering, which is the costly part; _queue_outbox settles races.
        existing = OutboxEmail.objects.filter(dedupe_key=dedupe_key).first()
        if existing is not None:
            return existing
    return _queue_outbox(
        to_email=registration.email,
        kind=kind,
        rendered=emails.render_email(registration=registration, kind=kind, context=context),
        language=registration.language,
        registration=registration,
        dedupe_key=dedupe_key,
    )


@transaction.atomic
def resend_confirmation(*, registration):
    """Queue again the email that states `registration`'s current status; return the outbox row.

    The kind follows the status: confirmed → registered, waitlisted → waitlisted,
    pending → awaiting_approval, cancelled → cancelled, rejected → rejected.
    Side effects: queues one outbox email (see queue_email). No status or place changes.
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
    return queue_email(registration=registration, kind=kinds[registration.status])


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
    answers = {field: data[field] for field in _ANSWER_FIELDS if data.get(field) is not None}
    registration = Registration(
        event=event,
        user=user,
        name=data["name"],
        email=data["email"].strip(),
        privacy_consent_at=now,
        privacy_notice_version=data.get("privacy_notice_version")
        or getattr(django_settings, "PRIVACY_NOTICE_VERSION", DEFAULT_PRIVACY_NOTICE_VERSION),
        **answers,
    )
    # Rendering the email is the costly part: it is done before the lock is taken, for the
    # status an unlocked read predicts, and again under the lock only if the status differs.
    predicted = selectors.status_for_new_registration(
        event, sessions, registration_settings=registration_settings
    )
    rendered = {predicted: _render_new_registration_email(registration, predicted, sessions)}

    settings = _locked_settings(event)
    if not settings.is_open(now):
        raise RegistrationClosed(f"Registration for {event} is not open.")
    if settings.mode == RegistrationSettings.Mode.INVITATION:
        given = str(data.get("invitation_code") or "")
        if not settings.invitation_code or not secrets.compare_digest(
            given.encode(), settings.invitation_code.encode()
        ):
            raise InvalidInvitationCode(f"Wrong invitation code for {event}.")
    invitation = None
    if settings.mode == RegistrationSettings.Mode.GUEST_LIST:
        token = str(data.get("invitation_token") or "")
        # Serialised by the settings lock, like every registration for the event.
        invitation = Invitation.objects.filter(event=event, token=token).first() if token else None
        if invitation is None:
            raise InvalidInvitationCode(f"No invitation of {event} has this token.")
        registration.email = invitation.email

    # Matches the unique index on lower(email) for active registrations.
    existing = (
        Registration.objects.annotate(address=Lower("email"))
        .filter(event=event, address=registration.email.lower(), status__in=Registration.ACTIVE_STATUSES)
        .first()
    )
    if existing is not None:
        existing.event = event
        raise AlreadyRegistered(existing)

    if settings.mode == RegistrationSettings.Mode.APPROVAL:
        status = Registration.Status.PENDING
    elif _has_room(settings, sessions):
        status = Registration.Status.CONFIRMED
    else:
        status = Registration.Status.WAITLISTED
    if status == Registration.Status.CONFIRMED:
        _count_in_sessions(sessions, +1)

    registration.status = status
    registration.waitlisted_at = now if status == Registration.Status.WAITLISTED else None
    registration.save(force_insert=True)
    if sessions:
        registration.sessions.add(*sessions)
    if status == Registration.Status.CONFIRMED:
        _take_place(settings)
    if invitation is not None:
        # The invitation's earlier registration, if any, is inactive: AlreadyRegistered above.
        invitation.registration = registration
        invitation.save(update_fields=["registration"])
    if status not in rendered:
        rendered[status] = _render_new_registration_email(registration, status, sessions)
    _queue_outbox(
        to_email=registration.email,
        kind=_NEW_REGISTRATION_EMAILS[status],
        rendered=rendered[status],
        language=registration.language,
        registration=registration,
    )
    return registration


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
    settings = _locked_settings(registration.event)
    # Confirmed implies active: the cancellation below goes ahead.
    _count_in_sessions(_confirmed_session_ids(registration), -1)
    registration = _locked_registration(registration)
    if not registration.is_active:
        return registration
    was_confirmed = registration.status == Registration.Status.CONFIRMED
    registration.status = Registration.Status.CANCELLED
    registration.cancelled_at = now
    registration.save(update_fields=["status", "cancelled_at", "updated"])
    if notify:
        queue_email(registration=registration, kind=OutboxEmail.Kind.CANCELLED)
    if was_confirmed:
        _free_place(settings)
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
    settings = _locked_settings(registration.event)
    # Read before locking the row, so that sessions are locked first (see the lock order
    # above); under the settings lock its status and sessions hold still.
    current = Registration.objects.get(pk=registration.pk)
    if current.status != Registration.Status.PENDING:
        raise InvalidTransition(f"Only pending registrations can be approved, not {current.status}.")
    sessions = list(current.sessions.all())
    confirm = _has_room(settings, sessions)
    if confirm:
        _count_in_sessions(sessions, +1)
    registration = _locked_registration(registration)
    if confirm:
        registration.status = Registration.Status.CONFIRMED
        _take_place(settings)
        kind = OutboxEmail.Kind.APPROVED
    else:
        registration.status = Registration.Status.WAITLISTED
        registration.waitlisted_at = now
        kind = OutboxEmail.Kind.WAITLISTED
    registration.save(update_fields=["status", "waitlisted_at", "updated"])
    queue_email(registration=registration, kind=kind)
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
    settings = _locked_settings(registration.event)
    # Confirmed implies active: the rejection below goes ahead.
    _count_in_sessions(_confirmed_session_ids(registration), -1)
    registration = _locked_registration(registration)
    if not registration.is_active:
        raise InvalidTransition(f"A {registration.status} registration cannot be rejected.")
    was_confirmed = registration.status == Registration.Status.CONFIRMED
    registration.status = Registration.Status.REJECTED
    registration.save(update_fields=["status", "updated"])
    queue_email(registration=registration, kind=OutboxEmail.Kind.REJECTED)
    if was_confirmed:
        _free_place(settings)
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
    settings = _locked_settings(event)
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
        if not _sessions_have_room(sessions):
            continue
        registration.status = Registration.Status.CONFIRMED
        registration.save(update_fields=["status", "updated"])
        _take_place(settings)
        _count_in_sessions(sessions, +1)
        queue_email(registration=registration, kind=OutboxEmail.Kind.PROMOTED)
        first = first or registration
    return first


@transaction.atomic
def send_manage_link(*, registration):
    """Queue a "manage_link" email to `registration`'s address and return the outbox row.

    Used when someone registers again with an address that is already registered: the
    page can't say so without revealing the registration, so the email does.
    Side effects: inserts one OutboxEmail row.
    """
    return queue_email(registration=registration, kind=OutboxEmail.Kind.MANAGE_LINK)


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
    confirmed registration, increments the confirmed_count of each newly chosen session
    and decrements that of each session no longer chosen; queues one "changed" email.
    """
    settings = _locked_settings(registration.event)
    # Read under the settings lock, which serialises every change of places for the event.
    current = Registration.objects.get(pk=registration.pk)
    if not current.is_active:
        return current
    chosen = list(data.get("sessions") or []) if "sessions" in data else None
    if chosen is not None and current.status == Registration.Status.CONFIRMED:
        held = set(current.sessions.values_list("pk", flat=True))
        added = [session for session in chosen if session.pk not in held]
        if added and not _sessions_have_room(added):
            raise SessionFull(f"A chosen session of {settings.event} is full.")
        _count_in_sessions(added, +1)
        _count_in_sessions(held - {session.pk for session in chosen}, -1)
    registration = _locked_registration(registration)
    changed = [field for field in _CHANGEABLE_FIELDS if data.get(field) is not None]
    for field in changed:
        setattr(registration, field, data[field])
    registration.save(update_fields=[*changed, "updated"])
    if chosen is not None:
        registration.sessions.set(chosen)
    queue_email(registration=registration, kind=OutboxEmail.Kind.CHANGED)
    return registration


# The guest list: personal invitation links for events in guest-list mode.


class GuestListImport(NamedTuple):
    """What import_guest_list did: the invitations created, the lines skipped, the lines refused."""

    created: list
    skipped: list  # line numbers of addresses already on the list or earlier in the file
    errors: list  # (line number, message)


def _guest_list_row_error(name, email):
    """Return why a guest-list row can't be imported, or None."""
    if not email:
        return _("The email address is missing.")
    if len(email) > Invitation._meta.get_field("email").max_length:
        return _("The email address is too long.")
    try:
        validate_email(email)
    except ValidationError:
        return _("“%(email)s” is not a valid email address.") % {"email": email}
    if not name:
        return _("The name is missing.")
    if len(name) > Invitation._meta.get_field("name").max_length:
        return _("The name is too long.")
    return None


@transaction.atomic
def import_guest_list(*, event, rows, first_line=2):
    """Add the people in `rows` to `event`'s guest list; return GuestListImport(created, skipped, errors).

    `rows` are dicts with "name" and "email", as csv.DictReader yields them from a file
    whose header is line 1; row i is reported as line `first_line + i`. A row with no
    values at all (a blank line) is ignored. An address already on the list, or on an
    earlier line, in any letter case, is skipped. A row with a missing name, or a
    missing or invalid address, is reported in `errors` and nothing is stored for it;
    the other rows are still imported.

    Side effects: locks the event's RegistrationSettings row (creating it if missing),
    which serialises imports for the event; inserts one Invitation per new address.
    Sends nothing: see send_invitations.
    """
    _locked_settings(event)
    seen = set(
        Invitation.objects.filter(event=event).annotate(lower=Lower("email")).values_list("lower", flat=True)
    )
    new, skipped, errors = [], [], []
    for line, row in enumerate(rows, start=first_line):
        if not any(str(value or "").strip() for value in row.values()):
            continue
        name = str(row.get("name") or "").strip()
        email = str(row.get("email") or "").strip()
        error = _guest_list_row_error(name, email)
        if error:
            errors.append((line, error))
        elif email.lower() in seen:
            skipped.append(line)
        else:
            seen.add(email.lower())
            new.append(Invitation(event=event, name=name, email=email))
    created = Invitation.objects.bulk_create(new)
    return GuestListImport(created, skipped, errors)


@transaction.atomic
def send_invitations(*, invitations):
    """Queue the "invitation" email for each of `invitations` not sent yet; return those now sent.

    `invitations` is a queryset or iterable of Invitation. Each is sent at most once:
    its row is locked and its sent_at checked and set in this transaction.

    Side effects: for each invitation not yet sent, sets sent_at and queues one
    outbox email with its personal link (see _queue_outbox).
    """
    now = timezone.now()
    pks = [invitation.pk for invitation in invitations]
    pending = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("event")
        .filter(pk__in=pks, sent_at__isnull=True)
        .order_by("pk")
    )
    sent = []
    for invitation in pending:
        _queue_outbox(
            to_email=invitation.email,
            kind=OutboxEmail.Kind.INVITATION,
            rendered=emails.render_invitation_email(invitation=invitation),
            language=invitation.event.language,
            invitation=invitation,
        )
        invitation.sent_at = now
        invitation.save(update_fields=["sent_at"])
        sent.append(invitation)
    return sent


@transaction.atomic
def clone_event_with_settings(*, event, offset, title=None, slug=None):
    """Copy `event` with events.services.clone_event, then its registration settings.

    The settings keep the mode, capacity, optional fields and invitation code; the
    opening and closing times move by `offset` like the event's. Registrations and
    guest lists are not copied, so the copy starts with no confirmed places.

    Side effects: those of events.services.clone_event, plus one RegistrationSettings
    row when `event` has one. Returns the new Event.
    """
    clone = event_services.clone_event(event=event, offset=offset, title=title, slug=slug)
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
