"""The Celery app. Without a broker (the embedded default) tasks run eagerly."""

import logging
import logging.config
import os
import time

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ewevents.settings")

app = Celery("ewevents")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

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
