"""The time-zone choice of the registration form: common zones by region, then every other real zone.

Real zones are those of the zone database's ``zone.tab`` (one line per country and zone, Region/City
names only: no "Factory", "localtime", "US/Eastern" or other legacy aliases), plus UTC. Each is
labelled with its city in the visitor's language and its offset at the event's start, e.g.
"Brussels (UTC+1)". Browsers may report an alias ("Asia/Calcutta"): ``aliases()`` maps those to the
listed zone, for static/js/timezone.js and for what is posted.
"""

import functools
import importlib.resources
import unicodedata
import zoneinfo

from django.utils.translation import get_language, gettext_lazy, pgettext_lazy

from events.times import zone_city

UTC = "UTC"
_REGIONS = {"Africa", "America", "Antarctica", "Asia", "Atlantic", "Australia", "Europe", "Indian", "Pacific"}

# The zones most registrants are in, by region; each group is shown sorted by offset, then city.
COMMON_ZONES = [
    (
        gettext_lazy("Europe"),
        [
            "Europe/London",
            "Europe/Lisbon",
            "Europe/Dublin",
            "Europe/Brussels",
            "Europe/Amsterdam",
            "Europe/Paris",
            "Europe/Berlin",
            "Europe/Madrid",
            "Europe/Rome",
            "Europe/Copenhagen",
            "Europe/Stockholm",
            "Europe/Warsaw",
            "Europe/Athens",
            "Europe/Helsinki",
            "Europe/Istanbul",
        ],
    ),
    (
        gettext_lazy("Americas"),
        [
            "America/Los_Angeles",
            "America/Denver",
            "America/Chicago",
            "America/Mexico_City",
            "America/New_York",
            "America/Toronto",
            "America/Bogota",
            "America/Lima",
            "America/Santiago",
            "America/Argentina/Buenos_Aires",
            "America/Sao_Paulo",
        ],
    ),
    (
        gettext_lazy("Africa and Middle East"),
        ["Africa/Lagos", "Africa/Cairo", "Africa/Johannesburg", "Africa/Nairobi", "Asia/Dubai"],
    ),
    (
        gettext_lazy("Asia and Pacific"),
        [
            "Asia/Karachi",
            "Asia/Kolkata",
            "Asia/Dhaka",
            "Asia/Bangkok",
            "Asia/Jakarta",
            "Asia/Kuala_Lumpur",
            "Asia/Shanghai",
            "Asia/Hong_Kong",
            "Asia/Taipei",
            "Asia/Singapore",
            "Asia/Manila",
            "Asia/Tokyo",
            "Asia/Seoul",
            "Australia/Sydney",
            "Pacific/Auckland",
        ],
    ),
]
OTHER_ZONES = pgettext_lazy("time zones", "Other zones…")

# Cities of the common zones that events.times does not name yet, in the visitor's language.
_MORE_CITIES = {
    "Dublin": gettext_lazy("Dublin"),
    "Madrid": gettext_lazy("Madrid"),
    "Athens": gettext_lazy("Athens"),
    "Helsinki": gettext_lazy("Helsinki"),
    "Istanbul": gettext_lazy("Istanbul"),
    "Los Angeles": gettext_lazy("Los Angeles"),
    "Denver": gettext_lazy("Denver"),
    "Chicago": gettext_lazy("Chicago"),
    "Toronto": gettext_lazy("Toronto"),
    "Bogota": gettext_lazy("Bogotá"),
    "Lima": gettext_lazy("Lima"),
    "Santiago": gettext_lazy("Santiago"),
    "Buenos Aires": gettext_lazy("Buenos Aires"),
    "Lagos": gettext_lazy("Lagos"),
    "Cairo": gettext_lazy("Cairo"),
    "Johannesburg": gettext_lazy("Johannesburg"),
    "Nairobi": gettext_lazy("Nairobi"),
    "Dubai": gettext_lazy("Dubai"),
    "Karachi": gettext_lazy("Karachi"),
    "Kolkata": gettext_lazy("Kolkata"),
    "Dhaka": gettext_lazy("Dhaka"),
    "Bangkok": gettext_lazy("Bangkok"),
    "Jakarta": gettext_lazy("Jakarta"),
    "Hong Kong": gettext_lazy("Hong Kong"),
    "Singapore": gettext_lazy("Singapore"),
    "Manila": gettext_lazy("Manila"),
    "Tokyo": gettext_lazy("Tokyo"),
    "Seoul": gettext_lazy("Seoul"),
    "Sydney": gettext_lazy("Sydney"),
    "Auckland": gettext_lazy("Auckland"),
}


