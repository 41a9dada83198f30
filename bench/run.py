"""`make bench`: measure the site under production settings with wrk, in one command.

Starts a private PostgreSQL and Redis, loads a large data set (bench/dataset.py),
serves the site with gunicorn (a fixed number of workers, production settings,
bench/site.py), then for each endpoint runs wrk at fixed concurrency: a warm-up,
then the measurement. Ends with a burst of guests registering for a limited event.
Prints a table, writes it to bench/results.md and, with --update-readme, into
README.md between the bench markers.

    python -m bench.run [--seconds 15] [--warmup 5] [--update-readme]
"""

import argparse
import json
import os
import platform
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

from bench import site
from bench.burst import run_burst
from tests import services

WRK_DIR = Path(__file__).resolve().parent / "wrk"
RESULTS = Path(__file__).resolve().parent / "results.md"
README = site.BASE_DIR / "README.md"
README_START, README_END = "<!-- bench:start -->", "<!-- bench:end -->"
# Longer than the production default of REGISTRATION_MIN_FILL_SECONDS (3), or forms are refused.
FILL_SECONDS = 3.5
CONFIG_NOTE = " with gunicorn.conf.py" if (site.BASE_DIR / "gunicorn.conf.py").exists() else ""
ERROR_KEYS = ("connect", "read", "write", "timeout", "status", "failures")


@dataclass
class Endpoint:
    name: str
    path: str
    min_ratio: float | None = None  # of the ceiling's requests per second
    cookie: str = ""
    post: bool = False
    headers: dict = field(default_factory=dict)  # more request headers (If-None-Match)
    status: int = 200  # what each request is answered


@dataclass
class Measurement:
    endpoint: Endpoint
    rps: float
    p50: float  # milliseconds
    p95: float
    p99: float
    errors: int
    answered: int  # requests answered without error, warm-up included
    ratio: float = 1.0
    verdict: str = ""


def _arguments():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    number = os.environ.get
    parser.add_argument("--seconds", type=int, default=int(number("BENCH_SECONDS") or 15))
    parser.add_argument("--warmup", type=int, default=int(number("BENCH_WARMUP") or 5))
    parser.add_argument("--connections", type=int, default=int(number("BENCH_CONNECTIONS") or 16))
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=int(number("BENCH_WORKERS") or 4))
    parser.add_argument("--gunicorn-args", default="", help='more gunicorn options, e.g. "--max-requests 0"')
    parser.add_argument("--post-capacity", type=int, default=500)
    parser.add_argument("--burst-guests", type=int, default=200)
    parser.add_argument("--burst-places", type=int, default=150)
    parser.add_argument("--burst-window", type=float, default=10.0)
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--update-readme", action="store_true", help="rewrite README.md's benchmark table")
    return parser.parse_args()


def wrk(url, endpoint, args, seconds, *, headers, script_args=()):
    """Run wrk against `url` for `seconds`; return the figures bench/wrk/report.lua prints."""
    script = "register.lua" if endpoint.post else "report.lua"
    command = ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{seconds}s", "--timeout", "10s"]
    command += ["-s", script]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    command += [url + endpoint.path]
    if script_args:
        command += ["--", *script_args]
    output = subprocess.run(command, cwd=WRK_DIR, capture_output=True, text=True, check=True).stdout
    line = next(line for line in output.splitlines() if line.startswith("BENCH "))
    return json.loads(line.removeprefix("BENCH "))


