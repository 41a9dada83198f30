"""Writes on registrations: registering, changing, cancelling, approving, rejecting and deleting.

Places are taken and freed through capacity (its docstring gives the lock order), and
every write that frees one ends with waiting_list.fill, which gives it to the head of its
waiting list; every email goes through the outbox (emails.queue_registration_email).
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
    EmailText,
    Invitation,
    OutboxEmail,
    Question,
    QuestionChoice,
    Registration,
    RegistrationSettings,
    SessionChoice,
    SessionPlaces,
)

from . import abuse, capacity, emails, questions, selectors, waiting_list

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
    pending → awaiting_approval, cancelled → cancelled, rejected → rejected, offered → offered.
    Side effects: queues one outbox email (see emails.queue_registration_email). No status or place changes.
    """
    kinds = {
        Registration.Status.CONFIRMED: OutboxEmail.Kind.REGISTERED,
        Registration.Status.WAITLISTED: OutboxEmail.Kind.WAITLISTED,
        Registration.Status.PENDING: OutboxEmail.Kind.AWAITING_APPROVAL,
        Registration.Status.CANCELLED: OutboxEmail.Kind.CANCELLED,
        Registration.Status.REJECTED: OutboxEmail.Kind.REJECTED,
        Registration.Status.OFFERED: OutboxEmail.Kind.OFFERED,
    }
    # Read the status afresh: the caller's copy may predate a promotion or cancellation.
    registration = Registration.objects.select_related("event").get(pk=registration.pk)
    return emails.queue_registration_email(registration=registration, kind=kinds[registration.status])


def register(*, event, data, user=None, now=None, registration_settings=None):
    """Register someone for `event` from cleaned form `data` and return the Registration.

    See register_with_outcome, which also returns the Outcome the registration got.
    """
    return register_with_outcome(
        event=event, data=data, user=user, now=now, registration_settings=registration_settings
    )[0]


@transaction.atomic
def register_with_outcome(*, event, data, user=None, now=None, registration_settings=None):
    """Register someone for `event` from cleaned form `data`; return (Registration, Outcome).

    `data` holds name, email, sessions (a list of Session) and optional answers; in
    invitation mode also invitation_code. In guest-list mode it holds invitation_token,
    the token of one of the event's invitations: the registration takes that
    invitation's email, whatever `data["email"]` says.

    The status is pending in approval mode; otherwise confirmed while the event has a
    place left, else waitlisted (selectors.outcome_for_new_registration). A confirmed
    registration holds a place in each chosen session that has one left and waits for
    the others, each on its session's waiting list.

    Side effects: creates the event's RegistrationSettings if missing and locks it (and
    the chosen sessions that have a capacity); inserts the Registration and its session
    choices; when confirmed, increments RegistrationSettings.confirmed_count and the
    confirmed_count of each session it holds a place in; stores its answers to the event's
    questions (`data["answers"]`, see questions.save_answers); queues one outbox email:
    "registered", "waitlisted" or "awaiting_approval". In guest-list mode links the
    invitation to the new registration (replacing a cancelled or rejected one).

    `registration_settings`, an unlocked read of the event's settings the caller already
    holds, saves reading them again to predict the outcome (see below); the outcome itself
    is always decided under the lock.

    Raises RegistrationClosed, InvalidInvitationCode or AlreadyRegistered, having
    stored nothing.
    """
    given_now = now
    now = now or timezone.now()
    sessions = list(data.get("sessions") or [])
    registration = _unsaved_registration(event, data, user, now)
    # Rendering the email is the costly part: it is done before the lock is taken, for the
    # outcome an unlocked read predicts, and again under the lock only if the outcome differs.
    predicted = selectors.outcome_for_new_registration(
        event, sessions, registration_settings=registration_settings
    )
    rendered = {predicted: _render_new_registration_email(registration, predicted, sessions)}

    settings = capacity.lock_event(event)
    # Read the clock under the lock: the waiting lists' order is the order people got the lock in.
    now = given_now or timezone.now()
    _check_open_and_invited(settings, data, now)
    invitation = _guest_list_invitation(settings, data)
    if invitation is not None:
        registration.email = invitation.email
    _refuse_second_registration(event, registration.email)
    outcome = _outcome_for_new_registration(settings, sessions)
    _save_new_registration(registration, outcome, sessions, settings, now)
    questions.save_answers(registration=registration, answers=data.get("answers"))
    if invitation is not None:
        # The invitation's earlier registration, if any, is inactive: AlreadyRegistered above.
        invitation.registration = registration
        invitation.save(update_fields=["registration"])
    if outcome not in rendered:
        rendered[outcome] = _render_new_registration_email(registration, outcome, sessions)
    emails.queue_registration_email(
        registration=registration, kind=_NEW_REGISTRATION_EMAILS[outcome.status], content=rendered[outcome]
    )
    return registration, outcome


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


