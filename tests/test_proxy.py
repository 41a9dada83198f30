"""The reverse proxy of the production stack: nginx with deploy/nginx/ewevents.conf.template.

docker-compose.yml is read for how the proxy is wired. Where nginx is installed (Debian's
nginx-light; `make bench` installs it), the template is filled in as bench/proxy.py does
for the benchmark and nginx runs for real, in front of a small stand-in application
whose answers carry the Cache-Control headers under test. Without nginx those tests
skip, also in CI: the proxy is part of the deployment, not of the application.
"""

import gzip
import http.client
import re
import shutil
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml
from django.conf import settings

from bench import proxy

BASE = Path(settings.BASE_DIR)
needs_nginx = pytest.mark.skipif(proxy.find_nginx() is None, reason="nginx is not installed (nginx-light)")

# Paths of the stand-in application and the Cache-Control (and cookie) each answers with.
ANSWERS = {
    "/public/": ("public, max-age=60", None),
    "/public-too/": ("max-age=60, public", None),
    "/max-age-only/": ("max-age=60", None),
    "/private/": ("private, max-age=60", None),
    "/no-store/": ("private, no-store", None),
    "/sets-cookie/": ("public, max-age=60", "csrftoken=abc; Path=/; Secure"),
    "/healthz/": ("no-store", None),
}


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((BASE / "docker-compose.yml").read_text())


def test_compose_puts_nginx_in_front_of_gunicorn(compose):
    services = compose["services"]
    front, web = services["proxy"], services["web"]
    assert front["image"].startswith("nginx:")
    assert front["ports"] == ["127.0.0.1:8000:80"]
    assert "ports" not in web  # reached through the proxy only
    assert web["environment"]["TRUSTED_PROXY_HOPS"] == "${TRUSTED_PROXY_HOPS:-1}"
    assert front["depends_on"] == {"web": {"condition": "service_healthy"}}
    assert (
        "./deploy/nginx/ewevents.conf.template:/etc/nginx/templates/default.conf.template:ro"
        in front["volumes"]
    )


def test_compose_gives_every_name_of_the_template_a_value(compose):
    names = set(re.findall(r"\$\{(EWEVENTS_[A-Z_]+)\}", proxy.TEMPLATE.read_text()))
    environment = compose["services"]["proxy"]["environment"]
    assert names == set(environment)
    upstream_host, upstream_port = environment["EWEVENTS_UPSTREAM"].split(":")
    assert upstream_host == "web"
    assert upstream_port in compose["services"]["web"]["expose"]


def test_the_proxy_serves_the_static_files_migrate_collects_and_the_public_media(compose):
    services = compose["services"]
    migrate, front = services["migrate"], services["proxy"]
    assert "collectstatic --noinput" in " ".join(migrate["command"])
    static_root = migrate["environment"]["STATIC_ROOT"]
    assert f"static:{static_root}" in migrate["volumes"]
    assert f"static:{front['environment']['EWEVENTS_STATIC_ROOT']}:ro" in front["volumes"]
    assert f"media:{front['environment']['EWEVENTS_MEDIA_ROOT']}:ro" in front["volumes"]
    assert "static" in compose["volumes"]


@needs_nginx
def test_nginx_accepts_the_configuration(tmp_path):
    config = proxy.write_config(
        tmp_path,
        upstream="127.0.0.1:9",
        static_root=tmp_path / "static",
        media_root=tmp_path / "media",
        listen="127.0.0.1:9",
    )

    ok, output = proxy.check_config(proxy.find_nginx(), config)

    assert ok, output


HITS = {}  # path (with query) -> requests that reached the stand-in
SEEN_HEADERS = []


