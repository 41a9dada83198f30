"""Celery task of backups: a thin adapter around services.back_up."""

import logging

from celery import shared_task

from . import services

logger = logging.getLogger(__name__)


@shared_task(name="ewevents.backup_database")
def task_backup_database():
    """Back up the database and media files to BACKUP_DIR and prune old backups; return the file names.

    Run daily by Celery beat (CELERY_BEAT_SCHEDULE). A failure raises, so the task's log line says so.
    """
    backup = services.back_up()
    logger.info(
        "Backup written: %s; %s old archives pruned.",
        ", ".join(path.name for path in backup.files),
        len(backup.pruned),
    )
    return [path.name for path in backup.files]
