"""Reads that depend on the viewer. Each returns rows already prefetched for its page."""

import itertools

from django.db.models import Prefetch

from .models import Event, Session, SessionSpeaker, Speaker


def _speakers_of_sessions_in_full(user):
    """Speaker links, but only on sessions `user` may see in full: teasers get none at all."""
    return Prefetch(
        "session_speakers",
        queryset=SessionSpeaker.objects.filter(
            session__in=Session.objects.visible_to(user, in_full=True)
        ).select_related("speaker"),
        to_attr="visible_speakers",
    )


def _mark_details(sessions, user):
    for session in sessions:
        session.show_details = session.details_visible_to(user)
    return sessions


def event_for(slug, user):
    """Return the event `user` may open, with its venue, series and partners; or None."""
    return (
        Event.objects.visible_to(user)
        .select_related("venue", "series")
        .prefetch_related("partners")
        .filter(slug=slug)
        .first()
    )


def programme_for(event, user):
    """Return the sessions of `event` that `user` sees listed, each with `show_details` set.

    Speakers are attached (as `visible_speakers`) only to sessions shown in full.
    """
    sessions = list(
        event.sessions.visible_to(user)
        .prefetch_related(_speakers_of_sessions_in_full(user))
        .order_by("start", "end", "pk")
    )
    return _mark_details(sessions, user)


def programme_days(event, sessions):
    """Group `sessions` by their date in the event's time zone: [(date, [sessions])]."""
    tz = event.tz
    return [
        (day, list(items))
        for day, items in itertools.groupby(sessions, key=lambda session: session.start.astimezone(tz).date())
    ]


def session_for(event, pk, user):
    """Return the session of `event` that `user` sees listed, with `show_details` set; or None."""
    session = (
        event.sessions.visible_to(user)
        .prefetch_related(_speakers_of_sessions_in_full(user))
        .filter(pk=pk)
        .first()
    )
    if session is not None:
        _mark_details([session], user)
    return session


def speakers_for(event, user):
    """Return the speakers of `event`'s sessions that `user` may see in full, with those sessions."""
    sessions_in_full = event.sessions.visible_to(user, in_full=True)
    return (
        Speaker.objects.filter(sessions__in=sessions_in_full)
        .distinct()
        .prefetch_related(
            Prefetch(
                "session_speakers",
                queryset=SessionSpeaker.objects.filter(session__in=sessions_in_full)
                .select_related("session__event")
                .order_by("session__start"),
                to_attr="visible_sessions",
            )
        )
        .order_by("name")
    )


def upcoming_events_for(user, *, now=None):
    return Event.objects.visible_to(user).upcoming(now).select_related("venue", "series")


def past_events_for(user, *, now=None):
    return Event.objects.visible_to(user).past(now).select_related("venue", "series")


def series_webinars_for(series, user, *, now=None):
    """Return (upcoming, past) webinars of `series` that `user` may open."""
    webinars = Event.objects.visible_to(user).filter(series=series).select_related("series")
    return list(webinars.upcoming(now)), list(webinars.past(now))
