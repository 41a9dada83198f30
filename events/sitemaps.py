"""/sitemap.xml: the pages anyone may open, as an anonymous visitor sees them.

Addresses start with settings.SITE_URL (ewevents.site), never with the Host a request claimed.
Everything goes through the one visibility rule (events.access via the querysets), so a
draft event or a hidden session never appears; a restricted session appears as the
public teaser page it has.
"""

from django.contrib.auth.models import AnonymousUser
from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from ewevents.site import current_site

from .models import Event, Session, WebinarSeries

ANONYMOUS = AnonymousUser()


class OnSiteSitemap(Sitemap):
    """A sitemap on the site's own address, whatever the request's Host and X-Forwarded-Proto."""

    def get_protocol(self, protocol=None):
        return current_site().protocol

    def get_domain(self, site=None):
        return current_site().domain


class PagesSitemap(OnSiteSitemap):
    """Pages without an object, by URL name: the events app's, and those the project adds."""

    changefreq = "daily"

    def __init__(self, url_names=("events:home", "events:past_events")):
        self.url_names = list(url_names)

    def items(self):
        return self.url_names

    def location(self, item):
        return reverse(item)


class EventSitemap(OnSiteSitemap):
    changefreq = "daily"

    def items(self):
        return Event.objects.visible_to(ANONYMOUS).order_by("-start", "pk")


class SessionSitemap(OnSiteSitemap):
    changefreq = "weekly"

    def items(self):
        return Session.objects.visible_to(ANONYMOUS).select_related("event").order_by("start", "pk")


class SeriesSitemap(OnSiteSitemap):
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
