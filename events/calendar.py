"""iCalendar (RFC 5545) files for events and sessions, holding only what the viewer may see.

Public files, feeds and "add to Google / Outlook" links never hold an event's join link: only
registrations passes `join_url`, for the file a confirmed registrant gets in their own emails.
"""

import datetime as dt
import functools
from email.utils import parseaddr
from urllib.parse import urlencode

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Timezone
from icalendar import Event as CalendarEvent


@functools.lru_cache(maxsize=64)
def _time_zone_component(tzid):
    """The VTIMEZONE of `tzid`; building one walks decades of transitions, so once per zone."""
    try:
        return Timezone.from_tzid(tzid)
    except ValueError:
        return None


@functools.lru_cache(maxsize=64)
def _time_zone_text(tzid):
    """The VTIMEZONE of `tzid` as iCalendar text; serialising decades of transitions, once per zone."""
    component = _time_zone_component(tzid)
    return component.to_ical() if component is not None else b""


def _to_ical(calendar):
    """`calendar.to_ical()` with the VTIMEZONEs its times use, as Calendar.add_missing_timezones places them.

    They go first among the components: before the first VEVENT, or before the end.
    """
    zones = b"".join(_time_zone_text(tzid) for tzid in sorted(calendar.get_missing_tzids()))
    text = calendar.to_ical()
    # A line break followed by a letter starts a line: folded lines go on with a space.
    at = text.find(b"\r\nBEGIN:VEVENT\r\n")
    at = at + 2 if at >= 0 else text.rindex(b"END:VCALENDAR\r\n")
    return text[:at] + zones + text[at:]


