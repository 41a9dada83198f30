"""What registrants are told after staff change an event: a new time, a recording; and who attended.

Each email goes through the outbox with a dedupe key, so pressing save or an
admin action again never sends it twice.
"""

from typing import NamedTuple

from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.db.models.functions import Lower

from events.models import Event, Session
from registrations.models import OutboxEmail, Registration
from registrations.signup.emails import queue_registration_email, times_for


def _viewer(registration):
    return registration.user if registration.user_id else AnonymousUser()


@transaction.atomic
def notify_time_change(*, instance, old_start, old_end):
    """Queue one "time changed" email per confirmed registrant `instance`'s move concerns; return how many.

    `instance` is an Event (all its confirmed registrations) or a Session (the
    confirmed registrations that chose it), saved with its new times and the
    SEQUENCE events.services.record_time_change raised. Each email states the old
    and the new time in the event's zone and the registrant's, and carries the
    updated .ics (same UIDs, the new SEQUENCE). A registrant who may not see a
    session in full is not told about it: they never received its details.

    Side effects: at most one OutboxEmail row per registration and SEQUENCE
    (dedupe key "time_changed:<event|session>:<pk>:<sequence>:<registration pk>");
    each is queued for sending once the transaction commits.
    """
    if isinstance(instance, Event):
        scope = "event"
        registrations = Registration.objects.filter(event=instance)
    elif isinstance(instance, Session):
        scope = "session"
        registrations = instance.registrations.all()
    else:
        raise TypeError(f"Not an event or a session: {instance!r}")
    registrations = (
        registrations.filter(status=Registration.Status.CONFIRMED)
        .select_related("event", "user")
        .order_by("pk")
    )
    queued = 0
    for registration in registrations:
        if scope == "session" and not instance.details_visible_to(_viewer(registration)):
            continue
        key = f"time_changed:{scope}:{instance.pk}:{instance.sequence}:{registration.pk}"
        if OutboxEmail.objects.filter(dedupe_key=key).exists():
            continue
        context = {
            "moved_session": instance if scope == "session" else None,
            "old_times": times_for(registration=registration, start=old_start, end=old_end),
            "new_times": times_for(registration=registration, start=instance.start, end=instance.end),
        }
        queue_registration_email(
            registration=registration,
            kind=OutboxEmail.Kind.TIME_CHANGED,
            dedupe_key=key,
            context=context,
        )
        queued += 1
    return queued


class RecordingNotice(NamedTuple):
    queued: int
    already_told: int


@transaction.atomic
def notify_recording_available(*, event):
    """Queue one "recording available" email per confirmed registration of `event`, once ever.

    Where attendance is recorded for `event` (any registration has `attended_at`),
    those who attended and those who did not get different texts; otherwise every
    registrant gets one neutral text. Returns how many were queued now and how many
    had been told before. Does nothing for an event without a recording link.

    Side effects: at most one OutboxEmail row per registration (dedupe key
    "recording:<event pk>:<registration pk>"), queued for sending once the
    transaction commits.
    """
    if not event.recording_url:
        return RecordingNotice(0, 0)
    attendance_recorded = Registration.objects.filter(event=event, attended_at__isnull=False).exists()
    registrations = list(
        Registration.objects.filter(event=event, status=Registration.Status.CONFIRMED)
        .select_related("event", "user")
        .order_by("pk")
    )
    keys = {registration.pk: f"recording:{event.pk}:{registration.pk}" for registration in registrations}
    told = set(OutboxEmail.objects.filter(dedupe_key__in=keys.values()).values_list("dedupe_key", flat=True))
    queued = 0
    for registration in registrations:
        if keys[registration.pk] in told:
            continue
        attended = registration.attended_at is not None if attendance_recorded else None
        queue_registration_email(
            registration=registration,
            kind=OutboxEmail.Kind.RECORDING_AVAILABLE,
            dedupe_key=keys[registration.pk],
            context={"attended": attended, "recording_url": event.recording_url},
        )
        queued += 1
    return RecordingNotice(queued, len(told))


class AttendanceImport(NamedTuple):
    matched: int
    unmatched: list
    # The registrations this import marked as attended (those marked before are not in it).
    marked: tuple = ()


@transaction.atomic
def record_attendance(*, event, emails, at, join_times=None):
    """Mark the confirmed registrations of `event` whose address is in `emails` as attended.

    Addresses match case-insensitively. Each gets `attended_at` = its time in
    `join_times` (a mapping of lower-cased address to an aware datetime) or `at`;
    a registration already marked keeps its time, so importing a report twice
    changes nothing. Returns the number of registrations matched and the
    addresses (as given, in order, without repeats) that matched none.

    Side effects: updates Registration.attended_at.
    """
    join_times = join_times or {}
    addresses = {}
    for email in emails:
        address = email.strip()
        if address:
            addresses.setdefault(address.lower(), address)
    registrations = (
        Registration.objects.annotate(address=Lower("email"))
        .filter(event=event, status=Registration.Status.CONFIRMED, address__in=list(addresses))
        .order_by("pk")
    )
    found = set()
    marked = []
    for registration in registrations:
        found.add(registration.address)
        if registration.attended_at is None:
            registration.attended_at = join_times.get(registration.address, at)
            registration.save(update_fields=["attended_at", "updated"])
            marked.append(registration)
    return AttendanceImport(
        matched=len(found),
        unmatched=[address for lowered, address in addresses.items() if lowered not in found],
        marked=marked,
    )
