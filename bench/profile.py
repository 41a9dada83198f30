"""`python -m bench.profile`: where a request's time goes, under the benchmark's settings and data.

Starts a private PostgreSQL and Redis and loads the same data set as `bench.run` does (both
through bench/site.py's prepared_site), then in a child process with production settings drives
the site in-process (Django's test client, no network, no gunicorn) under cProfile: the
affiliate's programme, a personal feed's 304 and guest registration POSTs.
Prints each one's time per request and the top of its profile, by cumulative time.

    python -m bench.profile [--requests 500] [--top 25]
"""

import argparse
import cProfile
import io
import json
import os
import pstats
import re
import subprocess
import sys
import time

from bench import site

# Frames every request passes through; hidden so that the top shows what differs.
_PLUMBING = re.compile(r"django/test/|django/core/handlers/|deprecation\.py|contextlib\.py|functional\.py")


def _arguments(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=500, help="requests profiled per endpoint")
    parser.add_argument("--top", type=int, default=25, help="lines of each profile")
    parser.add_argument("--inside", help=argparse.SUPPRESS)  # the child's JSON: the data set's paths
    return parser.parse_args(argv)


def _top(profile, top):
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out).sort_stats("cumulative")
    stats.print_stats(top * 3)
    lines = out.getvalue().splitlines()
    start = next(i for i, line in enumerate(lines) if line.lstrip().startswith("ncalls"))
    kept = [line for line in lines[start + 1 :] if line.strip() and not _PLUMBING.search(line)]
    return "\n".join([lines[start], *(line.replace(str(site.BASE_DIR) + "/", "") for line in kept[:top])])


def _profiled(name, call, requests, top):
    call(0)  # warm: the process's first request builds what later ones reuse
    profile = cProfile.Profile()
    began = time.perf_counter()
    profile.enable()
    for number in range(1, requests + 1):
        call(number)
    profile.disable()
    each = (time.perf_counter() - began) / requests * 1000
    print(f"\n## {name}: {each:.2f} ms per request under cProfile ({requests} requests)\n")
    print(_top(profile, top))


def _expect(response, status):
    if response.status_code != status:
        raise SystemExit(f"{response.request['PATH_INFO']} answered {response.status_code}, not {status}")


def _inside(args):
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ewevents.settings")
    django.setup()
    from django.test import Client

    data = json.loads(args.inside)
    https = {"secure": True, "HTTP_HOST": "127.0.0.1"}

    affiliate = Client()
    for cookie in data["affiliate_cookie"].split("; "):
        name, value = cookie.split("=", 1)
        affiliate.cookies[name] = value

    def programme(_number):
        _expect(affiliate.get(data["conference"], **https), 200)

    register_path = f"/events/{data['post_event']}/register/"
    guest = Client()
    page = guest.get(register_path, **https).content.decode()
    form = {
        name: re.search(rf'name="{name}" value="([^"]+)"', page).group(1)
        for name in ("csrfmiddlewaretoken", "form_stamp")
    }
    time.sleep(4)  # the form stamp's minimum fill time

    def register(number):
        fields = {**form, "name": "Profiled Guest", "email": f"profiled-{number}@bench.example.org"}
        fields.update(time_zone="Europe/Brussels", language="en", privacy_consent="on")
        _expect(guest.post(register_path, fields, **https), 302)

    calendar = Client()
    etag = calendar.get(data["personal_feed"], **https)["ETag"]

    def feed_unchanged(_number):
        _expect(calendar.get(data["personal_feed"], HTTP_IF_NONE_MATCH=etag, **https), 304)

    _profiled("programme (affiliate)", programme, args.requests, args.top)
    _profiled("personal feed, unchanged (304)", feed_unchanged, args.requests, args.top)
    _profiled("registration POST (guest)", register, args.requests, args.top)


def main(argv=None):
    args = _arguments(argv)
    if args.inside:
        return _inside(args)
    with site.prepared_site("bench-profile", "load", 100_000, 150) as prepared:
        child = [sys.executable, "-m", "bench.profile", "--requests", str(args.requests)]
        child += ["--top", str(args.top), "--inside", json.dumps(prepared.data)]
        subprocess.run(child, cwd=site.BASE_DIR, env={**os.environ, **prepared.env}, check=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
