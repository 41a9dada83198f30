"""Run the periodic jobs (settings.CELERY_BEAT_SCHEDULE) without Celery beat: `make run` starts it."""

import logging
import signal
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from operations import runner
from operations.heartbeats import scheduled_jobs

logger = logging.getLogger(__name__)


def _stop(signum, frame):
    raise SystemExit(0)  # unwinds the running job, which lets go of its claim


class Command(BaseCommand):
    help = (
        "Run the periodic jobs of CELERY_BEAT_SCHEDULE when they are due, in a loop, for a site "
        "without Celery beat (the embedded default). --once JOB runs one job now and stops."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--once",
            metavar="JOB",
            help="Run the job named JOB now (whether due or not), unless another runner holds it.",
        )
        parser.add_argument("--list", action="store_true", help="List the jobs and their periods.")

    def handle(self, *args, once=None, list=False, **options):
        if list:
            for job in scheduled_jobs():
                self.stdout.write(f"{job.name}  every {job.period}  ({job.task})")
            return
        if once is not None:
            self._run_once(once)
            return
        signal.signal(signal.SIGTERM, _stop)
        self.stdout.write("Running the periodic jobs; stop with Ctrl-C.")
        while True:
            try:
                runner.run_due_jobs()  # each run is logged
                pause = runner.seconds_until_next()
            except DatabaseError:  # SQLite busy, PostgreSQL restarting: try again, never stop the loop
                logger.exception("Periodic jobs: the database did not answer; trying again shortly.")
                pause = runner.LONGEST_SLEEP
            time.sleep(pause)

    def _run_once(self, name):
        job = runner.job_named(name)
        if job is None:
            names = ", ".join(job.name for job in scheduled_jobs())
            raise CommandError(f"No periodic job is called {name!r}. The jobs: {names}.")
        outcome = runner.run_job(job, force=True)
        if outcome is None:
            raise CommandError(f"{name} is running in another runner; try again when it has finished.")
        if not outcome:
            raise CommandError(f"{name} failed; the log says why.")
        self.stdout.write(f"{name}: ok")
