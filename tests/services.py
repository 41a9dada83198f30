"""Start real PostgreSQL and Redis servers for the test session, and find Chromium.

Each server runs on 127.0.0.1 with a free port and keeps all its files in a
temporary folder that is removed when it stops. Nothing here depends on pytest:
`tests/service_fixtures.py` turns these helpers into fixtures.

Known trap: PostgreSQL's `initdb` and `postgres` refuse to run as root. When we
are root, the folder is handed to the `postgres` system user and both programs
run through `runuser -u postgres --`.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

POSTGRES_SYSTEM_USER = "postgres"
POSTGRES_SUPERUSER = "postgres"
POSTGRES_FAST_OPTIONS = ("fsync=off", "synchronous_commit=off", "full_page_writes=off")
START_TIMEOUT = 30.0
STOP_TIMEOUT = 15.0

# Headless flags that keep Chromium off the network and quiet in containers.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


class ServiceError(RuntimeError):
    """A server could not be started."""


# --- Small shared helpers ---------------------------------------------------


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def settled(read, expected, timeout: float = 10.0):
    """`read()` once it returns `expected`, or its last value after `timeout` seconds.

    A worker writes its outcome (a row marked sent) just after the SMTP server has taken
    the message, so a test that saw the message waits for the write before asserting it.
    """
    deadline = time.monotonic() + timeout
    value = read()
    while value != expected and time.monotonic() < deadline:
        time.sleep(0.05)
        value = read()
    return value


def _log_tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _stop_process(process: subprocess.Popen, sig: int = signal.SIGTERM, pid: int | None = None) -> None:
    """Send `sig` to the process we started (or to `pid`, its own child) and wait for it."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid or process.pid, sig)
        try:
            process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid or process.pid, signal.SIGKILL)
            process.kill()
            process.wait(timeout=STOP_TIMEOUT)


