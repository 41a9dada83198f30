"""Reads of the periodic jobs' heartbeats: for the staff home, /healthz/ and the beat container."""

from dataclasses import dataclass

from django.utils import timezone
from django.utils.timesince import timesince

from .heartbeats import BACKUP_JOB, Job, late_jobs, scheduled_jobs
from .models import Heartbeat


@dataclass(frozen=True)
class JobStatus:
    """One scheduled job as staff see it: its last run, and whether it is late."""

    job: Job
    heartbeat: Heartbeat | None
    late: bool

    @property
    def name(self):
        return self.job.name

    @property
    def is_backup(self):
        return self.job.name == BACKUP_JOB

    @property
    def every(self):
        """The period in words, in the active language ("5 minutes", "1 day")."""
        now = timezone.now()
        return timesince(now - self.job.period, now)

    @property
    def never_ran(self):
        return self.heartbeat is None or self.heartbeat.last_started is None


def job_statuses(*, now=None):
    """Every job of settings.CELERY_BEAT_SCHEDULE with its heartbeat, in the schedule's order; one query."""
    now = now or timezone.now()
    jobs = scheduled_jobs()
    rows = Heartbeat.objects.in_bulk([job.name for job in jobs], field_name="name")
    return [
        JobStatus(
            job=job,
            heartbeat=rows.get(job.name),
            late=job.name in rows and job.late_since(rows[job.name]) <= now,
        )
        for job in jobs
    ]


def late_job_names():
    """The names of the jobs not run for twice their period (settings.PERIODIC_JOBS_LATE); one query."""
    return [job.name for job, _row in late_jobs()]
