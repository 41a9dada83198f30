"""Operations: the periodic jobs' heartbeats, and what reads them.

Each job of settings.CELERY_BEAT_SCHEDULE has a `Heartbeat` row: when it last started and
finished, and how. Runs are recorded whoever runs the job: a Celery worker fed by beat
(`celery_signals`), or `manage.py run_periodic`, the scheduler of the embedded default
(`runner`). `health` says which jobs are late (not run for twice their period): /healthz/,
the beat container's health check, the staff home and the "check-heartbeats" job, which
emails the site's ADMINS once per lateness.

It imports neither `events` nor `registrations`: it runs their tasks by name
(ewevents.celery.app.tasks), as beat does.
"""
