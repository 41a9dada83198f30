"""Every run of a scheduled job by Celery (a worker fed by beat, or run eagerly) writes its heartbeat.

Only tasks named in settings.CELERY_BEAT_SCHEDULE are recorded. A failure to record is
logged and never fails the task itself.
"""

import logging
import sys

from celery import signals
from celery.states import SUCCESS

from .heartbeats import job_for_task, record_finish, record_start

logger = logging.getLogger(__name__)
_errors = {}  # task id -> the class name of the exception it raised, between failure and postrun


@signals.task_prerun.connect(dispatch_uid="operations.job_started")
def _job_started(task_id=None, task=None, **kwargs):
    job = job_for_task(getattr(task, "name", None))
    if job is not None:
        try:
            record_start(job=job)
        except Exception:
            logger.exception("Could not record the start of periodic job %s.", job.name)


@signals.task_failure.connect(dispatch_uid="operations.job_failed")
def _job_failed(task_id=None, exception=None, sender=None, **kwargs):
    if job_for_task(getattr(sender, "name", None)) is not None:
        _errors[task_id] = type(exception).__name__


@signals.task_postrun.connect(dispatch_uid="operations.job_finished")
def _job_finished(task_id=None, task=None, state=None, **kwargs):
    job = job_for_task(getattr(task, "name", None))
    error = _errors.pop(task_id, "")
    if not error and sys.exc_info()[1] is not None:
        # Run eagerly with CELERY_TASK_EAGER_PROPAGATES, a failure sends no task_failure: the
        # exception is on its way to the caller, through this postrun.
        error = type(sys.exc_info()[1]).__name__
    if job is not None:
        try:
            record_finish(
                job=job, ok=state == SUCCESS, error="" if state == SUCCESS else (error or str(state))
            )
        except Exception:
            logger.exception("Could not record the end of periodic job %s.", job.name)
