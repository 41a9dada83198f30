"""Rendering stored instants in a named zone. Times are stored once, in UTC."""

import zoneinfo
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _


def zone_city(zone_name):
    """'Europe/Brussels' -> 'Brussels', 'America/Argentina/Buenos_Aires' -> 'Buenos Aires'."""
    return zone_name.rsplit("/", 1)[-1].replace("_", " ")


def zone_label(zone_name, at):
    """A label for the zone as it is at the instant `at`, e.g. 'Brussels time (CET)'."""
    local = at.astimezone(zoneinfo.ZoneInfo(zone_name))
    if "/" not in zone_name or zone_name.startswith("Etc/"):
        # UTC, GMT, Etc/GMT+3: no city to name, the abbreviation or offset says it all.
        name = local.tzname() or zone_name
        return f"UTC{local.strftime('%z')}" if name.startswith(("+", "-")) else name
    abbreviation = local.tzname()
    city = zone_city(zone_name)
    if abbreviation and not abbreviation.startswith(("+", "-")):
        return _("%(city)s time (%(abbreviation)s)") % {"city": city, "abbreviation": abbreviation}
    return _("%(city)s time (UTC%(offset)s)") % {"city": city, "offset": local.strftime("%z")}


@dataclass(frozen=True)
class ZonedRange:
    zone_name: str
    label: str
    start: datetime
    end: datetime

    @property
    def spans_days(self):
        return self.start.date() != self.end.date()


def zoned_range(start, end, zone_name):
    tz = zoneinfo.ZoneInfo(zone_name)
    return ZonedRange(zone_name, zone_label(zone_name, start), start.astimezone(tz), end.astimezone(tz))


def zoned_ranges(start, end, zone_names):
    """The same start and end in each of `zone_names`, first zone first, duplicates dropped."""
    seen = []
    for name in zone_names:
        if name and name not in seen:
            seen.append(name)
    return [zoned_range(start, end, name) for name in seen]


def short_span(start, end, tz):
    """'Wed 3 Feb, 10:30–11:00' in the zone `tz`, in the active language; the end's day too when it
    falls on another day ('Wed 3 Feb, 22:00 – Thu 4 Feb, 01:00')."""
    start, end = timezone.localtime(start, tz), timezone.localtime(end, tz)
    day = date_format(start, "D j M")
    if start.date() == end.date():
        return f"{day}, {start:%H:%M}–{end:%H:%M}"
    return f"{day}, {start:%H:%M} – {date_format(end, 'D j M')}, {end:%H:%M}"
