"""Celery tasks of mailings and reminders: thin adapters around their services."""

from celery import shared_task

from . import reminders, services


@shared_task(name=services.SEND_MAILING_TASK)
def task_send_mailing(*, mailing_id):
    """Write the outbox rows of a mailing being sent and queue their delivery; return how many.

    Safe to run twice or concurrently (see services.deliver_mailing).
    """
    return services.deliver_mailing(mailing_id=mailing_id)


@shared_task(name="registrations.resume_mailings")
def task_resume_mailings():
    """Queue task_send_mailing again for mailings stuck in "sending"; return how many.

    Run by Celery beat (CELERY_BEAT_SCHEDULE): a mailing whose task was lost (broker
    down at commit, worker killed) is finished later, and nobody gets it twice.
    """
    return sum(
        services.queue_send_mailing(mailing_id=mailing_id) for mailing_id in services.stalled_mailing_ids()
    )


@shared_task(name="registrations.queue_due_reminders")
def task_queue_due_reminders():
    """Queue the reminder emails due now; return how many (see reminders.queue_due_reminders).

    Run every five minutes by Celery beat (CELERY_BEAT_SCHEDULE). Safe to run late, twice or concurrently.
    """
    return reminders.queue_due_reminders()
