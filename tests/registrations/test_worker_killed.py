"""A Celery worker killed while it sends an email: the message is still delivered, once.

Real PostgreSQL, Redis, SMTP server and worker processes; the worker is killed by PID
with SIGKILL while the SMTP server holds its DATA command. The outbox row's claim has a
two-second lease here (EMAIL_SEND_LEASE_SECONDS), after which the sweep sends it again.
"""

import datetime as dt
import email
import email.policy
import time

import pytest
from django.utils import timezone

from registrations.models import OutboxEmail
from registrations.outbox.tasks import task_requeue_pending_emails
from registrations.signup import services
from tests import factories
from tests.service_fixtures import publishing_to
from tests.services import settled

pytestmark = pytest.mark.django_db(transaction=True)

LEASE_SECONDS = 2


def register_guest():
    event = factories.EventFactory(title="Crash Conference")
    return services.register(
        event=event, data={"name": "Guest Person", "email": "guest@example.com"}, user=None
    )


def status_of(row):
    row.refresh_from_db(fields=["status"])
    return row.status


def kill_mid_send(start_celery_worker, smtp_server, redis_url, *, accept_first):
    """Register, let a worker start sending, kill it while the SMTP server holds the message."""
    smtp_server.hold(accept_first=accept_first)
    doomed = start_celery_worker(EMAIL_SEND_LEASE_SECONDS=str(LEASE_SECONDS))
    with publishing_to(redis_url):
        registration = register_guest()
    assert smtp_server.wait_until_held(timeout=30), doomed.log()
    row = registration.emails.get()
    assert row.status == OutboxEmail.Status.PENDING
    assert row.claimed_until is not None  # claimed, and no lock or transaction held meanwhile

    doomed.kill()
    smtp_server.release()
    return row


def sweep_after_the_lease(row, redis_url):
    """What the beat schedule does every minute, once the dead sender's lease has run out."""
    time.sleep(LEASE_SECONDS + 0.5)
    OutboxEmail.objects.filter(pk=row.pk).update(created=timezone.now() - dt.timedelta(minutes=2))
    with publishing_to(redis_url):
        assert task_requeue_pending_emails() == 1


def message_ids(messages):
    return [email.message_from_bytes(raw, policy=email.policy.default)["Message-ID"] for raw in messages]


def test_a_worker_killed_before_the_server_accepted_leaves_the_email_to_be_sent_once(
    start_celery_worker, smtp_server, redis_url
):
    row = kill_mid_send(start_celery_worker, smtp_server, redis_url, accept_first=False)
    time.sleep(0.5)
    assert smtp_server.messages == []  # the dead sender delivered nothing
    row.refresh_from_db()
    assert (row.status, row.attempts) == (OutboxEmail.Status.PENDING, 0)

    start_celery_worker(EMAIL_SEND_LEASE_SECONDS=str(LEASE_SECONDS))
    sweep_after_the_lease(row, redis_url)

    assert len(smtp_server.wait_for_messages(1, timeout=30)) == 1
    assert settled(lambda: status_of(row), OutboxEmail.Status.SENT) == OutboxEmail.Status.SENT
    time.sleep(1)  # a second send would have reached the server by now
    assert message_ids(smtp_server.messages) == [row.message_id]
    row.refresh_from_db()
    assert (row.status, row.attempts, row.claimed_until) == (OutboxEmail.Status.SENT, 1, None)


def test_a_worker_killed_after_the_server_accepted_sends_a_second_copy_with_the_same_message_id(
    start_celery_worker, smtp_server, redis_url
):
    row = kill_mid_send(start_celery_worker, smtp_server, redis_url, accept_first=True)
    assert len(smtp_server.messages) == 1  # accepted, but the row could not be marked

    start_celery_worker(EMAIL_SEND_LEASE_SECONDS=str(LEASE_SECONDS))
    sweep_after_the_lease(row, redis_url)

    assert len(smtp_server.wait_for_messages(2, timeout=30)) == 2
    assert message_ids(smtp_server.messages) == [row.message_id, row.message_id]
    assert settled(lambda: status_of(row), OutboxEmail.Status.SENT) == OutboxEmail.Status.SENT
    row.refresh_from_db()
    assert (row.status, row.attempts) == (OutboxEmail.Status.SENT, 1)


def test_a_claimed_row_is_not_sent_by_a_second_task_while_the_lease_lasts(mailoutbox):
    from registrations.outbox import delivery

    registration = register_guest()
    row = registration.emails.get()
    OutboxEmail.objects.filter(pk=row.pk).update(
        status=OutboxEmail.Status.PENDING,
        sent_at=None,
        claim="someone",
        claimed_until=timezone.now() + dt.timedelta(minutes=1),
    )
    mailoutbox.clear()

    assert delivery.send_outbox_email(outbox_id=row.pk) is None
    assert mailoutbox == []

    OutboxEmail.objects.filter(pk=row.pk).update(claimed_until=timezone.now() - dt.timedelta(seconds=1))
    assert delivery.send_outbox_email(outbox_id=row.pk).status == OutboxEmail.Status.SENT
    assert [message.extra_headers["Message-ID"] for message in mailoutbox] == [row.message_id]