def measure(server, endpoint, args, *, post_form=()):
    """Warm up, then measure `endpoint`; a POST endpoint's wrk script gets `post_form` and a run tag."""
    parts = urllib.parse.urlsplit(server.url)
    headers = {"X-Forwarded-Proto": "https", **endpoint.headers}
    if endpoint.cookie:
        headers["Cookie"] = endpoint.cookie
    if endpoint.post:
        headers["Origin"] = f"https://{parts.netloc}"
        headers["Referer"] = f"https://{parts.netloc}{endpoint.path}"
    runs = []
    for tag, seconds in (("warmup", args.warmup), ("measured", args.seconds)):
        if not seconds:
            continue
        script_args = (*post_form, tag) if endpoint.post else ()
        runs.append(wrk(server.url, endpoint, args, seconds, headers=headers, script_args=script_args))
    figures = runs[-1]
    errors = [sum(run[key] for key in ERROR_KEYS) for run in runs]
    return Measurement(
        endpoint=endpoint,
        rps=figures["requests"] / (figures["duration_us"] / 1e6),
        p50=figures["p50_us"] / 1000,
        p95=figures["p95_us"] / 1000,
        p99=figures["p99_us"] / 1000,
        errors=errors[-1],
        answered=sum(run["requests"] for run in runs) - sum(errors),
    )


def check_pages(server, endpoints, restricted_title):
    """Each page answers as expected (200, or 304 to a conditional request) once before the load,
    and the affiliate's cookie does log in."""
    for endpoint in endpoints:
        client = services.SiteClient(server.url)
        if endpoint.cookie:
            client.cookies.update(dict([endpoint.cookie.split("=", 1)]))
        status, _, body = client.get(endpoint.path, headers=endpoint.headers)
        if status != endpoint.status:
            raise SystemExit(f"{endpoint.name}: {endpoint.path} answered {status}:\n{body[:2000]}")
        if endpoint.cookie and restricted_title not in body:
            raise SystemExit(f"{endpoint.name}: the affiliate's page lacks the hidden session")


def registration_form(server, path):
    """One guest's CSRF cookie, token and form stamp: wrk reuses them for every POST."""
    client = services.SiteClient(server.url)
    status, _, page = client.get(path)
    if status != 200:
        raise SystemExit(f"The registration form answered {status}")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    stamp = re.search(r'name="form_stamp" value="([^"]*)"', page).group(1)
    cookie = "; ".join(f"{name}={value}" for name, value in client.cookies.items())
    return cookie, urllib.parse.quote(token, safe=""), urllib.parse.quote(stamp, safe="")


def unchanged(server, name, path, min_ratio):
    """`path` asked again with the ETag of its first answer: what a calendar app polling it sends."""
    status, headers, _body = services.SiteClient(server.url).get(path)
    etag = next((value for header, value in headers.items() if header.lower() == "etag"), None)
    if status != 200 or etag is None:
        raise SystemExit(f"{name}: {path} answered {status} without an ETag")
    return Endpoint(name, path, min_ratio, headers={"If-None-Match": etag}, status=304)


def judge(measurements):
    """Fill in each row's ratio to the ceiling and whether it met its targets."""
    ceiling = measurements[0]
    for m in measurements:
        m.ratio = m.rps / ceiling.rps if ceiling.rps else 0.0
        missed = []
        if m.endpoint.min_ratio is not None and m.ratio < m.endpoint.min_ratio:
            missed.append(f"ratio < {m.endpoint.min_ratio:g}")
        if not m.endpoint.post and m is not ceiling and m.p99 >= 4 * ceiling.p99:
            missed.append("p99 ≥ 4× ceiling")
        if m.errors:
            missed.append("errors")
        m.verdict = "no: " + ", ".join(missed) if missed else "yes"


def target_text(m):
    parts = []
    if m.endpoint.min_ratio is not None:
        parts.append(f"≥ {m.endpoint.min_ratio:g}×")
    if m.endpoint.name == "ceiling":
        return "—"
    if not m.endpoint.post:
        parts.append("p99 < 4× ceiling")
    else:
        parts.append("0 errors, no overbooking")
    return ", ".join(parts)


