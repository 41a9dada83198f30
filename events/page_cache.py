"""The public pages, cached: whole for visitors without a session, in parts for everyone else.

What a cached thing is built from is named by scopes (ewevents.versions), each with a
version in the cache:

- ``event:<slug>``: one event with its sessions, speakers, partners, venue, topics and the
  title of its series; ``places:<slug>``: its registration box (places left, open or not);
- ``series:<slug>``: a webinar series with its webinars and their topics;
- ``listings``: the home and past events pages (every event, venue and series).

Writers need do nothing: the models behind these pages write through
ewevents.versions.VersionedModel and VersionedQuerySet (events.querysets names the scopes
of each row), so save(), delete(), update() and the bulk writes bump the scopes of the rows
they touch, wherever they are called from: services, admin, commands, a shell. What is not
a row of ours calls a function here (`places_changed`). A change to one event leaves the
other events' pages cached.

Three layers, each stored with the versions it was built under and the moment it turns:

- **Whole pages** (`whole_page`), for a GET without a query string from a visitor without a
  session and without waiting messages: they are anonymous, and their pages are the same
  for all of them. A hit costs one cache round trip and no query, because the scopes are
  named from the URL alone; a page is stored with its strong ETag, so a conditional
  request is answered 304 at the same cost (ewevents.http_cache). Everyone else gets the
  page built for them on each request, from the cached parts: nothing personal
  (registration box, messages, CSRF tokens) is ever stored in a page or a part.
- **Parts** (`cached_part`): rendered pieces of pages (an event page but its registration
  box, the programme, a session's details, the speakers, the lists of events and webinars),
  per page object, kind of viewer (events.access) and language.
- **Objects** (`cached_object`): an event with its venue, series and partners, a series, an
  event's registration settings; shared by every viewer, who then go through the visibility rule.

What turns with the clock (an event ends and is past, registration opens or closes) is
computed from the objects a page or part is built from, by `next_turn`: models name the
fields holding such moments in ``page_turns``. Nothing is kept past its next turn.

If the cache is down, every read misses. Nothing lives longer than LIFETIME, which bounds
what a write behind the ORM's back (raw SQL, a data migration) can leave stale.
"""

import contextlib
import datetime as dt
import functools
import hashlib
import math
from dataclasses import dataclass
from typing import NamedTuple

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from ewevents import versions

from .access import Viewer, affiliation_keys, affiliation_scopes, viewer_of

LIFETIME = 10 * 60  # seconds
LISTINGS = "listings"


def event_scope(slug):
    return f"event:{slug}"


def places_scope(slug):
    return f"places:{slug}"


def series_scope(slug):
    return f"series:{slug}"


def places_changed(event):
    """Make the pages showing `event`'s registration box stale: places taken or freed, settings changed.

    For the registrations app, whose rows are not the pages' own. Now and once committed.
    """
    versions.bump([places_scope(event.slug)])


def viewer_kind(user):
    """Return whose rendering `user` gets: "anonymous", "public" (logged in), "affiliate" or "staff"."""
    viewer = viewer_of(user)
    if viewer is Viewer.PUBLIC and not getattr(user, "is_authenticated", False):
        return "anonymous"
    return str(viewer)


# --- When a page turns ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Part:
    """A rendered part of a page, with the moment it turns (None if it never does); renders as its HTML."""

    html: str
    turns_at: dt.datetime | None = None

    def __str__(self):
        return mark_safe(self.html)  # noqa: S308 (rendered by a template, escaped there)

    def __html__(self):
        return self.html


def next_turn(objects, *, now=None):
    """Return the first moment after `now` at which something built from `objects` reads differently.

    Or None. A model instance turns at the moments held by the fields its class names in
    `page_turns` (an event's end; registration opening and closing); a Part when it says;
    lists, tuples, sets and dict values are looked into.
    """
    now = now or timezone.now()
    moments = [moment for moment in _moments(objects) if moment is not None and moment > now]
    return min(moments, default=None)


def _moments(value):
    if isinstance(value, Part):
        yield value.turns_at
    elif isinstance(value, dict):
        for item in value.values():
            yield from _moments(item)
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            yield from _moments(item)
    else:
        for name in getattr(type(value), "page_turns", ()):
            yield getattr(value, name)


def _seconds_to_keep(turns_at):
    if turns_at is None:
        return LIFETIME
    return max(min(math.ceil((turns_at - timezone.now()).total_seconds()), LIFETIME), 1)


class _Cached(NamedTuple):
    versions: tuple
    turns_at: dt.datetime | None
    value: object


def _fresh(cached, versions):
    return (
        cached is not None
        and cached.versions == versions
        and (cached.turns_at is None or timezone.now() < cached.turns_at)
    )


def _store(key, versions, value, built_from):
    turns_at = next_turn(built_from)
    cache.set(key, _Cached(versions, turns_at, value), _seconds_to_keep(turns_at))


# --- Parts and objects ----------------------------------------------------------------------------


def render_part(request, template_name, context, *, with_request=False, built_from=()):
    """Render a part: a Part that turns when what `context` or `built_from` holds does (see next_turn).

    Without the request, so nothing of this visitor's gets in: what the part may know of them
    is what their kind of viewer shares, whether they are logged in (for "Log in to see the
    details") and the page's path. `with_request` is for templates that need it for links
    (pagination), in parts that are only cached for the URL without a query string.
    `built_from` adds what the part depends on without showing it (the next event to end,
    for the past events).
    """
    if with_request:
        html = render_to_string(template_name, context, request=request)
    else:
        signed_in = viewer_kind(request.user) != "anonymous"
        html = render_to_string(template_name, {**context, "signed_in": signed_in, "page_path": request.path})
    return Part(html, next_turn([context, built_from]))


