"""gunicorn settings for ewevents, read from the environment (gunicorn loads this file itself
when started in this folder; docker-compose.yml and the Dockerfile name it with -c).

WEB_CONCURRENCY  worker processes (default 2 x CPU cores + 1, at most 12)
WEB_THREADS      threads per worker (default 1; more switches to the gthread worker)
GUNICORN_BIND    address to listen on (default 0.0.0.0:$PORT, PORT default 8000)
WEB_TIMEOUT      seconds before a silent worker is killed and replaced (default 30)
"""

import multiprocessing
import os

from gunicorn.glogging import Logger

from ewevents.logs import redact

bind = os.environ.get("GUNICORN_BIND", f"0.0.0.0:{os.environ.get('PORT', '8000')}")
workers = int(os.environ.get("WEB_CONCURRENCY", min(multiprocessing.cpu_count() * 2 + 1, 12)))
threads = int(os.environ.get("WEB_THREADS", "1"))
timeout = int(os.environ.get("WEB_TIMEOUT", "30"))
# On shutdown or reload, requests in progress get this long to finish.
graceful_timeout = 30
# Longer than nothing, shorter than a load balancer's idle timeout (often 60 s).
keepalive = 5
# Load the application once in the master and fork the workers from it: a worker starts (or
# is replaced) in milliseconds instead of importing Django again.
preload_app = True
# Replace each worker now and then, so a slow leak never grows; rarely enough that replacing
# costs nothing measurable under load.
max_requests = 20000
max_requests_jitter = 2000
# Heartbeat files in memory: a container's disk can stall long enough to get workers killed.
if os.path.isdir("/dev/shm"):  # noqa: S108 (gunicorn's advice for containers)
    worker_tmp_dir = "/dev/shm"  # noqa: S108

# Both logs on the container's output. The access log leaves out the client address, user
# agent, referrer and query string (personal data, search terms, invitation tokens), and
# redacts tokens in paths (RedactingLogger); its request_id matches the application's lines.
# No `gunicornc` control socket: nothing here uses it, and its default path is in $HOME.
control_socket_disable = True
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
access_log_format = '%(t)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms request_id=%({x-request-id}o)s'


class RedactingLogger(Logger):
    """gunicorn's logger, with URL secrets redacted and query strings dropped from access log lines."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        path = redact(environ.get("PATH_INFO", ""))
        atoms.update(
            {
                "U": path,
                "q": "",
                "r": f"{atoms['m']} {path} {atoms['H']}",
                "f": redact(atoms["f"].split("?", 1)[0]),
                "{referer}i": redact(atoms.get("{referer}i", "-").split("?", 1)[0]),
            }
        )
        return atoms


logger_class = RedactingLogger
