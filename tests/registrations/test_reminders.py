"""Reminders before an event: each offset once per registrant, however the beat runs."""

import datetime as dt
import threading

import pytest
from django.conf import settings
from django.db import connection

from events.models import Event
from ewevents import celery_app
from registrations.mailings.reminders import queue_due_reminders
from registrations.mailings.tasks import task_queue_due_reminders
from registrations.models import OutboxEmail, Registration
from tests import factories

pytestmark = pytest.mark.django_db

START = dt.datetime(2030, 6, 17, 9, 0, tzinfo=dt.UTC)  # WebinarFactory: 10:00 London
JOIN_URL = "https://meet.example.com/j/REMINDER-5d2a"


def before(minutes, start=START):
    return start - dt.timedelta(minutes=minutes)


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = "http://testserver.example"


@pytest.fixture
def webinar():
    return factories.WebinarFactory(join_url=JOIN_URL)  # offsets: 24 h and 1 h


def reminders():
    """(registration pk, offset) of every reminder row, in order of writing."""
    rows = OutboxEmail.objects.filter(kind=OutboxEmail.Kind.REMINDER).order_by("pk")
    return [(row.registration_id, int(row.dedupe_key.split(":")[2])) for row in rows]


def test_each_reminder_is_queued_once_per_registrant_across_runs_and_restarts(webinar):
    ana, ben = factories.RegistrationFactory.create_batch(2, event=webinar)

    runs = [
        before(24 * 60 + 5),  # too early
        before(24 * 60),
        before(24 * 60 - 5),  # the beat again
        before(24 * 60 - 5),  # twice at once
        before(12 * 60),  # after a restart, half a day later
        before(60),
        before(55),
        before(1),
    ]
    counts = [queue_due_reminders(now=now) for now in runs]

    assert counts == [0, 2, 0, 0, 0, 2, 0, 0]
    assert reminders() == [(ana.pk, 1440), (ben.pk, 1440), (ana.pk, 60), (ben.pk, 60)]
    row = OutboxEmail.objects.filter(registration=ana).order_by("pk").first()
    assert row.dedupe_key == f"reminder:{ana.pk}:1440:2030-06-17T09:00:00+00:00"
    assert (row.to_email, row.status) == (ana.email, OutboxEmail.Status.PENDING)


def test_a_late_run_sends_only_the_nearest_reminder_and_never_the_earlier_one(webinar):
    registration = factories.RegistrationFactory(event=webinar)

    counts = [queue_due_reminders(now=now) for now in (before(30), before(20), before(5))]

    assert counts == [1, 0, 0]
    assert reminders() == [(registration.pk, 60)]


def test_no_reminder_once_the_event_has_started_or_ended(webinar):
    factories.RegistrationFactory(event=webinar)

    counts = [queue_due_reminders(now=now) for now in (START, START + dt.timedelta(minutes=30), webinar.end)]

    assert counts == [0, 0, 0]
    assert reminders() == []


def test_past_event_gets_no_reminder():
    past = factories.WebinarFactory(
        start=dt.datetime(2020, 6, 17, 9, 0, tzinfo=dt.UTC),
        end=dt.datetime(2020, 6, 17, 10, 0, tzinfo=dt.UTC),
    )
    factories.RegistrationFactory(event=past)
    upcoming = factories.RegistrationFactory(event=factories.WebinarFactory())

    assert queue_due_reminders(now=before(30)) == 1
    assert reminders() == [(upcoming.pk, 60)]


def test_draft_event_gets_no_reminder():
    draft = factories.WebinarFactory(status=Event.Status.DRAFT)
    factories.RegistrationFactory(event=draft)

    assert queue_due_reminders(now=before(30)) == 0
    assert reminders() == []


@pytest.mark.parametrize(
    "status",
    [
        Registration.Status.CANCELLED,
        Registration.Status.WAITLISTED,
        Registration.Status.PENDING,
        Registration.Status.REJECTED,
    ],
)
def test_only_confirmed_registrants_are_reminded(webinar, status):
    confirmed = factories.RegistrationFactory(event=webinar)
    factories.RegistrationFactory(event=webinar, status=status)

    for now in (before(24 * 60), before(60)):
        queue_due_reminders(now=now)

    assert reminders() == [(confirmed.pk, 1440), (confirmed.pk, 60)]


def test_a_registrant_who_cancels_gets_no_further_reminder(webinar):
    from registrations.signup import services

    registration = services.register(event=webinar, data={"name": "Ana", "email": "ana@example.com"})
    queue_due_reminders(now=before(24 * 60))

    services.cancel_registration(registration=registration)
    queue_due_reminders(now=before(60))

    assert reminders() == [(registration.pk, 1440)]


def test_a_reminder_queued_before_a_cancellation_is_withdrawn_not_sent(webinar, mailoutbox):
    from registrations.outbox import delivery
    from registrations.signup import services

    registration = services.register(event=webinar, data={"name": "Ana", "email": "ana@example.com"})
    queue_due_reminders(now=before(60))
    [row] = OutboxEmail.objects.filter(kind=OutboxEmail.Kind.REMINDER)
    services.cancel_registration(registration=registration)
    mailoutbox.clear()

    delivery.send_outbox_email(outbox_id=row.pk)

    row.refresh_from_db()
    assert row.status == OutboxEmail.Status.WITHDRAWN
    assert mailoutbox == []