def _wait_until(ready, process: subprocess.Popen, name: str, log: Path) -> None:
    """Poll `ready()` until it returns True; raise with the log tail if it never does."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServiceError(f"{name} exited with code {process.returncode}. Log tail:\n{_log_tail(log)}")
        if ready():
            return
        time.sleep(0.1)
    raise ServiceError(
        f"{name} did not accept connections within {START_TIMEOUT:.0f}s. Log tail:\n{_log_tail(log)}"
    )


# --- PostgreSQL -------------------------------------------------------------


def _is_postgres_bin_dir(path: Path) -> bool:
    return all(os.access(path / name, os.X_OK) for name in ("initdb", "postgres"))


def find_postgres_bin_dir() -> Path | None:
    """The newest /usr/lib/postgresql/<version>/bin with initdb and postgres, else PATH, else None."""
    candidates = [p for p in Path("/usr/lib/postgresql").glob("*/bin") if _is_postgres_bin_dir(p)]
    if candidates:
        return max(candidates, key=lambda p: [int(n) for n in re.findall(r"\d+", p.parent.name)] or [0])
    initdb = shutil.which("initdb")
    if initdb and _is_postgres_bin_dir(Path(initdb).parent):
        return Path(initdb).parent
    return None


def _as_postgres_user(command: list[str]) -> list[str]:
    """initdb and postgres refuse to run as root: run them as the postgres system user."""
    if os.geteuid() != 0:
        return command
    return ["runuser", "-u", POSTGRES_SYSTEM_USER, "--", *command]


@dataclass
class PostgresServer:
    host: str
    port: int
    user: str
    dbname: str
    folder: Path
    process: subprocess.Popen
    bin_dir: Path

    @property
    def data_dir(self) -> Path:
        return self.folder / "data"

    @property
    def log_file(self) -> Path:
        return self.folder / "postgres.log"

    @property
    def url(self) -> str:
        return f"postgresql://{self.user}@{self.host}:{self.port}/{self.dbname}"

    def _postmaster_pid(self) -> int | None:
        """The postgres PID; under runuser it is a child of the process we started."""
        try:
            return int((self.data_dir / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def pause(self) -> None:
        """Shut the server down (fast shutdown), keeping its data for `resume()`."""
        _stop_process(self.process, signal.SIGINT, pid=self._postmaster_pid())

    def resume(self) -> None:
        """Start the server again on the same port and data, as after a restart."""
        self.process = _launch_postgres(self.bin_dir, self.folder, self.port)
        _wait_until(lambda: _postgres_accepts(self), self.process, "PostgreSQL", self.log_file)

    def stop(self) -> None:
        """Fast shutdown (SIGINT to the server we started), then remove the folder."""
        try:
            if self.process.poll() is None:
                _stop_process(self.process, signal.SIGINT, pid=self._postmaster_pid())
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)


def _launch_postgres(bin_dir: Path, folder: Path, port: int) -> subprocess.Popen:
    postgres = [str(bin_dir / "postgres"), "-D", str(folder / "data"), "-p", str(port), "-h", "127.0.0.1"]
    postgres += ["-k", str(folder)]
    for option in POSTGRES_FAST_OPTIONS:
        postgres += ["-c", option]
    with (folder / "postgres.log").open("ab") as log:
        return subprocess.Popen(_as_postgres_user(postgres), cwd=folder, stdout=log, stderr=subprocess.STDOUT)


def start_postgres(dbname: str = "ewevents", bin_dir: Path | None = None) -> PostgresServer:
    """Create a private cluster in a temporary folder, start it and create `dbname`."""
    bin_dir = bin_dir or find_postgres_bin_dir()
    if bin_dir is None:
        raise ServiceError("PostgreSQL server binaries (initdb, postgres) not found")
    folder = Path(tempfile.mkdtemp(prefix="test-postgres-"))
    if os.geteuid() == 0:
        shutil.chown(folder, user=POSTGRES_SYSTEM_USER, group=POSTGRES_SYSTEM_USER)
    data_dir, log_file = folder / "data", folder / "postgres.log"
    port = free_port()
    try:
        with log_file.open("wb") as log:
            initdb = [str(bin_dir / "initdb"), "-D", str(data_dir), "-A", "trust", "-U", POSTGRES_SUPERUSER]
            initdb += ["-E", "UTF8", "--locale=C", "--no-sync"]
            result = subprocess.run(
                _as_postgres_user(initdb), cwd=folder, stdout=log, stderr=subprocess.STDOUT, check=False
            )
        if result.returncode != 0:
            raise ServiceError(
                f"initdb failed with code {result.returncode}. Log tail:\n{_log_tail(log_file)}"
            )

        process = _launch_postgres(bin_dir, folder, port)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise

    server = PostgresServer("127.0.0.1", port, POSTGRES_SUPERUSER, dbname, folder, process, bin_dir)
    try:
        _wait_until(lambda: _postgres_accepts(server), process, "PostgreSQL", log_file)
        if dbname != "postgres":
            _create_database(server, dbname)
    except BaseException:
        server.stop()
        raise
    return server


def _connect(server: PostgresServer, dbname: str = "postgres", **kwargs):
    import psycopg

    return psycopg.connect(
        host=server.host, port=server.port, user=server.user, dbname=dbname, connect_timeout=2, **kwargs
    )


def _postgres_accepts(server: PostgresServer) -> bool:
    import psycopg

    try:
        with _connect(server):
            return True
    except psycopg.OperationalError:
        return False


def _create_database(server: PostgresServer, dbname: str) -> None:
    from psycopg import sql

    with _connect(server, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname)))


@contextlib.contextmanager
def running_postgres(dbname: str = "ewevents") -> Iterator[PostgresServer]:
    server = start_postgres(dbname)
    try:
        yield server
    finally:
        server.stop()


# --- Redis ------------------------------------------------------------------


def find_redis_server() -> str | None:
    return shutil.which("redis-server")


@dataclass
class RedisServer:
    host: str
    port: int
    folder: Path
    process: subprocess.Popen

    @property
    def url(self) -> str:
        return f"redis://{self.host}:{self.port}/0"

    def stop(self) -> None:
        try:
            _stop_process(self.process, signal.SIGTERM)
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)


def start_redis(binary: str | None = None, port: int | None = None) -> RedisServer:
    """Start redis-server without persistence in a temporary folder (on `port`, or a free one)."""
    binary = binary or find_redis_server()
    if binary is None:
        raise ServiceError("redis-server binary not found")
    folder = Path(tempfile.mkdtemp(prefix="test-redis-"))
    log_file = folder / "redis.log"
    port = port or free_port()
    command = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    command += ["--dir", str(folder)]
    try:
        with log_file.open("wb") as log:
            process = subprocess.Popen(command, cwd=folder, stdout=log, stderr=subprocess.STDOUT)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise

    server = RedisServer("127.0.0.1", port, folder, process)
    try:
        _wait_until(lambda: _redis_answers(server), process, "Redis", log_file)
    except BaseException:
        server.stop()
        raise
    return server


def _redis_answers(server: RedisServer) -> bool:
    import redis

    client = redis.Redis(host=server.host, port=server.port, socket_connect_timeout=1)
    try:
        return bool(client.ping())
    except redis.ConnectionError:
        return False
    finally:
        client.close()


@contextlib.contextmanager
def running_redis() -> Iterator[RedisServer]:
    server = start_redis()
    try:
        yield server
    finally:
        server.stop()


# --- Chromium ---------------------------------------------------------------


def find_chromium() -> str | None:
    """Debian's `chromium` (or Ubuntu's `chromium-browser`), or None."""
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    for path in ("/usr/bin/chromium", "/usr/bin/chromium-browser"):
        if os.access(path, os.X_OK):
            return path
    return None


# --- SMTP (aiosmtpd) --------------------------------------------------------


@dataclass
class SmtpServer:
    """An aiosmtpd server on 127.0.0.1 that keeps every message it accepts, as bytes.

    `hold(accept_first=...)` makes the next DATA command wait until `release()`: with
    `accept_first=False` the message is kept only if the client is still connected then
    (a sender killed mid-send delivered nothing); with `accept_first=True` it is kept
    at once, as a real server would queue it before its reply reached a dying sender.
    """

    host: str
    port: int
    messages: list[bytes]
    controller: object

    @property
    def handler(self) -> _CollectingHandler:
        return self.controller.handler

    @property
    def connections(self) -> int:
        """How many SMTP connections have sent a message (DATA) so far."""
        return len({id(session) for session in self.handler.sessions})

    def hold(self, *, accept_first: bool) -> None:
        self.handler.hold(accept_first=accept_first)

    def wait_until_held(self, timeout: float = 30.0) -> bool:
        return self.handler.held.wait(timeout)

    def release(self) -> None:
        self.handler.release.set()

    def stop(self) -> None:
        self.release()
        if self.controller.loop.is_running():  # stopping twice is fine
            self.controller.stop()

    def wait_for_messages(self, count: int = 1, timeout: float = 30.0) -> list[bytes]:
        """Wait until at least `count` messages arrived; return them all."""
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.1)
        return list(self.messages)


class _CollectingHandler:
    def __init__(self, messages: list[bytes]):
        self.messages = messages
        self.sessions = []  # the SMTP session (one per connection) of each DATA, kept alive
        self.holding = None  # None, or whether the held message is kept before the wait
        self.held = threading.Event()
        self.release = threading.Event()

    def hold(self, *, accept_first: bool) -> None:
        self.held.clear()
        self.release.clear()
        self.holding = accept_first

    async def handle_DATA(self, server, session, envelope):
        content = envelope.original_content or envelope.content
        self.sessions.append(session)
        if self.holding is None:
            self.messages.append(content)
            return "250 Message accepted for delivery"
        accept_first, self.holding = self.holding, None
        if accept_first:
            self.messages.append(content)
        self.held.set()
        while not self.release.is_set():
            await asyncio.sleep(0.05)
        connected = server.transport is not None and not server.transport.is_closing()
        if not accept_first and connected:
            self.messages.append(content)
        return "250 Message accepted for delivery"


def start_smtp_server(port: int | None = None, messages: list[bytes] | None = None) -> SmtpServer:
    """Start an aiosmtpd SMTP server on a loopback port (a free one unless given), in a thread of
    this process, appending what it accepts to `messages`."""
    from aiosmtpd.controller import Controller

    messages = [] if messages is None else messages
    port = port or free_port()
    controller = Controller(_CollectingHandler(messages), hostname="127.0.0.1", port=port)
    controller.start()
    return SmtpServer("127.0.0.1", port, messages, controller)


def _spawn(command: list[str], *, cwd: Path, env: dict[str, str], folder: Path, log_file: Path):
    """Start `command` with `env` added to ours, its output in `log_file`; on failure remove `folder`."""
    try:
        with log_file.open("wb") as log:
            return subprocess.Popen(
                command, cwd=cwd, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT
            )
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise


# --- Celery worker ----------------------------------------------------------


@dataclass
class CeleryWorker:
    """A real `celery -A ewevents worker` subprocess, with its log in a temporary folder."""

    folder: Path
    process: subprocess.Popen

    @property
    def log_file(self) -> Path:
        return self.folder / "worker.log"

    def log(self) -> str:
        return self.log_file.read_text(errors="replace")

    def wait_for_log(self, text: str, count: int = 1, timeout: float = 30.0) -> bool:
        """Wait until `text` occurs `count` times in the worker's log."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.log().count(text) >= count:
                return True
            if self.process.poll() is not None:
                return False
            time.sleep(0.1)
        return False

    def kill(self) -> None:
        """Kill the worker by PID with SIGKILL, as a crash or the OOM killer would: no cleanup."""
        self.process.kill()
        self.process.wait(timeout=10)

    def stop(self) -> None:
        """Warm shutdown by PID (SIGTERM), SIGKILL if it hangs; then remove the folder."""
        try:
            if self.process.poll() is None:
                _stop_process(self.process, signal.SIGTERM)
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)