class StandIn(BaseHTTPRequestHandler):
    """Answers each path of ANSWERS (query left out) with its headers; counts the requests reaching it."""

    def do_GET(self):
        known = self.path.split("?")[0] in ANSWERS
        cache_control, cookie = ANSWERS.get(self.path.split("?")[0], ("no-store", None))
        HITS[self.path] = HITS.get(self.path, 0) + 1
        SEEN_HEADERS.append(dict(self.headers))
        body = (f"<p>{self.path} answer {HITS[self.path]}</p>" + " " * 2000).encode()
        self.send_response(200 if known else 404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", cache_control)
        if cookie:
            self.send_header("Set-Cookie", cookie)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def front():
    """nginx with the bench's rendering of the template, in front of the stand-in application."""
    # Not under pytest's tmp_path: its folders are private, and nginx's workers run as
    # `nobody` when the tests run as root.
    files = Path(tempfile.mkdtemp(prefix="test-proxy-"))
    files.chmod(0o755)
    static, media = files / "static", files / "media"
    (static / "css").mkdir(parents=True)
    (static / "css" / "site.0123456789ab.css").write_text("body { color: black; }\n" * 100)
    (static / "css" / "site.css").write_text("body { color: black; }\n" * 100)
    (media / "speakers").mkdir(parents=True)
    (media / "speakers" / "photo.jpg").write_bytes(b"\xff\xd8\xff photo")
    for path in files.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    server = ThreadingHTTPServer(("127.0.0.1", 0), StandIn)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    nginx = proxy.start_proxy(
        f"http://127.0.0.1:{server.server_address[1]}", static_root=static, media_root=media
    )
    yield nginx
    nginx.stop()
    server.shutdown()
    shutil.rmtree(files, ignore_errors=True)


def get(front, path, headers=None):
    host, port = front.url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def twice(front, path, headers=None):
    """Request `path` twice; return how many requests reached the stand-in, and the second's cache status."""
    before = HITS.get(path, 0)
    get(front, path, headers)
    _, second, _ = get(front, path, headers)
    return HITS.get(path, 0) - before, second.get("x-cache-status")


@needs_nginx
@pytest.mark.parametrize("path", ["/public/", "/public-too/"])
def test_an_anonymous_public_answer_is_kept(front, path):
    assert twice(front, path) == (1, "HIT")


@needs_nginx
@pytest.mark.parametrize("path", ["/max-age-only/", "/private/", "/no-store/", "/sets-cookie/"])
def test_an_answer_not_marked_public_or_setting_a_cookie_is_never_kept(front, path):
    reached, status = twice(front, path)

    assert reached == 2
    assert status == "MISS"


@needs_nginx
@pytest.mark.parametrize("cookie", ["sessionid=abc123", "messages=xyz", "sessionid=abc123; csrftoken=t"])
def test_a_visitor_with_a_session_or_a_message_never_gets_nor_fills_the_cache(front, cookie):
    twice(front, "/public/")  # kept for anonymous visitors

    reached, status = twice(front, "/public/", {"Cookie": cookie})

    assert (reached, status) == (2, "BYPASS")
    path = f"/public-too/?first-visitor-had={cookie.split('=')[0]}{len(cookie)}"
    get(front, path, {"Cookie": cookie})
    assert twice(front, path)[0] == 1  # the session holder's answer was not stored for others


@needs_nginx
def test_the_application_learns_the_scheme_client_and_request_id_from_the_proxy(front):
    SEEN_HEADERS.clear()

    get(front, "/private/", {"X-Forwarded-Proto": "http", "X-Request-ID": "made-up"})

    seen = {k.lower(): v for k, v in SEEN_HEADERS[-1].items()}
    assert seen["x-forwarded-proto"] == "https"  # the bench's setting; compose's is $scheme
    assert seen["x-forwarded-for"] == "127.0.0.1"
    assert re.fullmatch(r"[0-9a-f]{32}", seen["x-request-id"])
    assert "accept-encoding" not in seen  # the cache keeps one uncompressed copy


@needs_nginx
def test_pages_are_compressed_for_clients_that_accept_it(front):
    _, plain, body = get(front, "/private/")
    _, compressed, gzipped = get(front, "/private/", {"Accept-Encoding": "gzip"})

    assert "content-encoding" not in plain
    assert compressed["content-encoding"] == "gzip"
    assert re.sub(rb"answer \d+", b"", gzip.decompress(gzipped)) == re.sub(rb"answer \d+", b"", body)


@needs_nginx
def test_static_files_come_from_disk_and_hashed_names_are_kept_for_a_year(front):
    status, hashed, _ = get(front, "/static/css/site.0123456789ab.css", {"Accept-Encoding": "gzip"})
    _, plain_name, _ = get(front, "/static/css/site.css")
    missing, _, _ = get(front, "/static/css/nothing.css")

    assert status == 200
    assert hashed["cache-control"] == "public, max-age=31536000, immutable"
    assert hashed["content-encoding"] == "gzip"
    assert hashed["x-content-type-options"] == "nosniff"
    assert plain_name["cache-control"] == "public, max-age=3600"
    assert missing == 404
    assert not any(seen_path.startswith("/static/") for seen_path in HITS)


@needs_nginx
def test_only_the_public_media_folder_is_served_from_disk(front):
    status, headers, body = get(front, "/media/speakers/photo.jpg")
    other, _, _ = get(front, "/media/private/export.csv")

    assert (status, body) == (200, b"\xff\xd8\xff photo")
    assert headers["cache-control"] == "public, max-age=31536000, immutable"
    assert other == 404
    assert HITS["/media/private/export.csv"] == 1  # the application decided