def _outcome_for_new_registration(settings, sessions):
    """Pending in approval mode; else confirmed, in the sessions with a place left, when the event has one.

    Under the lock, places left mean no one waits for them: every write that frees a place
    gives it to the waiting list before it commits (waiting_list.fill).
    """
    if settings.mode == RegistrationSettings.Mode.APPROVAL:
        return selectors.Outcome(Registration.Status.PENDING)
    if not capacity.event_has_room(settings):
        return selectors.Outcome(Registration.Status.WAITLISTED)
    left = capacity.session_places_left_locked(session.pk for session in sessions)
    full = frozenset(pk for pk, places in left.items() if places <= 0)
    return selectors.Outcome(Registration.Status.CONFIRMED, waiting=full)


def _save_new_registration(registration, outcome, sessions, settings, now):
    """Insert `registration` with its outcome and session choices; a confirmed one takes its places."""
    registration.status = outcome.status
    registration.waitlisted_at = now if outcome.status == Registration.Status.WAITLISTED else None
    registration.save(force_insert=True)
    held = set()
    if outcome.status == Registration.Status.CONFIRMED:
        held = {session.pk for session in sessions} - outcome.waiting
    SessionChoice.objects.bulk_create(
        SessionChoice(
            registration=registration,
            session=session,
            status=SessionChoice.Status.CONFIRMED if session.pk in held else SessionChoice.Status.WAITING,
            waiting_since=now,
        )
        for session in sessions
    )
    if outcome.status == Registration.Status.CONFIRMED:
        capacity.take_event_places(settings)
        capacity.count_in_sessions(settings, dict.fromkeys(held, 1))


# The email a new registration gets, by the status it gets.
_NEW_REGISTRATION_EMAILS = {
    Registration.Status.CONFIRMED: OutboxEmail.Kind.REGISTERED,
    Registration.Status.WAITLISTED: OutboxEmail.Kind.WAITLISTED,
    Registration.Status.PENDING: OutboxEmail.Kind.AWAITING_APPROVAL,
}


def _render_new_registration_email(registration, outcome, sessions):
    registration.status = outcome.status
    return emails.render_email(
        registration=registration,
        kind=_NEW_REGISTRATION_EMAILS[outcome.status],
        sessions=sessions,
        waiting=outcome.waiting,
    )


@transaction.atomic
def cancel_registration(*, registration, now=None, notify=True):
    """Cancel `registration` and return it, updated.

    Side effects: sets status cancelled and cancelled_at; queues a "cancelled" email
    with a cancel.ics withdrawing its calendar entries (unless `notify` is false: the
    registrant is deleting their data); if it was
    confirmed, frees its places (the event's and its sessions') and gives them to the
    waiting lists (waiting_list.fill). A registration already cancelled or rejected is
    returned unchanged, with no email.
    """
    now = now or timezone.now()
    settings = capacity.lock_event(registration.event)
    registration = _locked_registration(registration)
    if not registration.is_active:
        return registration
    held_before = emails.held_session_pks(registration) if notify else None
    _release_places(settings, registration)
    registration.status = Registration.Status.CANCELLED
    registration.cancelled_at = now
    registration.save(update_fields=["status", "cancelled_at", "offered_until", "updated"])
    if notify:
        emails.queue_registration_email(
            registration=registration, kind=OutboxEmail.Kind.CANCELLED, held_before=held_before
        )
    waiting_list.fill(settings, now=now)
    return registration


def _release_places(settings, registration):
    """Free the places a registration about to stop being active holds; the caller then calls fill."""
    if registration.status in Registration.HOLDING_STATUSES:
        capacity.free_event_place(settings)
        capacity.release_choices(settings, registration)
    registration.offered_until = None


