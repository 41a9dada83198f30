"""Health checks: /healthz/ for the load balancer, and `python -m ewevents.health` for the container.

The command exits 0 when the web server on this host answers /healthz/: the web
container's health check (docker-compose.yml). It asks over loopback on $PORT (default
8000) with the site's own host name, the first of ALLOWED_HOSTS, since Django refuses any
other; /healthz/ is exempt from the HTTPS redirect. It needs no Django set-up.
"""

import logging
import os
import sys
import urllib.error
import urllib.request

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)


def _database_ok():
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        logger.warning("health check: database unavailable", exc_info=True)
        return False


def _redis_ok():
    import redis

    try:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
        return bool(client.ping())
    except redis.RedisError:
        logger.warning("health check: Redis unavailable", exc_info=True)
        return False


@never_cache
@require_GET
def health(request):
    """200 when the database (and Redis, where configured) answer; 503 naming what does not."""
    checks = {"database": _database_ok()}
    if settings.REDIS_URL:
        checks["redis"] = _redis_ok()
    healthy = all(checks.values())
    body = {"status": "ok" if healthy else "unavailable"}
    body.update({name: "ok" if ok else "unavailable" for name, ok in checks.items()})
    return JsonResponse(body, status=200 if healthy else 503)


def main():
    port = os.environ.get("PORT", "8000")
    host = os.environ.get("ALLOWED_HOSTS", "localhost").split(",")[0].strip().lstrip(".")
    if host in ("", "*"):
        host = "localhost"
    request = urllib.request.Request(f"http://127.0.0.1:{port}/healthz/", headers={"Host": host})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 (a fixed loopback URL)
            body = response.read().decode(errors="replace")
    except (urllib.error.URLError, OSError) as exc:  # HTTPError (a 503) is a URLError
        print(f"unhealthy: {exc}", file=sys.stderr)
        return 1
    print(body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
