"""Demo data: the seed conference and webinars, upcoming demo material and demo logins.

The data lives in the JSON files in ``demo_data/`` beside this module, each saying
in its "about" key what it holds; this module checks them and writes the rows.
The 2024 conference and the 2020 webinars are word for word as the organisation
published them; everything else is marked as demo text.

Other apps add their own demo data through ``settings.DEMO_LOADERS``, so that events
never imports them: a list of dotted paths to functions called as ``loader(today=today)``
after the events' data is written, in the same transaction, in English. Each writes its
rows through its own services, must give the same rows when run again, and returns the
lines `load_demo` prints for it (an empty list to print nothing). Today the one loader is
the registrations app's (registrations.demo): demo guests, a full session and its
waiting list.
"""

import datetime
import enum
import json
import os
import secrets
import zoneinfo
from collections import defaultdict
from pathlib import Path

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone, translation
from django.utils.module_loading import import_string

from .models import (
    Event,
    EventPartner,
    Membership,
    Organisation,
    Session,
    SessionMaterial,
    SessionSpeaker,
    Speaker,
    Venue,
    WebinarSeries,
)

DATA_DIR = Path(__file__).with_name("demo_data")
LOGIN_PATH = "/accounts/login/"
STAFF_EMAIL = "staff@example.org"
AFFILIATE_EMAIL = "affiliate@example.org"
DEMO_ORGANISATION = "Demo Affiliate Organisation"
# email, first name, last name, staff and superuser
USERS = [(STAFF_EMAIL, "Demo", "Staff", True), (AFFILIATE_EMAIL, "Demo", "Affiliate", False)]
BRUSSELS = "Europe/Brussels"  # conferences
LONDON = "Europe/London"  # webinars

# Sessions of the 2024 programme that pages and tests pick by title.
PANEL_REGULATORY = "The evolving regulatory landscape and the practice of due diligence"
PANEL_ACCOUNTABILITY = (
    "Accountability for business harms: stories from workers' rights defenders from the mines to the "
    "factories"
)
COLLECTIVE_LEVERAGE = "Collective leverage in action"
# The demo edition's small session (conference_demo.json), which demo loaders may fill.
DEMO_WORKSHOP = "Lunchtime workshop: writing labour rights clauses into a tender"

# --- What the data files hold -------------------------------------------------
# Per key: a type or choices, a required value of that kind; a dict, a required
# record; [record], a list of records (may be left out); else an optional value
# with that default. Every file may also have an "about" text for its readers.

DATE, TIME = datetime.date, datetime.time
CONFERENCE_TEXTS = {"title": str, "subtitle": "", "summary": "", "description": ""}
CONFERENCE_TEXTS |= {f"{key}_es": "" for key in CONFERENCE_TEXTS}
WEBINAR_TEXTS = {"title": str, "summary": "", "highlights": "", "description": ""}
WEBINAR_TEXTS |= {f"{key}_es": "" for key in WEBINAR_TEXTS}
SERIES_TEXTS = {"title": str, "summary": ""}
SERIES_TEXTS |= {f"{key}_es": "" for key in SERIES_TEXTS}
# CONFERENCE_TEXTS and WEBINAR_TEXTS also name the event fields copied from the data.
CONFERENCE = {"slug": str, "start": TIME, "end_day": int, "end": TIME, **CONFERENCE_TEXTS}
WEBINAR = {"slug": str, "start": TIME, "end": TIME, **WEBINAR_TEXTS}
SESSION = {"day": int, "start": TIME, "end": TIME, "title": str, "kind": Session.Kind}
SESSION |= {"visibility": Session.Visibility, "room": "", "description": "", "title_es": ""}
SESSION |= {"description_es": ""}
SPEAKER = {"slug": str, "name": str, "role": "", "organisation": "", "bio": ""}
LINK = {"speaker": str, "role": SessionSpeaker.Role}
CHANGE = {"title": str, "description": "", "title_es": "", "description_es": "", "speakers": [LINK]}
MATERIAL = {"session": str, "kind": SessionMaterial.Kind, "title": str, "title_es": "", "url": str}
FILES = {
    "conference_2024.json": {
        "event": {**CONFERENCE, "first_day": DATE, "practical_information": str},
        "venue": {"name": str, "city": str, "country": str},
        "partners": [{"name": str, "role": EventPartner.Role}],
        "programme": [SESSION],
    },
    "conference_demo.json": {
        "event": CONFERENCE,
        "venue_accessibility": "",
        "venue_accessibility_es": "",
        "speakers": [SPEAKER],
        "sessions": [CHANGE],
        "extra_sessions": [SESSION],
        "materials": [MATERIAL],
    },
    "webinars_2020.json": {
        "series": {"slug": str, **SERIES_TEXTS, "secondary_time_zones": list},
        "webinars": [{**WEBINAR, "date": DATE}],
    },
    "webinars_demo.json": {"webinars": [{**WEBINAR, "days_ahead": int}]},
}
EXPECTED = {DATE: "a date (2024-11-06)", TIME: "a time (9:30)", str: "text", int: "a number", list: "a list"}


