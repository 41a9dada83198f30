"""Writes on events and sessions."""

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .models import Event, EventPartner, Session, SessionSpeaker


def record_time_change(*, instance, old_start, old_end):
    """Raise `instance`'s calendar SEQUENCE when its start or end moved; return whether it did.

    `instance` is a saved Event or Session holding its new times; `old_start`
    and `old_end` are the times it had before the save (None for a new row,
    which keeps sequence 0). Saving again with the same times changes nothing,
    so pressing save twice never raises the sequence twice.

    Side effects: one F() update of the row's `sequence` (safe
    against concurrent saves); `instance.sequence` is refreshed to match.
    """
    if old_start is None and old_end is None:
        return False
    if instance.start == old_start and instance.end == old_end:
        return False
    model = type(instance)
    model.objects.filter(pk=instance.pk).update(sequence=F("sequence") + 1)
    instance.sequence = model.objects.values_list("sequence", flat=True).get(pk=instance.pk)
    return True


def shift_local_time(value, *, offset, tz):
    """Return the aware datetime `value` moved by the timedelta `offset` on the wall clock of `tz`.

    10:00 in Brussels in June moved by 182 days is 10:00 in Brussels in December,
    although one is summer time and the other not. None stays None.
    """
    if value is None:
        return None
    local = timezone.localtime(value, tz).replace(tzinfo=None) + offset
    return timezone.make_aware(local, tz)


def _free_slug(base):
    """`base`, or `base-2`, `base-3`, ... whichever no event has yet, within the slug's length."""
    max_length = Event._meta.get_field("slug").max_length
    taken = set(Event.objects.filter(slug__startswith=base[: max_length - 4]).values_list("slug", flat=True))
    candidate, number = base[:max_length], 1
    while candidate in taken:
        number += 1
        suffix = f"-{number}"
        candidate = base[: max_length - len(suffix)] + suffix
    return candidate


@transaction.atomic
def clone_event(*, event, offset, title=None, slug=None):
    """Copy `event` as a draft for its next edition, its times moved by the timedelta `offset`.

    Copied: every field of the event (except those below), its topics, hosts and
    supporters, its sessions and their speaker links (the same Speaker rows).
    Times move on the event's wall clock (see shift_local_time). The copy is a
    draft with calendar sequences back at 0, titled `title` (in English) or the same title,
    with the slug `slug` or the first free of `<slug>-copy`, `<slug>-copy-2`, ...
    The links that belong to one edition (recording, slides, join link) are left
    empty. Registrations live in the registrations app and are never copied here.

    Side effects: inserts one Event, its EventPartner, Session and SessionSpeaker
    rows and its topic links. Returns the new Event.
    """
    tz = event.tz
    clone = Event.objects.get(pk=event.pk)
    clone.pk = None
    clone._state.adding = True
    if title:
        # A new English title: the Spanish one named the old edition, so it is left to translate again.
        clone.title_en, clone.title_es = title, ""
    clone.slug = slug or _free_slug(f"{event.slug}-copy")
    clone.status = Event.Status.DRAFT
    clone.start = shift_local_time(event.start, offset=offset, tz=tz)
    clone.end = shift_local_time(event.end, offset=offset, tz=tz)
    clone.sequence = 0
    clone.recording_url = clone.slides_url = clone.join_url = ""
    clone.save(force_insert=True)
    clone.topics.set(event.topics.all())

    partners = list(event.partners.all())
    for partner in partners:
        partner.pk = None
        partner.event = clone
    EventPartner.objects.bulk_create(partners)

    sessions = list(event.sessions.order_by("pk"))
    links = list(SessionSpeaker.objects.filter(session__event=event).order_by("pk"))
    old_pks = [session.pk for session in sessions]
    for session in sessions:
        session.pk = None
        session.event = clone
        session.start = shift_local_time(session.start, offset=offset, tz=tz)
        session.end = shift_local_time(session.end, offset=offset, tz=tz)
        session.sequence = 0
    Session.objects.bulk_create(sessions)
    new_pk = {old: session.pk for old, session in zip(old_pks, sessions, strict=True)}
    for link in links:
        link.pk = None
        link.session_id = new_pk[link.session_id]
    SessionSpeaker.objects.bulk_create(links)
    return clone
