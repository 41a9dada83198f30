"""Everything held on one email address, for a subject access request: staff export it as JSON.

Addresses match without regard to letter case. A person's data is: the accounts
with that address (as login or as one of their allauth addresses), with their
addresses and memberships; the registrations with that address or made by those
accounts, for every event, with their check-ins (each day they were checked in at
the door, and when) and their answers to the events' own questions; the guest-list
invitations to that address; the webinar series the address follows or asked to follow;
and the emails sent to that address or about those registrations, invitations and
follows (their plain text). Secret tokens (manage links, door codes, invitation links,
calendar feeds, a follower's confirm and unsubscribe links)
are left out, also from the emails' text: they are credentials, not data about the person.
"""

import json

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Prefetch, Q
from django.utils import timezone

from events.models import Membership
from registrations.door_code import grouped
from registrations.models import (
    OPTIONAL_FIELDS,
    Answer,
    CheckIn,
    Invitation,
    OutboxEmail,
    Registration,
    SeriesFollower,
)

_REGISTRATION_FIELDS = (
    "id",
    "status",
    "name",
    "email",
    *OPTIONAL_FIELDS,
    "privacy_consent_at",
    "privacy_notice_version",
    "language",
    "time_zone",
    "user_id",
    "created",
    "updated",
    "waitlisted_at",
    "attended_at",
    "cancelled_at",
    "anonymised_at",
)
REMOVED_LINK = "[private link removed]"
REMOVED_CODE = "[door code removed]"
_EMAIL_FIELDS = (
    "id",
    "kind",
    "status",
    "to_email",
    "subject",
    "body_text",
    "language",
    "created",
    "sent_at",
    "registration_id",
    "invitation_id",
    "mailing_id",
    "follower_id",
)
_INVITATION_FIELDS = ("id", "name", "email", "created", "sent_at", "registration_id", "anonymised_at")
_FOLLOWER_FIELDS = (
    "id",
    "email",
    "language",
    "created_at",
    "confirmation_sent_at",
    "confirmed_at",
    "unsubscribed_at",
)
_USER_FIELDS = ("id", "email", "first_name", "last_name", "date_joined", "last_login", "is_active")


def _fields(obj, names):
    return {name: getattr(obj, name) for name in names}


def _event(event):
    return {"slug": event.slug, "title": event.title, "start": event.start, "end": event.end}


def _account(user):
    return {
        **_fields(user, _USER_FIELDS),
        "email_addresses": [
            {"email": address.email, "verified": address.verified, "primary": address.primary}
            for address in user.emailaddress_set.all()
        ],
        "memberships": [
            {"organisation": membership.organisation.name, "since": membership.created}
            for membership in user.memberships.all()
        ],
    }


def _email(row, secrets):
    """The outbox row's fields, its text without the secrets it holds (`secrets`: {secret: replacement})."""
    fields = _fields(row, _EMAIL_FIELDS)
    for secret, replacement in secrets.items():
        fields["body_text"] = fields["body_text"].replace(secret, replacement)
    return fields


def _secrets(registrations, invitations, followers):
    """{secret: its replacement}: manage tokens, door codes (also as emails print them), invitation
    tokens, followers' tokens."""
    secrets = {registration.manage_token: REMOVED_LINK for registration in registrations}
    secrets.update({grouped(registration.door_code): REMOVED_CODE for registration in registrations})
    secrets.update({registration.door_code: REMOVED_CODE for registration in registrations})
    secrets.update({invitation.token: REMOVED_LINK for invitation in invitations})
    for follower in followers:
        secrets.update({follower.confirm_token: REMOVED_LINK, follower.unsubscribe_token: REMOVED_LINK})
    return secrets


def _registration(registration):
    return {
        **_fields(registration, _REGISTRATION_FIELDS),
        "event": _event(registration.event),
        "sessions": [session.title for session in registration.sessions.all()],
        "check_ins": [
            {"day": check_in.day, "checked_in_at": check_in.checked_in_at}
            for check_in in registration.checkins.all()
        ],
        "answers": [
            {"question": answer.question.label_en, "answer": answer.text}
            for answer in registration.answers.all()
        ],
    }


def _followers(email):
    return list(
        SeriesFollower.objects.filter(email__iexact=email)
        .select_related("series")
        .order_by("created_at", "pk")
    )


def _follow(follower):
    return {**_fields(follower, _FOLLOWER_FIELDS), "series": follower.series.title}


def personal_data(email):
    """Return a dict of everything held on `email` (see the module docstring), in constant queries."""
    email = email.strip()
    users = list(
        get_user_model()
        .objects.filter(Q(email__iexact=email) | Q(emailaddress__email__iexact=email))
        .distinct()
        .order_by("pk")
        .prefetch_related(
            Prefetch("emailaddress_set", queryset=EmailAddress.objects.order_by("pk")),
            Prefetch(
                "memberships", queryset=Membership.objects.select_related("organisation").order_by("pk")
            ),
        )
    )
    registrations = list(
        Registration.objects.filter(Q(email__iexact=email) | Q(user__in=users))
        .select_related("event")
        .prefetch_related(
            "sessions",
            Prefetch("checkins", queryset=CheckIn.objects.order_by("day")),
            Prefetch("answers", queryset=Answer.objects.select_related("question")),
        )
        .order_by("created", "pk")
    )
    invitations = list(
        Invitation.objects.filter(email__iexact=email).select_related("event").order_by("created", "pk")
    )
    followers = _followers(email)
    secrets = _secrets(registrations, invitations, followers)
    emails = OutboxEmail.objects.filter(
        Q(to_email__iexact=email)
        | Q(registration__in=registrations)
        | Q(invitation__in=invitations)
        | Q(follower__in=followers)
    ).order_by("created", "pk")
    return {
        "email": email,
        "exported_at": timezone.now(),
        "accounts": [_account(user) for user in users],
        "registrations": [_registration(registration) for registration in registrations],
        "invitations": [
            {**_fields(invitation, _INVITATION_FIELDS), "event": _event(invitation.event)}
            for invitation in invitations
        ],
        "series_followed": [_follow(follower) for follower in followers],
        "emails": [_email(row, secrets) for row in emails],
    }


def personal_data_json(email):
    """personal_data(email) as indented JSON text."""
    return json.dumps(personal_data(email), cls=DjangoJSONEncoder, indent=2, ensure_ascii=False)
