"""Rendering stored instants in a named zone. Times are stored once, in UTC."""

import zoneinfo
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

# Date patterns (django.utils.dateformat) as each language writes them: Spanish puts "de"
# between day, month and year ("miércoles, 3 de febrero de 2027"). Translated like Django's
# own DATE_FORMAT; a pattern not listed here is used as it is.
_DATE_PATTERNS = {
    "l j F Y": pgettext_lazy("date pattern: weekday day month year", "l j F Y"),
    "l j F Y, G:i": pgettext_lazy("date pattern: weekday day month year, time", "l j F Y, G:i"),
    "j F Y": pgettext_lazy("date pattern: day month year", "j F Y"),
    "j F": pgettext_lazy("date pattern: day month", "j F"),
    "D j M": pgettext_lazy("date pattern: short weekday day short month", "D j M"),
}

# The cities of the zones events use, in the visitor's language; others keep the zone's name.
_CITIES = {
    "Amsterdam": gettext_lazy("Amsterdam"),
    "Brussels": gettext_lazy("Brussels"),
    "London": gettext_lazy("London"),
    "Paris": gettext_lazy("Paris"),
    "Berlin": gettext_lazy("Berlin"),
    "Copenhagen": gettext_lazy("Copenhagen"),
    "Stockholm": gettext_lazy("Stockholm"),
    "Lisbon": gettext_lazy("Lisbon"),
    "Rome": gettext_lazy("Rome"),
    "Warsaw": gettext_lazy("Warsaw"),
    "New York": gettext_lazy("New York"),
    "Mexico City": gettext_lazy("Mexico City"),
    "Sao Paulo": gettext_lazy("São Paulo"),
    "Taipei": gettext_lazy("Taipei"),
    "Shanghai": gettext_lazy("Shanghai"),
    "Kuala Lumpur": gettext_lazy("Kuala Lumpur"),
}


def date_pattern(pattern):
    """`pattern` (e.g. "l j F Y") as the active language writes it ("l, j \\d\\e F \\d\\e Y" in Spanish)."""
    return str(_DATE_PATTERNS.get(pattern, pattern))


def zone_city(zone_name):
    """'Europe/Brussels' -> 'Brussels', 'America/Argentina/Buenos_Aires' -> 'Buenos Aires'.

    A city events use is named in the active language ("Bruselas" in Spanish).
    """
    city = zone_name.rsplit("/", 1)[-1].replace("_", " ")
    return str(_CITIES.get(city, city))


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
