"""What a visitor sees when the server fails (503 while the database is away, else 500) or a limit answers.

Django calls `server_error` while it handles the uncaught exception, so the exception is
still in `sys.exc_info()`. The 500 and 503 pages render without the request: no session,
no user, no database, since those may be what failed. A limit's 429 page says in
Retry-After how long to wait.
"""

import sys

from allauth.core.internal import ratelimit
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template import loader

# Seconds a client (or a proxy) should wait before trying again while the database restarts.
RETRY_AFTER_SECONDS = 30


def database_unavailable(exc):
    return isinstance(exc, (OperationalError, InterfaceError))


def server_error(request, template_name="500.html"):
    if database_unavailable(sys.exc_info()[1]):
        response = HttpResponse(loader.get_template("503.html").render(), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    return HttpResponseServerError(loader.get_template(template_name).render())


def too_many_requests(request, *, retry_after, context=None):
    """The site's 429 page, with the seconds to wait in Retry-After."""
    response = render(request, "429.html", context or {}, status=429)
    response["Retry-After"] = str(int(retry_after))
    return response


# allauth's actions by the URL name of the page that limits them (settings.ACCOUNT_RATE_LIMITS).
_ALLAUTH_ACTIONS = {
    "account_login": "login",
    "account_signup": "signup",
    "account_reset_password": "reset_password",
    "account_reset_password_from_key": "reset_password_from_key",
    "account_change_password": "change_password",
}


def allauth_rate_limited(request):
    """allauth's 429 (ewevents.urls.handler429): the site's page; Retry-After, the action's longest window."""
    url_name = request.resolver_match.url_name if request.resolver_match else None
    rates = settings.ACCOUNT_RATE_LIMITS
    actions = [_ALLAUTH_ACTIONS[url_name]] if url_name in _ALLAUTH_ACTIONS else list(rates)
    windows = [rate.duration for action in actions for rate in ratelimit.parse_rates(rates.get(action))]
    return too_many_requests(request, retry_after=max(windows, default=60))
