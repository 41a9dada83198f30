"""Removing personal data: past the retention period, or when a registrant asks.

A registration is anonymised, not deleted: its status, sessions, attendee type,
interpretation language and attendance stay, so the staff summaries count the same
afterwards. What identifies the person goes: name, email, organisation, role,
country, free-text answers (kept only as "stated"; so too for the event's own questions,
whose country answers go and choices stay), time zone, account link, the
manage token and the door code (new random ones, so the old link opens nothing and
the old code checks no one in). Check-ins stay: they are attendance. The emails sent to
them lose recipient, subject and bodies; pending ones are withdrawn. Guest-list
invitations lose name, email and token. The admin history keeps its entries, with
the object's name replaced.
"""

import datetime as dt
from typing import NamedTuple

from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import CharField, Value
from django.db.models.functions import Concat
from django.utils import timezone

from registrations.models import (
    Answer,
    Invitation,
    OutboxEmail,
    Question,
    Registration,
    new_door_code,
    new_invitation_token,
    new_manage_token,
)
from registrations.outbox import services as outbox
from registrations.signup import services

# Stored in place of the data; not translated, like the rest of a registration's answers.
ANONYMISED_NAME = "Anonymised"
ANONYMISED_DOMAIN = "anonymised.invalid"
# A free-text answer that was given is kept as this, so "how many stated a need" still counts.
ANONYMISED_ANSWER = "Stated (text removed)"
BATCH = 500

_REGISTRATION_FIELDS = [
    "name",
    "email",
    "organisation",
    "role",
    "country",
    "dietary_needs",
    "accessibility_needs",
    "participant_list_consent",
    "time_zone",
    "user",
    "manage_token",
    "door_code",
    "anonymised_at",
    "updated",
]


class RetentionRun(NamedTuple):
    """What anonymise_expired did: how many registrations and invitations it anonymised."""

    registrations: int
    invitations: int


def retention_cutoff(now=None):
    """Events that ended before this instant are past the retention period; None when retention is off."""
    days = settings.REGISTRATION_RETENTION_DAYS
    if not days:
        return None
    return (now or timezone.now()) - dt.timedelta(days=days)


def _answer_kept_as_stated(text):
    return ANONYMISED_ANSWER if text.strip() else ""


def _scrub_history(model, pks):
    """Replace the name (object_repr) in admin history entries of `model` rows `pks`."""
    LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(model), object_id__in=[str(pk) for pk in pks]
    ).update(
        object_repr=Concat(
            Value(f"{ANONYMISED_NAME} {model._meta.model_name} #"), "object_id", output_field=CharField()
        )
    )


def _anonymise_registration_rows(registrations, *, now):
    for registration in registrations:
        registration.name = ANONYMISED_NAME
        registration.email = f"anonymised-{registration.pk}@{ANONYMISED_DOMAIN}"
        registration.organisation = registration.role = registration.country = ""
        registration.dietary_needs = _answer_kept_as_stated(registration.dietary_needs)
        registration.accessibility_needs = _answer_kept_as_stated(registration.accessibility_needs)
        registration.participant_list_consent = False
        registration.time_zone = ""
        registration.user = None
        registration.manage_token = new_manage_token()
        registration.door_code = new_door_code()
        registration.anonymised_at = registration.updated = now
    # Through RegistrationQuerySet: bumps the scopes of the accounts and addresses they had.
    Registration.objects.bulk_update(registrations, _REGISTRATION_FIELDS)
    pks = [registration.pk for registration in registrations]
    # The event's own questions: as for the fixed ones, a country goes, a typed answer is kept only
    # as "stated", choices stay (they count in the summary, like the attendee type).
    answers = Answer.objects.filter(registration__in=pks)
    answers.filter(question__kind=Question.Kind.COUNTRY).delete()
    answers.filter(question__kind__in=[Question.Kind.TEXT, Question.Kind.LONG_TEXT]).update(
        value=ANONYMISED_ANSWER, text=ANONYMISED_ANSWER
    )
    outbox.erase(OutboxEmail.objects.filter(registration__in=pks))
    _scrub_history(Registration, pks)


def _anonymise_invitation_rows(invitations, *, now):
    for invitation in invitations:
        invitation.name = ANONYMISED_NAME
        invitation.email = f"anonymised-invitation-{invitation.pk}@{ANONYMISED_DOMAIN}"
        invitation.token = new_invitation_token()
        invitation.anonymised_at = now
    Invitation.objects.bulk_update(invitations, ["name", "email", "token", "anonymised_at"])
    pks = [invitation.pk for invitation in invitations]
    outbox.erase(OutboxEmail.objects.filter(invitation__in=pks))
    _scrub_history(Invitation, pks)


def _in_batches(queryset, anonymise, *, now):
    """Anonymise `queryset`'s rows not yet anonymised, BATCH per transaction; return how many."""
    done = 0
    while True:
        with transaction.atomic():
            batch = list(
                queryset.filter(anonymised_at__isnull=True)
                .select_for_update(skip_locked=True)
                .order_by("pk")[:BATCH]
            )
            if batch:
                anonymise(batch, now=now)
        done += len(batch)
        if len(batch) < BATCH:
            return done


def anonymise_expired(*, now=None):
    """Anonymise the registrations and invitations of events that ended over the retention period ago.

    The period is REGISTRATION_RETENTION_DAYS (0: never). Rows already anonymised are
    left alone, so running again changes nothing. Returns a RetentionRun.
    """
    now = now or timezone.now()
    cutoff = retention_cutoff(now)
    if cutoff is None:
        return RetentionRun(0, 0)
    return RetentionRun(
        registrations=_in_batches(
            Registration.objects.filter(event__end__lt=cutoff), _anonymise_registration_rows, now=now
        ),
        invitations=_in_batches(
            Invitation.objects.filter(event__end__lt=cutoff), _anonymise_invitation_rows, now=now
        ),
    )


@transaction.atomic
def delete_registration_data(*, registration, now=None):
    """The registrant's "delete my data": free their place, then anonymise the registration.

    An active registration is cancelled first as services.cancel_registration does
    (a freed place goes to the waiting list), without the "cancelled" email. Then the
    registration, the guest-list invitation it was made with and their emails are
    anonymised (pending emails are withdrawn); the manage link stops working.
    Returns the registration, anonymised. Calling it again changes nothing.
    """
    now = now or timezone.now()
    services.cancel_registration(registration=registration, now=now, notify=False)
    locked = Registration.objects.select_for_update().get(pk=registration.pk)
    if locked.anonymised_at is None:
        _anonymise_registration_rows([locked], now=now)
    invitation = (
        Invitation.objects.select_for_update().filter(registration=locked, anonymised_at=None).first()
    )
    if invitation is not None:
        _anonymise_invitation_rows([invitation], now=now)
    return locked