def table(measurements):
    lines = [
        "| endpoint | req/s | p50 ms | p95 ms | p99 ms | ratio to ceiling | errors | target | met? |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |",
    ]
    for m in measurements:
        lines.append(
            f"| {m.endpoint.name} | {m.rps:.0f} | {m.p50:.1f} | {m.p95:.1f} | {m.p99:.1f} | "
            f"{m.ratio:.3f} | {m.errors} | {target_text(m)} | {m.verdict} |"
        )
    return "\n".join(lines)


def machine(postgres_bin_dir):
    """The machine, in one line: CPUs, RAM, Python, PostgreSQL and wrk versions."""
    cpu = re.search(r"model name\s*:\s*(.+)", Path("/proc/cpuinfo").read_text())
    memory = re.search(r"MemTotal:\s*(\d+) kB", Path("/proc/meminfo").read_text())
    postgres = subprocess.run([postgres_bin_dir / "postgres", "--version"], capture_output=True, text=True)
    wrk_version = subprocess.run(["wrk", "--version"], capture_output=True, text=True).stdout
    wrk_version = wrk_version.split(" Copyright")[0]
    return (
        f"{os.cpu_count()} CPUs ({cpu.group(1).strip() if cpu else platform.machine()}), "
        f"{int(memory.group(1)) / 1024 / 1024:.0f} GiB RAM, Python {platform.python_version()}, "
        f"{postgres.stdout.strip()}, {wrk_version.strip()}"
    )


def overbooking_report(name, counts, answered):
    """Whether the places held: confirmed == min(capacity, registrations), the rest waitlisted,
    one email each; and no answered POST lost its registration."""
    statuses = counts["statuses"]
    confirmed, waitlisted = statuses.get("confirmed", 0), statuses.get("waitlisted", 0)
    total = sum(statuses.values())
    capacity = counts["capacity"]
    emails = sum(counts["outbox"].values())
    ok = (
        confirmed == min(capacity, total)
        and waitlisted == total - confirmed
        and counts["confirmed_count"] == confirmed
        and emails == total
        and total >= answered
    )
    text = (
        f"{name}: {answered} POSTs answered 302, {total} registrations for {capacity} places: "
        f"{confirmed} confirmed, {waitlisted} waitlisted, {emails} emails in the outbox "
        f"({', '.join(f'{n} {kind}' for kind, n in sorted(counts['outbox'].items()))}); "
        + ("no overbooking." if ok else "MISMATCH: places or emails do not add up.")
    )
    return ok, text


def write_results(args, report, *, update_readme):
    args.output.write_text(report + "\n")
    if update_readme:
        readme = README.read_text()
        start, end = readme.index(README_START) + len(README_START), readme.index(README_END)
        README.write_text(readme[:start] + "\n" + report + "\n" + readme[end:])


