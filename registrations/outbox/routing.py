"""Which Celery queue each outbox row and mailing waits in: decided here, and only here.

Bulk sends (mailings, "recording available") wait in their own queue for their own
workers, so a mailing to thousands never delays someone's confirmation.
"""

from django.conf import settings

from .models import OutboxEmail

BULK_KINDS = {OutboxEmail.Kind.MAILING, OutboxEmail.Kind.RECORDING_AVAILABLE}


def queue_for(kind):
    """The queue of the task that sends an outbox row of `kind`."""
    return settings.MAILINGS_QUEUE if kind in BULK_KINDS else settings.EMAIL_QUEUE


def mailing_queue():
    """The queue of the task that writes a mailing's rows: the bulk queue, like the rows themselves."""
    return settings.MAILINGS_QUEUE
