"""HTTP caching: who may keep a response (Cache-Control) and how to ask whether it changed (ETag).

One middleware, just inside WhiteNoise (static files keep WhiteNoise's far-future headers),
decides for every other response:

- **Shareable or not.** Only a GET or HEAD answered 200 or 304 to a visitor without a
  session, with no cookie set and no CSRF token used, gets
  ``Cache-Control: public, max-age=HTTP_CACHE_MAX_AGE`` and ``Vary: Cookie, Accept-Language``,
  so a shared cache (a proxy, a CDN) may serve it to the next anonymous visitor of that
  language. Everything else is ``private, no-store``: pages with a session (logged-in,
  staff, affiliates), forms (their CSRF token), responses that set a cookie, errors and
  redirects. A view that already said ``private`` or ``no-store`` keeps its words: the
  pages reached by a personal link (manage pages, the personal calendar feed) say so themselves.
  So does one that said ``public`` for an answer that is the same whoever asks (speaker
  photos), unless that answer sets a cookie or holds a CSRF token.
- **Validators.** A response that carries an ETag already keeps it: pages served whole
  from the page cache carry a strong one stored with them (events.page_cache.whole_page), the
  personal feed a weak one computed from versions (registrations.signup.feeds.feed_etag).
  Any other GET or HEAD answered 200 and not ``no-store`` gets a weak ETag from its body, as
  Django's ConditionalGetMiddleware would. A conditional request (If-None-Match) whose tag
  matches is answered 304, with the same Cache-Control, Vary and ETag.

No Last-Modified: the page cache knows versions, not times (README, "HTTP caching").
"""

import hashlib

from django.conf import settings
from django.http import HttpResponseNotModified
from django.utils.cache import (
    cc_delim_re,
    get_conditional_response,
    patch_cache_control,
    patch_vary_headers,
)

SHAREABLE_STATUSES = (200, 304)
READS = ("GET", "HEAD")


class HttpCacheMiddleware:
    """Cache-Control, Vary and ETag on every response; 304 for conditional requests that match."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if _shareable(request, response):
            if "Cache-Control" not in response:  # a view's own public lifetime stands (speaker photos)
                patch_cache_control(response, public=True, max_age=settings.HTTP_CACHE_MAX_AGE)
                patch_vary_headers(response, ("Cookie", "Accept-Language"))
        elif not (_kept_private(response) or _same_for_everyone(request, response)):
            _make_private(response)
        if request.method in READS and response.status_code == 200:
            if not response.has_header("ETag") and not _kept_private(response, store_only=True):
                _set_body_etag(response)
            if response.has_header("ETag"):
                return get_conditional_response(request, etag=response["ETag"], response=response)
        return response


def not_modified(request, etag):
    """Return a 304 for `request` if it holds `etag` already (If-None-Match), else None.

    For views that can name their ETag before building the response, and skip building it.
    The 304 carries the ETag; its Cache-Control comes from the view or this middleware, as
    the 200's would.
    """
    response = get_conditional_response(request, etag=etag)
    if isinstance(response, HttpResponseNotModified):
        response["ETag"] = etag
        return response
    return None


def _set_body_etag(response):
    """A weak ETag from the body (a streaming body is not read ahead: it gets none)."""
    if not response.streaming and response.content:
        digest = hashlib.md5(response.content, usedforsecurity=False).hexdigest()
        response["ETag"] = f'W/"{digest}"'


def _directives(response):
    return {
        directive.split("=", 1)[0].strip().lower()
        for directive in cc_delim_re.split(response.get("Cache-Control", ""))
        if directive
    }


def _kept_private(response, *, store_only=False):
    """Whether the response says itself it is not for shared caches (or, with `store_only`, for none)."""
    directives = _directives(response)
    return "no-store" in directives or (not store_only and "private" in directives)


def _shareable(request, response):
    """Whether a shared cache may keep `response` for every anonymous visitor of its language.

    A visitor without the session cookie is anonymous: the session is the only thing that
    logs someone in. Messages wait in their own cookie, and a page that shows them deletes
    it (a Set-Cookie); a form's CSRF token is this visitor's own.
    """
    return (
        request.method in READS
        and response.status_code in SHAREABLE_STATUSES
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and not response.cookies
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        and not _kept_private(response)
    )


def _same_for_everyone(request, response):
    """A view's own `public`, which says its answer does not depend on who asks (speaker photos).

    It stands for visitors with a session too, unless this answer sets a cookie or holds a
    CSRF token: then it is theirs whatever the view said.
    """
    return (
        request.method in READS
        and "public" in _directives(response)
        and not response.cookies
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
    )


def _make_private(response):
    """`private, no-store`, and nothing that would let a shared cache keep it."""
    directives = _directives(response)
    if "public" in directives or "max-age" in directives or "s-maxage" in directives:
        del response["Cache-Control"]
    patch_cache_control(response, private=True, no_store=True)