def _sort_key(text):
    """`text` without accents and case, so "Ámsterdam" sorts among the A's."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().casefold()


def _zoneinfo_text(name):
    return (importlib.resources.files("tzdata.zoneinfo") / name).read_text(encoding="utf-8")


@functools.cache
def real_zones():
    """The zone names a person may choose: zone.tab's Region/City zones and UTC."""
    names = {UTC}
    for line in _zoneinfo_text("zone.tab").splitlines():
        if line and not line.startswith("#"):
            name = line.split("\t")[2]
            if name.split("/", 1)[0] in _REGIONS:
                names.add(name)
    return frozenset(names)


@functools.cache
def aliases():
    """{alias: listed zone} for the Region/City names that are links to a listed zone ("Asia/Calcutta")."""
    links = {}
    for line in _zoneinfo_text("tzdata.zi").splitlines():
        if line.startswith("L "):
            _kind, target, alias = line.split()
            links[alias] = target
    zones = real_zones()
    found = {}
    for alias, target in links.items():
        if alias in zones or alias.split("/", 1)[0] not in _REGIONS:
            continue
        for _step in range(5):  # a link may point to a link
            if target in zones or target not in links:
                break
            target = links[target]
        if target in zones:
            found[alias] = target
    return found


def listed(name):
    """The listed zone `name` stands for: itself, the zone an alias links to, or "" for neither."""
    if name in real_zones():
        return name
    return aliases().get(name, "")


def _offset(zone_name, at):
    minutes = int(at.astimezone(zoneinfo.ZoneInfo(zone_name)).utcoffset().total_seconds()) // 60
    return minutes


def _offset_text(minutes):
    if minutes == 0:
        return "UTC"
    sign = "+" if minutes > 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}:{rest:02d}" if rest else f"UTC{sign}{hours}"


def city_of(zone_name):
    """The zone's city in the active language: 'America/North_Dakota/Center' -> 'Center, North Dakota'."""
    parts = zone_name.split("/")
    city = parts[-1].replace("_", " ")
    if city in _MORE_CITIES:
        return str(_MORE_CITIES[city])
    named = zone_city(zone_name)
    if len(parts) == 3:
        return f"{named}, {parts[1].replace('_', ' ')}"
    return named


def label(zone_name, at):
    """'Brussels (UTC+1)': the city in the active language and the offset at the instant `at`."""
    if zone_name == UTC:
        return "UTC"
    return f"{city_of(zone_name)} ({_offset_text(_offset(zone_name, at))})"


def choices(at):
    """The form's choices: (group, [(zone, label)]) for the common zones by region, then the others.

    Offsets are those at the instant `at` (the event's start). Cached per language and hour.
    """
    return _choices(get_language() or "en", at.replace(minute=0, second=0, microsecond=0))


@functools.lru_cache(maxsize=32)
def _choices(language, at):
    groups = []
    common = set()
    for region, names in COMMON_ZONES:
        names = sorted(names, key=lambda name: (_offset(name, at), _sort_key(city_of(name))))
        groups.append((str(region), [(name, label(name, at)) for name in names]))
        common.update(names)
    others = [(name, label(name, at)) for name in real_zones() - common]
    others.sort(key=lambda choice: (choice[0] != UTC, _sort_key(choice[1])))
    groups.append((str(OTHER_ZONES), others))
    return groups
