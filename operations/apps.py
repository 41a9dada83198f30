from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class OperationsConfig(AppConfig):
    name = "operations"
    verbose_name = _("Site operations")

    def ready(self):
        # Celery tasks register on import (the web process and `run_periodic` know them by name too);
        # the Celery signals record every run of a scheduled job, in a worker or run eagerly.
        from . import celery_signals, heartbeats, tasks  # noqa: F401

        # Each scheduled job gets its row at `migrate`: a job that never runs is then seen late.
        post_migrate.connect(_track_jobs, sender=self, dispatch_uid="operations.track_jobs")


def _track_jobs(using="default", **kwargs):
    from django.db import connections

    from .heartbeats import track_scheduled_jobs
    from .models import Heartbeat

    # Not after `migrate operations zero`, which leaves no table.
    if Heartbeat._meta.db_table in connections[using].introspection.table_names():
        track_scheduled_jobs(using=using)
