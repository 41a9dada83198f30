"""Celery tasks of operations: thin adapters around heartbeats."""

from celery import shared_task

from . import heartbeats


@shared_task(name="operations.check_heartbeats")
def task_check_heartbeats():
    """Email the site's ADMINS about periodic jobs newly late; return how many (heartbeats.alert_late_jobs).

    Run every five minutes (CELERY_BEAT_SCHEDULE, "check-heartbeats"). Safe to run late, twice or
    concurrently: each lateness is told once.
    """
    return heartbeats.alert_late_jobs()