def test_staff_offsets_per_event_are_respected():
    three_steps = factories.WebinarFactory(reminder_offsets=[7 * 24 * 60, 120, 15])
    none = factories.WebinarFactory(reminder_offsets=[])
    registration = factories.RegistrationFactory(event=three_steps)
    factories.RegistrationFactory(event=none)

    for minutes in (7 * 24 * 60 + 1, 7 * 24 * 60, 24 * 60, 120, 60, 15, 1):
        queue_due_reminders(now=before(minutes))

    assert reminders() == [(registration.pk, 7 * 24 * 60), (registration.pk, 120), (registration.pk, 15)]


def test_an_event_moved_later_reminds_everyone_again(webinar):
    registration = factories.RegistrationFactory(event=webinar)
    for now in (before(24 * 60), before(60)):
        queue_due_reminders(now=now)

    new_start = START + dt.timedelta(days=1)
    Event.objects.filter(pk=webinar.pk).update(start=new_start, end=new_start + dt.timedelta(hours=1))
    for now in (
        before(30),
        before(24 * 60, new_start),
        before(24 * 60 - 5, new_start),
        before(60, new_start),
    ):
        queue_due_reminders(now=now)

    assert reminders() == [(registration.pk, 1440), (registration.pk, 60)] * 2
    assert OutboxEmail.objects.filter(dedupe_key__endswith="2030-06-18T09:00:00+00:00").count() == 2


def test_someone_registering_after_a_reminders_moment_gets_only_the_next_one(webinar):
    early = factories.RegistrationFactory(event=webinar)
    late = factories.RegistrationFactory(event=webinar)
    Registration.objects.filter(pk=early.pk).update(created=before(3 * 24 * 60))
    Registration.objects.filter(pk=late.pk).update(created=before(6 * 60))

    for now in (before(24 * 60), before(6 * 60 - 1), before(60)):
        queue_due_reminders(now=now)

    assert reminders() == [(early.pk, 1440), (early.pk, 60), (late.pk, 60)]


def test_reminder_states_the_time_in_both_zones_how_long_until_it_starts_and_the_join_link(webinar):
    registration = factories.RegistrationFactory(event=webinar, time_zone="America/Mexico_City")

    queue_due_reminders(now=before(60))

    row = OutboxEmail.objects.get(kind=OutboxEmail.Kind.REMINDER)
    assert row.subject == f"Reminder: {webinar.title}"
    assert f"A reminder: {webinar.title} starts in 1\xa0hour." in row.body_text
    assert "Monday 17 June 2030, 10:00–11:00 London time (BST)" in row.body_text
    assert "Monday 17 June 2030, 3:00–4:00 Mexico City time (CST)" in row.body_text
    assert "3:00–4:00 Mexico City time (CST)" in row.body_html
    assert JOIN_URL in row.body_text
    assert f'href="{JOIN_URL}"' in row.body_html
    assert row.ics == ""
    assert registration.manage_token in row.body_text


def test_queries_per_run_do_not_grow_with_registrants(django_assert_num_queries):
    webinars = [factories.WebinarFactory() for _ in range(2)]
    for webinar in webinars:
        factories.RegistrationFactory.create_batch(3, event=webinar)
    queue_due_reminders(now=before(60))
    for webinar in webinars:
        factories.RegistrationFactory.create_batch(5, event=webinar)
    Registration.objects.update(created=before(3 * 24 * 60))
    queue_due_reminders(now=before(59))  # the newcomers' rows are written now

    # Nothing new due: events, registrations, written keys; whatever the numbers.
    with django_assert_num_queries(3):
        assert queue_due_reminders(now=before(58)) == 0


def test_running_the_real_task_twice_queues_and_sends_one_email_per_registrant(
    mailoutbox, django_capture_on_commit_callbacks
):
    saved = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    try:
        start = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(minutes=30)
        webinar = factories.WebinarFactory(start=start, end=start + dt.timedelta(hours=1), join_url=JOIN_URL)
        ana, ben = factories.RegistrationFactory.create_batch(2, event=webinar)
        Registration.objects.update(created=start - dt.timedelta(days=3))

        with django_capture_on_commit_callbacks(execute=True):
            first = task_queue_due_reminders.apply().get()
            second = task_queue_due_reminders.apply().get()
    finally:
        celery_app.conf.task_always_eager = saved

    assert (first, second) == (2, 0)
    assert sorted(reminders()) == sorted([(ana.pk, 60), (ben.pk, 60)])
    assert OutboxEmail.objects.filter(status=OutboxEmail.Status.SENT).count() == 2
    assert sorted(message.to[0] for message in mailoutbox) == sorted([ana.email, ben.email])
    assert all(JOIN_URL in message.body for message in mailoutbox)


@pytest.mark.django_db(transaction=True)
def test_concurrent_runs_write_each_reminder_once():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite cannot take concurrent writers")
    webinar = factories.WebinarFactory()
    registrations = factories.RegistrationFactory.create_batch(5, event=webinar)
    runs = 4
    barrier = threading.Barrier(runs)
    errors = []

    def beat():
        try:
            barrier.wait(timeout=30)
            queue_due_reminders(now=before(60))
        except Exception as error:  # any failure is reported by the test
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=beat) for _ in range(runs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    assert sorted(reminders()) == sorted((registration.pk, 60) for registration in registrations)


def test_the_beat_runs_the_reminders_every_five_minutes():
    entry = next(
        entry
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
        if entry["task"] == "registrations.queue_due_reminders"
    )

    assert entry["schedule"] == 300.0
    assert task_queue_due_reminders.name == "registrations.queue_due_reminders"
