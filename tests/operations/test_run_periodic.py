"""run_periodic runs the scheduled jobs without beat: each due job once, recorded, never twice at once."""

import datetime as dt
import threading
import time

import pytest
from celery import shared_task
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from operations import runner
from operations.heartbeats import heartbeat_of, job_for_task, scheduled_jobs
from operations.models import Heartbeat

pytestmark = pytest.mark.django_db

CALLS = []


@shared_task(name="tests.operations.job")
def job_for_tests(*, sleep=0.0, fail=False, nested=False):
    CALLS.append(timezone.now())
    if nested:  # a second runner tries the job while this one runs it
        job = runner.job_named("test-job")
        CALLS.append(("second runner", runner.run_job(job), runner.run_job(job, force=True)))
    time.sleep(sleep)
    if fail:
        raise ValueError("guest@example.org is not reachable")


@pytest.fixture(autouse=True)
def _calls():
    CALLS.clear()


@pytest.fixture
def test_job(settings):
    def schedule(**kwargs):
        settings.CELERY_BEAT_SCHEDULE = settings.CELERY_BEAT_SCHEDULE | {
            "test-job": {"task": "tests.operations.job", "schedule": 60.0, "kwargs": kwargs}
        }
        return runner.job_named("test-job")

    return schedule


def _rows():
    return {row.name: (row.last_outcome, row.last_started is not None) for row in Heartbeat.objects.all()}


def test_each_due_job_runs_once_and_its_heartbeat_is_recorded(heartbeats):
    Heartbeat.objects.all().delete()  # a fresh site: nothing has run

    first = runner.run_due_jobs()
    again = runner.run_due_jobs()

    names = [job.name for job in scheduled_jobs()]
    assert first == dict.fromkeys(names, True)
    assert again == {}  # none is due before its period is over
    assert _rows() == dict.fromkeys(names, (Heartbeat.Outcome.OK, True))
    assert all(row.running_until is None for row in Heartbeat.objects.all())


def test_a_job_runs_again_when_its_period_is_over(heartbeats):
    heartbeats(default=6)  # every job ran six minutes ago

    ran = runner.run_due_jobs()

    # The five-minute and one-minute jobs, not the daily anonymisation.
    assert set(ran) == {
        "expire-offers",
        "requeue-pending-emails",
        "queue-due-reminders",
        "resume-mailings",
        "check-heartbeats",
    }
    row = Heartbeat.objects.get(name="expire-offers")
    assert timezone.now() - row.last_finished < dt.timedelta(seconds=30)
    assert Heartbeat.objects.get(name="anonymise-expired-registrations").last_started < row.last_started


def test_once_runs_one_job_now_even_before_it_is_due(heartbeats):
    before = heartbeats(default=1)["anonymise-expired-registrations"].last_started

    call_command("run_periodic", once="anonymise-expired-registrations")

    row = Heartbeat.objects.get(name="anonymise-expired-registrations")
    assert (row.last_outcome, row.last_started > before) == (Heartbeat.Outcome.OK, True)
    assert Heartbeat.objects.get(name="expire-offers").last_started < row.last_started


def test_once_names_the_jobs_when_given_an_unknown_one():
    with pytest.raises(CommandError, match=r"No periodic job is called 'nightly'\. The jobs: expire-offers"):
        call_command("run_periodic", once="nightly")


def test_a_second_runner_does_not_run_a_job_another_is_running(test_job):
    job = test_job(nested=True)

    assert runner.run_job(job) is True

    assert CALLS[1] == ("second runner", None, None)  # neither due-ness nor --once gets it
    assert len(CALLS) == 2
    assert Heartbeat.objects.get(name="test-job").running_until is None  # let go when done


def test_once_refuses_a_job_another_runner_holds(test_job):
    heartbeat_of(test_job())
    Heartbeat.objects.filter(name="test-job").update(running_until=timezone.now() + dt.timedelta(minutes=5))

    with pytest.raises(CommandError, match="test-job is running in another runner"):
        call_command("run_periodic", once="test-job")

    assert CALLS == []


def test_a_failed_job_is_recorded_with_its_error_class_only(test_job):
    job = test_job(fail=True)

    assert runner.run_job(job) is False
    with pytest.raises(CommandError, match="test-job failed"):
        call_command("run_periodic", once="test-job")

    row = Heartbeat.objects.get(name="test-job")
    assert (row.last_outcome, row.last_error, row.running_until) == (
        Heartbeat.Outcome.FAILED,
        "ValueError",
        None,
    )
    assert row.last_finished is not None


@pytest.mark.django_db(transaction=True)
def test_two_runners_started_together_run_a_due_job_once(test_job):
    if connection.vendor != "postgresql":
        pytest.skip("two runners at once need the PostgreSQL test database")
    test_job(sleep=0.5)
    start = threading.Barrier(2)
    outcomes = []

    def runner_thread():
        try:
            start.wait()
            outcomes.append(runner.run_job(runner.job_named("test-job")))
        finally:
            connection.close()

    threads = [threading.Thread(target=runner_thread) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes, key=str) == [None, True]
    assert len(CALLS) == 1


def test_a_crontab_job_is_late_after_twice_its_day(settings):
    from celery.schedules import crontab

    settings.CELERY_BEAT_SCHEDULE = {
        "backup-database": {"task": "x.backup", "schedule": crontab(hour=3, minute=0)}
    }

    [job] = scheduled_jobs()

    assert job.period == dt.timedelta(days=1)
    assert job_for_task("x.backup") == job
