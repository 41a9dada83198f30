"""A mailing is delivered in batches: one task and one SMTP connection per batch, each row sent once.

Rows are written in bulk and their delivery queued a batch (a slot of the rate) at a time
(registrations.outbox.services.queue_spread); a batch claims its rows for one lease and
marks each sent as the server accepts it (registrations.outbox.delivery.send_outbox_batch).
"""

import datetime as dt
import email
import email.policy

import pytest
from django.utils import timezone

from ewevents import celery_app
from registrations.mailings import services as mailings
from registrations.models import Mailing, OutboxEmail, Registration
from registrations.outbox import delivery
from registrations.outbox import services as outbox_services
from registrations.outbox.tasks import task_requeue_pending_emails, task_send_email_batch
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _eager_celery(settings):
    """Run tasks in-process, whatever REDIS_URL the environment has."""
    settings.SITE_URL = "http://testserver.example"
    settings.MAILING_RATE_PER_MINUTE = 0
    saved = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = saved


@pytest.fixture
def queued(monkeypatch):
    """The tasks queued by the outbox, as (task, kwargs, countdown), instead of running them."""
    tasks = []

    def record(name, *, kwargs, queue, countdown=None, **_):
        tasks.append((name, kwargs, queue, countdown or 0))
        return True

    monkeypatch.setattr(outbox_services, "enqueue", record)
    return tasks


def sending_mailing(count, **registration_fields):
    event = factories.EventFactory(title="Batch Conference")
    factories.RegistrationFactory.create_batch(count, event=event, **registration_fields)
    return Mailing.objects.create(
        event=event, subject="News for {{ name }}", body="Hello {{ name }}.", status=Mailing.Status.SENDING
    )


def row_ids(mailing):
    return list(mailings.recipient_rows(mailing).order_by("pk").values_list("pk", flat=True))


def headers(raw):
    return email.message_from_bytes(raw, policy=email.policy.default)


