"""Backups (ewevents/backups): an archive restores into a fresh PostgreSQL with every row and
file, encrypted archives need the key, old archives are pruned by day and month.

pg_dump and pg_restore run for real against the session's PostgreSQL server; the restore goes
into a new database created on it. `age` runs for real where it is installed (.ci/run installs it).
"""

import datetime as dt
import gzip
import shutil
import sqlite3
import subprocess
import uuid
from pathlib import Path

import psycopg
import pytest
import yaml
from django.conf import settings
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.management import CommandError, call_command
from django.db import connection

from ewevents.backups import archives, database, services
from ewevents.celery import app as celery_app
from registrations.models import AccessRecord, OutboxEmail, Registration
from tests import factories
from tests.service_fixtures import missing_service

PHOTO = b"\x89PNG\r\n\x1a\n speaker photo bytes"
# What a restore must bring back whole: the people, the emails owed to them, staff's traces.
TABLES = [
    "registrations_registration",
    "registrations_outboxemail",
    "registrations_accessrecord",
    "django_admin_log",
]


@pytest.fixture
def backup_settings(settings, tmp_path):
    settings.BACKUP_DIR = tmp_path / "backups"
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.BACKUP_AGE_RECIPIENT = ""
    (settings.MEDIA_ROOT / "speakers").mkdir(parents=True)
    (settings.MEDIA_ROOT / "speakers" / "ana.png").write_bytes(PHOTO)
    return settings


@pytest.fixture
def postgresql():
    if connection.vendor != "postgresql":
        missing_service("the restore test needs the PostgreSQL test database, not SQLite")


@pytest.fixture
def fresh_database(postgresql):
    """A new, empty database on the test server, as settings; dropped after the test."""
    name = f"restored_{uuid.uuid4().hex[:8]}"
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    yield {**connection.settings_dict, "NAME": name}
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def some_of_everything():
    event = factories.EventFactory()
    staff = factories.StaffFactory()
    people = [factories.RegistrationFactory(event=event, name=f"Ana Núñez {n}") for n in range(3)]
    people.append(factories.RegistrationFactory(event=event, status=Registration.Status.WAITLISTED))
    for person in people:
        OutboxEmail.objects.create(
            registration=person,
            to_email=person.email,
            kind=OutboxEmail.Kind.REGISTERED,
            subject="You are registered",
            body_text=f"Dear {person.name}",
        )
    AccessRecord.objects.create(user=staff, what=AccessRecord.What.REGISTRATIONS_CSV, event=event, rows=4)
    LogEntry.objects.create(
        user=staff,
        content_type=ContentType.objects.get_for_model(Registration),
        object_id=str(people[0].pk),
        object_repr="Registration",
        action_flag=CHANGE,
        change_message="Approved",
    )


def rows_of(cursor, table):
    cursor.execute(f"SELECT * FROM {table} ORDER BY id")  # noqa: S608 (table names from TABLES)
    return cursor.fetchall()


def counts_of(cursor, tables):
    counts = {}
    for table in tables:
        cursor.execute(f'SELECT count(*) FROM "{table}"')  # noqa: S608 (names from introspection)
        counts[table] = cursor.fetchone()[0]
    return counts


def assert_same_rows(restored_db):
    tables = connection.introspection.table_names()
    with connection.cursor() as cursor:
        source = {table: rows_of(cursor, table) for table in TABLES}
        source_counts = counts_of(cursor, tables)
    with (
        psycopg.connect(
            host=restored_db["HOST"],
            port=restored_db["PORT"],
            user=restored_db["USER"],
            dbname=restored_db["NAME"],
        ) as restored,
        restored.cursor() as cursor,
    ):
        assert {table: rows_of(cursor, table) for table in TABLES} == source
        assert counts_of(cursor, tables) == source_counts
    assert len(source["registrations_registration"]) == 4
    assert len(source["registrations_outboxemail"]) == 4
    assert len(source["registrations_accessrecord"]) == 1
    assert len(source["django_admin_log"]) == 1


