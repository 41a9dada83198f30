"""Every run of a scheduled job is recorded, by a Celery worker too; late jobs show in /healthz/,
fail the beat container's health check and are emailed to the site's admins once per lateness."""

import datetime as dt
import logging
import time

import pytest
from celery import shared_task
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from ewevents import celery_app, health
from operations.heartbeats import alert_late_jobs
from operations.models import Heartbeat
from operations.runner import job_named, run_job
from tests.service_fixtures import publishing_to

pytestmark = pytest.mark.django_db


@shared_task(name="tests.operations.failing_job")
def failing_job():
    raise LookupError("registration of someone@example.org")


@pytest.fixture
def failing_job_scheduled(settings):
    settings.CELERY_BEAT_SCHEDULE = settings.CELERY_BEAT_SCHEDULE | {
        "failing-job": {"task": "tests.operations.failing_job", "schedule": 60.0}
    }


def test_a_scheduled_task_run_by_celery_records_its_heartbeat_and_failures(heartbeats, failing_job_scheduled):
    heartbeats(expire_offers=None)

    celery_app.tasks["registrations.expire_offers"].apply()
    with pytest.raises(LookupError):  # run eagerly, as on the embedded default: raised to the caller
        celery_app.tasks["tests.operations.failing_job"].apply()
    celery_app.tasks["registrations.send_email"].apply(kwargs={"outbox_id": 0})  # not scheduled

    offers, failing = Heartbeat.objects.get(name="expire-offers"), Heartbeat.objects.get(name="failing-job")
    assert (offers.last_outcome, offers.last_error) == (Heartbeat.Outcome.OK, "")
    assert timezone.now() - offers.last_finished < dt.timedelta(seconds=30)
    assert (failing.last_outcome, failing.last_error) == (Heartbeat.Outcome.FAILED, "LookupError")
    assert not Heartbeat.objects.filter(task="registrations.send_email").exists()


@pytest.mark.django_db(transaction=True)
def test_a_celery_worker_records_the_runs_beat_sends_it(celery_worker_process, redis_url, heartbeats):
    heartbeats(resume_mailings=None)

    with publishing_to(redis_url):  # as beat does: the task by name, on the broker
        celery_app.send_task("registrations.resume_mailings")

    deadline = time.monotonic() + 30
    while Heartbeat.objects.get(name="resume-mailings").last_outcome != Heartbeat.Outcome.OK:
        assert time.monotonic() < deadline, celery_worker_process.log()
        time.sleep(0.2)
    row = Heartbeat.objects.get(name="resume-mailings")
    assert row.last_started <= row.last_finished


def test_healthz_names_the_late_jobs_and_still_answers_200(client, heartbeats):
    heartbeats(default=1, expire_offers=11, anonymise_expired_registrations=None)

    response = client.get(reverse("health"))

    assert response.status_code == 200
    # Never run, tracked since a day ago: the daily job is not late yet; a five-minute job is after ten.
    assert response.json() | {"redis": None} == {
        "status": "ok",
        "database": "ok",
        "redis": None,
        "periodic_jobs": "late",
        "late_jobs": ["expire-offers"],
    }


def test_a_job_never_run_is_late_twice_its_period_after_it_was_first_expected(client, heartbeats):
    heartbeats(default=1, anonymise_expired_registrations=None)
    Heartbeat.objects.filter(name="anonymise-expired-registrations").update(
        tracked_since=timezone.now() - dt.timedelta(days=2, minutes=1)
    )

    assert client.get(reverse("health")).json()["late_jobs"] == ["anonymise-expired-registrations"]


def test_the_beat_health_check_fails_while_a_job_is_late(heartbeats, capsys):
    heartbeats(default=1)
    assert health.main(["beat"]) == 0

    heartbeats(default=1, requeue_pending_emails=3)  # every minute, not run for three
    assert health.main(["beat"]) == 1
    assert "periodic jobs late: requeue-pending-emails" in capsys.readouterr().err


def test_admins_are_emailed_once_per_lateness(heartbeats, settings):
    settings.ADMINS = [("", "ops@example.org")]
    heartbeats(default=1, expire_offers=11, queue_due_reminders=12)

    assert alert_late_jobs() == 2
    assert alert_late_jobs() == 0
    assert run_job(job_named("check-heartbeats"), force=True) is True  # the periodic job itself

    [message] = mail.outbox
    assert message.to == ["ops@example.org"]
    assert message.subject.endswith("Periodic jobs late: expire-offers, queue-due-reminders")
    assert "expire-offers (every 0:05:00)" in message.body

    # The job runs again, and later is late again: a new lateness, a new email.
    run_job(job_named("expire-offers"), force=True)
    assert alert_late_jobs() == 0
    eleven_minutes_ago = timezone.now() - dt.timedelta(minutes=11)
    Heartbeat.objects.filter(name="expire-offers").update(
        last_started=eleven_minutes_ago, last_finished=eleven_minutes_ago
    )
    assert alert_late_jobs() == 1
    assert [m.subject.rsplit(": ", 1)[1] for m in mail.outbox] == [
        "expire-offers, queue-due-reminders",
        "expire-offers",
    ]


def test_an_alert_that_could_not_be_sent_is_tried_again(heartbeats, settings):
    settings.ADMINS = [("", "ops@example.org")]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 1  # nothing listens
    heartbeats(default=1, expire_offers=11)

    with pytest.raises(ConnectionRefusedError):
        alert_late_jobs()

    assert Heartbeat.objects.get(name="expire-offers").late_alert_sent_at is None
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert alert_late_jobs() == 1
    assert len(mail.outbox) == 1


def test_a_job_running_now_is_not_late_and_one_stuck_running_is(heartbeats, client):
    heartbeats(default=1)
    now = timezone.now()
    Heartbeat.objects.filter(name="expire-offers").update(  # started just now, after a long pause
        last_started=now, last_finished=now - dt.timedelta(hours=1), last_outcome=Heartbeat.Outcome.RUNNING
    )
    Heartbeat.objects.filter(name="resume-mailings").update(  # started long ago, never finished
        last_started=now - dt.timedelta(minutes=11), last_finished=now - dt.timedelta(hours=1)
    )

    assert client.get(reverse("health")).json()["late_jobs"] == ["resume-mailings"]


def test_admins_get_no_error_emails_with_requests_personal_data(settings):
    settings.ADMINS = [("", "ops@example.org")]

    logging.getLogger("django.request").error(
        "Internal Server Error: /registrations/", extra={"status_code": 500}
    )

    assert mail.outbox == []
    assert [type(handler).__name__ for handler in logging.getLogger("django").handlers] == []