def start_celery_worker(
    env: dict[str, str], cwd: Path, queues: tuple[str, ...] | None = None
) -> CeleryWorker:
    """Start one solo-pool worker with `env` added to ours; wait until ready.

    It consumes `queues`, by default all of the project's (settings.TASK_QUEUES).
    """
    if queues is None:
        from django.conf import settings

        queues = settings.TASK_QUEUES
    folder = Path(tempfile.mkdtemp(prefix="test-celery-"))
    log_file = folder / "worker.log"
    command = [sys.executable, "-m", "celery", "-A", "ewevents", "worker", "--pool=solo"]
    command += ["--concurrency=1", "-Q", ",".join(queues), "--loglevel=INFO"]
    command += ["-n", f"test-{uuid.uuid4().hex[:8]}@%h"]
    command += ["--without-heartbeat", "--without-mingle", "--without-gossip"]
    process = _spawn(command, cwd=cwd, env=env, folder=folder, log_file=log_file)
    worker = CeleryWorker(folder, process)
    try:
        _wait_until(lambda: " ready." in worker.log(), process, "Celery worker", log_file)
    except BaseException:
        worker.stop()
        raise
    return worker


# --- gunicorn ---------------------------------------------------------------


@dataclass
class WebServer:
    """The site served by gunicorn (or runserver) in a subprocess, with its log in a temporary folder."""

    url: str
    folder: Path
    process: subprocess.Popen
    log_name: str = "gunicorn.log"

    def log(self) -> str:
        return (self.folder / self.log_name).read_text(errors="replace")

    def stop(self) -> None:
        try:
            _stop_process(self.process, signal.SIGTERM)
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)