@pytest.mark.django_db(transaction=True)
def test_the_daily_task_writes_archives_that_restore_every_row_and_file(
    backup_settings, fresh_database, tmp_path
):
    some_of_everything()
    assert settings.CELERY_BEAT_SCHEDULE["backup-database"] == {
        "task": "ewevents.backup_database",
        "schedule": 24 * 60 * 60.0,
    }

    # An earlier test may have run a worker in this process, which forbids a plain get().
    names = celery_app.tasks["ewevents.backup_database"].apply().get(disable_sync_subtasks=False)

    db_name, media_name = names
    assert archives.parse(db_name).kind == "db"
    assert db_name.endswith(".dump")
    assert archives.parse(media_name).kind == "media"
    assert media_name.endswith(".tar.gz")
    backups = Path(settings.BACKUP_DIR)
    assert sorted(path.name for path in backups.iterdir()) == sorted(names)
    assert (backups / db_name).read_bytes()[:5] == b"PGDMP"  # pg_dump's custom format

    settings.MEDIA_ROOT = tmp_path / "new-media"
    url = "postgres://{USER}@{HOST}:{PORT}/{NAME}".format(**fresh_database)
    call_command(
        "restore_database", str(backups / db_name), media=str(backups / media_name), database_url=url
    )

    assert_same_rows(fresh_database)
    assert (tmp_path / "new-media" / "speakers" / "ana.png").read_bytes() == PHOTO


@pytest.mark.django_db(transaction=True)
def test_restore_refuses_a_database_that_has_tables(backup_settings, postgresql):
    some_of_everything()
    backup = services.back_up()

    with pytest.raises(CommandError, match="is not empty"):
        call_command("restore_database", str(backup.files[0]))
    assert Registration.objects.count() == 4


