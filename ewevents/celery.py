"""The Celery app, and `enqueue`, which services call to queue a task by its name.

Without a broker (the embedded default) tasks run eagerly.
"""

import logging
import logging.config
import os
import time

import kombu.exceptions
import redis.exceptions
from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ewevents.settings")

app = Celery("ewevents")
app.config_from_object("django.conf:settings", namespace="CELERY")
# The task modules live in the apps' parts (registrations/outbox/tasks.py, ...); each part's
# tasks are imported by registrations.apps (and operations.apps), so the web process knows them by name too.
app.autodiscover_tasks(
    [
        "registrations.outbox",
        "registrations.mailings",
        "registrations.privacy",
        "ewevents.backups",
        "operations",
    ]
)

logger = logging.getLogger(__name__)
# What publishing a task raises when the broker is down or unreachable.
BROKER_ERRORS = (kombu.exceptions.OperationalError, redis.exceptions.RedisError, OSError)

task_logger = logging.getLogger("ewevents.task")
# The message header that carries the id of the web request that queued a task.
REQUEST_ID_HEADER = "ewevents_request_id"
_running = {}  # task id -> (context variable token, start time), while the task runs


@signals.setup_logging.connect
def _use_django_logging(**kwargs):
    """Workers and beat log like the web processes (settings.LOGGING), not in Celery's own format."""
    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)


@signals.before_task_publish.connect
def _send_request_id(headers=None, **kwargs):
    from ewevents.logs import request_id

    if headers is not None and request_id.get():
        headers[REQUEST_ID_HEADER] = request_id.get()


@signals.task_prerun.connect
def _start_task_log(task_id=None, task=None, **kwargs):
    from ewevents.logs import request_id

    # Run eagerly, a task keeps the id of the request it runs in.
    queued_by = getattr(task.request, REQUEST_ID_HEADER, None) or request_id.get()
    _running[task_id] = (request_id.set(queued_by), time.monotonic())


@signals.task_postrun.connect
def _end_task_log(task_id=None, task=None, state=None, **kwargs):
    """Log one line per task run: its name, id, outcome and duration; never its arguments."""
    from ewevents.logs import request_id

    token, started = _running.pop(task_id, (None, time.monotonic()))
    duration_ms = round((time.monotonic() - started) * 1000, 1)
    task_logger.info(
        "task %s %s %sms",
        task.name,
        state,
        duration_ms,
        extra={"task": task.name, "task_id": task_id, "status": state, "duration_ms": duration_ms},
    )
    if token is not None:
        request_id.reset(token)


def enqueue(name, *, kwargs, what, fallback, queue=None, countdown=None):
    """Queue the task registered as `name`; return True, or False when the broker can't be reached.

    Services queue tasks by name, so that no service imports a task module (tasks import
    services). A broker outage is logged (`what` names the job, `fallback` says what
    happens instead) and swallowed: this runs from transaction.on_commit, where raising
    would turn a stored change into an error page.
    """
    try:
        app.tasks[name].apply_async(kwargs=kwargs, queue=queue, countdown=countdown)
    except BROKER_ERRORS as exc:
        # The class only: a broker error needs no detail here.
        logger.warning("Could not queue %s (%s); %s", what, type(exc).__name__, fallback)
        return False
    return True
