"""/sitemap.xml: the pages anyone may open, as an anonymous visitor sees them.

Everything goes through the one visibility rule (events.access via the querysets), so a
draft event or a hidden session never appears; a restricted session appears as the
public teaser page it has.
"""

from django.contrib.auth.models import AnonymousUser
from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from .models import Event, Session, WebinarSeries

ANONYMOUS = AnonymousUser()


class PagesSitemap(Sitemap):
    """Pages without an object, by URL name: the events app's, and those the project adds."""

    changefreq = "daily"

    def __init__(self, url_names=("events:home", "events:past_events")):
        self.url_names = list(url_names)

    def items(self):
        return self.url_names

    def location(self, item):
        return reverse(item)


class EventSitemap(Sitemap):
    changefreq = "daily"

    def items(self):
        return Event.objects.visible_to(ANONYMOUS).order_by("-start", "pk")


class SessionSitemap(Sitemap):
    changefreq = "weekly"

    def items(self):
        return Session.objects.visible_to(ANONYMOUS).select_related("event").order_by("start", "pk")


class SeriesSitemap(Sitemap):
    changefreq = "weekly"

    def items(self):
        return WebinarSeries.objects.order_by("pk")


# The project's sitemap (ewevents.urls) adds the other apps' pages to "pages".
SITEMAPS = {
    "pages": PagesSitemap(),
    "events": EventSitemap,
    "sessions": SessionSitemap,
    "series": SeriesSitemap,
}
