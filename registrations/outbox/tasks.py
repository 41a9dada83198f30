"""Celery tasks of the outbox: thin adapters that load a row or a batch and call delivery or services."""

from celery import shared_task
from django.conf import settings

from . import delivery, services
from .delivery import TransientEmailError
from .models import OutboxEmail


@shared_task(
    bind=True,
    name=services.SEND_EMAIL_TASK,
    autoretry_for=(TransientEmailError,),
    # 60 s, 120 s, 240 s, ... up to 10 minutes (with jitter): rides out an SMTP outage.
    retry_backoff=settings.EMAIL_RETRY_BACKOFF_SECONDS,
    retry_backoff_max=10 * settings.EMAIL_RETRY_BACKOFF_SECONDS,
    retry_jitter=True,
    # The row's attempt count is the real bound (EMAIL_MAX_ATTEMPTS); this is a backstop.
    max_retries=settings.EMAIL_MAX_ATTEMPTS,
)
def task_send_email(self, *, outbox_id):
    """Send the outbox row `outbox_id` unless it is gone, sent, failed or being sent."""
    row = delivery.send_outbox_email(outbox_id=outbox_id)
    return row.status if row is not None else None


@shared_task(
    bind=True,
    name=services.SEND_BATCH_TASK,
    autoretry_for=(TransientEmailError,),
    # As task_send_email: the rows' attempt counts are the real bound.
    retry_backoff=settings.EMAIL_RETRY_BACKOFF_SECONDS,
    retry_backoff_max=10 * settings.EMAIL_RETRY_BACKOFF_SECONDS,
    retry_jitter=True,
    max_retries=settings.EMAIL_MAX_ATTEMPTS,
)
def task_send_email_batch(self, *, outbox_ids):
    """Send the rows `outbox_ids` still pending over one SMTP connection (delivery.send_outbox_batch);
    return how many were sent."""
    return delivery.send_outbox_batch(outbox_ids=outbox_ids)[OutboxEmail.Status.SENT]


@shared_task(name="registrations.requeue_pending_emails")
def task_requeue_pending_emails():
    """Queue task_send_email again for pending rows whose task seems lost; return how many.

    Run every minute by Celery beat (CELERY_BEAT_SCHEDULE). Bounded per run.
    """
    return services.requeue_stale()
