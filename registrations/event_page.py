"""The registration box on an event's page, added through settings.EVENT_PAGE_ADDITIONS (events.additions)."""

from django.urls import reverse
from django.utils import timezone

from events import page_cache
from events.additions import EventPageAddition

from .signup import registered_events, selectors

BOX_TEMPLATE = "registrations/includes/registration_box.html"


def registration_box(request, event):
    """Return the box for `event`'s page as `request`'s visitor sees it, with where to sign up.

    Whether registration is open, places left (from the count services maintain, no count
    over registrations) and the visitor's own registration. No box for an event that is over.
    The box of a visitor without a registration is the same for everyone and kept as a part;
    one with a registration gets theirs, kept as a part of their own. Either holds the
    settings, which name when registration opens and closes, so a part with the box turns then.
    """
    if event.is_past:
        return None  # nothing to sign up for, and nothing to offer in the page's schema.org data
    offer_url = reverse("registrations:register", kwargs={"slug": event.slug})
    # Kept while the event and its places don't change: the event admin saves the settings with
    # the event, services and the settings admin call page_cache.places_changed.
    scopes = [page_cache.event_scope(event.slug), page_cache.places_scope(event.slug)]

    def settings():
        return page_cache.cached_object(
            _settings_name(event.slug), scopes, lambda: selectors.registration_settings_for(event)
        )

    # From the visitor's cached registrations: no query, registered or not.
    own_registration = registered_events.own_registrations(request.user).get(event.pk)
    name = f"registration-box:{event.slug}"
    if own_registration is not None:
        # Theirs alone, kept while their registrations (registrations.scopes) don't change either.
        name = _own_box_name(event.slug, request.user)
        scopes += registered_events.reads(request.user)[0]

    def build():
        context = _box_context(event, settings(), own_registration)
        return page_cache.render_part(request, BOX_TEMPLATE, context)

    box = page_cache.cached_part(request, name, scopes, build)
    return EventPageAddition(html=box, offer_url=offer_url)


def _own_box_name(slug, user):
    return f"registration-box:{slug}:{user.pk}"


def _settings_name(slug):
    return f"registration-settings:{slug}"


def reads(request, slug):
    """What registration_box reads from the cache, read ahead with the rest of the page (events.additions).

    Whether the visitor is registered is among what is read: a logged-in visitor's own box
    comes along too. The settings are read only when a box is built.
    """
    own_scopes, own_keys = registered_events.reads(request.user)
    own_box = (_own_box_name(slug, request.user),) if own_keys else ()
    return page_cache.Reads(
        scopes=(page_cache.event_scope(slug), page_cache.places_scope(slug), *own_scopes),
        keys=own_keys,
        parts=(f"registration-box:{slug}", *own_box),
    )


registration_box.reads = reads


def _box_context(event, settings, own_registration):
    now = timezone.now()
    return {
        "event": event,
        "registration_settings": settings,
        "is_open": settings.is_open(now),
        "not_yet_open": settings.opens_at is not None and now < settings.opens_at,
        "places_left": settings.places_left,
        "by_personal_invitation": settings.mode == settings.Mode.GUEST_LIST,
        "own_registration": own_registration,
    }
