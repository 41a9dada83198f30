"""The outbox's one writer: every email the site owes is a row written here, in the caller's transaction.

A row is written with the change it reports and queued for sending once that change
commits; a row whose task is lost (broker down, worker killed) is queued again by the
sweep (tasks.task_requeue_pending_emails), so mail is delayed, never dropped.
"""

import datetime as dt
import logging
from itertools import groupby

from celery.exceptions import Retry
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Case, F, Value, When
from django.utils import timezone, translation

from ewevents.celery import enqueue

from . import delivery, rendering, routing
from .models import OutboxEmail

logger = logging.getLogger(__name__)

SEND_EMAIL_TASK = "registrations.send_email"
SEND_BATCH_TASK = "registrations.send_email_batch"
BATCH = 1000
# Rows one delivery task sends over one SMTP connection: enough to spare a connection and
# three log lines per message, few enough that a retry or a lease covers them easily.
DELIVERY_BATCH = 100


def find_queued(dedupe_key):
    """The row already written under `dedupe_key`, or None: check it before the costly rendering."""
    return OutboxEmail.objects.filter(dedupe_key=dedupe_key).first() if dedupe_key is not None else None


def queue_email(
    *,
    to,
    kind,
    language,
    context=None,
    content=None,
    dedupe_key=None,
    registration=None,
    invitation=None,
    mailing=None,
    follower=None,
    unsubscribe_url="",
):
    """Write one pending row of `kind` to `to`, in the caller's transaction; return it.

    The email is `content` (see rendering.content, rendered by the caller), or the templates
    of `kind` rendered now with `context`, in `language`. With a `dedupe_key` already
    taken, nothing is written and the existing row is returned: such an email is owed
    once, however often this is called. With an `unsubscribe_url` (emails to a series
    follower), delivery adds the List-Unsubscribe headers.

    Side effects: inserts an OutboxEmail row; once the transaction commits, queues
    registrations.send_email for it on its kind's queue (routing.queue_for). If the
    broker can't be reached the row stays pending and the sweep queues it later.
    """
    if content is None:
        # Checked before rendering, the costly part; with content given the unique index settles it.
        existing = find_queued(dedupe_key)
        if existing is not None:
            return existing
        with translation.override(language):
            content = rendering.render(kind, context)
    fields = {
        "registration": registration,
        "invitation": invitation,
        "mailing": mailing,
        "follower": follower,
        "unsubscribe_url": unsubscribe_url,
        "to_email": to,
        "kind": kind,
        "language": language,
        "dedupe_key": dedupe_key,
        **content,
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
    transaction.on_commit(lambda: queue_delivery(outbox_id=row.pk, queue=routing.queue_for(kind)))
    return row


def queue_emails(rows, *, rate_per_minute):
    """Write `rows` (an iterable of unsaved OutboxEmail, each with a dedupe key), skipping keys taken;
    return the pks of those rows now pending, in order.

    For bulk sends such as a mailing, run by a task outside any transaction: rows are
    inserted in batches with ignore_conflicts, each batch committed as it goes, so writing
    the same rows twice, even concurrently, writes each once.

    Side effects: inserts OutboxEmail rows; queues their delivery spread out to
    `rate_per_minute` (see queue_spread).
    """
    keys, batch = [], []
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH:
            OutboxEmail.objects.bulk_create(batch, ignore_conflicts=True)
            keys += [row.dedupe_key for row in batch]
            batch = []
    OutboxEmail.objects.bulk_create(batch, ignore_conflicts=True)
    keys += [row.dedupe_key for row in batch]
    pending = []
    for start in range(0, len(keys), BATCH):
        pending += OutboxEmail.objects.filter(
            dedupe_key__in=keys[start : start + BATCH], status=OutboxEmail.Status.PENDING
        ).values_list("pk", "kind")
    pending.sort()
    queue_spread(pending, rate_per_minute=rate_per_minute)
    return [pk for pk, _kind in pending]


@transaction.atomic
def requeue_failed(rows):
    """Set the failed rows among `rows` (a queryset) back to pending and queue them; return how many.

    A conditional update: rows sent meanwhile are untouched, so nobody gets an email twice.
    Side effects: resets status, attempts and last_error of those rows; once the
    transaction commits, queues their delivery (see queue_spread, at the mailing rate).
    """
    failed = list(
        rows.filter(status=OutboxEmail.Status.FAILED)
        .select_for_update()
        .order_by("pk")
        .values_list("pk", "kind")
    )
    OutboxEmail.objects.filter(pk__in=[pk for pk, _kind in failed], status=OutboxEmail.Status.FAILED).update(
        status=OutboxEmail.Status.PENDING, attempts=0, last_error=""
    )
    transaction.on_commit(lambda: queue_spread(failed))
    return len(failed)


def queue_spread(rows, *, rate_per_minute=None):
    """Queue delivery of `rows`, (pk, kind) pairs in order, spread out to `rate_per_minute` (0: all at once).

    The rate is MAILING_RATE_PER_MINUTE unless given.

    Row i's turn is int(i * 60 / rate) seconds from now; rows with the same turn form a
    slot, sent by one task over one SMTP connection (queue_batch_delivery), at most
    DELIVERY_BATCH rows a task. Each slot's turn is written to its rows (send_after) with
    one UPDATE, so the sweep doesn't send them early and break the rate. Rows go to their
    kind's queue.
    """
    rate = settings.MAILING_RATE_PER_MINUTE if rate_per_minute is None else rate_per_minute
    now = timezone.now()
    turns = groupby(enumerate(rows), key=lambda item: int(item[0] * 60 / rate) if rate > 0 else 0)
    for countdown, slot in turns:
        slot = [row for _index, row in slot]
        for start in range(0, len(slot), BATCH):
            pks = [pk for pk, _kind in slot[start : start + BATCH]]
            OutboxEmail.objects.filter(pk__in=pks).update(send_after=now + dt.timedelta(seconds=countdown))
        by_queue = {}
        for pk, kind in slot:
            by_queue.setdefault(routing.queue_for(kind), []).append(pk)
        for queue, pks in by_queue.items():
            for start in range(0, len(pks), DELIVERY_BATCH):
                batch = pks[start : start + DELIVERY_BATCH]
                queue_batch_delivery(outbox_ids=batch, queue=queue, countdown=countdown)


def queue_batch_delivery(*, outbox_ids, queue, countdown=0):
    """Queue one task that sends the rows `outbox_ids` over one connection; return whether it was.

    A single row goes to the single-row task (queue_delivery). If the broker is down the
    rows stay pending for the sweep; run eagerly, a failure is recorded on the rows.
    """
    if len(outbox_ids) == 1:
        return queue_delivery(outbox_id=outbox_ids[0], queue=queue, countdown=countdown)
    try:
        return enqueue(
            SEND_BATCH_TASK,
            kwargs={"outbox_ids": list(outbox_ids)},
            queue=queue,
            countdown=countdown or None,
            what=f"a batch of {len(outbox_ids)} outbox emails",
            fallback="the sweep will queue them.",
        )
    except (Retry, delivery.TransientEmailError):
        logger.warning(
            "Sending a batch of %s outbox emails failed; its unsent rows stay pending.", len(outbox_ids)
        )
        return False


def queue_delivery(*, outbox_id, queue, countdown=0):
    """Queue the task that sends row `outbox_id` on `queue` in `countdown` seconds; return whether it was.

    If the broker is down the row stays pending for the sweep. Run eagerly (no broker),
    the task sends at once; a failure there is recorded on the row, which stays pending.
    """
    try:
        return enqueue(
            SEND_EMAIL_TASK,
            kwargs={"outbox_id": outbox_id},
            queue=queue,
            countdown=countdown or None,
            what=f"outbox email {outbox_id}",
            fallback="the sweep will queue it.",
        )
    except (Retry, delivery.TransientEmailError):
        logger.warning("Sending outbox email %s failed; it stays pending.", outbox_id)
        return False


def requeue_stale():
    """Queue again the pending rows whose task seems lost (delivery.stale_pending_ids); return how many."""
    ids = delivery.stale_pending_ids()
    kinds = dict(OutboxEmail.objects.filter(pk__in=ids).values_list("pk", "kind"))
    queued = sum(queue_delivery(outbox_id=pk, queue=routing.queue_for(kinds.get(pk))) for pk in ids)
    if ids:
        logger.info("Re-queued %s of %s pending outbox emails.", queued, len(ids))
    return queued


def erase(rows):
    """Remove recipient and content from the outbox `rows` (a queryset); withdraw those still pending.

    For anonymisation: the rows stay, counted by kind and status, but hold nothing personal.
    """
    rows.update(
        to_email="",
        subject="",
        body_text="",
        body_html="",
        ics="",
        cancel_ics="",
        last_error="",
        status=Case(
            When(status=OutboxEmail.Status.PENDING, then=Value(OutboxEmail.Status.WITHDRAWN)),
            default=F("status"),
        ),
    )
