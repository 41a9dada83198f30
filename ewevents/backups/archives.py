"""Archive names and retention.

Each backup is a set of files sharing one UTC time stamp:
`ewevents-db-20261205T030000Z.dump` (PostgreSQL custom format; `.sqlite3.gz` on SQLite) and
`ewevents-media-20261205T030000Z.tar.gz`, each with `.age` appended when encrypted. Only files
named so are ever pruned; anything else in the folder is left alone.
"""

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

STAMP_FORMAT = "%Y%m%dT%H%M%SZ"
NAME = re.compile(
    r"^ewevents-(?P<kind>db|media)-(?P<stamp>\d{8}T\d{6}Z)\.(?P<ext>dump|sqlite3\.gz|tar\.gz)(?P<age>\.age)?$"
)


@dataclass(frozen=True)
class Archive:
    path: Path
    kind: str  # "db" or "media"
    taken_at: dt.datetime
    encrypted: bool


def stamp(moment):
    return moment.astimezone(dt.UTC).strftime(STAMP_FORMAT)


def name(kind, ext, moment, *, encrypted):
    return f"ewevents-{kind}-{stamp(moment)}.{ext}{'.age' if encrypted else ''}"


def parse(path):
    """The Archive a file is, or None for a file not named as a backup."""
    match = NAME.match(Path(path).name)
    if match is None:
        return None
    taken_at = dt.datetime.strptime(match["stamp"], STAMP_FORMAT).replace(tzinfo=dt.UTC)
    return Archive(Path(path), match["kind"], taken_at, bool(match["age"]))


def archives_in(directory):
    """The backup archives in `directory`, newest first."""
    directory = Path(directory)
    if not directory.is_dir():
        return []
    found = [archive for path in directory.iterdir() if (archive := parse(path)) is not None]
    return sorted(found, key=lambda archive: (archive.taken_at, archive.kind), reverse=True)


def times_to_keep(times, *, keep_daily, keep_monthly):
    """Of the backups' times, those kept: the newest of each of the last `keep_daily` days that
    have one and the newest of each of the last `keep_monthly` months; always the newest of all."""
    newest_first = sorted(set(times), reverse=True)
    kept, days, months = set(newest_first[:1]), set(), set()
    for moment in newest_first:
        day, month = moment.date(), (moment.year, moment.month)
        if day not in days and len(days) < keep_daily:
            days.add(day)
            kept.add(moment)
        if month not in months and len(months) < keep_monthly:
            months.add(month)
            kept.add(moment)
    return kept


def prune(directory, *, keep_daily, keep_monthly):
    """Delete the archives not kept (see `times_to_keep`); return the paths deleted."""
    archives = archives_in(directory)
    kept = times_to_keep(
        [archive.taken_at for archive in archives], keep_daily=keep_daily, keep_monthly=keep_monthly
    )
    deleted = []
    for archive in archives:
        if archive.taken_at not in kept:
            archive.path.unlink(missing_ok=True)
            deleted.append(archive.path)
    return deleted
