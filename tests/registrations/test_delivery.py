import datetime as dt

import pytest
from django.utils import timezone

from ewevents import celery_app
from registrations.models import OutboxEmail
from registrations.outbox import delivery
from registrations.outbox import services as outbox_services
from registrations.outbox.delivery import TransientEmailError, send_outbox_email
from registrations.outbox.tasks import task_requeue_pending_emails, task_send_email
from registrations.signup import services
from tests import factories
from tests.services import free_port

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _eager_celery():
    """Run tasks in-process, whatever REDIS_URL the environment has."""
    saved = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = saved


@pytest.fixture
def smtp_down(settings):
    """Send through SMTP to a loopback port nothing listens on."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = free_port()
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_TIMEOUT = 2


def register(email="ana@example.com", **kwargs):
    event = kwargs.pop("event", None) or factories.EventFactory(title="Delivery Conf")
    return services.register(event=event, data={"name": "Ana", "email": email, "sessions": []}, **kwargs)


def queued_row(django_capture_on_commit_callbacks, **kwargs):
    """Register, dropping the on-commit send: the row stays pending."""
    with django_capture_on_commit_callbacks(execute=False):
        registration = register(**kwargs)
    return registration.emails.get()


def test_registering_writes_one_row_and_sends_one_message(mailoutbox, django_capture_on_commit_callbacks):
    event = factories.EventFactory(title="Delivery Conf")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        registration = register(event=event)

    row = OutboxEmail.objects.get()
    # One send queued after the commit (the others renew cached page versions).
    assert len([c for c in callbacks if "queue_email" in getattr(c, "__qualname__", "")]) == 1
    assert (row.registration, row.kind, row.status, row.attempts) == (
        registration,
        OutboxEmail.Kind.REGISTERED,
        OutboxEmail.Status.SENT,
        1,
    )
    assert row.sent_at is not None
    [message] = mailoutbox
    assert (message.to, message.subject, message.body) == (["ana@example.com"], row.subject, row.body_text)
    assert message.alternatives[0] == (row.body_html, "text/html")
    [(filename, content, mimetype)] = message.attachments
    assert (filename, mimetype) == ("invite.ics", "text/calendar; method=PUBLISH")
    assert content == row.ics
    assert "BEGIN:VCALENDAR" in content


def test_waitlisted_message_has_no_attachment(mailoutbox, django_capture_on_commit_callbacks):
    event = factories.EventFactory()
    factories.RegistrationSettingsFactory(event=event, capacity=0)

    with django_capture_on_commit_callbacks(execute=True):
        register(event=event)

    [message] = mailoutbox
    assert message.subject.startswith("You are on the waiting list")
    assert message.attachments == []


def test_running_the_send_twice_sends_one_message(mailoutbox, django_capture_on_commit_callbacks):
    row = queued_row(django_capture_on_commit_callbacks)

    task_send_email.delay(outbox_id=row.pk)
    task_send_email.delay(outbox_id=row.pk)
    assert send_outbox_email(outbox_id=row.pk) is None

    assert len(mailoutbox) == 1
    row.refresh_from_db()
    assert (row.status, row.attempts) == (OutboxEmail.Status.SENT, 1)


def test_task_for_a_deleted_row_does_nothing(mailoutbox):
    assert task_send_email.delay(outbox_id=987654).get() is None
    assert mailoutbox == []


def test_smtp_failure_leaves_the_row_pending_with_the_error(smtp_down, django_capture_on_commit_callbacks):
    row = queued_row(django_capture_on_commit_callbacks, email="carla@example.com")

    with pytest.raises(TransientEmailError):
        send_outbox_email(outbox_id=row.pk)

    row.refresh_from_db()
    assert (row.status, row.attempts, row.sent_at) == (OutboxEmail.Status.PENDING, 1, None)
    assert row.last_error.startswith("ConnectionRefusedError: ")
    assert "carla" not in row.last_error


def test_smtp_failure_marks_the_row_failed_after_max_attempts(
    smtp_down, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_MAX_ATTEMPTS = 3
    row = queued_row(django_capture_on_commit_callbacks)

    for _ in range(2):
        with pytest.raises(TransientEmailError):
            send_outbox_email(outbox_id=row.pk)
    send_outbox_email(outbox_id=row.pk)  # the last attempt records the failure, no retry

    row.refresh_from_db()
    assert (row.status, row.attempts) == (OutboxEmail.Status.FAILED, 3)
    assert send_outbox_email(outbox_id=row.pk) is None  # failed rows are left alone


def test_registration_succeeds_when_smtp_is_down(smtp_down, django_capture_on_commit_callbacks, caplog):
    # Eager mode: the task runs at commit, fails and asks for a retry; none of it reaches the caller.
    with django_capture_on_commit_callbacks(execute=True):
        registration = register()

    row = registration.emails.get()
    assert (row.status, row.attempts) == (OutboxEmail.Status.PENDING, 1)
    assert row.last_error.startswith("ConnectionRefusedError")
    assert f"Sending outbox email {row.pk} failed; it stays pending." in caplog.text


def test_error_description_blanks_addresses():
    error = OSError("{'carla@example.com': (550, b'5.1.1 <carla@example.com>: unknown')}")

    assert delivery.describe_error(error) == "OSError: {'<address>': (550, b'5.1.1 <<address>>: unknown')}"


def test_broker_outage_is_logged_and_swallowed(monkeypatch, caplog):
    def broker_down(*args, **kwargs):
        raise ConnectionRefusedError(111, "Connection refused")

    monkeypatch.setattr(task_send_email, "apply_async", broker_down)

    assert outbox_services.queue_delivery(outbox_id=42, queue="email") is False
    assert "Could not queue outbox email 42 (ConnectionRefusedError)" in caplog.text


def test_sweep_requeues_only_old_pending_rows(mailoutbox, django_capture_on_commit_callbacks):
    now = timezone.now()

    def row_created(ago, **fields):
        row = queued_row(
            django_capture_on_commit_callbacks, email=f"p{OutboxEmail.objects.count()}@example.com"
        )
        OutboxEmail.objects.filter(pk=row.pk).update(created=now - ago, **fields)
        return row

    old = row_created(dt.timedelta(minutes=2))
    fresh = row_created(dt.timedelta(seconds=20))
    retrying = row_created(dt.timedelta(minutes=10), attempts=2)
    retries_lost = row_created(dt.timedelta(hours=2), attempts=2)
    sent = row_created(dt.timedelta(minutes=5), status=OutboxEmail.Status.SENT)
    failed = row_created(dt.timedelta(minutes=5), status=OutboxEmail.Status.FAILED)

    assert delivery.stale_pending_ids(now=now) == [retries_lost.pk, old.pk]
    assert task_requeue_pending_emails.delay().get() == 2

    assert sorted(message.to[0] for message in mailoutbox) == sorted([old.to_email, retries_lost.to_email])
    statuses = dict(OutboxEmail.objects.values_list("pk", "status"))
    assert [statuses[row.pk] for row in (old, fresh, retrying, retries_lost, sent, failed)] == [
        "sent",
        "pending",
        "pending",
        "sent",
        "sent",
        "failed",
    ]


def test_sweep_batch_is_bounded(django_capture_on_commit_callbacks):
    now = timezone.now()
    for n in range(3):
        row = queued_row(django_capture_on_commit_callbacks, email=f"b{n}@example.com")
        OutboxEmail.objects.filter(pk=row.pk).update(created=now - dt.timedelta(minutes=5))

    assert len(delivery.stale_pending_ids(now=now, limit=2)) == 2


def test_sweep_leaves_a_row_spread_out_in_time_until_its_turn(django_capture_on_commit_callbacks):
    now = timezone.now()
    row = queued_row(django_capture_on_commit_callbacks, email="later@example.com")
    OutboxEmail.objects.filter(pk=row.pk).update(
        created=now - dt.timedelta(minutes=5), send_after=now + dt.timedelta(minutes=10)
    )

    assert delivery.stale_pending_ids(now=now) == []
    assert delivery.stale_pending_ids(now=now + dt.timedelta(minutes=10, seconds=30)) == []
    assert delivery.stale_pending_ids(now=now + dt.timedelta(minutes=12)) == [row.pk]