class DemoDataError(ValueError):
    """A demo data file is missing, is not JSON, or does not hold what FILES says."""


def _convert(value, kind, where):
    try:
        if kind is DATE:
            return DATE.fromisoformat(value)
        if kind is TIME:
            hour, minute = value.split(":")
            return TIME(int(hour), int(minute))
        if issubclass(kind, enum.Enum):
            return kind(value)
        if isinstance(value, kind):
            return value
    except (AttributeError, TypeError, ValueError):
        pass
    expected = f"one of {', '.join(kind.values)}" if issubclass(kind, enum.Enum) else EXPECTED[kind]
    raise DemoDataError(f"{where}: {value!r} is not {expected}")


def _check(value, spec, where):
    """`value` checked against `spec`, values converted, left-out optional keys at their defaults."""
    if not isinstance(value, dict):
        raise DemoDataError(f"{where}: expected an object with the keys {', '.join(spec)}")
    if unknown := sorted(value.keys() - spec.keys()):
        raise DemoDataError(f"{where}: unknown key {unknown[0]!r}; the keys are {', '.join(spec)}")
    if missing := [key for key, kind in spec.items() if isinstance(kind, type | dict) and key not in value]:
        raise DemoDataError(f"{where}: missing key {missing[0]!r}")
    record = {}
    for key, kind in spec.items():
        here = f"{where}, {key}"
        if isinstance(kind, dict):
            record[key] = _check(value[key], kind, here)
        elif isinstance(kind, list):
            items = _convert(value.get(key, []), list, here)
            record[key] = [_check(item, kind[0], f"{here}[{index}]") for index, item in enumerate(items)]
        else:
            record[key] = _convert(value.get(key, kind), kind if isinstance(kind, type) else type(kind), here)
    return record


def read_demo_data(directory=DATA_DIR):
    """Read and check the data files in `directory`; a DemoDataError names the file and the key."""
    data = {}
    for name, spec in FILES.items():
        try:
            text = (Path(directory) / name).read_text(encoding="utf-8")
            data[name.removesuffix(".json")] = _check(json.loads(text), {"about": "", **spec}, name)
        except FileNotFoundError:
            raise DemoDataError(f"{name}: no such file in {directory}") from None
        except json.JSONDecodeError as error:
            raise DemoDataError(f"{name}: not valid JSON: {error}") from None
    titles = {item["title"] for item in data["conference_2024"]["programme"]}
    slugs = {speaker["slug"] for speaker in data["conference_demo"]["speakers"]}
    for index, change in enumerate(data["conference_demo"]["sessions"]):
        where = f"conference_demo.json, sessions[{index}]"
        if change["title"] not in titles:
            raise DemoDataError(f"{where}: no session titled {change['title']!r} in conference_2024.json")
        if unknown := [link["speaker"] for link in change["speakers"] if link["speaker"] not in slugs]:
            raise DemoDataError(f"{where}: no speaker {unknown[0]!r} in conference_demo.json, speakers")
    titles |= {item["title"] for item in data["conference_demo"]["extra_sessions"]}
    for index, material in enumerate(data["conference_demo"]["materials"]):
        if material["session"] not in titles:
            where = f"conference_demo.json, materials[{index}]"
            raise DemoDataError(f"{where}: no session titled {material['session']!r} in the demo programme")
    return data


DATA = read_demo_data()
# The records other code and tests refer to.
SEED_CONFERENCE, DEMO_CONFERENCE = DATA["conference_2024"]["event"], DATA["conference_demo"]["event"]
SERIES, SEED_WEBINARS = DATA["webinars_2020"]["series"], DATA["webinars_2020"]["webinars"]
DEMO_WEBINARS = DATA["webinars_demo"]["webinars"]

# --- Writing ------------------------------------------------------------------


def resolve_password(password=None):
    """Return `password`, else $DEMO_PASSWORD, else a new random one."""
    return password or os.environ.get("DEMO_PASSWORD") or secrets.token_urlsafe(12)


def first_weekday_after(today, *, days, weekday):
    """Return the first `weekday` (0 is Monday) at least `days` days after `today`."""
    day = today + datetime.timedelta(days=days)
    return day + datetime.timedelta(days=(weekday - day.weekday()) % 7)


