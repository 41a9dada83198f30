"""The registration box on an event's page: events' templates load it, events' code never imports us."""

from django import template
from django.utils import timezone

from registrations import selectors

register = template.Library()


@register.inclusion_tag("registrations/includes/registration_box.html", takes_context=True)
def registration_box(context, event):
    """Whether registration for `event` is open, places left, and the viewer's own registration."""
    settings = selectors.registration_settings_for(event)
    now = timezone.now()
    user = context.get("user")
    return {
        "event": event,
        "is_open": settings.is_open(now),
        "not_yet_open": settings.opens_at is not None and now < settings.opens_at,
        "places_left": settings.places_left,
        "by_personal_invitation": settings.mode == settings.Mode.GUEST_LIST,
        "own_registration": selectors.active_registration_for(event, user),
    }
