"""Backing up and restoring: what the commands and the daily task call."""

import tarfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.db import connections
from django.utils import timezone

from . import BackupError, archives, database, sealing

MEDIA_ARCHIVE_ROOT = "media"


@dataclass(frozen=True)
class Backup:
    files: list  # the archives written, database first
    pruned: list  # the older archives deleted


def back_up(now=None):
    """Write the database's and MEDIA_ROOT's archives to BACKUP_DIR, then prune old backups.

    Encrypted to BACKUP_AGE_RECIPIENT when it is set (and refused, writing nothing, when `age`
    is missing). Safe while the site runs: both dumps are consistent snapshots.
    """
    db = connections["default"].settings_dict
    recipient = settings.BACKUP_AGE_RECIPIENT
    if recipient:
        sealing.check_recipient(recipient)
    directory = Path(settings.BACKUP_DIR)
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    now = now or timezone.now()
    encrypted = bool(recipient)
    database_archive = directory / archives.name("db", database.extension(db), now, encrypted=encrypted)
    with sealing.sealed(database_archive, recipient) as file:
        database.dump(db, file, work_dir=directory)
    media_archive = directory / archives.name("media", "tar.gz", now, encrypted=encrypted)
    with sealing.sealed(media_archive, recipient) as file:
        _archive_media(Path(settings.MEDIA_ROOT), file)
    pruned = archives.prune(
        directory, keep_daily=settings.BACKUP_KEEP_DAILY, keep_monthly=settings.BACKUP_KEEP_MONTHLY
    )
    return Backup(files=[database_archive, media_archive], pruned=pruned)


def restore_database(path, *, identity=None, db=None):
    """Restore a database archive into `db` (a DATABASES entry; the default database if None),
    which must be empty. `identity` is the age secret key file for an encrypted archive."""
    db = db or connections["default"].settings_dict
    with sealing.opened(path, identity) as file:
        database.restore(db, file)


def restore_media(path, *, identity=None):
    """Unpack a media archive into MEDIA_ROOT, which must be empty or missing."""
    root = Path(settings.MEDIA_ROOT)
    if root.is_dir() and any(root.iterdir()):
        raise BackupError(f"{root} is not empty: restore the files into an empty MEDIA_ROOT.")
    root.mkdir(parents=True, exist_ok=True)
    with sealing.opened(path, identity) as file, tarfile.open(fileobj=file, mode="r|gz") as tar:
        for member in tar:
            parts = PurePosixPath(member.name).parts
            if parts[:1] != (MEDIA_ARCHIVE_ROOT,) or len(parts) == 1:
                continue
            member.name = str(PurePosixPath(*parts[1:]))
            tar.extract(member, root, filter="data")


def latest_backup_time():
    """When the newest backup in BACKUP_DIR was taken (aware, UTC), or None."""
    found = archives.archives_in(settings.BACKUP_DIR)
    return found[0].taken_at if found else None


def _archive_media(root, file):
    with tarfile.open(fileobj=file, mode="w|gz") as tar:
        if root.is_dir():
            tar.add(root, arcname=MEDIA_ARCHIVE_ROOT)
