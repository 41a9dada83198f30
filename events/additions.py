"""The one way other apps add to an event's page or a webinar series' page, so that events never imports them.

``settings.EVENT_PAGE_ADDITIONS`` lists, by dotted path, functions called as
``addition(request, event)`` each time the page is built, for the event `request`'s visitor
may open. Each returns an EventPageAddition, or None to add nothing. The project's
settings wire the apps together; today the one addition is the registrations app's
registration box (registrations.event_page).

An addition does its reads itself (templates run no queries). It is rendered for every
visitor who gets the page built, so it may hold what is theirs (their own registration);
what is the same for all visitors of a kind may come rendered, as a cached part
(events.page_cache.cached_part). The page kept whole for visitors without a session keeps
it as rendered for them, until the event's ``places`` scope changes
(events.page_cache.places_changed) or the moment something in its context or part turns
(events.page_cache.next_turn).

Series pages are the same: ``settings.SERIES_PAGE_ADDITIONS`` lists functions called as
``addition(request, series)``, each returning an EventPageAddition or None
(`series_additions_for`); today the registrations app's "tell me about new webinars" form
(registrations.series_page). The page kept whole for visitors without a session keeps what
they add until the series' scope changes, so an addition to a series page holds nothing
personal.
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class EventPageAddition:
    """What an app adds to an event's page.

    `template` rendered with `context` below the event's header (nothing if no template), or
    `html` already rendered (a cached part); `offer_url`, where to sign up, for the page's
    schema.org data.
    """

    template: str = ""
    context: dict = field(default_factory=dict)
    offer_url: str = ""
    html: str = ""

    def render(self):
        if self.html:
            return self.html
        return render_to_string(self.template, self.context) if self.template else ""


def reads_for(request, slug):
    """What the additions will read from the cache for `slug`'s page (events.page_cache.Reads).

    An addition says it with a `reads(request, slug)` attribute, so the page reads it ahead
    along with its own parts; one without costs its own round trips.
    """
    additions = (import_string(path) for path in settings.EVENT_PAGE_ADDITIONS)
    return [addition.reads(request, slug) for addition in additions if hasattr(addition, "reads")]


def additions_for(request, event):
    """Return the EventPageAdditions of every app for `event`'s page, as `request`'s visitor sees it."""
    found = (import_string(path)(request, event) for path in settings.EVENT_PAGE_ADDITIONS)
    return [addition for addition in found if addition is not None]


def series_additions_for(request, series):
    """Return the EventPageAdditions of every app for `series`' page, as `request`'s visitor sees it."""
    found = (import_string(path)(request, series) for path in settings.SERIES_PAGE_ADDITIONS)
    return [addition for addition in found if addition is not None]
