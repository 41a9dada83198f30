"""The mail pipeline with real services: PostgreSQL, Redis, a Celery worker, an SMTP server."""

import datetime as dt
import email
import email.policy
import re
from urllib.parse import urlsplit

import icalendar
import pytest
from django.urls import resolve
from django.utils import timezone

from registrations.models import OutboxEmail
from registrations.outbox.tasks import task_requeue_pending_emails, task_send_email
from registrations.signup import services
from tests import factories
from tests.service_fixtures import publishing_to
from tests.services import free_port

pytestmark = pytest.mark.django_db(transaction=True)

SENT_LOG = "Task registrations.send_email["


def register_guest(event, address="guest@example.com"):
    session = factories.SessionFactory(event=event, title="Opening panel")
    registration = services.register(
        event=event,
        data={"name": "Guest Person", "email": address, "sessions": [session], "time_zone": "America/Lima"},
        user=None,
    )
    return registration, session


def parse(raw):
    return email.message_from_bytes(raw, policy=email.policy.default)


def calendar_of(message):
    [part] = [part for part in message.walk() if part.get_filename() == "invite.ics"]
    assert part.get_content_type() == "text/calendar"
    assert part.get_param("method") == "PUBLISH"
    return icalendar.Calendar.from_ical(part.get_payload(decode=True))


def test_guest_registers_and_a_real_worker_delivers_over_smtp(
    celery_worker_process, smtp_server, redis_url, client
):
    event = factories.EventFactory(title="Pipeline Conference")

    with publishing_to(redis_url):
        registration, session = register_guest(event)

    [raw] = smtp_server.wait_for_messages(1, timeout=30)
    message = parse(raw)
    assert message["To"] == "guest@example.com"
    assert message["Subject"] == "You are registered: Pipeline Conference"
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    manage_path = f"/registrations/manage/{registration.manage_token}/"
    assert manage_path in text
    assert manage_path in html
    assert resolve(manage_path).kwargs == {"token": registration.manage_token}
    # The link from the email opens the registration, no account needed.
    [link] = re.findall(r"https?://\S+" + re.escape(manage_path), text)
    manage_page = client.get(urlsplit(link).path)
    assert manage_page.status_code == 200
    assert "Guest Person" in manage_page.content.decode()
    assert "Opening panel" in manage_page.content.decode()
    assert "Lima time" in text
    [entry] = calendar_of(message).walk("VEVENT")
    assert str(entry["summary"]) == "Opening panel – Pipeline Conference"
    assert entry.decoded("dtstart").astimezone(dt.UTC) == dt.datetime(2030, 11, 6, 8, 0, tzinfo=dt.UTC)
    assert entry.decoded("dtend").astimezone(dt.UTC) == dt.datetime(2030, 11, 6, 9, 30, tzinfo=dt.UTC)
    assert session.start == dt.datetime(2030, 11, 6, 8, 0, tzinfo=dt.UTC)
    assert celery_worker_process.wait_for_log("succeeded", count=1)
    row = registration.emails.get()
    assert (row.status, row.attempts) == (OutboxEmail.Status.SENT, 1)


def test_with_redis_down_registration_succeeds_and_the_email_is_delivered_once_later(
    celery_worker_process, smtp_server, redis_url, caplog
):
    event = factories.EventFactory(title="Outage Conference")
    dead_broker = f"redis://127.0.0.1:{free_port()}/0"

    with publishing_to(dead_broker):
        registration, _ = register_guest(event, address="patient@example.com")

    row = registration.emails.get()
    assert (row.status, row.attempts) == (OutboxEmail.Status.PENDING, 0)
    assert f"Could not queue outbox email {row.pk}" in caplog.text
    assert "patient@example.com" not in caplog.text
    assert smtp_server.messages == []

    # Redis is back. The sweep takes rows pending for over a minute: age this one.
    OutboxEmail.objects.filter(pk=row.pk).update(created=timezone.now() - dt.timedelta(minutes=2))
    with publishing_to(redis_url):
        assert task_requeue_pending_emails() == 1
        # A duplicate task, as a retry or a second sweep might queue.
        task_send_email.delay(outbox_id=row.pk)

    [raw] = smtp_server.wait_for_messages(1, timeout=30)
    assert parse(raw)["To"] == "patient@example.com"
    # Both tasks ran; the second found the row sent and sent nothing.
    assert celery_worker_process.wait_for_log("succeeded", count=2), celery_worker_process.log()
    assert len(smtp_server.messages) == 1
    row.refresh_from_db()
    assert (row.status, row.attempts) == (OutboxEmail.Status.SENT, 1)
    with publishing_to(redis_url):
        assert task_requeue_pending_emails() == 0
