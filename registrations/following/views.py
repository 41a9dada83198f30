"""The follow pages: the form's target, "check your email", confirming and unsubscribing. Thin."""

import functools

from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.cache import patch_cache_control
from django.utils.translation import get_language
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from events.selectors import series_for
from ewevents.errors import too_many_requests
from registrations.signup import abuse

from . import selectors, services
from .forms import FollowForm


def _series_or_404(slug):
    series = series_for(slug)
    if series is None:
        raise Http404
    return series


def _private(view):
    """Keep pages reached by a follower's token out of caches and Referer headers."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        patch_cache_control(response, private=True, no_store=True)
        response["Referrer-Policy"] = "same-origin"
        return response

    return wrapped


def _link_not_valid(request):
    return render(request, "registrations/follow/link_not_valid.html", status=404)


# The follow form sits on the series page, which is kept whole in the cache for visitors
# without a session (events.page_cache): it cannot carry a per-visitor CSRF token, and a token
# baked into the cached copy would be someone else's. CSRF protection guards what a visitor's
# own session may do; this POST needs no session and acts on no account, so a forged one can
# do no more than a bot posting directly. What guards it is what guards the registration form
# against bots: the honeypot field, the signed time stamp (on a cached copy as old as the copy,
# so mostly a proof that the form came from our page) and the rate limit per client and series
# (SERIES_FOLLOW_RATE_LIMIT); and the address itself must confirm before anything but the
# confirmation reaches it, which goes again at most every SERIES_FOLLOW_RESEND_MINUTES.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def follow(request, slug):
    series = _series_or_404(slug)
    if request.method == "POST":
        if wait := abuse.over_follow_rate_limit(request, series):
            return too_many_requests(request, retry_after=wait)
        form = FollowForm(request.POST, series=series)
        if form.is_valid():
            # The same answer whether or not the address follows already: the page tells no one.
            services.follow(series=series, email=form.cleaned_data["email"], language=get_language())
            return redirect("registrations:follow_sent", slug=series.slug)
    else:
        form = FollowForm(series=series)
    return render(request, "registrations/follow/follow.html", {"series": series, "form": form})


@require_GET
def follow_sent(request, slug):
    series = _series_or_404(slug)
    return render(request, "registrations/follow/sent.html", {"series": series})


@_private
@require_http_methods(["GET", "POST"])
def confirm(request, token):
    """GET shows a button; only its POST confirms: mail scanners that open links confirm nothing."""
    follower = selectors.follower_for_confirm_token(token)
    if follower is None:
        return _link_not_valid(request)
    if request.method == "POST":
        follower = services.confirm(follower=follower)
        return render(request, "registrations/follow/confirmed.html", {"follower": follower})
    return render(request, "registrations/follow/confirm.html", {"follower": follower})


# Without CSRF: mail clients unsubscribe with a one-click POST of "List-Unsubscribe=One-Click"
# to this URL, carrying no cookie or token (RFC 8058). The token in the URL is the credential,
# and stopping emails is all it can do.
@csrf_exempt
@_private
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    follower = selectors.follower_for_unsubscribe_token(token)
    if follower is None:
        return _link_not_valid(request)
    if request.method == "POST":
        follower = services.unsubscribe(follower=follower)
        return render(request, "registrations/follow/unsubscribed.html", {"follower": follower})
    return render(request, "registrations/follow/unsubscribe.html", {"follower": follower})
