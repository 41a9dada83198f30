"""Rendered parts of the public pages (programme, session details, speakers, webinar lists), cached.

A part is cached per page object, per kind of viewer, per language and per content
version. The kind of viewer comes from events.access, so an affiliate's or staff's
rendering is only ever served to another affiliate or staff member; anonymous
visitors get their own, since theirs carries "Log in to see the details" links.

The content version is one random token in the cache. Saving or deleting anything
the parts show (events, sessions, speakers, venues, series, topics) replaces it, so
the next request renders afresh (see `connect_signals`). Parts hold nothing personal:
what depends on the visitor (CSRF tokens, their registration, places left, messages)
is rendered on every request, outside them.

If the cache is down, every read misses and pages are built as without it. If it was
unreachable at the moment of a change, an old part can live on for up to
PART_SECONDS; that is also the longest a part lives at all.
"""

import functools
import re
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.utils.translation import get_language

from .access import Audience, audience_of

PART_SECONDS = 10 * 60
VERSION_KEY = "events:content-version"
# Bumped whenever a registration takes or frees a place, or registration settings change:
# whole anonymous pages show "places left" and "registration is open".
PLACES_VERSION_KEY = "events:places-version"
# Whole pages for anonymous visitors live briefly: "registration opens" and "upcoming" turn
# with the clock, not with a save.
ANONYMOUS_PAGE_SECONDS = 30
_CSRF_VALUE = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]*(")')
_CSRF_PLACEHOLDER = "\x00csrf\x00"


def viewer_kind(user):
    """Return whose rendering `user` gets: "anonymous", "public" (logged in), "affiliate" or "staff"."""
    audience = audience_of(user)
    if audience is Audience.PUBLIC and not getattr(user, "is_authenticated", False):
        return "anonymous"
    return str(audience)


def content_version(key=VERSION_KEY):
    version = cache.get(key)
    if version is None:
        cache.add(key, uuid.uuid4().hex, timeout=None)
        version = cache.get(key, "none")
    return version


def _new_content_version(key):
    cache.set(key, uuid.uuid4().hex, timeout=None)


def new_version(key):
    """Replace the version `key` now, and again once the change is committed."""
    _new_content_version(key)
    transaction.on_commit(functools.partial(_new_content_version, key))


def places_changed(**_kwargs):
    """Make whole anonymous pages stale after a place is taken or freed (now, and after the commit)."""
    new_version(PLACES_VERSION_KEY)


def content_changed(**_kwargs):
    """Make every cached part stale: now, and again once the change is committed.

    The second time covers a page built between the two from what was still the old data.
    """
    new_version(VERSION_KEY)


def cached_part(name, pk, user, build, *, seconds=PART_SECONDS):
    """Return the part `name` of object `pk` as `user`'s kind of viewer sees it, building it on a miss.

    `build()` returns the part (any picklable value, usually rendered HTML); it is called
    only on a miss and must depend on nothing but the object, the viewer's kind and the
    language. `seconds`, or what it returns when called after `build()`, shortens how long
    the part lives, for parts that change with time.
    """
    key = f"events:part:{name}:{pk}:{viewer_kind(user)}:{get_language()}:{content_version()}"
    part = cache.get(key)
    if part is None:
        part = build()
        lifetime = seconds() if callable(seconds) else seconds
        cache.set(key, part, max(min(int(lifetime), PART_SECONDS), 1))
    return part


_MISSING = "missing"


def cached_object(name, load):
    """Return `load()`'s result (a model instance, or None), kept in the cache per content version.

    For what every viewer shares, such as an event with its venue and partners; callers
    still apply the visibility rule to what they get.
    """
    key = f"events:object:{name}:{content_version()}"
    found = cache.get(key)
    if found is None:
        found = load()
        cache.set(key, _MISSING if found is None else found, PART_SECONDS)
    return None if isinstance(found, str) and found == _MISSING else found


def connect_signals():
    """Mark the content changed when anything the cached parts show is saved or deleted.

    Memberships and organisations are left out: they decide a viewer's kind, which is
    worked out on every request, and no part shows them.
    """
    from .models import Event, EventPartner, Session, SessionSpeaker, Speaker, Topic, Venue, WebinarSeries

    for model in (Event, EventPartner, Session, SessionSpeaker, Speaker, Topic, Venue, WebinarSeries):
        uid = f"events.page_cache.{model.__name__}"
        post_save.connect(content_changed, sender=model, dispatch_uid=f"{uid}.save")
        post_delete.connect(content_changed, sender=model, dispatch_uid=f"{uid}.delete")
    # Links added with .add() or .set() are bulk-inserted, without post_save.
    m2m_changed.connect(content_changed, sender=Event.topics.through, dispatch_uid="events.page_cache.topics")
    m2m_changed.connect(content_changed, sender=SessionSpeaker, dispatch_uid="events.page_cache.speakers")


def _anonymous_and_plain(request):
    """A GET by someone with no session and no pending messages, for a URL without a query string."""
    return (
        request.method in ("GET", "HEAD")
        and not request.META.get("QUERY_STRING")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "messages" not in request.COOKIES
    )


def anonymous_page(view):
    """Serve whole pages to anonymous visitors from the cache, keyed by path, language and versions.

    Anonymous visitors all see the same page but for the CSRF token of the language switcher,
    which is stored as a placeholder and filled in for each visitor. Anyone with a session
    (logged in, or with messages waiting) gets the view itself, with its cached parts.
    """

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if not _anonymous_and_plain(request):
            return view(request, *args, **kwargs)
        versions = cache.get_many([VERSION_KEY, PLACES_VERSION_KEY])  # one round trip for both
        key = ":".join(
            [
                "events:page",
                request.path,
                get_language(),
                versions.get(VERSION_KEY) or content_version(),
                versions.get(PLACES_VERSION_KEY) or content_version(PLACES_VERSION_KEY),
            ]
        )
        cached = cache.get(key)
        if cached is not None:
            headers, body = cached
            token = get_token(request) if _CSRF_PLACEHOLDER in body else ""
            return HttpResponse(body.replace(_CSRF_PLACEHOLDER, token), headers=headers)
        response = view(request, *args, **kwargs)
        if response.status_code == 200 and not response.streaming and not response.cookies:
            body = response.content.decode(response.charset)
            body = _CSRF_VALUE.sub(rf"\g<1>{_CSRF_PLACEHOLDER}\g<2>", body)
            # The view's own headers (type, a calendar file's name); middleware adds the rest each time.
            headers = {name: value for name, value in response.items() if name.lower() != "content-length"}
            cache.set(key, (headers, body), ANONYMOUS_PAGE_SECONDS)
        return response

    return wrapped