@transaction.atomic
def approve_registration(*, registration, now=None):
    """Approve a pending registration and return it, updated.

    Side effects: with a place left for the event, sets status confirmed, takes the
    place and queues an "approved" email; its sessions' waiting lists then take it, in
    the order its choices were made (a session with a place left and no one waiting
    before it gives it one at once). When the event is full, sets status waitlisted with
    waitlisted_at and queues a "waitlisted" email.
    Raises InvalidTransition unless the registration is pending.
    """
    settings = capacity.lock_event(registration.event)
    now = now or timezone.now()  # under the lock, for the waiting list's order
    registration = _locked_registration(registration)
    if registration.status != Registration.Status.PENDING:
        raise InvalidTransition(f"Only pending registrations can be approved, not {registration.status}.")
    if capacity.event_has_room(settings):
        registration.status = Registration.Status.CONFIRMED
        capacity.take_event_places(settings)
        kind = OutboxEmail.Kind.APPROVED
    else:
        registration.status = Registration.Status.WAITLISTED
        registration.waitlisted_at = now
        kind = OutboxEmail.Kind.WAITLISTED
    registration.save(update_fields=["status", "waitlisted_at", "updated"])
    # Its session choices wait in their lists, in order; fill gives places where they are free.
    waiting_list.fill(settings, now=now, told={registration.pk})
    emails.queue_registration_email(registration=registration, kind=kind)
    return registration


@transaction.atomic
def reject_registration(*, registration, now=None):
    """Reject an active registration and return it, updated.

    Side effects: sets status rejected and queues a "rejected" email (with a cancel.ics
    withdrawing a confirmed registrant's calendar entries); if it was
    confirmed, frees its places and gives them to the waiting lists. Pending and
    waitlisted registrations hold no place, so rejecting them frees none.
    Raises InvalidTransition for a registration already cancelled or rejected.
    """
    settings = capacity.lock_event(registration.event)
    registration = _locked_registration(registration)
    if not registration.is_active:
        raise InvalidTransition(f"A {registration.status} registration cannot be rejected.")
    held_before = emails.held_session_pks(registration)
    _release_places(settings, registration)
    registration.status = Registration.Status.REJECTED
    registration.save(update_fields=["status", "offered_until", "updated"])
    emails.queue_registration_email(
        registration=registration, kind=OutboxEmail.Kind.REJECTED, held_before=held_before
    )
    waiting_list.fill(settings, now=now)
    return registration


@transaction.atomic
def delete_registration(*, registration, now=None):
    """Delete `registration` and its session choices; an active one first frees its places.

    For staff; no email. Side effects: those of freeing places (see cancel_registration)
    and the deletion (its outbox rows and check-ins go with it).
    """
    settings = capacity.lock_event(registration.event)
    registration = _locked_registration(registration)
    _release_places(settings, registration)
    registration.delete()
    waiting_list.fill(settings, now=now)


@transaction.atomic
def send_manage_link(*, registration):
    """Queue a "manage_link" email to `registration`'s address and return the outbox row, or None.

    Used when someone registers again with an address that is already registered: the
    page can't say so without revealing the registration, so the email does. An address
    gets at most settings.LINK_EMAILS_PER_ADDRESS such emails an hour, whoever asks; past
    that nothing is written. Run by a task (link_requests), never while a page waits.
    Side effects: counts the email in the abuse store; inserts one OutboxEmail row.
    """
    if not abuse.may_email_link_to(registration.email):
        return None
    return emails.queue_registration_email(registration=registration, kind=OutboxEmail.Kind.MANAGE_LINK)


@transaction.atomic
def send_manage_links(*, email, now=None):
    """Queue a "manage_link" email for each active registration of `email` for an event not yet over.

    For the "email me my link" page, which answers the same whether or not the address
    is registered; run by a task (link_requests), never while the page waits. Within the
    cap of send_manage_link; returns the rows written. Side effects: those of send_manage_link,
    per such registration.
    """
    registrations = Registration.objects.filter(
        email__iexact=email.strip(),
        status__in=Registration.ACTIVE_STATUSES,
        event__end__gte=now or timezone.now(),
    ).select_related("event")
    rows = [send_manage_link(registration=registration) for registration in registrations]
    return [row for row in rows if row is not None]


# Answers a registrant may change after registering; the email address is not one.
_CHANGEABLE_FIELDS = ("name", *_ANSWER_FIELDS)


