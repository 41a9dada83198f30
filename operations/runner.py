"""run_periodic's scheduler: runs the jobs of settings.CELERY_BEAT_SCHEDULE in this process.

For the embedded default (`make run`), where no Celery beat runs. It calls the same task
functions as a worker fed by beat does, so each job keeps the task's own guarantees (every
scheduled task is safe to run late, twice or concurrently: see their docstrings). On top,
a runner takes a job only by claiming its heartbeat row: one compare-and-set UPDATE of its
last start and its hold (`running_until`), so two runners, or a runner and `--once`, never
run one job at once, and a job runs once per period whoever runs it.
"""

import datetime as dt
import logging

from django.db.models import Q
from django.utils import timezone

from ewevents.celery import app as celery_app

from .heartbeats import heartbeat_of, record_finish, scheduled_jobs, track_scheduled_jobs
from .models import Heartbeat

logger = logging.getLogger(__name__)

# A runner killed mid-job (SIGKILL) holds it this long; one stopped by Ctrl-C or SIGTERM lets go at once.
HOLD = dt.timedelta(minutes=10)
LONGEST_SLEEP = 30.0


def claim(job, *, now, force=False):
    """Take `job` for this runner if it is due (any time if `force`) and nobody holds it; True if taken."""
    row = heartbeat_of(job, now=now)
    if row.running_until is not None and row.running_until > now:
        return False
    if not force and not job.is_due(row.last_started, now):
        return False
    unchanged = Q(last_started=row.last_started) if row.last_started else Q(last_started__isnull=True)
    unchanged &= Q(running_until=row.running_until) if row.running_until else Q(running_until__isnull=True)
    return bool(
        Heartbeat.objects.filter(unchanged, pk=row.pk).update(
            last_started=now, running_until=now + HOLD, last_outcome=Heartbeat.Outcome.RUNNING, last_error=""
        )
    )


def run_job(job, *, force=False, now=None):
    """Run `job` here if this runner can claim it; True when it ran well, False failed, None not run."""
    if not claim(job, now=now or timezone.now(), force=force):
        return None
    logger.debug("Periodic job %s started.", job.name)
    try:
        # Called directly, not through apply(), whose Celery signals would record the run twice.
        celery_app.tasks[job.task](*job.args, **job.kwargs)
    except Exception as exc:
        logger.exception("Periodic job %s failed.", job.name)
        record_finish(job=job, ok=False, error=type(exc).__name__)
        return False
    except BaseException:  # Ctrl-C, SIGTERM: let go of the job before stopping
        record_finish(job=job, ok=False, error="Interrupted")
        raise
    record_finish(job=job, ok=True)
    logger.info("Periodic job %s finished.", job.name)
    return True


def run_due_jobs(*, now=None):
    """Run every job due now; return {job name: outcome} of those run here."""
    now = now or timezone.now()
    track_scheduled_jobs(now=now)
    outcomes = {}
    for job in scheduled_jobs():
        outcome = run_job(job)
        if outcome is not None:
            outcomes[job.name] = outcome
    return outcomes


def seconds_until_next(*, now=None):
    """How long to sleep before some job may be due (at most LONGEST_SLEEP, at least 1 second)."""
    now = now or timezone.now()
    rows = Heartbeat.objects.in_bulk([job.name for job in scheduled_jobs()], field_name="name")
    waits = [LONGEST_SLEEP]
    for job in scheduled_jobs():
        row = rows.get(job.name)
        if row is None or row.last_started is None:
            return 1.0
        if getattr(job.schedule, "run_every", None) is not None:
            waits.append((row.last_started + job.period - now).total_seconds())
    return max(1.0, min(waits))


def job_named(name):
    """The scheduled job called `name`, or None."""
    return next((job for job in scheduled_jobs() if job.name == name), None)
