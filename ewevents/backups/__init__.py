"""Backups of the database and the uploaded files, and their restore.

- `archives.py`: the archives' dated names, which to keep (N daily, M monthly), pruning.
- `sealing.py`: writing an archive whole or not at all, encrypted with `age` when a recipient is set.
- `database.py`: the database into an archive and back: `pg_dump -Fc` / `pg_restore` on
  PostgreSQL, SQLite's online backup API on the embedded default.
- `services.py`: `back_up()` (both archives, then pruning) and the restores, called by the
  commands `backup_database` and `restore_database` and by the daily Celery task.

Settings: BACKUP_DIR, BACKUP_KEEP_DAILY, BACKUP_KEEP_MONTHLY, BACKUP_AGE_RECIPIENT, MEDIA_ROOT.
"""


class BackupError(Exception):
    """A backup or restore could not be made; the message says why and what to do."""