def test_a_batch_is_delivered_over_one_smtp_connection(smtp_server, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = smtp_server.host, smtp_server.port
    settings.EMAIL_USE_TLS = False
    mailing = sending_mailing(5)

    assert mailings.deliver_mailing(mailing_id=mailing.pk) == 5

    messages = smtp_server.wait_for_messages(5)
    assert (len(messages), smtp_server.connections) == (5, 1)
    rows = mailings.recipient_rows(mailing)
    assert sorted(headers(raw)["To"] for raw in messages) == sorted(rows.values_list("to_email", flat=True))
    assert set(rows.values_list("status", "attempts", "claim")) == {(OutboxEmail.Status.SENT, 1, "")}


def test_a_crash_mid_batch_leaves_unsent_rows_to_be_retried_and_never_resends_sent_ones(
    mailoutbox, monkeypatch, queued
):
    class WorkerKilled(BaseException):
        """What the batch sees of a SIGKILL: nothing after it runs, no claim is released."""

    mailing = sending_mailing(5)
    mailings.deliver_mailing(mailing_id=mailing.pk)
    ids = row_ids(mailing)
    assert queued == [(outbox_services.SEND_BATCH_TASK, {"outbox_ids": ids}, "mailings", 0)]
    build_message = delivery.build_message

    def killed_at_the_third(row):
        if row.pk == ids[2]:
            raise WorkerKilled
        return build_message(row)

    monkeypatch.setattr(delivery, "build_message", killed_at_the_third)
    with pytest.raises(WorkerKilled):
        task_send_email_batch(outbox_ids=ids)
    monkeypatch.setattr(delivery, "build_message", build_message)

    statuses = dict(OutboxEmail.objects.filter(pk__in=ids).values_list("pk", "status"))
    assert [statuses[pk] for pk in ids] == ["sent", "sent", "pending", "pending", "pending"]
    assert len(mailoutbox) == 2
    # The task redelivered at once (acks late) finds the rest still claimed: nothing is sent.
    assert task_send_email_batch(outbox_ids=ids) == 0
    assert len(mailoutbox) == 2

    # Once the lease has run out, the sweep sends the unsent rows, and only them.
    long_ago = timezone.now() - dt.timedelta(minutes=10)
    OutboxEmail.objects.filter(pk__in=ids).update(
        claimed_until=long_ago, created=long_ago, send_after=long_ago
    )
    queued.clear()
    assert task_requeue_pending_emails() == 3
    for _name, kwargs, _queue, _countdown in queued:
        delivery.send_outbox_email(**kwargs)

    rows = {row.pk: row for row in OutboxEmail.objects.filter(pk__in=ids)}
    assert [message.extra_headers["Message-ID"] for message in mailoutbox] == [
        rows[pk].message_id for pk in ids
    ]
    assert {(row.status, row.attempts) for row in rows.values()} == {(OutboxEmail.Status.SENT, 1)}


def test_batches_keep_to_the_mailing_rate(settings, queued):
    settings.MAILING_RATE_PER_MINUTE = 120  # two a second
    mailing = sending_mailing(7)

    mailings.deliver_mailing(mailing_id=mailing.pk)

    ids = row_ids(mailing)
    batch, single = outbox_services.SEND_BATCH_TASK, outbox_services.SEND_EMAIL_TASK
    assert queued == [
        (batch, {"outbox_ids": ids[0:2]}, "mailings", 0),
        (batch, {"outbox_ids": ids[2:4]}, "mailings", 1),
        (batch, {"outbox_ids": ids[4:6]}, "mailings", 2),
        (single, {"outbox_id": ids[6]}, "mailings", 3),
    ]
    # The sweep must not send a row before its batch's turn either.
    send_after = dict(mailings.recipient_rows(mailing).values_list("pk", "send_after"))
    assert [round((send_after[pk] - send_after[ids[0]]).total_seconds()) for pk in ids] == [
        0,
        0,
        1,
        1,
        2,
        2,
        3,
    ]


def test_without_a_rate_batches_are_at_most_delivery_batch_rows(monkeypatch, queued):
    monkeypatch.setattr(outbox_services, "DELIVERY_BATCH", 3)
    mailing = sending_mailing(7)

    mailings.deliver_mailing(mailing_id=mailing.pk)

    ids = row_ids(mailing)
    assert [(kwargs, countdown) for _name, kwargs, _queue, countdown in queued] == [
        ({"outbox_ids": ids[0:3]}, 0),
        ({"outbox_ids": ids[3:6]}, 0),
        ({"outbox_id": ids[6]}, 0),
    ]


@pytest.mark.parametrize("count", [3, 40])
def test_writing_a_mailings_rows_takes_the_same_queries_for_few_and_many(
    count, django_assert_num_queries, queued
):
    mailing = sending_mailing(count)
    # Both languages: each is rendered once, without a query per recipient.
    Registration.objects.filter(
        pk__in=Registration.objects.filter(event=mailing.event).values("pk")[:2]
    ).update(language="es")

    # The mailing; the audience; the rows inserted; those now pending; their turn (send_after);
    # the mailing marked sent, and its sent_at. One insert, one select and one update per
    # 1000 rows beyond the first thousand; rendering and queueing add none.
    with django_assert_num_queries(7):
        assert mailings.deliver_mailing(mailing_id=mailing.pk) == count

    assert len(queued) == 1
    assert len(set(mailings.recipient_rows(mailing).values_list("subject", flat=True))) == count


def test_an_smtp_server_down_counts_an_attempt_on_each_row_of_the_batch_and_keeps_them_pending(
    settings, queued
):
    from tests.services import free_port

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()
    settings.EMAIL_USE_TLS, settings.EMAIL_TIMEOUT = False, 2
    mailing = sending_mailing(3)
    mailings.deliver_mailing(mailing_id=mailing.pk)

    with pytest.raises(delivery.TransientEmailError, match="ConnectionRefusedError"):
        delivery.send_outbox_batch(outbox_ids=row_ids(mailing))

    rows = mailings.recipient_rows(mailing)
    assert set(rows.values_list("status", "attempts", "claim")) == {(OutboxEmail.Status.PENDING, 1, "")}
    assert all(
        error.startswith("ConnectionRefusedError") for error in rows.values_list("last_error", flat=True)
    )


def test_a_recipient_the_server_refuses_fails_alone_and_the_batch_goes_on(mailoutbox, monkeypatch, queued):
    import smtplib

    mailing = sending_mailing(3)
    mailings.deliver_mailing(mailing_id=mailing.pk)
    ids = row_ids(mailing)
    build_message = delivery.build_message

    def refused_second(row):
        if row.pk == ids[1]:
            raise smtplib.SMTPRecipientsRefused({row.to_email: (550, b"no such user")})
        return build_message(row)

    monkeypatch.setattr(delivery, "build_message", refused_second)
    with pytest.raises(delivery.TransientEmailError, match="SMTPRecipientsRefused"):  # retried later
        delivery.send_outbox_batch(outbox_ids=ids)

    rows = {row.pk: row for row in OutboxEmail.objects.filter(pk__in=ids)}
    assert [(rows[pk].status, rows[pk].attempts) for pk in ids] == [("sent", 1), ("pending", 1), ("sent", 1)]
    assert rows[ids[1]].last_error.startswith("SMTPRecipientsRefused")
    assert [message.to for message in mailoutbox] == [[rows[ids[0]].to_email], [rows[ids[2]].to_email]]


def test_a_batch_starts_no_message_once_half_its_lease_is_gone(settings, mailoutbox, queued):
    settings.EMAIL_SEND_LEASE_SECONDS = 0  # the lease is over before the first message
    mailing = sending_mailing(3)
    mailings.deliver_mailing(mailing_id=mailing.pk)

    with pytest.raises(delivery.TransientEmailError, match="lease"):
        delivery.send_outbox_batch(outbox_ids=row_ids(mailing))

    assert mailoutbox == []
    rows = mailings.recipient_rows(mailing)
    assert set(rows.values_list("status", "attempts", "claim")) == {(OutboxEmail.Status.PENDING, 0, "")}
