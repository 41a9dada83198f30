"""Celery tasks of sign-up: thin adapters around its services."""

from celery import shared_task

from . import offers


@shared_task(name="registrations.expire_offers")
def task_expire_offers():
    """Pass on the offered places whose time is up; return how many lapsed (see offers.expire_offers).

    Run every five minutes by Celery beat (CELERY_BEAT_SCHEDULE). Safe to run late, twice or concurrently:
    each event's offers are passed on under its lock.
    """
    return offers.expire_offers()
