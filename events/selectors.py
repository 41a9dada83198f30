"""Reads that depend on the viewer. Each returns rows already prefetched for its page."""

import itertools
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Prefetch, Q, prefetch_related_objects
from django.utils import timezone

from . import page_cache
from .access import event_visible
from .models import Event, Session, SessionMaterial, SessionSpeaker, Speaker, Topic, WebinarSeries
from .translation import in_active_language, in_every_language


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


def event_object_name(slug):
    """The name `event_for` keeps `slug`'s event under (events.page_cache.cached_object)."""
    return f"event:{slug}"


def event_for(slug, user):
    """Return the event `user` may open, with its venue, series and partners; or None.

    The event is kept in the cache (page_cache.cached_object) for every viewer alike; whether
    this viewer may open it is then decided by the visibility rule, as the queryset would.
    It says whether it has sessions one can attend (`has_attendable_sessions`), so that a
    registration form without any needs no query to find out.
    """

    def load():
        attendable = Session.objects.filter(event=OuterRef("pk")).attendable()
        events = Event.objects.select_related("venue", "series").prefetch_related("partners")
        return events.annotate(has_attendable_sessions=Exists(attendable)).filter(slug=slug).first()

    event = page_cache.cached_object(event_object_name(slug), [page_cache.event_scope(slug)], load)
    return event if event is not None and event_visible(event, user) else None


def series_for(slug):
    """Return the webinar series `slug`, or None; kept in the cache, as every viewer sees it alike."""
    return page_cache.cached_object(
        f"series:{slug}", [page_cache.series_scope(slug)], WebinarSeries.objects.filter(slug=slug).first
    )


def programme_for(event, user, *, with_materials=False):
    """Return the sessions of `event` that `user` sees listed, each with `show_details` set.

    Speakers are attached (as `visible_speakers`) only to sessions shown in full; with
    `with_materials`, their materials too (`add_materials`).
    """
    sessions = list(
        event.sessions.visible_to(user)
        .prefetch_related(_speakers_of_sessions_in_full(user))
        .order_by("start", "end", "pk")
    )
    _mark_details(sessions, user)
    return add_materials(sessions) if with_materials else sessions


def add_materials(sessions):
    """Attach `visible_materials` to `sessions` (with `show_details` set): a session's materials where
    the viewer sees it in full, none where they don't, not even their titles.

    One query; none when no session is shown in full. Templates read `visible_materials` only,
    never `materials`, which would reach past the rule.
    """
    in_full = [session for session in sessions if session.show_details]
    for session in sessions:
        if not session.show_details:
            session.visible_materials = []
    prefetch_related_objects(
        in_full,
        Prefetch(
            "materials",
            queryset=SessionMaterial.objects.order_by("position", "pk"),
            to_attr="visible_materials",
        ),
    )
    return sessions


def with_materials(days):
    """The sessions of `days` (from `programme_days`) that have materials for the viewer, in order."""
    return [
        session
        for _day, sessions in days
        for session in sessions
        if getattr(session, "visible_materials", None)
    ]


def material_file_for(session, material_pk):
    """Return the uploaded file material `material_pk` of `session` (from `session_for`), or None.

    None as well when the viewer may not see the session in full, or the material is a link.
    """
    if session is None or not session.show_details:
        return None
    return session.materials.exclude(file="").filter(pk=material_pk).first()


def programme_days(event, sessions):
    """Group `sessions` by their date in the event's time zone: [(date, [sessions])]."""
    tz = event.tz
    return [
        (day, list(items))
        for day, items in itertools.groupby(sessions, key=lambda session: session.start.astimezone(tz).date())
    ]


@dataclass(frozen=True)
class HiddenBlock:
    """Consecutive sessions whose details the viewer may not see, listed as one quiet line."""

    sessions: list

    @property
    def start(self):
        return self.sessions[0].start

    @property
    def end(self):
        return max(session.end for session in self.sessions)


