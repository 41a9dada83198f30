"""`manage.py restore_database ARCHIVE [--media ARCHIVE]`: a backup into an empty database."""

import environ
from django.core.management.base import BaseCommand, CommandError

from ewevents.backups import BackupError, services


class Command(BaseCommand):
    help = (
        "Restore a database archive written by backup_database into an empty database (the configured "
        "one, or --database-url), and optionally a media archive into an empty MEDIA_ROOT. Encrypted "
        "archives (.age) need --identity, the age secret key file."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", help="ewevents-db-<time>.dump (or .sqlite3.gz), maybe with .age")
        parser.add_argument("--media", help="ewevents-media-<time>.tar.gz (maybe with .age) to unpack too")
        parser.add_argument("--identity", help="age identity (secret key) file, for encrypted archives")
        parser.add_argument(
            "--database-url", help="restore into this database (e.g. postgres://...) instead of DATABASE_URL"
        )

    def handle(self, *args, archive, media, identity, database_url, **options):
        db = environ.Env.db_url_config(database_url) if database_url else None
        try:
            services.restore_database(archive, identity=identity, db=db)
            self.stdout.write(f"Restored {archive}")
            if media:
                services.restore_media(media, identity=identity)
                self.stdout.write(f"Restored {media}")
        except BackupError as error:
            raise CommandError(str(error)) from error