def _calendar(name, *, refresh=False, method=None):
    calendar = Calendar()
    calendar.add("prodid", "-//ewevents//Programme//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    if method:
        # An emailed file says what it asks of the calendar app (RFC 5546), as its MIME type does.
        calendar.add("method", method)
    calendar.add("x-wr-calname", name)
    if refresh:
        # How often subscribed calendar apps should fetch a feed again (RFC 7986 and Apple/Google).
        calendar.add("refresh-interval", dt.timedelta(hours=6), parameters={"VALUE": "DURATION"})
        calendar.add("x-published-ttl", "PT6H")
    return calendar


def _location(event, room=""):
    parts = [room] if room else []
    if event.venue:
        parts += [event.venue.name, event.venue.address, event.venue.city, event.venue.country]
    elif event.is_online:
        parts.append(_("Online"))
    return ", ".join(part.strip() for part in parts if part and part.strip())


def _entry(*, uid, title, start, end, tz, url, description, location, sequence=0):
    entry = CalendarEvent()
    entry.add("uid", uid)
    entry.add("dtstamp", timezone.now())
    entry.add("sequence", sequence)
    entry.add("dtstart", start.astimezone(tz))
    entry.add("dtend", end.astimezone(tz))
    entry.add("summary", title)
    entry.add("url", url)
    if description:
        entry.add("description", description)
    if location:
        entry.add("location", location)
    return entry


def _add_join_link(entry, event, join_url):
    """Put `join_url` in the entry's description, and as its location for an online event."""
    if not join_url:
        return entry
    line = _("Join") + f": {join_url}"
    description = str(entry.get("description", ""))
    entry.pop("description", None)
    entry.add("description", f"{description}\n\n{line}" if description else line)
    if event.is_online:
        entry.pop("location", None)
        entry.add("location", join_url)
    return entry


def session_entry(session, *, build_url, join_url=None, extra_sequence=0):
    """A VEVENT for `session`; its details only when the viewer sees them (`show_details`).

    `join_url` is for a confirmed registrant's own file only; see the module docstring.
    `extra_sequence` is added to the session's SEQUENCE (a registrant's own files, see
    event_calendar).
    """
    event = session.event
    if session.show_details:
        description = session.description
        speakers = ", ".join(link.speaker.name for link in session.visible_speakers)
        if speakers:
            description = f"{description}\n\n" + _("Speakers") + f": {speakers}"
            description = description.strip()
    else:
        description = _("Restricted to affiliates and monitoring partners.")
    entry = _entry(
        uid=f"session-{session.pk}@{settings.CALENDAR_UID_DOMAIN}",
        title=f"{session.title} – {event.title}",
        start=session.start,
        end=session.end,
        tz=event.tz,
        url=build_url(session.get_absolute_url()),
        description=description,
        location=_location(event, session.room if session.show_details else ""),
        sequence=session.sequence + extra_sequence,
    )
    return _add_join_link(entry, event, join_url)


def event_entry(event, *, build_url, join_url=None, extra_sequence=0):
    """A VEVENT for `event`; `join_url` for a confirmed registrant's own file only."""
    entry = _entry(
        uid=f"event-{event.pk}@{settings.CALENDAR_UID_DOMAIN}",
        title=event.title,
        start=event.start,
        end=event.end,
        tz=event.tz,
        url=build_url(event.get_absolute_url()),
        description=event.summary,
        location=_location(event),
        sequence=event.sequence + extra_sequence,
    )
    return _add_join_link(entry, event, join_url)


def _programme_entries(event, sessions, **options):
    """The entries of `sessions`, or of the event itself when there are none."""
    entries = [session_entry(session, **options) for session in sessions]
    return entries or [event_entry(event, **options)]


def event_calendar(event, sessions, *, build_url, feed=False, join_url=None, method=None, extra_sequence=0):
    """The event's programme as listed for the viewer, or the event itself if it has none.

    With `feed`, the calendar asks subscribed apps to refresh it now and then. With
    `join_url` (a confirmed registrant's own file only), every entry carries the join link.
    An emailed file gives its `method` ("PUBLISH"), and its entries' SEQUENCE raised by
    `extra_sequence`: the registrant's calendar_sequence, raised whenever an entry of
    theirs is cancelled, so a later file outranks the cancellation.
    """
    calendar = _calendar(event.title, refresh=feed, method=method)
    options = {"build_url": build_url, "join_url": join_url, "extra_sequence": extra_sequence}
    for entry in _programme_entries(event, sessions, **options):
        calendar.add_component(entry)
    return _to_ical(calendar)


def cancel_calendar(event, sessions, *, build_url, attendee, extra_sequence):
    """A METHOD:CANCEL file withdrawing the entries of `sessions` (or of the event, if none) from a calendar.

    Same UIDs as the files that added them, a SEQUENCE raised by `extra_sequence` above
    theirs, STATUS:CANCELLED, the site as organiser and `attendee` (an address) as the one
    who no longer comes (RFC 5546, 3.2.5).
    """
    calendar = _calendar(event.title, method="CANCEL")
    organizer = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    for entry in _programme_entries(event, sessions, build_url=build_url, extra_sequence=extra_sequence):
        entry.add("status", "CANCELLED")
        entry.add("organizer", f"mailto:{organizer}")
        entry.add("attendee", f"mailto:{attendee}")
        calendar.add_component(entry)
    return _to_ical(calendar)


def session_calendar(session, *, build_url):
    calendar = _calendar(session.title)
    calendar.add_component(session_entry(session, build_url=build_url))
    return _to_ical(calendar)


def series_calendar(series, webinars, *, build_url):
    """A subscribable feed of `series`: one entry per webinar in `webinars`, public details only."""
    calendar = _calendar(series.title, refresh=True)
    for webinar in webinars:
        calendar.add_component(event_entry(webinar, build_url=build_url))
    return _to_ical(calendar)


def entries_calendar(name, entries):
    """A subscribable feed holding `entries`, VEVENTs made by session_entry and event_entry."""
    calendar = _calendar(name, refresh=True)
    for entry in entries:
        calendar.add_component(entry)
    return _to_ical(calendar)


def _utc_stamp(moment):
    return moment.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def _link_details(event, build_url):
    page = build_url(event.get_absolute_url())
    return f"{event.summary}\n\n{page}" if event.summary else page


def google_calendar_url(event, *, build_url):
    """Google Calendar's own "add an event" page, filled with `event`'s public details (never a join link).

    A plain link: our page makes no request to Google; the visitor's browser goes there if they click.
    """
    params = {
        "action": "TEMPLATE",
        "text": event.title,
        "dates": f"{_utc_stamp(event.start)}/{_utc_stamp(event.end)}",
        "details": _link_details(event, build_url),
        "location": _location(event),
        "ctz": event.time_zone,
    }
    return "https://calendar.google.com/calendar/render?" + urlencode(params)


def outlook_calendar_url(event, *, build_url):
    """Outlook on the web's own "add an event" page, filled as google_calendar_url fills Google's."""
    params = {
        "path": "/calendar/action/compose",
        "rru": "addevent",
        "subject": event.title,
        "startdt": event.start.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "enddt": event.end.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "body": _link_details(event, build_url),
        "location": _location(event),
    }
    return "https://outlook.live.com/calendar/0/deeplink/compose?" + urlencode(params)
