"""Bulk mailings wait in their own Celery queue, so they never delay someone's registration email.

Real Redis, real workers: one consuming only the "email" queue, then one for "mailings".
"""

import datetime as dt
import email
import email.policy

import pytest
from django.utils import timezone

from registrations.mailings import services as mailings
from registrations.models import Mailing, OutboxEmail
from registrations.outbox.tasks import task_requeue_pending_emails
from registrations.signup import services
from tests import factories
from tests.service_fixtures import publishing_to
from tests.services import settled

pytestmark = pytest.mark.django_db(transaction=True)

AUDIENCE = 40


def recipients(messages):
    return sorted(email.message_from_bytes(raw, policy=email.policy.default)["To"] for raw in messages)


def test_a_registration_email_is_delivered_while_a_large_mailing_waits_for_its_own_workers(
    start_celery_worker, smtp_server, redis_url, settings
):
    settings.MAILING_RATE_PER_MINUTE = 0  # all at once: the worst case for the queue
    event = factories.EventFactory(title="Busy Conference")
    factories.RegistrationFactory.create_batch(AUDIENCE, event=event)
    mailing = Mailing.objects.create(
        event=event, subject="Practical information", body="Hello {{ name }}.", status=Mailing.Status.SENDING
    )
    with publishing_to(redis_url):
        # The mailing's emails are queued first, then someone registers.
        assert mailings.deliver_mailing(mailing_id=mailing.pk) == AUDIENCE
        services.register(
            event=event, data={"name": "Late Comer", "email": "late@example.com", "sessions": []}
        )

    email_worker = start_celery_worker(queues=("email",))

    assert recipients(smtp_server.wait_for_messages(1, timeout=30)) == ["late@example.com"]
    assert email_worker.wait_for_log("succeeded", count=1), email_worker.log()
    rows = OutboxEmail.objects.filter(mailing=mailing)
    assert rows.filter(status=OutboxEmail.Status.PENDING).count() == AUDIENCE

    # The sweep re-queues the waiting rows to the mailings queue too, never to "email".
    long_ago = timezone.now() - dt.timedelta(hours=2)
    rows.update(created=long_ago, send_after=long_ago)
    with publishing_to(redis_url):
        assert task_requeue_pending_emails() == AUDIENCE

    mailings_worker = start_celery_worker(queues=("mailings",))

    messages = smtp_server.wait_for_messages(1 + AUDIENCE, timeout=60)
    assert len(messages) == 1 + AUDIENCE
    assert settled(rows.filter(status=OutboxEmail.Status.SENT).count, AUDIENCE) == AUDIENCE
    # Each row was queued twice: in the mailing's one batch task, then by the sweep; the
    # sweep's task found it sent.
    assert mailings_worker.wait_for_log("succeeded", count=1 + AUDIENCE, timeout=60), mailings_worker.log()
    assert len(smtp_server.messages) == 1 + AUDIENCE
    assert mailings_worker.log().count("Task registrations.send_email_batch[") == 2  # received, succeeded
    assert email_worker.log().count("Task registrations.send_email[") == 2  # received, succeeded: one task


def test_starting_a_mailing_is_work_for_the_mailings_workers(
    start_celery_worker, smtp_server, redis_url, settings
):
    event = factories.EventFactory()
    factories.RegistrationFactory.create_batch(3, event=event)
    mailing = Mailing.objects.create(event=event, subject="News", body="Hello {{ name }}.")
    staff = factories.StaffFactory()
    email_worker = start_celery_worker(queues=("email",))

    with publishing_to(redis_url):
        mailings.start_mailing(mailing=mailing, user=staff)
        services.register(
            event=factories.EventFactory(),
            data={"name": "Late Comer", "email": "late@example.com", "sessions": []},
        )

    assert recipients(smtp_server.wait_for_messages(1, timeout=30)) == ["late@example.com"]
    assert "Task registrations.send_mailing[" not in email_worker.log()
    mailing.refresh_from_db()
    assert mailing.status == Mailing.Status.SENDING
    assert not OutboxEmail.objects.filter(mailing=mailing).exists()

    start_celery_worker(queues=("mailings",), MAILING_RATE_PER_MINUTE="0")

    assert len(smtp_server.wait_for_messages(1 + 3, timeout=30)) == 1 + 3
    assert (
        settled(lambda: Mailing.objects.get(pk=mailing.pk).status, Mailing.Status.SENT) == Mailing.Status.SENT
    )