def cached_part(request, name, scopes, build):
    """Return the part `name` as `request`'s kind of viewer sees it in its language, building it on a miss.

    `name` says which part of which object ("session:12"); `scopes` what it is built from.
    `build()` returns the part (a Part, or a dict of them and other picklable values) and is
    called only on a miss. It must depend on nothing but the objects, the kind of viewer and
    the language. The part is kept until a scope changes or it turns (see `next_turn`).
    """
    key = part_key(request, name)
    current, found = versions.fetch(scopes, [key])
    cached = found.get(key)
    if _fresh(cached, current):
        return cached.value
    part = build()
    _store(key, current, part, part)
    return part


def part_key(request, name):
    """The cache key of the part `name` as `request`'s kind of viewer sees it in the active language."""
    return _part_key(name, viewer_kind(request.user))


def _part_key(name, kind):
    return f"events:part:{name}:{kind}:{get_language()}"


def _possible_kinds(user):
    """The kinds `viewer_kind(user)` may answer, known without the cache: an affiliate or not needs it."""
    if not getattr(user, "is_authenticated", False):
        return ["anonymous"]
    if user.is_staff and user.is_active:
        return [str(Viewer.STAFF)]
    return [str(Viewer.PUBLIC), str(Viewer.AFFILIATE)]


def object_key(name):
    return f"events:object:{name}"


@dataclass(frozen=True)
class Reads:
    """What building a page will read from the cache, to be read ahead in one round trip (`reading`).

    `scopes` and `keys` are read as named; `parts` (names given to `cached_part`) as each kind
    of viewer the visitor may be sees them.
    """

    scopes: tuple = ()
    keys: tuple = ()
    parts: tuple = ()


@contextlib.contextmanager
def reading(request, reads):
    """Read ahead all that `reads` (a list of Reads) name, in one round trip (ewevents.versions.read_ahead).

    The scopes' versions, the keys, what says the viewer's kind (their affiliation) and the
    parts as each kind they may be sees them: a logged-in visitor who is not staff gets the
    parts of an affiliate and of someone who is not, as whether they are one is among what
    is read.
    """
    scopes = [scope for each in reads for scope in each.scopes]
    keys = [key for each in reads for key in each.keys]
    names = [name for each in reads for name in each.parts]
    parts = [_part_key(name, kind) for kind in _possible_kinds(request.user) for name in names]
    keys += [*affiliation_keys(request.user), *parts]
    with versions.read_ahead([*scopes, *affiliation_scopes()], keys):
        yield


_MISSING = "missing"


def cached_object(name, scopes, load):
    """Return `load()`'s result (a model instance, or None), kept while `scopes` don't change.

    For what every viewer shares, such as an event with its venue and partners (callers
    still apply the visibility rule to what they get), or what `name` says is one account's.
    """
    key = object_key(name)
    current, found = versions.fetch(scopes, [key])
    cached = found.get(key)
    if not _fresh(cached, current):
        loaded = load()
        cached = _Cached(current, None, _MISSING if loaded is None else loaded)
        cache.set(key, cached, LIFETIME)
    return None if isinstance(cached.value, str) and cached.value == _MISSING else cached.value


# --- Whole pages ----------------------------------------------------------------------------------


def render_page(request, template_name, context, *, built_from=()):
    """Render a page like django.shortcuts.render, noting what it is built from for `whole_page`.

    The context's parts and objects say when the page turns; `built_from` adds what the page
    depends on without showing it.
    """
    response = render(request, template_name, context)
    response.built_from = (context, built_from)
    return response


def _served_whole(request):
    """A GET or HEAD of a URL without a query string, by a visitor without a session or waiting messages.

    Such a visitor is anonymous, seen without a look at the session or the user. Messages wait
    in their cookie; the session holds those that did not fit, only ever along with it.
    """
    return (
        request.method in ("GET", "HEAD")
        and not request.META.get("QUERY_STRING")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and "messages" not in request.COOKIES
    )


def _strong_etag(content):
    """The strong ETag of a page stored whole: a digest of its bytes, computed once when stored.

    Not the versions alone: a page rebuilt under the same versions may differ in bytes (a
    calendar file's DTSTAMP, a template changed by a deploy), and a strong tag promises the same
    bytes. Stored with the page, so a conditional request costs the one cache round trip of a hit
    and no query (ewevents.http_cache answers it 304).
    """
    return f'"{hashlib.md5(content, usedforsecurity=False).hexdigest()}"'


def whole_page(scopes):
    """Serve the view's pages whole from the cache to visitors without a session (see `_served_whole`).

    `scopes(**url_kwargs)` names the scopes the page is built from, from the URL alone. A
    page is kept per path and language until one of them changes or it turns: the view
    says what it is built from with `render_page`; a response without that never turns.
    A page stored whole carries a strong ETag stored with it (`_strong_etag`). Everyone else
    gets the view itself, with its cached parts.
    """

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            if not _served_whole(request):
                return view(request, *args, **kwargs)
            key = f"events:page:{get_language()}:{request.path}"
            current, found = versions.fetch(scopes(*args, **kwargs), [key])
            cached = found.get(key)
            if _fresh(cached, current):
                headers, body = cached.value
                return HttpResponse(body, headers=headers)
            response = view(request, *args, **kwargs)
            if response.status_code == 200 and not response.streaming and not response.cookies:
                response["ETag"] = _strong_etag(response.content)
                # The view's own headers (type, a calendar file's name) and the ETag; middleware
                # adds the rest each time.
                headers = {
                    name: value for name, value in response.items() if name.lower() != "content-length"
                }
                _store(key, current, (headers, response.content), getattr(response, "built_from", ()))
            return response

        return wrapped

    return decorator
