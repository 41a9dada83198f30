"""Celery tasks for registrations: thin adapters around registrations.delivery."""

import logging

import kombu.exceptions
import redis.exceptions
from celery import shared_task
from celery.exceptions import Retry
from django.conf import settings

from . import delivery, reminders
from .delivery import TransientEmailError
from .models import OutboxEmail

logger = logging.getLogger(__name__)

# What publishing a task raises when the broker is down or unreachable.
BROKER_ERRORS = (kombu.exceptions.OperationalError, redis.exceptions.RedisError, OSError)


@shared_task(
    bind=True,
    name="registrations.send_email",
    autoretry_for=(TransientEmailError,),
    # 60 s, 120 s, 240 s, ... up to 10 minutes (with jitter): rides out an SMTP outage.
    retry_backoff=getattr(settings, "EMAIL_RETRY_BACKOFF_SECONDS", 60),
    retry_backoff_max=10 * getattr(settings, "EMAIL_RETRY_BACKOFF_SECONDS", 60),
    retry_jitter=True,
    # The row's attempt count is the real bound (EMAIL_MAX_ATTEMPTS); this is a backstop.
    max_retries=getattr(settings, "EMAIL_MAX_ATTEMPTS", delivery.DEFAULT_MAX_ATTEMPTS),
)
def task_send_email(self, *, outbox_id):
    """Send the outbox row `outbox_id` unless it is gone, sent, failed or being sent."""
    row = delivery.send_outbox_email(outbox_id=outbox_id)
    return row.status if row is not None else None


def queue_for(kind):
    """The Celery queue for sending an outbox row of `kind`: bulk sends wait in their own queue,
    so a mailing to thousands never delays someone's registration email."""
    bulk = kind in (OutboxEmail.Kind.MAILING, OutboxEmail.Kind.RECORDING_AVAILABLE)
    return settings.MAILINGS_QUEUE if bulk else settings.EMAIL_QUEUE


def queue_send_email(*, outbox_id, queue=None):
    """Queue task_send_email for a row (on `queue`, by default the "email" queue); if the broker
    is down, log it and leave the row to the sweep.

    Called from transaction.on_commit: raising here would turn a stored registration
    into an error page.
    """
    try:
        task_send_email.apply_async(kwargs={"outbox_id": outbox_id}, queue=queue)
    except BROKER_ERRORS as exc:
        # The class only: a broker error needs no detail here, and the row holds none to leak.
        logger.warning(
            "Could not queue outbox email %s (%s); the sweep will queue it.", outbox_id, type(exc).__name__
        )
        return False
    except (Retry, TransientEmailError):
        # Only when tasks run eagerly (no broker): the attempt is recorded on the row.
        logger.warning("Sending outbox email %s failed; it stays pending.", outbox_id)
        return False
    return True


@shared_task(name="registrations.requeue_pending_emails")
def task_requeue_pending_emails():
    """Queue task_send_email again for pending rows whose task seems lost; return how many.

    Run every minute by Celery beat (CELERY_BEAT_SCHEDULE). Bounded per run.
    """
    ids = delivery.stale_pending_ids()
    kinds = dict(OutboxEmail.objects.filter(pk__in=ids).values_list("pk", "kind"))
    queued = sum(queue_send_email(outbox_id=pk, queue=queue_for(kinds.get(pk))) for pk in ids)
    if ids:
        logger.info("Re-queued %s of %s pending outbox emails.", queued, len(ids))
    return queued


@shared_task(name="registrations.queue_due_reminders")
def task_queue_due_reminders():
    """Queue the reminder emails due now; return how many (see reminders.queue_due_reminders).

    Run every five minutes by Celery beat (CELERY_BEAT_SCHEDULE). Safe to run late, twice or concurrently.
    """
    return reminders.queue_due_reminders()


@shared_task(name="registrations.anonymise_expired_registrations")
def task_anonymise_expired_registrations():
    """Anonymise registrations and guest lists past the retention period; return how many rows.

    Run daily by Celery beat (CELERY_BEAT_SCHEDULE). Safe to run late, twice or concurrently.
    """
    from . import retention

    run = retention.anonymise_expired()
    if run.registrations or run.invitations:
        logger.info("Anonymised %s registrations and %s invitations.", run.registrations, run.invitations)
    return run.registrations + run.invitations


# --- Mailings --------------------------------------------------------------------------------------


def queue_send_email_later(*, outbox_id, countdown, queue=None):
    """Queue task_send_email for a row to run in `countdown` seconds; like queue_send_email otherwise."""
    try:
        task_send_email.apply_async(kwargs={"outbox_id": outbox_id}, countdown=countdown, queue=queue)
    except BROKER_ERRORS as exc:
        logger.warning(
            "Could not queue outbox email %s (%s); the sweep will queue it.", outbox_id, type(exc).__name__
        )
        return False
    except (Retry, TransientEmailError):
        logger.warning("Sending outbox email %s failed; it stays pending.", outbox_id)
        return False
    return True


@shared_task(name="registrations.send_mailing")
def task_send_mailing(*, mailing_id):
    """Write the outbox rows of a mailing being sent and queue their delivery; return how many.

    Safe to run twice or concurrently (see mailings.deliver_mailing).
    """
    from . import mailings

    return mailings.deliver_mailing(mailing_id=mailing_id)


def queue_send_mailing(*, mailing_id):
    """Queue task_send_mailing; if the broker is down, log it: the mailing stays "sending".

    Called from transaction.on_commit. task_resume_mailings queues it again later.
    """
    try:
        task_send_mailing.delay(mailing_id=mailing_id)
    except BROKER_ERRORS as exc:
        logger.warning("Could not queue mailing %s (%s).", mailing_id, type(exc).__name__)
        return False
    return True


@shared_task(name="registrations.resume_mailings")
def task_resume_mailings():
    """Queue task_send_mailing again for mailings stuck in "sending"; return how many.

    Run by Celery beat (CELERY_BEAT_SCHEDULE): a mailing whose task was lost (broker
    down at commit, worker killed) is finished later, and nobody gets it twice.
    """
    from . import mailings

    ids = mailings.stalled_mailing_ids()
    return sum(queue_send_mailing(mailing_id=mailing_id) for mailing_id in ids)
