"""The registration box on an event's page: events' templates load it, events' code never imports us."""

from django import template
from django.template.loader import render_to_string
from django.utils import timezone

from events import page_cache
from registrations.signup import selectors
from registrations.signup.registered_events import registered_event_ids

BOX_TEMPLATE = "registrations/includes/registration_box.html"

register = template.Library()


def _own_registration(event_pk, user):
    # Most visitors have none: the cached list of their events answers without a query.
    if event_pk not in registered_event_ids(user):
        return None
    return selectors.active_registration_for(event_pk, user)


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
    for moment in (settings.opens_at, settings.closes_at):
        page_cache.changes_at(request, moment)
    box = {
        "event": event,
        "is_open": settings.is_open(now),
        "not_yet_open": settings.opens_at is not None and now < settings.opens_at,
        "places_left": settings.places_left,
        "by_personal_invitation": settings.mode == settings.Mode.GUEST_LIST,
        "own_registration": _own_registration(event.pk, request.user),
    }
    return {"registration_box": box}


@register.simple_tag
def registration_box(box):
    """Render the box from what `registration_box_context` read, as a personal hole of a cached page.

    Everyone of a kind of viewer who is not registered sees the same box; a registrant's own
    status and manage link are filled in for them (see `own_registration_box`).
    """
    html = render_to_string(BOX_TEMPLATE, box)
    personal = box["own_registration"] is not None
    return page_cache.hole("registration-box", box["event"].pk, html, personal=personal)


def own_registration_box(request, event_pk):
    """Fill the box's hole on a cached page: the visitor's own registration, or None if they have none."""
    registration = _own_registration(int(event_pk), request.user)
    if registration is None:
        return None
    return render_to_string(BOX_TEMPLATE, {"own_registration": registration})
