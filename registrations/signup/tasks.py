"""Celery tasks of sign-up: thin adapters around its services."""

from celery import shared_task

from registrations.models import Registration

from . import link_requests, offers, services


@shared_task(name="registrations.expire_offers")
def task_expire_offers():
    """Pass on the offered places whose time is up; return how many lapsed (see offers.expire_offers).

    Run every five minutes by Celery beat (CELERY_BEAT_SCHEDULE). Safe to run late, twice or concurrently:
    each event's offers are passed on under its lock.
    """
    return offers.expire_offers()


@shared_task(name=link_requests.SEND_MANAGE_LINKS_TASK)
def task_send_manage_links(*, email):
    """Write the manage-link emails of `email`'s registrations to the outbox (services.send_manage_links)."""
    return len(services.send_manage_links(email=email))


@shared_task(name=link_requests.SEND_MANAGE_LINK_TASK)
def task_send_manage_link(*, registration_id):
    """Write the manage-link email of one registration to the outbox; nothing if it is gone."""
    registration = Registration.objects.filter(pk=registration_id).select_related("event").first()
    if registration is not None:
        services.send_manage_link(registration=registration)