@transaction.atomic
def change_registration(*, registration, data, now=None):
    """Change `registration`'s answers and session choices from cleaned form `data`; return it.

    Only keys present in `data` change; the email address never does. A cancelled or
    rejected registration is returned unchanged, with no email.

    A newly chosen session joins the end of its waiting list, unless it has a place left
    and the registration is confirmed: then it holds the place at once. A session no
    longer chosen frees its place, which goes to the head of its waiting list.

    Side effects: locks the event's settings row, then the newly chosen sessions with a
    capacity, then the registration; saves the answers (those to the event's questions through
    questions.save_answers) and session choices; changes the
    counts of the sessions whose places were taken or freed; gives freed places to the
    waiting lists (waiting_list.fill); queues one "changed" email, whose cancel.ics
    withdraws the entries of the sessions it no longer holds.
    """
    settings = capacity.lock_event(registration.event)
    now = now or timezone.now()  # under the lock, for the waiting lists' order
    registration = _locked_registration(registration)
    if not registration.is_active:
        return registration
    changed = [field for field in _CHANGEABLE_FIELDS if data.get(field) is not None]
    for field in changed:
        setattr(registration, field, data[field])
    registration.save(update_fields=[*changed, "updated"])
    if "answers" in data:
        questions.save_answers(registration=registration, answers=data["answers"])
    held_before = None
    if "sessions" in data:
        held_before = emails.held_session_pks(registration)
        _change_sessions(settings, registration, list(data.get("sessions") or []), now)
        waiting_list.fill(settings, now=now, told={registration.pk})
    emails.queue_registration_email(
        registration=registration, kind=OutboxEmail.Kind.CHANGED, held_before=held_before
    )
    return registration


def _change_sessions(settings, registration, chosen, now):
    """Drop the choices no longer `chosen`, freeing their places; add new ones, holding a place or waiting."""
    choices = {choice.session_id: choice for choice in registration.choices.all()}
    wanted = {session.pk for session in chosen}
    dropped = [choice for pk, choice in choices.items() if pk not in wanted]
    added = sorted(wanted - set(choices))
    freed = [choice.session_id for choice in dropped if choice.status in SessionChoice.HOLDING]
    SessionChoice.objects.filter(pk__in=[choice.pk for choice in dropped]).delete()
    capacity.count_in_sessions(settings, dict.fromkeys(freed, -1))
    held = set()
    if registration.status == Registration.Status.CONFIRMED and added:
        left = capacity.session_places_left_locked(added)
        held = {pk for pk in added if left.get(pk, 1) > 0}
    SessionChoice.objects.bulk_create(
        SessionChoice(
            registration=registration,
            session_id=pk,
            status=SessionChoice.Status.CONFIRMED if pk in held else SessionChoice.Status.WAITING,
            waiting_since=now,
        )
        for pk in added
    )
    capacity.count_in_sessions(settings, dict.fromkeys(held, 1))


@transaction.atomic
def clone_event_with_settings(*, event, offset, title=None, slug=None):
    """Copy `event` with events.services.clone_event, then its registration settings.

    The settings keep the mode, capacity and invitation code; the
    opening and closing times move by `offset` like the event's. Each session keeps its
    capacity. The event's registration questions, built-in and own, are copied with their
    choices (the built-in ones it lacks are added as defaults), and the copy keeps the email
    texts staff wrote. Registrations (and so answers) and guest
    lists are not copied, so the copy starts with no confirmed places.

    Side effects: those of events.services.clone_event, plus one RegistrationSettings
    row when `event` has one, a SessionPlaces row per session with a capacity, a
    Question row per question of `event` with its QuestionChoice rows (and one per built-in
    question it lacks, see questions.add_default_questions), and an EmailText
    row per email text of `event`. Returns the new Event.
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
    EmailText.objects.bulk_create(
        EmailText(event=clone, kind=text.kind, language=text.language, subject=text.subject, body=text.body)
        for text in EmailText.objects.filter(event=event)
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
    _copy_questions(event, clone)
    questions.add_default_questions(event=clone)
    return clone


def _copy_questions(event, clone):
    """Give `clone` a copy of each of `event`'s registration questions with its choices; no answers."""
    questions = list(Question.objects.filter(event=event).prefetch_related("choices").order_by("order", "pk"))
    copies = Question.objects.bulk_create(
        Question(
            event=clone,
            kind=question.kind,
            label_en=question.label_en,
            label_es=question.label_es,
            help_text_en=question.help_text_en,
            help_text_es=question.help_text_es,
            required=question.required,
            audience=question.audience,
            order=question.order,
            asked=question.asked,
            field=question.field,
        )
        for question in questions
    )
    QuestionChoice.objects.bulk_create(
        QuestionChoice(question=copy, label_en=choice.label_en, label_es=choice.label_es, order=choice.order)
        for question, copy in zip(questions, copies, strict=True)
        for choice in question.choices.all()
    )
