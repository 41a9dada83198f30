"""Health checks: /healthz/ for the load balancer, and `python -m ewevents.health` for the containers.

/healthz/ answers 503 when the database (or Redis) does not; it also says whether the
periodic jobs run (their heartbeats, read through settings.PERIODIC_JOBS_LATE), without
changing its status: a stopped beat or worker is no reason to take the web out of service.

`python -m ewevents.health` exits 0 when the web server on this host answers /healthz/: the web
container's health check (docker-compose.yml). It asks over loopback on $PORT (default
8000) with the site's own host name, the first of ALLOWED_HOSTS, since Django refuses any
other; /healthz/ is exempt from the HTTPS redirect. It needs no Django set-up.

`python -m ewevents.health beat` exits 0 when no periodic job is late (not run for twice
its period): the beat container's health check. It reads the database.
"""

import logging
import os
import sys
import urllib.error
import urllib.request

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.utils.module_loading import import_string
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


def late_jobs():
    """The names of the periodic jobs late by their heartbeats; None when the database cannot tell."""
    try:
        return import_string(settings.PERIODIC_JOBS_LATE)()
    except DatabaseError:
        logger.warning("health check: periodic jobs unknown", exc_info=True)
        return None


@never_cache
@require_GET
def health(request):
    """200 when the database (and Redis, where configured) answer; 503 naming what does not.

    Also "periodic_jobs": "ok", or "late" with the late ones in "late_jobs" (beat or the
    workers stopped), or "unknown"; this does not change the status.
    """
    checks = {"database": _database_ok()}
    if settings.REDIS_URL:
        checks["redis"] = _redis_ok()
    healthy = all(checks.values())
    body = {"status": "ok" if healthy else "unavailable"}
    body.update({name: "ok" if ok else "unavailable" for name, ok in checks.items()})
    late = late_jobs() if checks["database"] else None
    body["periodic_jobs"] = "unknown" if late is None else "late" if late else "ok"
    if late:
        body["late_jobs"] = late
    return JsonResponse(body, status=200 if healthy else 503)


def beat_main():
    """Exit status of the beat container's health check: 1 when a periodic job is late or unknown."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ewevents.settings")
    django.setup()
    late = late_jobs()
    if late is None or late:
        print(f"unhealthy: periodic jobs late: {', '.join(late) if late else 'unknown'}", file=sys.stderr)
        return 1
    print("periodic jobs ok")
    return 0


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["beat"]:
        return beat_main()
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
