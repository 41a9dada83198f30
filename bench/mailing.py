"""Mailings measured: a staff mailing to 10,000 registrants, sent as production sends it.

    python -m bench.run --mailing-only [options]      # this part alone
    python -m bench.run --mailing                     # after the pages, the rush and the burst

The data set gains an event with 10,000 confirmed guests (a quarter reading Spanish) and
staff's practical-information mailing to them (bench/dataset.py). Two Celery workers
consume the "mailings" queue, as docker-compose.yml's worker-mailings scaled to two,
and deliver to an SMTP server on loopback (aiosmtpd, in this process, counting what it
accepts). The mailing is started through the real service
(registrations.mailings.services.start_mailing); a worker writes the outbox rows and
queues their delivery in batches (one task per batch of up to 100 rows, each batch over
one SMTP connection); both workers send them. Measured:

- how long the rows take to write: from the mailing's sending_started_at to its last
  row's created time (target < 5 s);
- how fast they are delivered: messages accepted by the SMTP server per second, from
  the first to the last (target >= 200/s);
- guest registration POSTs' p95 while the mailing drains, over their p95 with the
  workers idle just before (target <= 1.2).

MAILING_RATE_PER_MINUTE, production's throttle for the mail provider's sake, is 0 here
("as fast as they go"): the bench measures what the workers can do.
"""

import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from bench import site
from tests import services

MAILING_EVENT = "bench-mailing"
POST_EVENT = "bench-mailing-posts"
QUEUE = "mailings"
MAX_ROWS_SECONDS = 5.0
MIN_DELIVERY_RATE = 200.0
MAX_P95_RATIO = 1.2
# No message for this long while some are missing: the delivery stalled.
STALL_SECONDS = 60.0


class CountingHandler:
    """An aiosmtpd handler that accepts every message and keeps only when each arrived."""

    def __init__(self):
        self.arrivals = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self._lock:
            self.arrivals.append(time.monotonic())
        return "250 Message accepted for delivery"

    @property
    def count(self):
        return len(self.arrivals)


def start_smtp():
    """The loopback SMTP server the workers deliver to; return (controller, handler)."""
    from aiosmtpd.controller import Controller

    handler = CountingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=services.free_port())
    controller.start()
    return controller, handler


def start_worker(env, *, concurrency, number):
    """One `celery worker` on the mailings queue (prefork with `concurrency` processes); wait until ready."""
    folder = Path(tempfile.mkdtemp(prefix="bench-celery-"))
    log_file = folder / "worker.log"
    command = [sys.executable, "-m", "celery", "-A", "ewevents", "worker", "-Q", QUEUE]
    command += ["--pool", "prefork", "--concurrency", str(concurrency), "--loglevel", "INFO"]
    command += ["-n", f"bench-mailings-{number}-{uuid.uuid4().hex[:6]}@%h"]
    command += ["--without-heartbeat", "--without-mingle", "--without-gossip"]
    with log_file.open("wb") as log:
        process = subprocess.Popen(
            command, cwd=site.BASE_DIR, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT
        )
    worker = services.CeleryWorker(folder, process)
    deadline = time.monotonic() + 60
    while " ready." not in worker.log():
        if process.poll() is not None or time.monotonic() > deadline:
            log = worker.log()[-3000:]
            worker.stop()
            raise SystemExit(f"The Celery worker did not start:\n{log}")
        time.sleep(0.2)
    return worker


def _database_figures(database_url, mailing_id):
    """The mailing's status and its recipient rows (count, by status, seconds from start to the last row)."""
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as connection:
        status, started = connection.execute(
            "SELECT status, sending_started_at FROM registrations_mailing WHERE id = %s", [mailing_id]
        ).fetchone()
        rows = connection.execute(
            "SELECT status, count(*), max(created) FROM registrations_outboxemail "
            "WHERE mailing_id = %s AND dedupe_key IS NOT NULL GROUP BY status",
            [mailing_id],
        ).fetchall()
    by_status = {row_status: n for row_status, n, _ in rows}
    last_row = max((last for _, _, last in rows), default=None)
    return {
        "status": status,
        "rows": sum(by_status.values()),
        "by_status": by_status,
        "rows_seconds": (last_row - started).total_seconds() if last_row and started else None,
    }


@dataclass
class MailingResult:
    recipients: int
    workers: int
    concurrency: int
    rows_seconds: float | None = None
    queued_seconds: float | None = None  # until the mailing was marked sent: every delivery task queued
    delivered: int = 0
    delivery_rate: float = 0.0  # messages/s, first to last message
    whole_rate: float = 0.0  # messages/s, from the start to the last message
    by_status: dict = field(default_factory=dict)
    quiet: object = None  # bench.run.Measurement of the POSTs with idle workers
    draining: object = None  # ... while the mailing drains
    drained_during_measurement: bool = False  # the last message came before the POSTs' measurement ended

    @property
    def p95_ratio(self):
        return self.draining.p95 / self.quiet.p95 if self.quiet and self.quiet.p95 else 0.0

    def checks(self):
        """(what, figure, target, met) for each target."""
        every_once = self.delivered == self.recipients and self.by_status == {"sent": self.recipients}
        rows_written = f"{self.rows_seconds:.2f} s" if self.rows_seconds is not None else "not written"
        p95 = "—"
        if self.draining is not None:
            p95 = f"{self.draining.p95:.1f} / {self.quiet.p95:.1f} ms = {self.p95_ratio:.2f}×"
        return [
            (
                "outbox rows written",
                rows_written,
                f"< {MAX_ROWS_SECONDS:g} s",
                (self.rows_seconds or 1e9) < MAX_ROWS_SECONDS,
            ),
            (
                "delivery",
                f"{self.delivery_rate:.0f} messages/s",
                f"≥ {MIN_DELIVERY_RATE:g} messages/s",
                self.delivery_rate >= MIN_DELIVERY_RATE,
            ),
            (
                "registration POST p95, draining / quiet",
                p95,
                f"≤ {MAX_P95_RATIO:g}×",
                0 < self.p95_ratio <= MAX_P95_RATIO,
            ),
            (
                "each recipient's message",
                f"{self.delivered:,} accepted by SMTP; rows {self.by_status}",
                "exactly once",
                every_once,
            ),
        ]

    @property
    def ok(self):
        """Whether nothing was lost or sent twice (the timing targets are reported, not enforced)."""
        return self.checks()[-1][-1]


