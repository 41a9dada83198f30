"""The guest list: personal invitation links for events in guest-list mode."""

from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from registrations.models import Invitation

from . import capacity, emails


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
    capacity.lock_event(event)
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
    outbox email with its personal link (see emails.queue_invitation_email).
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
        emails.queue_invitation_email(invitation=invitation)
        invitation.sent_at = now
        invitation.save(update_fields=["sent_at"])
        sent.append(invitation)
    return sent
