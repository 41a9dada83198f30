"""The database into an archive and back.

PostgreSQL: `pg_dump --format=custom` (compressed; restored table by table with `pg_restore`,
whose major version must be at least the server's). SQLite, the embedded default: a consistent
copy made with SQLite's online backup API (safe while the site writes), gzipped.
"""

import contextlib
import gzip
import os
import shutil
import sqlite3
import subprocess
import tempfile
from pathlib import Path

from . import BackupError


def is_postgresql(db):
    return "postgresql" in db["ENGINE"]


def extension(db):
    return "dump" if is_postgresql(db) else "sqlite3.gz"


def dump(db, file, *, work_dir):
    """Write database `db` (a DATABASES entry) into the binary `file`."""
    if is_postgresql(db):
        _run_postgres_program("pg_dump", db, ["--format=custom", "--dbname", db["NAME"]], stdout=file)
        return
    fd, copy = tempfile.mkstemp(dir=work_dir, prefix=".partial-sqlite-")
    os.close(fd)
    try:
        _sqlite_copy(db["NAME"], copy)
        with open(copy, "rb") as source, gzip.GzipFile(fileobj=file, mode="wb") as zipped:
            shutil.copyfileobj(source, zipped)
    finally:
        Path(copy).unlink(missing_ok=True)


def restore(db, file):
    """Restore the archive read from the binary `file` into database `db`, which must be empty."""
    if is_postgresql(db):
        if _postgres_table_count(db):
            raise BackupError(f"Database {db['NAME']} is not empty: restore into a new, empty database.")
        options = ["--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction"]
        _run_postgres_program("pg_restore", db, [*options, "--dbname", db["NAME"]], stdin=file)
        return
    target = Path(db["NAME"])
    if _sqlite_table_count(target):
        raise BackupError(f"Database {target} is not empty: restore into a new, empty file.")
    fd, copy = tempfile.mkstemp(dir=target.parent, prefix=".partial-restore-")
    try:
        with os.fdopen(fd, "wb") as unzipped, gzip.GzipFile(fileobj=file, mode="rb") as zipped:
            shutil.copyfileobj(zipped, unzipped)
        _sqlite_copy(copy, target)
    finally:
        Path(copy).unlink(missing_ok=True)


def _connection_arguments(db):
    arguments = []
    for option, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if db.get(key):
            arguments += [option, str(db[key])]
    return arguments


def _run_postgres_program(name, db, arguments, **streams):
    program = shutil.which(name)
    if program is None:
        raise BackupError(f"{name} is not installed (apt-get install postgresql-client).")
    environment = {**os.environ, "PGPASSWORD": db.get("PASSWORD") or ""}
    result = subprocess.run(  # noqa: S603 (a PostgreSQL client from PATH, arguments from settings)
        [program, *_connection_arguments(db), *arguments],
        stderr=subprocess.PIPE,
        env=environment,
        check=False,
        **streams,
    )
    if result.returncode != 0:
        raise BackupError(f"{name} failed: {result.stderr.decode(errors='replace').strip()}")


def _postgres_table_count(db):
    import psycopg

    arguments = {"dbname": db["NAME"], "user": db.get("USER") or None, "password": db.get("PASSWORD") or None}
    arguments.update(host=db.get("HOST") or None, port=db.get("PORT") or None)
    with psycopg.connect(**{key: value for key, value in arguments.items() if value}) as connection:
        row = connection.execute(
            "SELECT count(*) FROM pg_catalog.pg_tables"
            " WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"
        ).fetchone()
    return row[0]


def _sqlite_table_count(path):
    if not path.exists() or path.stat().st_size == 0:
        return 0
    with contextlib.closing(sqlite3.connect(path)) as connection:
        return connection.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0]


def _sqlite_copy(source, target):
    """Copy SQLite database `source` into `target` with the online backup API."""
    with (
        contextlib.closing(sqlite3.connect(source)) as reading,
        contextlib.closing(sqlite3.connect(target)) as writing,
    ):
        reading.backup(writing)