@pytest.fixture
def age_key(tmp_path):
    if shutil.which("age") is None or shutil.which("age-keygen") is None:
        missing_service("age is not installed (apt-get install age)")
    identity = tmp_path / "backup-key.txt"
    subprocess.run(["age-keygen", "-o", str(identity)], check=True, capture_output=True)  # noqa: S607
    recipient = subprocess.run(
        ["age-keygen", "-y", str(identity)],  # noqa: S607
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    return identity, recipient


@pytest.mark.django_db(transaction=True)
def test_an_encrypted_backup_restores_only_with_its_key(backup_settings, fresh_database, age_key, tmp_path):
    identity, recipient = age_key
    backup_settings.BACKUP_AGE_RECIPIENT = recipient
    some_of_everything()

    call_command("backup_database", stdout=open(tmp_path / "out.txt", "w"))  # noqa: SIM115

    db_archive, media_archive = sorted(Path(settings.BACKUP_DIR).iterdir())
    assert db_archive.name.endswith(".dump.age")
    assert media_archive.name.endswith(".tar.gz.age")
    # Nothing readable on disk: neither pg_dump's header nor anyone's name or address.
    for archive in (db_archive, media_archive):
        content = archive.read_bytes()
        assert content.startswith(b"age-encryption.org/v1")
        assert b"PGDMP" not in content
        assert "Núñez".encode() not in content
        assert b"example.com" not in content
    url = "postgres://{USER}@{HOST}:{PORT}/{NAME}".format(**fresh_database)
    with pytest.raises(CommandError, match="--identity"):
        call_command("restore_database", str(db_archive), database_url=url)

    settings.MEDIA_ROOT = tmp_path / "new-media"
    call_command(
        "restore_database",
        str(db_archive),
        media=str(media_archive),
        identity=str(identity),
        database_url=url,
        stdout=open(tmp_path / "out.txt", "w"),  # noqa: SIM115
    )

    assert_same_rows(fresh_database)
    assert (tmp_path / "new-media" / "speakers" / "ana.png").read_bytes() == PHOTO


@pytest.mark.django_db
def test_with_a_recipient_but_no_age_program_nothing_is_backed_up(backup_settings, monkeypatch, tmp_path):
    backup_settings.BACKUP_AGE_RECIPIENT = "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p"
    monkeypatch.setenv("PATH", str(tmp_path / "empty-path"))

    with pytest.raises(CommandError, match="age program is not installed"):
        call_command("backup_database")
    assert not Path(settings.BACKUP_DIR).exists() or list(Path(settings.BACKUP_DIR).iterdir()) == []


@pytest.mark.django_db
def test_a_recipient_age_refuses_stops_the_backup_before_anything_is_written(backup_settings, age_key):
    backup_settings.BACKUP_AGE_RECIPIENT = "age1-not-a-key"

    with pytest.raises(CommandError, match="BACKUP_AGE_RECIPIENT is not a key age accepts"):
        call_command("backup_database")
    assert not Path(settings.BACKUP_DIR).exists()


def test_old_backups_are_pruned_keeping_n_days_and_m_months(tmp_path):
    start = dt.datetime(2025, 1, 1, 3, 0, tzinfo=dt.UTC)
    for day in range(400):  # a backup every night for 400 days, and a second one on the last day
        for kind, ext in (("db", "dump"), ("media", "tar.gz")):
            (tmp_path / archives.name(kind, ext, start + dt.timedelta(days=day), encrypted=False)).touch()
    last = start + dt.timedelta(days=399, hours=12)
    (tmp_path / archives.name("db", "dump", last, encrypted=False)).touch()
    (tmp_path / "notes.txt").touch()  # not a backup: never touched
    (tmp_path / ".partial-ewevents-db-20260204T030000Z.dump").touch()

    deleted = archives.prune(tmp_path, keep_daily=7, keep_monthly=3)

    kept = {archive.taken_at for archive in archives.archives_in(tmp_path)}
    # 2026-02-04 is day 399: the newest of each of the last seven days, 2026-01-29 to 2026-02-04
    # (only its noon backup on the last day), which give February and January their newest; then
    # December's newest.
    last_days = {last, *(start + dt.timedelta(days=day) for day in range(393, 399))}
    assert kept == last_days | {dt.datetime(2025, 12, 31, 3, 0, tzinfo=dt.UTC)}
    assert len(list(tmp_path.glob("ewevents-*"))) == 2 * 8 - 1  # the noon backup has no media file
    assert len(deleted) == 2 * 400 + 1 - (2 * 8 - 1)
    assert (tmp_path / "notes.txt").exists()
    assert (tmp_path / ".partial-ewevents-db-20260204T030000Z.dump").exists()


def test_the_newest_backup_is_kept_whatever_the_settings():
    moments = [dt.datetime(2026, 1, day, tzinfo=dt.UTC) for day in (1, 2, 3)]

    assert archives.times_to_keep(moments, keep_daily=0, keep_monthly=0) == {moments[-1]}


def test_on_sqlite_the_file_is_copied_with_the_backup_api_and_restores(tmp_path):
    source = tmp_path / "db.sqlite3"
    with sqlite3.connect(source) as db:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("CREATE TABLE registration (id INTEGER PRIMARY KEY, name TEXT)")
        db.executemany("INSERT INTO registration (name) VALUES (?)", [("Ana",), ("Bo",)])
    archive = tmp_path / "ewevents-db-20260101T030000Z.sqlite3.gz"

    with archive.open("wb") as file:
        database.dump({"ENGINE": "django.db.backends.sqlite3", "NAME": source}, file, work_dir=tmp_path)
    restored = tmp_path / "restored.sqlite3"
    with archive.open("rb") as file:
        database.restore({"ENGINE": "django.db.backends.sqlite3", "NAME": restored}, file)

    assert gzip.decompress(archive.read_bytes()).startswith(b"SQLite format 3")
    with sqlite3.connect(restored) as db:
        assert db.execute("SELECT id, name FROM registration ORDER BY id").fetchall() == [
            (1, "Ana"),
            (2, "Bo"),
        ]
    with archive.open("rb") as file, pytest.raises(database.BackupError, match="not empty"):
        database.restore({"ENGINE": "django.db.backends.sqlite3", "NAME": restored}, file)


def test_the_worker_that_runs_the_backup_keeps_it_in_a_volume_with_a_pg_dump_of_the_servers_version():
    compose = yaml.safe_load((Path(settings.BASE_DIR) / "docker-compose.yml").read_text())
    dockerfile = (Path(settings.BASE_DIR) / "Dockerfile").read_text()

    assert "backups" in compose["volumes"]
    assert "backups:/app/var/backups" in compose["services"]["worker"]["volumes"]
    assert "media:/app/var/media" in compose["services"]["worker"]["volumes"]
    assert "media:/app/var/media" in compose["services"]["web"]["volumes"]
    server_major = compose["services"]["postgres"]["image"].split(":")[1].split(".")[0]
    assert f"postgresql-client-{server_major} " in dockerfile
    assert " age" in dockerfile
    assert "mkdir -p /app/var/backups /app/var/media" in dockerfile
