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

Whole pages (`shared_page`) are cached the same way for WHOLE_PAGE_SECONDS, per kind of
viewer and also per places version (they show places left). What differs between two
visitors of one kind is filled in on every request: CSRF tokens, and personal holes such
as the registration box of someone registered (see `hole`).

If the cache is down, every read misses and pages are built as without it. If it was
unreachable at the moment of a change, an old part can live on for up to
PART_SECONDS; that is also the longest a part lives at all.
"""

import functools
import math
import re
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import get_language

from .access import Audience, audience_of

PART_SECONDS = 10 * 60
VERSION_KEY = "events:content-version"
# Bumped whenever a registration takes or frees a place, or registration settings change:
# whole anonymous pages show "places left" and "registration is open".
PLACES_VERSION_KEY = "events:places-version"
# Whole pages live briefly: "registration opens" and "upcoming" turn with the clock, not with a save.
WHOLE_PAGE_SECONDS = 30
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
    language. `seconds`, or what it returns when called with the part just built, shortens
    how long the part lives, for parts that change with time.
    """
    key = f"events:part:{name}:{pk}:{viewer_kind(user)}:{get_language()}:{content_version()}"
    part = cache.get(key)
    if part is None:
        part = build()
        lifetime = seconds(part) if callable(seconds) else seconds
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


def _plain_get(request):
    """A GET or HEAD for a URL without a query string, by someone with no messages waiting.

    Messages wait in their cookie; the session holds those that did not fit, only ever along
    with the cookie (FallbackStorage).
    """
    return (
        request.method in ("GET", "HEAD")
        and not request.META.get("QUERY_STRING")
        and "messages" not in request.COOKIES
    )


def _whole_page_viewer(request):
    """Return the kind of viewer whose whole pages `request` may be served, or None to build it afresh.

    Visitors without a session cookie are anonymous without a look at the session or the user.
    """
    if not _plain_get(request):
        return None
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return "anonymous"
    return viewer_kind(request.user)


# Personal holes: parts of a whole page that may differ between visitors of one kind. They are
# stored as what a visitor without anything personal sees, between markers that name a filler;
# on every request the filler returns this visitor's own version, or None to keep the stored one.
# Markers are HTML comments: escaped text can't contain "<!--", so content can't forge one.
_HOLE = re.compile(r"<!--hole ([\w-]+) ([\w-]+)( personal)?-->(.*?)<!--/hole-->", re.S)
_hole_fillers = {}


def register_hole(name, filler):
    """Let whole pages hold holes called `name`; `filler(request, arg)` returns own HTML or None."""
    _hole_fillers[name] = filler


def hole(name, arg, html, *, personal):
    """Return `html` marked as the hole `name` for `arg`; `personal` when it is this visitor's own version.

    A page holding a personal version is not stored: it would show one visitor's part to others.
    """
    return format_html("<!--hole {} {}{}-->{}<!--/hole-->", name, arg, " personal" if personal else "", html)


def _fill_holes(request, body):
    if "<!--hole " not in body:
        return body

    def fill(match):
        name, arg, _personal, shared = match.groups()
        own = _hole_fillers[name](request, arg)
        return shared if own is None else own

    return _HOLE.sub(fill, body)


def _without_hole_markers(body):
    return _HOLE.sub(lambda match: match.group(4), body) if "<!--hole " in body else body


def _has_personal_hole(body):
    return any(match.group(3) for match in _HOLE.finditer(body))


def _cached_page(request, kind):
    """Return (key, versions, the cached page or None) for `kind` of viewer, in one round trip.

    The page is stored with the versions it was built under; a page stored under other
    versions is stale and counts as a miss.
    """
    key = f"events:page:{kind}:{get_language()}:{request.path}"
    found = cache.get_many([VERSION_KEY, PLACES_VERSION_KEY, key])
    versions = (
        found.get(VERSION_KEY) or content_version(),
        found.get(PLACES_VERSION_KEY) or content_version(PLACES_VERSION_KEY),
    )
    cached = found.get(key)
    if cached is None or cached[0] != versions:
        return key, versions, None
    return key, versions, cached[1:]


def changes_at(request, moment):
    """Note that the page being built for `request` shows something that turns at `moment`.

    Registration opening or closing, an event ending: the whole page is kept no later
    than the first such moment still to come, so it turns on time, not up to
    WHOLE_PAGE_SECONDS late. `moment` may be None (nothing turns).
    """
    if moment is None or moment <= timezone.now():
        return
    earliest = getattr(request, "_page_changes_at", None)
    if earliest is None or moment < earliest:
        request._page_changes_at = moment


def _seconds_to_keep(request):
    moment = getattr(request, "_page_changes_at", None)
    if moment is None:
        return WHOLE_PAGE_SECONDS
    # Whole seconds, rounded down: in the last second before the moment, pages are not kept.
    return max(min(math.floor((moment - timezone.now()).total_seconds()), WHOLE_PAGE_SECONDS), 0)


def _response(request, headers, body):
    token = get_token(request) if _CSRF_PLACEHOLDER in body else ""
    return HttpResponse(_fill_holes(request, body.replace(_CSRF_PLACEHOLDER, token)), headers=headers)


def shared_page(view):
    """Serve whole pages from the cache to every visitor of one kind, keyed by path, language and versions.

    Visitors of one kind (anonymous, logged in, affiliate, staff: see viewer_kind) see the same
    page but for the CSRF tokens, stored as a placeholder and filled in for each visitor, and
    for personal holes (see `hole`), filled in for each visitor. A URL with a query string,
    or a visitor with messages waiting, gets the view itself, with its cached parts.
    """

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        kind = _whole_page_viewer(request)
        if kind is None:
            return _strip_hole_markers(view(request, *args, **kwargs))
        key, versions, cached = _cached_page(request, kind)
        if cached is not None:
            return _response(request, *cached)
        response = view(request, *args, **kwargs)
        if response.status_code != 200 or response.streaming or response.cookies:
            return _strip_hole_markers(response)
        body = response.content.decode(response.charset)
        seconds = _seconds_to_keep(request)
        if seconds and not _has_personal_hole(body):
            # The view's own headers (type, a calendar file's name); middleware adds the rest each time.
            headers = {name: value for name, value in response.items() if name.lower() != "content-length"}
            stored = _CSRF_VALUE.sub(rf"\g<1>{_CSRF_PLACEHOLDER}\g<2>", body)
            cache.set(key, (versions, headers, stored), seconds)
        response.content = _without_hole_markers(body)
        return response

    return wrapped


def _strip_hole_markers(response):
    if response.streaming or not response.get("Content-Type", "").startswith("text/html"):
        return response
    response.content = _without_hole_markers(response.content.decode(response.charset))
    return response
