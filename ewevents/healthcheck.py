"""`python -m ewevents.healthcheck`: exit 0 when the web server on this host answers /healthz/.

The web container's health check (docker-compose.yml). It asks over loopback on $PORT
(default 8000) with the site's own host name, the first of ALLOWED_HOSTS, since Django
refuses any other; /healthz/ is exempt from the HTTPS redirect.
"""

import os
import sys
import urllib.error
import urllib.request


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