def first_wednesday_after(today, *, days=60):
    """Return the first Wednesday at least `days` days after `today`."""
    return first_weekday_after(today, days=days, weekday=2)


def _at(day, time, tz, *, days=0):
    return datetime.datetime.combine(day + datetime.timedelta(days=days), time, zoneinfo.ZoneInfo(tz))


def _event(spec, texts, day, *, end_day=0, **fields):
    """Create or update the event `spec` gives: its `texts`, its times from `day`, and `fields`."""
    tz = fields["time_zone"]
    defaults = {key: spec[key] for key in texts} | fields
    defaults |= {"status": Event.Status.PUBLISHED, "language": "en", "recording_url": ""}
    defaults |= {"start": _at(day, spec["start"], tz), "end": _at(day, spec["end"], tz, days=end_day)}
    return Event.objects.update_or_create(slug=spec["slug"], defaults=defaults)[0]


def _sync_sessions(event, first_day, items):
    """Make `event`'s sessions and their speakers exactly `items`, updating existing rows in place.

    A session is matched by its title and the occurrence of that title in the
    programme (the second "Coffee break" is the second one), so primary keys
    survive reruns and a moved date. Sessions not in `items` are deleted.
    """
    existing = defaultdict(list)
    for session in event.sessions.order_by("start", "end", "pk"):
        existing[session.title].append(session)
    sessions, links = defaultdict(list), []
    for item in sorted(items, key=lambda item: (item["day"], item["start"])):
        texts = ("kind", "room", "description", "title_es", "description_es", "visibility")
        fields = {key: item.get(key, "") for key in texts}
        fields |= {"language": "", "interpretation_languages": None}
        fields["start"] = _at(first_day, item["start"], event.time_zone, days=item["day"])
        fields["end"] = _at(first_day, item["end"], event.time_zone, days=item["day"])
        title = item["title"]
        if len(sessions[title]) < len(existing[title]):
            session = existing[title][len(sessions[title])]
            for name, value in fields.items():
                setattr(session, name, value)
            session.save()
        else:
            session = Session.objects.create(event=event, title=title, **fields)
        sessions[title].append(session)
        for order, link in enumerate(item.get("speakers", [])):
            speaker = Speaker.objects.get(slug=link["speaker"])
            defaults = {"role": link["role"], "order": order}
            links.append(
                SessionSpeaker.objects.update_or_create(session=session, speaker=speaker, defaults=defaults)
            )
    event.sessions.exclude(pk__in=[s.pk for group in sessions.values() for s in group]).delete()
    SessionSpeaker.objects.filter(session__event=event).exclude(
        pk__in=[link.pk for link, _ in links]
    ).delete()


def _conference(spec, *, first_day, venue, programme):
    """Create or update a conference with the 2024 partners and practical information."""
    seed = DATA["conference_2024"]
    event = _event(
        spec,
        CONFERENCE_TEXTS,
        first_day,
        end_day=spec["end_day"],
        **{"kind": Event.Kind.CONFERENCE, "series": None, "venue": venue, "highlights": ""},
        **{"time_zone": BRUSSELS, "secondary_time_zones": [], "interpretation_languages": ["es"]},
        practical_information=seed["event"]["practical_information"],
    )
    partners = []
    for order, partner in enumerate(seed["partners"]):
        defaults = {"role": partner["role"], "order": order, "website": ""}
        partners.append(event.partners.update_or_create(name=partner["name"], defaults=defaults)[0].pk)
    event.partners.exclude(pk__in=partners).delete()
    _sync_sessions(event, first_day, programme)
    return event


def _sync_materials(event, materials):
    """Make the materials of `event`'s sessions exactly `materials` (links), matched by session and title."""
    kept = []
    for material in materials:
        session = event.sessions.filter(title=material["session"]).order_by("start").first()
        defaults = {key: material[key] for key in ("kind", "title_es", "url")} | {"position": len(kept)}
        kept.append(
            SessionMaterial.objects.update_or_create(
                session=session, title=material["title"], defaults=defaults
            )[0]
        )
    SessionMaterial.objects.filter(session__event=event).exclude(pk__in=[m.pk for m in kept]).delete()


def _webinar(spec, *, series, day):
    event = _event(
        spec,
        WEBINAR_TEXTS,
        day,
        **{"kind": Event.Kind.WEBINAR, "series": series, "venue": None, "subtitle": ""},
        **{"time_zone": LONDON, "secondary_time_zones": series.secondary_time_zones},
        **{"practical_information": "", "interpretation_languages": []},
    )
    event.sessions.all().delete()
    event.partners.all().delete()
    return event


