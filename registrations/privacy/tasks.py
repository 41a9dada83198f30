"""Celery tasks of privacy: thin adapters around retention."""

import logging

from celery import shared_task

from registrations.following import services as following

from . import retention

logger = logging.getLogger(__name__)


@shared_task(name="registrations.anonymise_expired_registrations")
def task_anonymise_expired_registrations():
    """Anonymise registrations and guest lists past the retention period, and forget series followers
    who never confirmed (or unsubscribed) over SERIES_FOLLOWER_RETENTION_DAYS ago; return how many rows.

    Run daily by Celery beat (CELERY_BEAT_SCHEDULE). Safe to run late, twice or concurrently.
    """
    run = retention.anonymise_expired()
    if run.registrations or run.invitations:
        logger.info("Anonymised %s registrations and %s invitations.", run.registrations, run.invitations)
    forgotten = following.forget_expired()
    if forgotten:
        logger.info("Forgot %s series followers who never confirmed or unsubscribed.", forgotten)
    return run.registrations + run.invitations + forgotten