def run_mailing(env, server, args, *, measure_posts):
    """Measure a mailing to `args.mailing_recipients` registrants through `args.mailing_workers` workers.

    `measure_posts(path, tag)` measures guest registration POSTs at `path` (bench.run's
    measure, with the form already fetched), returning a Measurement.
    """
    result = MailingResult(args.mailing_recipients, args.mailing_workers, args.mailing_concurrency)
    print(f"Mailing: loading {args.mailing_recipients} registrants...", flush=True)
    mailing_id = site.dataset(env, "mailing", MAILING_EVENT, args.mailing_recipients)["mailing_id"]
    posts_path = site.dataset(env, "event", POST_EVENT, 1_000_000)["path"]
    controller, handler = start_smtp()
    worker_env = {
        **env,
        "EMAIL_URL": f"smtp://{controller.hostname}:{controller.port}",
        "MAILING_RATE_PER_MINUTE": "0",
    }
    workers = []
    try:
        workers = [
            start_worker(worker_env, concurrency=args.mailing_concurrency, number=n + 1)
            for n in range(args.mailing_workers)
        ]
        print("  registration POSTs, workers idle...", flush=True)
        result.quiet = measure_posts(posts_path, "quiet")
        site.dataset(env, "start-mailing", mailing_id)
        started = time.monotonic()
        measuring = {}
        measuring_thread = threading.Thread(
            target=lambda: measuring.update(m=measure_posts(posts_path, "draining"), ended=time.monotonic())
        )
        measuring_thread.start()
        print("  registration POSTs while the mailing drains...", flush=True)
        _wait_for_delivery(env, mailing_id, handler, result, started)
        measuring_thread.join()
        result.draining = measuring["m"]
        last = handler.arrivals[-1] if handler.arrivals else started
        result.drained_during_measurement = last < measuring["ended"]
        result.delivered = handler.count
        if handler.count > 1:
            result.delivery_rate = (handler.count - 1) / (last - handler.arrivals[0])
            result.whole_rate = handler.count / (last - started)
        figures = _database_figures(env["DATABASE_URL"], mailing_id)
        result.rows_seconds = figures["rows_seconds"]
        result.by_status = figures["by_status"]
    finally:
        for worker in workers:
            worker.stop()
        controller.stop()
    return result


def _wait_for_delivery(env, mailing_id, handler, result, started):
    """Poll until every recipient's message arrived (or arrivals stall); note when all were queued."""
    last_count, last_change = -1, time.monotonic()
    while handler.count < result.recipients and time.monotonic() - last_change < STALL_SECONDS:
        time.sleep(0.25)
        if result.queued_seconds is None:
            figures = _database_figures(env["DATABASE_URL"], mailing_id)
            if figures["status"] == "sent":
                result.queued_seconds = time.monotonic() - started
        if handler.count != last_count:
            last_count, last_change = handler.count, time.monotonic()
    time.sleep(1.0)  # a message counted twice would arrive late: give it a moment


def report(result):
    """The mailing's figures as Markdown: a line of set-up, a table of targets, notes."""
    m = result
    rows = [
        f"| mailing to {m.recipients:,} registrants | figure | target | met? |",
        "| --- | ---: | --- | --- |",
    ]
    for what, figure, target, met in m.checks():
        rows.append(f"| {what} | {figure} | {target} | {'yes' if met else 'no'} |")
    notes = [
        f"- Mailing: {m.workers} Celery workers on the mailings queue (prefork, {m.concurrency} "
        "processes each), delivering to an aiosmtpd server on loopback; MAILING_RATE_PER_MINUTE=0 "
        "(no throttle). "
        + (
            f"All delivery tasks queued {m.queued_seconds:.1f} s after the start; "
            if m.queued_seconds is not None
            else ""
        )
        + f"{m.whole_rate:.0f} messages/s from the start to the last message.",
        f"- Registration POSTs (guest, {m.quiet.endpoint.name}): quiet {m.quiet.rps:.0f} req/s, "
        f"p95 {m.quiet.p95:.1f} ms; while draining {m.draining.rps:.0f} req/s, p95 {m.draining.p95:.1f} ms, "
        f"{m.quiet.errors + m.draining.errors} errors."
        + (
            " The mailing drained before the POSTs' measurement ended: part of it was quiet."
            if m.drained_during_measurement
            else ""
        ),
    ]
    return "\n".join(rows) + "\n\n" + "\n".join(notes)