def main():
    args = _arguments()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install wrk (make bench does it)")
    began = time.monotonic()
    folder = Path(tempfile.mkdtemp(prefix="bench-"))
    postgres = services.start_postgres("bench")
    redis = server = None
    try:
        redis = services.start_redis()
        env = site.production_env(
            database_url=postgres.url,
            redis_url=redis.url,
            static_root=folder / "static",
            mail_dir=folder / "mail",
        )
        print("Migrating, collecting static files, loading the data set...", flush=True)
        site.prepare(env)
        data = site.dataset(env, "load", args.post_capacity, args.burst_places)
        server = services.start_gunicorn(
            env, cwd=site.BASE_DIR, workers=args.workers, extra_args=tuple(shlex.split(args.gunicorn_args))
        )
        affiliate = data["affiliate_cookie"]
        pages = [
            Endpoint("ceiling", "/bench/ceiling/"),
            Endpoint("home", "/", 0.5),
            Endpoint("programme (anonymous)", data["conference"], 0.5),
            Endpoint("programme (affiliate)", data["conference"], 0.3, cookie=affiliate),
            Endpoint("session page", data["session"], 0.4),
            Endpoint("webinar series", data["series"], 0.5),
            Endpoint("event .ics", data["ics"]),
            unchanged(server, "personal feed, unchanged (304)", data["personal_feed"], 0.9),
        ]
        check_pages(server, pages, data["restricted_title"])
        print(
            f"Serving with {args.workers} gunicorn workers; wrk {args.threads} threads, "
            f"{args.connections} connections, {args.warmup}s warm-up + {args.seconds}s per endpoint.",
            flush=True,
        )
        measurements = []
        for endpoint in pages:
            measurements.append(measure(server, endpoint, args))
            m = measurements[-1]
            print(f"  {endpoint.name}: {m.rps:.0f} req/s, p99 {m.p99:.1f} ms, {m.errors} errors", flush=True)

        register = f"/events/{data['post_event']}/register/"
        cookie, token, stamp = registration_form(server, register)
        time.sleep(FILL_SECONDS)  # the form stamp must be older than the minimum fill time
        post = Endpoint("registration POST (guest)", register, 0.05, cookie=cookie, post=True)
        measurements.append(measure(server, post, args, post_form=(token, stamp)))
        m = measurements[-1]
        print(f"  {post.name}: {m.rps:.0f} req/s, p99 {m.p99:.1f} ms, {m.errors} errors", flush=True)
        posts_ok, posts_text = overbooking_report(
            "Registration POSTs (warm-up included)",
            site.dataset(env, "counts", data["post_event"]),
            m.answered,
        )
        judge(measurements)
        if not posts_ok:
            m.verdict = "no: places or emails do not add up"

        print(f"Burst: {args.burst_guests} guests within {args.burst_window:g}s...", flush=True)
        burst = run_burst(
            server.url,
            f"/events/{data['burst_event']}/register/",
            guests=args.burst_guests,
            window=args.burst_window,
            fill_seconds=FILL_SECONDS,
        )
        burst_counts = site.dataset(env, "counts", data["burst_event"])
        burst_ok, burst_text = overbooking_report(
            f"Burst: {args.burst_guests} guests opening the form over {args.burst_window:g}s and posting it "
            f"{FILL_SECONDS:g}s later (all answered within {burst.seconds:.1f}s)",
            burst_counts,
            burst.registered,
        )
        expected = {"confirmed": args.burst_places, "waitlisted": args.burst_guests - args.burst_places}
        burst_ok = burst_ok and burst_counts["statuses"] == expected and burst.server_errors == 0
        burst_text += (
            f" 5xx or no answer: {burst.server_errors}. Answers: "
            + ", ".join(f"{n}× {outcome}" for outcome, n in sorted(burst.outcomes.items()))
            + (". Target met." if burst_ok else f". TARGET MISSED (expected {expected}).")
        )
    finally:
        if server is not None:
            server.stop()
        if redis is not None:
            redis.stop()
        postgres.stop()
        shutil.rmtree(folder, ignore_errors=True)

    report = "\n\n".join(
        [
            f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on {machine(postgres.bin_dir)}.",
            f"gunicorn: {args.workers} sync workers{CONFIG_NOTE} {args.gunicorn_args}".rstrip()
            + ", production settings (DEBUG off, HTTPS via X-Forwarded-Proto, Redis cache, "
            "CONN_MAX_AGE=60, manifest static files). "
            f"wrk: {args.threads} threads, {args.connections} connections, {args.warmup}s warm-up, "
            f"{args.seconds}s measured per endpoint. The registration rate limit is off (every POST "
            "comes from 127.0.0.1); no Celery worker runs, so emails stay in the outbox.",
            table(measurements),
            f"- {posts_text}\n- {burst_text}",
        ]
    )
    print("\n" + report)
    write_results(args, report, update_readme=args.update_readme)
    print(f"\nWritten to {args.output}" + (" and README.md" if args.update_readme else ""))
    print(f"Whole run: {time.monotonic() - began:.0f}s")
    return 0 if posts_ok and burst_ok else 1


if __name__ == "__main__":
    sys.exit(main())
