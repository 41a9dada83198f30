"""The registration box on an event's page: events' templates load it, events' code never imports us."""

from django import template
from django.utils import timezone

from registrations import selectors

register = template.Library()


def registration_box_context(sender, *, request, event, **kwargs):
    """Receiver of events.signals.event_page_context: the box's reads, done before the page renders.

    Whether registration for `event` is open, places left (from the count services
    maintain, no count over registrations) and the visitor's own registration. Nothing
    for an event that is over.
    """
    if event.is_past:
        return {}
    settings = selectors.registration_settings_for(event)
    now = timezone.now()
    box = {
        "event": event,
        "is_open": settings.is_open(now),
        "not_yet_open": settings.opens_at is not None and now < settings.opens_at,
        "places_left": settings.places_left,
        "by_personal_invitation": settings.mode == settings.Mode.GUEST_LIST,
        "own_registration": selectors.active_registration_for(event, request.user),
    }
    return {"registration_box": box}


@register.inclusion_tag("registrations/includes/registration_box.html")
def registration_box(box):
    """Render the box from what `registration_box_context` read."""
    return box
