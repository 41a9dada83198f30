"""`manage.py backup_database`: the database and media files into dated archives in BACKUP_DIR."""

from django.core.management.base import BaseCommand, CommandError

from ewevents.backups import BackupError, services


class Command(BaseCommand):
    help = (
        "Write a dated archive of the database (pg_dump custom format, or a copy of the SQLite file) "
        "and one of MEDIA_ROOT to BACKUP_DIR, encrypted with age to BACKUP_AGE_RECIPIENT if set; "
        "then delete backups beyond BACKUP_KEEP_DAILY days and BACKUP_KEEP_MONTHLY months."
    )

    def handle(self, *args, **options):
        try:
            backup = services.back_up()
        except BackupError as error:
            raise CommandError(str(error)) from error
        for path in backup.files:
            self.stdout.write(f"Wrote {path}")
        for path in backup.pruned:
            self.stdout.write(f"Deleted {path.name} (past the retention)")
