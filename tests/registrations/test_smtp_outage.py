"""The SMTP server down for a while: a real worker retries with backoff, counting each
attempt on the outbox row, and the email is delivered exactly once when the server is back.

The backoff is scaled down to one second here (EMAIL_RETRY_BACKOFF_SECONDS); in production
it starts at a minute and doubles, which rides out an outage of about half an hour.
"""

import time

import pytest

from registrations.models import OutboxEmail
from registrations.signup import services as registration_services
from tests import factories, services
from tests.service_fixtures import publishing_to

pytestmark = pytest.mark.django_db(transaction=True)


def wait_for_attempts(row, count, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        row.refresh_from_db()
        if row.attempts >= count:
            return row
        time.sleep(0.2)
    raise AssertionError(f"only {row.attempts} attempts after {timeout} s")


def status_of(row):
    row.refresh_from_db(fields=["status"])
    return row.status


def test_mail_waits_out_an_smtp_outage_and_is_delivered_once(start_celery_worker, smtp_server, redis_url):
    port = smtp_server.port
    smtp_server.stop()  # the mail server goes down before anyone registers
    worker = start_celery_worker(EMAIL_RETRY_BACKOFF_SECONDS="1", EMAIL_MAX_ATTEMPTS="10")

    with publishing_to(redis_url):
        registration = registration_services.register(
            event=factories.EventFactory(title="Outage Conference"),
            data={"name": "Guest Person", "email": "guest@example.com"},
            user=None,
        )
    row = wait_for_attempts(registration.emails.get(), 2)
    assert row.status == OutboxEmail.Status.PENDING
    assert "ConnectionRefusedError" in row.last_error
    assert "guest@example.com" not in row.last_error + worker.log()

    back = services.start_smtp_server(port=port)
    try:
        assert len(back.wait_for_messages(1, timeout=60)) == 1, worker.log()[-3000:]
        assert services.settled(lambda: status_of(row), OutboxEmail.Status.SENT) == OutboxEmail.Status.SENT
        row.refresh_from_db()
        assert row.attempts >= 3
        time.sleep(3)  # a retry or a second task would have sent again by now
        assert len(back.messages) == 1
    finally:
        back.stop()
