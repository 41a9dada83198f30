"""What a visitor sees when the server fails: a 503 while the database is away, else a 500.

Django calls `server_error` while it handles the uncaught exception, so the exception is
still in `sys.exc_info()`. Both pages render without the request: no session, no user,
no database, since those may be what failed.
"""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, HttpResponseServerError
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
