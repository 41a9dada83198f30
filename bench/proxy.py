"""nginx in front of the bench's gunicorn, with the production stack's own configuration.

deploy/nginx/ewevents.conf.template is what docker-compose.yml's `proxy` service runs;
here it is filled in for loopback and wrapped in a minimal main configuration
(a pid file, logs and temporary folders in a private folder), and nginx is started
from the installed binary (Debian's nginx-light: `make bench` installs it if missing).
"""

import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench import site
from tests import services

TEMPLATE = site.BASE_DIR / "deploy" / "nginx" / "ewevents.conf.template"
_NAME = re.compile(r"\$\{(EWEVENTS_[A-Z_]+)\}")
# Enough for the pages and files the site serves, where the system's mime.types is missing.
_FALLBACK_TYPES = """types {
    text/html html; text/css css; application/javascript js; application/json json;
    text/calendar ics; image/svg+xml svg; image/png png; image/jpeg jpg jpeg; image/webp webp;
    image/x-icon ico; font/woff2 woff2; text/plain txt;
}"""


def find_nginx():
    """The nginx binary (on PATH, or Debian's /usr/sbin/nginx, which root's PATH may lack), or None."""
    found = shutil.which("nginx")
    if found:
        return found
    return "/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None


def render(values, template=TEMPLATE):
    """The template with each ${EWEVENTS_...} replaced by `values`; a name without a value is an error."""
    text = Path(template).read_text()
    missing = sorted(set(_NAME.findall(text)) - set(values))
    if missing:
        raise ValueError(f"no value for {', '.join(missing)}")
    return _NAME.sub(lambda match: str(values[match.group(1)]), text)


def main_config(folder, *, workers=1):
    """A main nginx.conf for a private `folder`: the rendered template is included as ewevents.conf."""
    mime_types = Path("/etc/nginx/mime.types")
    types = f"include {mime_types};" if mime_types.exists() else _FALLBACK_TYPES
    temp = "\n".join(
        f"    {kind}_temp_path {folder / (kind + '_temp')};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return f"""daemon off;
worker_processes {workers};
pid {folder / "nginx.pid"};
error_log {folder / "error.log"} warn;
events {{
    worker_connections 1024;
}}
http {{
    {types}
    default_type application/octet-stream;
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_timeout 65;
{temp}
    include {folder / "ewevents.conf"};
}}
"""


def write_config(folder, *, upstream, static_root, media_root, listen, scheme="https", workers=1):
    """Write nginx.conf and ewevents.conf into `folder`; return nginx.conf's path.

    `scheme` is what Django is told: https, as the bench's clients claim it, standing in
    for a TLS terminator in front.
    """
    folder = Path(folder)
    (folder / "ewevents.conf").write_text(
        render(
            {
                "EWEVENTS_LISTEN": listen,
                "EWEVENTS_UPSTREAM": upstream,
                "EWEVENTS_STATIC_ROOT": static_root,
                "EWEVENTS_MEDIA_ROOT": media_root,
                "EWEVENTS_CACHE_DIR": folder / "cache",
                "EWEVENTS_SCHEME": scheme,
            }
        )
    )
    config = folder / "nginx.conf"
    config.write_text(main_config(folder, workers=workers))
    return config


def check_config(nginx, config):
    """`nginx -t` on `config`: (passed, nginx's output)."""
    folder = config.parent
    result = subprocess.run(
        [nginx, "-t", "-p", str(folder), "-e", str(folder / "error.log"), "-c", str(config)],
        capture_output=True,
        text=True,
        check=False,
    )
    return result.returncode == 0, result.stderr + result.stdout


@dataclass
class Proxy:
    url: str
    folder: Path
    process: subprocess.Popen

    def log(self):
        path = self.folder / "error.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self):
        """Fast shutdown of the nginx we started (SIGTERM to its master), then remove its folder."""
        try:
            if self.process.poll() is None:
                self.process.send_signal(signal.SIGTERM)
                try:
                    self.process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait(timeout=15)
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)


def start_proxy(upstream_url, *, static_root, media_root, nginx=None, workers=1, ready_path="/healthz/"):
    """Start nginx on a free loopback port in front of `upstream_url` (http://host:port); wait for it.

    As root, nginx's workers run as `nobody`: its folder and the files it serves must be
    readable by all (the bench's folders are).
    """
    nginx = nginx or find_nginx()
    if nginx is None:
        raise services.ServiceError("nginx is not installed (apt-get install nginx-light)")
    folder = Path(tempfile.mkdtemp(prefix="bench-nginx-"))
    folder.chmod(0o755)
    port = services.free_port()
    config = write_config(
        folder,
        upstream=upstream_url.removeprefix("http://").rstrip("/"),
        static_root=static_root,
        media_root=media_root,
        listen=f"127.0.0.1:{port}",
        workers=workers,
    )
    ok, output = check_config(nginx, config)
    if not ok:
        shutil.rmtree(folder, ignore_errors=True)
        raise services.ServiceError(f"nginx refused its configuration:\n{output}")
    command = [nginx, "-p", str(folder), "-e", str(folder / "error.log"), "-c", str(config)]
    with (folder / "nginx.out").open("wb") as out:
        process = subprocess.Popen(command, cwd=folder, stdout=out, stderr=subprocess.STDOUT)
    proxy = Proxy(f"http://127.0.0.1:{port}", folder, process)
    deadline = time.monotonic() + 30
    while not services._answers_http(proxy.url + ready_path):
        if process.poll() is not None or time.monotonic() > deadline:
            log = proxy.log()
            proxy.stop()
            raise services.ServiceError(f"nginx did not start:\n{log[-3000:]}")
        time.sleep(0.1)
    return proxy
