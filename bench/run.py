"""`make bench`: measure the site under production settings with wrk, in one command.

Starts a private PostgreSQL and Redis, loads a large data set (bench/dataset.py),
serves the site with gunicorn (a fixed number of workers, production settings,
bench/site.py), then for each endpoint runs wrk at fixed concurrency: a warm-up,
then the measurement; the programme also through nginx (bench/proxy.py). Then guest
registration POSTs alone, the rush (the programme and the ceiling read while guests
register, bench/rush.py) and a burst of guests registering for a limited event; with
--mailing, a staff mailing to 10,000 registrants (bench/mailing.py). Prints the
tables, writes them to bench/results.md and, with --update-readme, into README.md
between the bench markers.

    python -m bench.run [--seconds 15] [--warmup 5] [--mailing | --mailing-only] [--update-readme]
"""

import argparse
import functools
import json
import os
import platform
import re
import shlex
import shutil
import subprocess
import sys
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

from bench import mailing, proxy, rush, site
from bench.burst import run_burst
from tests import services

WRK_DIR = Path(__file__).resolve().parent / "wrk"
RESULTS = Path(__file__).resolve().parent / "results.md"
README = site.BASE_DIR / "README.md"
README_START, README_END = "<!-- bench:start -->", "<!-- bench:end -->"
# Longer than the production default of REGISTRATION_MIN_FILL_SECONDS (3), or forms are refused.
FILL_SECONDS = 3.5
CONFIG_NOTE = " with gunicorn.conf.py" if (site.BASE_DIR / "gunicorn.conf.py").exists() else ""
RUSH_EVENT = "bench-rush"
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


def _arguments(argv=None):
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
    parser.add_argument("--rush-connections", type=int, default=2, help="wrk connections posting in the rush")
    parser.add_argument("--proxy-workers", type=int, default=1, help="nginx worker processes")
    parser.add_argument("--mailing", action="store_true", help="also measure a mailing (bench/mailing.py)")
    parser.add_argument("--mailing-only", action="store_true", help="measure only the mailing")
    parser.add_argument("--mailing-recipients", type=int, default=10_000)
    parser.add_argument("--mailing-workers", type=int, default=2, help="Celery workers on the mailings queue")
    parser.add_argument("--mailing-concurrency", type=int, default=2, help="processes per mailing worker")
    parser.add_argument(
        "--mailing-post-connections", type=int, default=2, help="wrk connections posting during the mailing"
    )
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--update-readme", action="store_true", help="rewrite README.md's benchmark table")
    return parser.parse_args(argv)


def wrk(url, endpoint, args, seconds, *, headers, script_args=(), connections=None):
    """Run wrk against `url` for `seconds` (on `connections`, default args.connections); return the
    figures bench/wrk/report.lua prints."""
    script = "register.lua" if endpoint.post else "report.lua"
    connections = connections or args.connections
    threads = min(args.threads, connections)
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s"]
    command += ["-s", script]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    command += [url + endpoint.path]
    if script_args:
        command += ["--", *script_args]
    output = subprocess.run(command, cwd=WRK_DIR, capture_output=True, text=True, check=True).stdout
    line = next(line for line in output.splitlines() if line.startswith("BENCH "))
    return json.loads(line.removeprefix("BENCH "))


def request_headers(server, endpoint):
    """What wrk sends: HTTPS claimed as a TLS-terminating proxy would, the endpoint's cookie and
    headers, and for a POST the Origin and Referer CSRF checks want."""
    parts = urllib.parse.urlsplit(server.url)
    headers = {"X-Forwarded-Proto": "https", **endpoint.headers}
    if endpoint.cookie:
        headers["Cookie"] = endpoint.cookie
    if endpoint.post:
        headers["Origin"] = f"https://{parts.netloc}"
        headers["Referer"] = f"https://{parts.netloc}{endpoint.path}"
    return headers


def measure(server, endpoint, args, *, post_form=(), tag="", connections=None):
    """Warm up, then measure `endpoint`; a POST endpoint's wrk script gets `post_form` and a run tag
    (`tag` makes its emails differ from other runs')."""
    headers = request_headers(server, endpoint)
    runs = []
    for phase, seconds in (("warmup", args.warmup), ("measured", args.seconds)):
        if not seconds:
            continue
        script_args = (*post_form, f"{tag}{phase}") if endpoint.post else ()
        runs.append(
            wrk(
                server.url,
                endpoint,
                args,
                seconds,
                headers=headers,
                script_args=script_args,
                connections=connections,
            )
        )
    return _measurement(endpoint, runs)