def _demo_programme():
    """The 2024 programme changed by the demo edition's `sessions` (by English title), plus its extras."""
    changes = {change["title"]: change for change in DATA["conference_demo"]["sessions"]}
    items = []
    for item in DATA["conference_2024"]["programme"]:
        change = changes.get(item["title"], {})
        items.append(item | {key: value for key, value in change.items() if key != "title" and value})
    return items + DATA["conference_demo"]["extra_sessions"]


def _users(password):
    User = get_user_model()
    users = {}
    for email, first_name, last_name, is_staff in USERS:
        user = (
            User.objects.filter(username=email).first()
            or User.objects.filter(email__iexact=email).order_by("pk").first()
            or User(username=email)
        )
        if user.username != email and not User.objects.filter(username=email).exists():
            user.username = email
        user.email, user.first_name, user.last_name = email, first_name, last_name
        user.is_staff = user.is_superuser = is_staff
        user.is_active = True
        # Set on every run, so the printed login works.
        user.set_password(password)
        user.save()
        # Login requires a verified address; take it over from anyone else holding it.
        EmailAddress.objects.filter(email__iexact=email).exclude(user=user).delete()
        EmailAddress.objects.filter(user=user).exclude(email=email).update(primary=False)
        EmailAddress.objects.update_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        users[email] = user
    organisation, _ = Organisation.objects.update_or_create(
        name=DEMO_ORGANISATION, defaults={"kind": Organisation.Kind.AFFILIATE, "is_active": True}
    )
    Membership.objects.get_or_create(organisation=organisation, user=users[AFFILIATE_EMAIL])


def login_url(site_url=None):
    """The demo login page at `site_url`, by default the site's own address (settings.SITE_URL)."""
    return (site_url or settings.SITE_URL).rstrip("/") + LOGIN_PATH


def load_demo(*, password, today=None, stdout=None, site_url=None):
    """Write the demo data; running it again gives the same rows.

    Creates the seed 2024 conference and the seed 2020 webinars exactly as the
    seeds give them, a demo edition of the conference (with materials, and the venue's
    accessibility notes) and two demo webinars
    dated relative to `today` (default: today's local date), a demo staff user
    and a demo affiliate, both with `password`; then runs settings.DEMO_LOADERS.
    All in one transaction. Writes what it did, the loaders' lines and the logins (at
    `site_url`, by default settings.SITE_URL) to `stdout` when given. Returns the events.
    """
    today = today or timezone.localdate()
    seed, demo = DATA["conference_2024"], DATA["conference_demo"]
    # In English: `title` and the other translated fields then write the English columns.
    with transaction.atomic(), translation.override("en"):
        venue = seed["venue"]
        accessibility = {"accessibility": demo["venue_accessibility"]}
        accessibility["accessibility_es"] = demo["venue_accessibility_es"]
        venue, _ = Venue.objects.update_or_create(
            name=venue["name"], city=venue["city"], defaults={"country": venue["country"], **accessibility}
        )
        for speaker in demo["speakers"]:
            Speaker.objects.update_or_create(slug=speaker["slug"], defaults=speaker)
        first_day = SEED_CONFERENCE["first_day"]
        events = [_conference(SEED_CONFERENCE, first_day=first_day, venue=venue, programme=seed["programme"])]
        first_day = first_wednesday_after(today)
        events += [
            _conference(DEMO_CONFERENCE, first_day=first_day, venue=venue, programme=_demo_programme())
        ]
        _sync_materials(events[-1], demo["materials"])
        series, _ = WebinarSeries.objects.update_or_create(slug=SERIES["slug"], defaults=SERIES)
        events += [_webinar(spec, series=series, day=spec["date"]) for spec in SEED_WEBINARS]
        for spec in DEMO_WEBINARS:
            day = first_weekday_after(today, days=spec["days_ahead"], weekday=1)  # a Tuesday
            events.append(_webinar(spec, series=series, day=day))
        _users(password)
        added = [line for path in settings.DEMO_LOADERS for line in import_string(path)(today=today)]

    if stdout is not None:
        for event in events:
            start = timezone.localtime(event.start, event.tz)
            stdout.write(f"{start:%Y-%m-%d %H:%M} {event.time_zone}  {event.title}\n")
        if added:
            stdout.write("\n" + "".join(f"{line}\n" for line in added))
        stdout.write(
            f"\nLog in at {login_url(site_url)}\n  staff:     {STAFF_EMAIL}\n  affiliate: {AFFILIATE_EMAIL}\n"
        )
        stdout.write(f"  password:  {password}\n")
        stdout.write(
            "The staff login asks for an authenticator app (a second factor) before the admin opens:"
            ' see README.md, "Demo logins".\n'
        )
    return events
