"""The Celery app. Without a broker (the embedded default) tasks run eagerly."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ewevents.settings")

app = Celery("ewevents")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
