"""Celery tasks of accounts: thin adapters around registrations.accounts."""

from celery import shared_task
from django.utils import translation

from . import accounts


@shared_task(name=accounts.RESET_EMAIL_TASK)
def task_send_password_reset(*, email, language):
    """Write the reset emails of `email`, in `language`, to the outbox (accounts.send_password_reset)."""
    with translation.override(language):
        accounts.send_password_reset(email=email)
