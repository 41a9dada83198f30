"""Reads: filters on events and sessions. What a viewer may see is decided in events.access.

Writes: each queryset names the page-cache scopes (events.page_cache) its rows are shown in,
so every write through it makes those pages fresh (ewevents.versions.VersionedQuerySet).
"""

from django.utils import timezone

from ewevents.versions import VersionedQuerySet

from . import access
from .page_cache import LISTINGS, event_scope, series_scope


def _events(*slugs):
    return [event_scope(slug) for slug in slugs if slug is not None]


class EventQuerySet(VersionedQuerySet):
    # Its own pages, its series' page, and the lists of events.
    scope_lookups = ("slug", "series__slug")

    def scopes_from(self, values):
        slug, series_slug = values
        return [*_events(slug), LISTINGS, *([series_scope(series_slug)] if series_slug else [])]

    def published(self):
        return self.filter(status=access.PUBLISHED)

    def visible_to(self, user):
        """Events `user` may open: published ones, and drafts for staff."""
        return self if access.sees_drafts(user) else self.published()

    def upcoming(self, now=None):
        return self.filter(end__gte=now or timezone.now()).order_by("start")

    def past(self, now=None):
        return self.filter(end__lt=now or timezone.now()).order_by("-start")

    def webinars(self):
        return self.filter(kind="webinar")


class SessionQuerySet(VersionedQuerySet):
    scope_lookups = ("event__slug",)

    def scopes_from(self, values):
        return _events(*values)

    # Keep in sync with Session.details_visible_to: both read events.access.
    def visible_to(self, user, *, in_full=False):
        """Sessions `user` sees listed (title and time) or, with `in_full`, with their details."""
        sessions = self.filter(visibility__in=access.session_visibilities(user, in_full=in_full))
        if not access.sees_drafts(user):
            sessions = sessions.filter(event__status=access.PUBLISHED)
        return sessions

    def attendable(self):
        return self.exclude(kind__in=self.model.NOT_ATTENDABLE)


class EventPartnerQuerySet(VersionedQuerySet):
    scope_lookups = ("event__slug",)

    def scopes_from(self, values):
        return _events(*values)


class SessionSpeakerQuerySet(VersionedQuerySet):
    scope_lookups = ("session__event__slug",)

    def scopes_from(self, values):
        return _events(*values)


class SessionMaterialQuerySet(VersionedQuerySet):
    scope_lookups = ("session__event__slug",)

    def scopes_from(self, values):
        return _events(*values)


class SpeakerQuerySet(VersionedQuerySet):
    scope_lookups = ("sessions__event__slug",)

    def scopes_from(self, values):
        return _events(*values)


class VenueQuerySet(VersionedQuerySet):
    # The event pages and the lists of events name the venue.
    scope_lookups = ("events__slug",)

    def scopes_from(self, values):
        return [*_events(*values), LISTINGS]


class WebinarSeriesQuerySet(VersionedQuerySet):
    # Its page, its webinars' pages (they name it) and the home page's list of series.
    scope_lookups = ("slug", "events__slug")

    def scopes_from(self, values):
        slug, event_slug = values
        return [series_scope(slug), *_events(event_slug), LISTINGS]


class TopicQuerySet(VersionedQuerySet):
    # The pages of its webinars and of their series (the filter by topic).
    scope_lookups = ("events__slug", "events__series__slug")

    def scopes_from(self, values):
        event_slug, series_slug = values
        return [*_events(event_slug), *([series_scope(series_slug)] if series_slug else [])]
