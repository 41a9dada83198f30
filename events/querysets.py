"""Reads: filters on events and sessions. What a viewer may see is decided in events.access."""

from django.db import models
from django.utils import timezone


class EventQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status="published")

    def visible_to(self, user):
        """Events `user` may open: published ones, and drafts for staff."""
        from .access import sees_drafts

        return self if sees_drafts(user) else self.published()

    def upcoming(self, now=None):
        return self.filter(end__gte=now or timezone.now()).order_by("start")

    def past(self, now=None):
        return self.filter(end__lt=now or timezone.now()).order_by("-start")

    def webinars(self):
        return self.filter(kind="webinar")


class SessionQuerySet(models.QuerySet):
    # Keep in sync with Session.details_visible_to: both read events.access.
    def visible_to(self, user, *, in_full=False):
        """Sessions `user` sees listed (title and time) or, with `in_full`, with their details."""
        from .access import sees_drafts, session_visibilities

        sessions = self.filter(visibility__in=session_visibilities(user, in_full=in_full))
        if not sees_drafts(user):
            sessions = sessions.filter(event__status="published")
        return sessions

    def attendable(self):
        from .models import Session

        return self.exclude(kind__in=Session.NOT_ATTENDABLE)