def _measurement(endpoint, runs):
    """The last run's figures; errors of the last, requests answered without error over all."""
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
            client.cookies.update(dict(part.split("=", 1) for part in endpoint.cookie.split("; ")))
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


def measure_proxy(server, args, data, folder):
    """The programme through nginx (deploy/nginx/ewevents.conf.template) in front of `server`:
    plain and gzipped; return (measurements, a note on what nginx's cache did)."""
    if proxy.find_nginx() is None:
        return [], "Through the proxy: not measured, nginx is not installed (apt-get install nginx-light)."
    front = proxy.start_proxy(
        server.url, static_root=folder / "static", media_root=folder / "media", workers=args.proxy_workers
    )
    try:
        path = data["conference"]
        endpoints = [
            Endpoint("programme through the proxy", path),
            Endpoint("programme through the proxy, gzip", path, headers={"Accept-Encoding": "gzip"}),
        ]
        check_pages(front, endpoints, data["restricted_title"])
        _, headers, _ = services.SiteClient(front.url).get(path)  # the second request may be a cache hit
        headers = {name.lower(): value for name, value in headers.items()}
        status, cache_control = headers.get("x-cache-status", "none"), headers.get("cache-control", "none")
        measurements = []
        for endpoint in endpoints:
            measurements.append(measure(front, endpoint, args))
            _print(measurements[-1])
    finally:
        front.stop()
    kept = "answered from its cache" if status == "HIT" else "not kept in its cache (only public answers are)"
    note = (
        f"Through the proxy: nginx ({args.proxy_workers} worker process) in front of the same gunicorn; "
        f"the programme's second request was {kept}: X-Cache-Status {status}, the application's "
        f"Cache-Control: {cache_control}."
    )
    return measurements, note


def measure_rush(server, env, args, quiet, form, path):
    """The programme and the ceiling read again while guests register at `path`; return (rows, ok, note)."""
    cookie, token, stamp = form
    post = Endpoint("rush POST", path, cookie=cookie, post=True)
    rows = []
    for number, (name, judged) in enumerate((("programme (anonymous)", True), ("ceiling", False))):
        print(f"  {name} during {args.rush_connections} connections of registration POSTs...", flush=True)
        read = functools.partial(measure, server, quiet[name].endpoint, args)
        posting = functools.partial(
            wrk,
            server.url,
            post,
            args,
            args.warmup + args.seconds + 1,  # past the reader's end, however its two runs line up
            headers=request_headers(server, post),
            script_args=(token, stamp, f"rush{number}"),
            connections=args.rush_connections,
        )
        page, figures = rush.during_posts(read, posting)
        errors = sum(figures[key] for key in ERROR_KEYS)
        rows.append(
            rush.RushRow(
                name=name,
                quiet=quiet[name],
                rush=page,
                post_rate=figures["requests"] / (figures["duration_us"] / 1e6),
                post_errors=errors,
                post_answered=figures["requests"] - errors,
                judged=judged,
            )
        )
        row = rows[-1]
        print(f"    {page.rps:.0f} req/s ({row.kept:.2f} of quiet), {row.post_rate:.0f} POST/s", flush=True)
    answered = sum(row.post_answered for row in rows)
    ok, text = overbooking_report(
        "Rush POSTs (both pages)", site.dataset(env, "counts", RUSH_EVENT), answered
    )
    return rows, ok, text


def post_measurer(server, args):
    """measure_posts(path, tag) for bench/mailing.py: guest POSTs at `path` on --mailing-post-connections,
    the form fetched once per path (and left to age past the minimum fill time)."""
    forms = {}

    def measure_posts(path, tag):
        if path not in forms:
            forms[path] = registration_form(server, path)
            time.sleep(FILL_SECONDS)
        cookie, token, stamp = forms[path]
        connections = args.mailing_post_connections
        endpoint = Endpoint(f"{connections} connections", path, cookie=cookie, post=True)
        return measure(server, endpoint, args, post_form=(token, stamp), tag=tag, connections=connections)

    return measure_posts