def _answers_http(url: str) -> bool:
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=2):  # noqa: S310 (a loopback test URL)
            return True
    except urllib.error.HTTPError:
        return True  # any HTTP answer means it is serving
    except OSError:
        return False


def start_gunicorn(
    env: dict[str, str], cwd: Path, workers: int = 2, extra_args: tuple[str, ...] = ()
) -> WebServer:
    """Serve ewevents.wsgi with gunicorn on a free loopback port, `env` added to ours.

    gunicorn reads ./gunicorn.conf.py in `cwd` where there is one; the options given here win.
    """
    folder = Path(tempfile.mkdtemp(prefix="test-gunicorn-"))
    log_file = folder / "gunicorn.log"
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "ewevents.wsgi:application", "--bind", f"127.0.0.1:{port}"]
    command += ["--workers", str(workers), "--timeout", "30", "--graceful-timeout", "5"]
    command += extra_args
    process = _spawn(command, cwd=cwd, env=env, folder=folder, log_file=log_file)
    server = WebServer(f"http://127.0.0.1:{port}", folder, process)
    try:
        _wait_until(lambda: _answers_http(server.url + "/healthz/"), process, "gunicorn", log_file)
    except BaseException:
        server.stop()
        raise
    return server


def start_runserver(env: dict[str, str], cwd: Path) -> WebServer:
    """Serve the site with `manage.py runserver` (threaded, as `make run` does) on a free loopback port."""
    folder = Path(tempfile.mkdtemp(prefix="test-runserver-"))
    log_file = folder / "runserver.log"
    port = free_port()
    command = [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"]
    process = _spawn(command, cwd=cwd, env=env, folder=folder, log_file=log_file)
    server = WebServer(f"http://127.0.0.1:{port}", folder, process, log_name=log_file.name)
    try:
        _wait_until(lambda: _answers_http(server.url + "/healthz/"), process, "runserver", log_file)
    except BaseException:
        server.stop()
        raise
    return server


class SiteClient:
    """A small HTTP client for a site behind a TLS-terminating proxy: it says so with
    X-Forwarded-Proto, keeps cookies itself (they are Secure) and sends an Origin for CSRF."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, data: dict | None = None, headers: dict | None = None):
        import http.client
        import urllib.parse

        parts = urllib.parse.urlsplit(self.base_url)
        headers = {"X-Forwarded-Proto": "https", "Origin": f"https://{parts.netloc}", **(headers or {})}
        headers.setdefault("Referer", f"https://{parts.netloc}{path}")
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        body = None
        if data is not None:
            body = urllib.parse.urlencode(data, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            content = response.read().decode(errors="replace")
        finally:
            connection.close()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, dict(response.getheaders()), content

    def get(self, path: str, headers: dict | None = None):
        return self.request("GET", path, headers=headers)

    def post(self, path: str, data: dict, headers: dict | None = None):
        return self.request("POST", path, data, headers=headers)
