"""The periodic jobs (settings.CELERY_BEAT_SCHEDULE) and the writes of their heartbeats.

A job is a name in the schedule, the task it runs by name, and its schedule (seconds, a
timedelta, or a Celery schedule such as crontab). Whoever runs a job records it here:
`record_start` and `record_finish` from the Celery signals (celery_signals.py) and from
run_periodic (runner.py); `alert_late_jobs` is the "check-heartbeats" job.
"""

import datetime as dt
import logging
from dataclasses import dataclass, field
from functools import cached_property

from celery.schedules import maybe_schedule
from django.conf import settings
from django.core.mail import mail_admins
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ewevents.celery import app as celery_app

from .models import Heartbeat

logger = logging.getLogger(__name__)

# The job another part of the site adds to back the database up; the staff home names it.
BACKUP_JOB = "backup-database"


@dataclass(frozen=True)
class Job:
    """One entry of settings.CELERY_BEAT_SCHEDULE."""

    name: str
    task: str
    schedule: object  # a celery.schedules.schedule or crontab
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)

    @cached_property
    def period(self):
        """The time between two runs (for a crontab, between its next two)."""
        run_every = getattr(self.schedule, "run_every", None)
        if run_every is not None:
            return run_every
        now = self.schedule.now()
        first = now + self.schedule.remaining_estimate(now)
        # The next run after one a second past the first (at the first itself, Celery answers the first).
        second = now + self.schedule.remaining_estimate(first + dt.timedelta(seconds=1))
        return max(dt.timedelta(seconds=round((second - first).total_seconds())), dt.timedelta(minutes=1))

    def is_due(self, last_run, now):
        """Whether the job should run at `now`, its last run (by anyone) started at `last_run`."""
        if last_run is None:
            return True
        if getattr(self.schedule, "run_every", None) is not None:
            return now - last_run >= self.period
        return bool(self.schedule.is_due(last_run).is_due)

    def late_since(self, heartbeat):
        """When the job becomes late: twice its period after it last ran (started, or finished), or
        after it was first expected if it never ran. A job running now is not late; one stuck
        running is, twice its period after it started."""
        runs = [when for when in (heartbeat.last_started, heartbeat.last_finished) if when is not None]
        reference = max(runs) if runs else heartbeat.tracked_since
        return reference + 2 * self.period


def scheduled_jobs():
    """The jobs of settings.CELERY_BEAT_SCHEDULE, in its order."""
    return [
        Job(
            name=name,
            task=entry["task"],
            schedule=maybe_schedule(entry["schedule"], app=celery_app),
            args=tuple(entry.get("args", ())),
            kwargs=dict(entry.get("kwargs", {})),
        )
        for name, entry in settings.CELERY_BEAT_SCHEDULE.items()
    ]


def job_for_task(task_name):
    """The scheduled job that runs the task `task_name` (the first, if several do), or None."""
    return next((job for job in scheduled_jobs() if job.task == task_name), None)


def track_scheduled_jobs(*, using="default", now=None):
    """Give every scheduled job its heartbeat row, expected from `now` on; return the new rows' count."""
    now = now or timezone.now()
    known = set(Heartbeat.objects.using(using).values_list("name", flat=True))
    new = [
        Heartbeat(name=job.name, task=job.task, tracked_since=now)
        for job in scheduled_jobs()
        if job.name not in known
    ]
    Heartbeat.objects.using(using).bulk_create(new, ignore_conflicts=True)
    return len(new)


def heartbeat_of(job, *, now=None):
    """The row of `job`, made if missing."""
    row, _created = Heartbeat.objects.get_or_create(
        name=job.name, defaults={"task": job.task, "tracked_since": now or timezone.now()}
    )
    return row


def record_start(*, job, now=None):
    """Note that `job` started now (run by a Celery worker: beat does not hold it)."""
    now = now or timezone.now()
    heartbeat_of(job, now=now)
    Heartbeat.objects.filter(name=job.name).update(
        task=job.task, last_started=now, last_outcome=Heartbeat.Outcome.RUNNING, last_error=""
    )


def record_finish(*, job, ok, error="", now=None):
    """Note that `job` finished now, well or with `error` (an exception's class name).

    Releases run_periodic's hold on the job, and ends its lateness: the next time it is
    late, the admins are told again.
    """
    now = now or timezone.now()
    heartbeat_of(job, now=now)
    Heartbeat.objects.filter(name=job.name).update(
        last_finished=now,
        last_outcome=Heartbeat.Outcome.OK if ok else Heartbeat.Outcome.FAILED,
        last_error=error[:200],
        running_until=None,
        late_alert_sent_at=None,
    )


def late_jobs(*, now=None):
    """The scheduled jobs not run for twice their period, with their rows; one query.

    A job without a row yet (added to the schedule, not migrated nor run since) is not counted.
    """
    now = now or timezone.now()
    jobs = scheduled_jobs()
    rows = Heartbeat.objects.in_bulk([job.name for job in jobs], field_name="name")
    return [
        (job, rows[job.name]) for job in jobs if job.name in rows and job.late_since(rows[job.name]) <= now
    ]


def alert_late_jobs(*, now=None):
    """Email the site's ADMINS about the jobs that became late since they last finished; return how many.

    Once per lateness: a job's alert is marked sent in the same transaction as the email
    is handed to the mail server, so a failed send is tried again at the next check, and a
    job that runs again is alerted about again when it is next late. Runs as the periodic
    job "check-heartbeats".
    """
    now = now or timezone.now()
    track_scheduled_jobs(now=now)
    with transaction.atomic():
        late = {job.name: job for job, _row in late_jobs(now=now)}
        rows = list(
            Heartbeat.objects.select_for_update()
            .filter(name__in=late, late_alert_sent_at__isnull=True)
            .order_by("name")
        )
        if not rows:
            return 0
        Heartbeat.objects.filter(pk__in=[row.pk for row in rows]).update(late_alert_sent_at=now)
        lines = [
            _("%(job)s (every %(period)s): last finished %(finished)s, outcome: %(outcome)s.")
            % {
                "job": row.name,
                "period": late[row.name].period,
                "finished": row.last_finished.isoformat(timespec="minutes")
                if row.last_finished
                else _("never"),
                "outcome": row.get_last_outcome_display(),
            }
            for row in rows
        ]
        mail_admins(
            _("Periodic jobs late: %(jobs)s") % {"jobs": ", ".join(row.name for row in rows)},
            _(
                "These periodic jobs have not run for twice their period. Is Celery beat running, "
                "with a worker, or `manage.py run_periodic` on the embedded default?"
            )
            + "\n\n"
            + "\n".join(lines)
            + "\n",
            fail_silently=False,
        )
    logger.warning("Periodic jobs late: %s", ", ".join(row.name for row in rows))
    return len(rows)