def _print(m):
    print(f"  {m.endpoint.name}: {m.rps:.0f} req/s, p99 {m.p99:.1f} ms, {m.errors} errors", flush=True)


def measure_site(server, env, data, folder, args):
    """The pages, the programme through the proxy, the POSTs, the rush and the burst; return
    (Markdown sections, whether places and emails added up)."""
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
    # Fetched now, so the form stamp is old enough by the time the rush posts it.
    rush_path = site.dataset(env, "event", RUSH_EVENT, args.post_capacity)["path"]
    rush_form = registration_form(server, rush_path)
    print(
        f"Serving with {args.workers} gunicorn workers; wrk {args.threads} threads, "
        f"{args.connections} connections, {args.warmup}s warm-up + {args.seconds}s per endpoint.",
        flush=True,
    )
    measurements = []
    for endpoint in pages:
        measurements.append(measure(server, endpoint, args))
        _print(measurements[-1])
    quiet = {m.endpoint.name: m for m in measurements}
    proxied, proxy_note = measure_proxy(server, args, data, folder)
    measurements += proxied

    register = f"/events/{data['post_event']}/register/"
    cookie, token, stamp = registration_form(server, register)
    time.sleep(FILL_SECONDS)  # the form stamp must be older than the minimum fill time
    post = Endpoint("registration POST (guest)", register, 0.05, cookie=cookie, post=True)
    measurements.append(measure(server, post, args, post_form=(token, stamp)))
    m = measurements[-1]
    _print(m)
    posts_ok, posts_text = overbooking_report(
        "Registration POSTs (warm-up included)",
        site.dataset(env, "counts", data["post_event"]),
        m.answered,
    )
    judge(measurements)
    if not posts_ok:
        m.verdict = "no: places or emails do not add up"

    print("The rush: pages read while guests register...", flush=True)
    rush_rows, rush_ok, rush_text = measure_rush(server, env, args, quiet, rush_form, rush_path)

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
    rush_intro = (
        f"The rush: each page measured again while {args.rush_connections} other connections post guest "
        f"registrations for an event of {args.post_capacity} places (bench/rush.py); its quiet figure is "
        "the table's above."
    )
    sections = [
        table(measurements),
        f"- {posts_text}\n- {burst_text}\n- {proxy_note}",
        rush_intro,
        rush.table(rush_rows),
        f"- {rush_text}",
    ]
    return sections, posts_ok and burst_ok and rush_ok


def main(argv=None):
    args = _arguments(argv)
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install wrk (make bench does it)")
    began = time.monotonic()
    sections, ok = [], True
    with site.prepared_site("bench", "load", args.post_capacity, args.burst_places) as prepared:
        env, data = prepared.env, prepared.data
        server = services.start_gunicorn(
            env, cwd=site.BASE_DIR, workers=args.workers, extra_args=tuple(shlex.split(args.gunicorn_args))
        )
        try:
            if not args.mailing_only:
                sections, ok = measure_site(server, env, data, prepared.folder, args)
            if args.mailing or args.mailing_only:
                result = mailing.run_mailing(env, server, args, measure_posts=post_measurer(server, args))
                sections.append(mailing.report(result))
                ok = ok and result.ok
        finally:
            server.stop()

    report = "\n\n".join(
        [
            f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} on "
            f"{machine(prepared.postgres.bin_dir)}.",
            f"gunicorn: {args.workers} sync workers{CONFIG_NOTE} {args.gunicorn_args}".rstrip()
            + ", production settings (DEBUG off, HTTPS via X-Forwarded-Proto, Redis cache, "
            "CONN_MAX_AGE=60, manifest static files). "
            f"wrk: {args.threads} threads, {args.connections} connections, {args.warmup}s warm-up, "
            f"{args.seconds}s measured per endpoint. The registration rate limit is off (every POST "
            "comes from 127.0.0.1); no Celery worker runs for the pages, so their emails stay in the outbox.",
            *sections,
        ]
    )
    print("\n" + report)
    write_results(args, report, update_readme=args.update_readme)
    print(f"\nWritten to {args.output}" + (" and README.md" if args.update_readme else ""))
    print(f"Whole run: {time.monotonic() - began:.0f}s")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