def programme_rows(sessions):
    """`sessions` of one day as the programme lists them: each session, except that a run of
    sessions hidden from the viewer becomes one HiddenBlock. Breaks and meals are never
    hidden (nothing to see in them), so they end a run."""
    rows = []
    for hidden, run in itertools.groupby(
        sessions, key=lambda session: session.is_attendable and not session.show_details
    ):
        run = list(run)
        rows.extend([HiddenBlock(run)] if hidden else run)
    return rows


def session_for(event, pk, user, *, with_speakers=True):
    """Return the session of `event` that `user` sees listed, with `show_details` set; or None.

    With `with_speakers`, its speakers are attached as in `programme_for`; else see `add_speakers`.
    """
    sessions = event.sessions.visible_to(user)
    if with_speakers:
        sessions = sessions.prefetch_related(_speakers_of_sessions_in_full(user))
    session = sessions.filter(pk=pk).first()
    if session is not None:
        _mark_details([session], user)
    return session


def add_speakers(session, user):
    """Attach `visible_speakers` to a `session` from `session_for(..., with_speakers=False)`."""
    prefetch_related_objects([session], _speakers_of_sessions_in_full(user))
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


def next_event_to_end(user, *, now=None):
    """Return the next of the upcoming events `user` may open to end (then it is past), or None.

    With only its end loaded.
    """
    return Event.objects.visible_to(user).upcoming(now).order_by("end").only("end").first()


# English and Spanish, whichever language the page is in.
SEARCHED_FIELDS = in_every_language("title", "subtitle", "summary", "highlights", "description")


@dataclass
class SeriesPage:
    upcoming: list
    past: list
    topics: list
    topic: Topic | None = None
    query: str = ""
    unknown_topic: bool = False
    filtered: bool = field(init=False)

    def __post_init__(self):
        self.filtered = bool(self.topic or self.query or self.unknown_topic)


def series_page_for(series, user, *, topic_slug="", query="", now=None):
    """Return the webinars of `series` that `user` may open, filtered by topic and a search.

    Upcoming ones come first (soonest first), then past ones (latest first). Each
    webinar carries `topic_list`; `topics` are those of all the series' webinars
    `user` may open, for the filter. Three queries whatever the number of webinars:
    the series is passed in, the webinars, and one read of the webinar-topic links
    that serves both the filter and each webinar's topics.
    """
    now = now or timezone.now()
    in_series = Event.objects.visible_to(user).filter(series=series)
    links = list(
        Event.topics.through.objects.filter(event__in=in_series)
        .select_related("topic")
        .order_by(in_active_language("topic__name"), "topic__pk")
    )
    topics = list({link.topic.pk: link.topic for link in links}.values())
    topic = next((topic for topic in topics if topic.slug == topic_slug), None) if topic_slug else None

    webinars = in_series.select_related("series").order_by("start", "pk")
    if topic_slug:
        webinars = webinars.filter(topics=topic) if topic else webinars.none()
    query = query.strip()
    if query:
        matches = Q()
        for name in SEARCHED_FIELDS:
            matches |= Q(**{f"{name}__icontains": query})
        webinars = webinars.filter(matches)
    webinars = list(webinars)

    topics_by_event = {}
    for link in links:
        topics_by_event.setdefault(link.event_id, []).append(link.topic)
    for webinar in webinars:
        webinar.topic_list = topics_by_event.get(webinar.pk, [])
    return SeriesPage(
        upcoming=[webinar for webinar in webinars if webinar.end >= now],
        past=[webinar for webinar in reversed(webinars) if webinar.end < now],
        topics=topics,
        topic=topic,
        query=query,
        unknown_topic=bool(topic_slug) and topic is None,
    )


def series_feed_webinars(series, user):
    """Return the webinars of `series` that `user` may open, in order, for a calendar feed."""
    return (
        Event.objects.visible_to(user).filter(series=series).select_related("venue").order_by("start", "pk")
    )
