import datetime as dt

import pytest
from django.utils import timezone

from operations.heartbeats import track_scheduled_jobs
from operations.models import Heartbeat


@pytest.fixture
def heartbeats():
    """Set the jobs' heartbeats: `heartbeats(name=minutes_ago, ...)` (None: never run), every job tracked
    since a day ago unless named; returns the rows by name."""

    def set_beats(default=0, **minutes_ago):
        now = timezone.now()
        track_scheduled_jobs()
        Heartbeat.objects.update(tracked_since=now - dt.timedelta(days=1))
        for row in Heartbeat.objects.all():
            ago = minutes_ago.get(row.name.replace("-", "_"), default)
            when = None if ago is None else now - dt.timedelta(minutes=ago)
            row.last_started = row.last_finished = when
            row.last_outcome = Heartbeat.Outcome.NEVER if when is None else Heartbeat.Outcome.OK
            row.late_alert_sent_at = None
            row.save()
        return Heartbeat.objects.in_bulk(field_name="name")

    return set_beats
