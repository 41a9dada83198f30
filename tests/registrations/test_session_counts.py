"""SessionPlaces.confirmed_count: kept by signup.capacity, read instead of counting registrations."""

import datetime as dt
import random

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Count, Q
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from events.models import Session
from registrations.models import Registration, RegistrationSettings, SessionChoice, SessionPlaces
from registrations.privacy import retention
from registrations.signup import selectors, staff_places
from registrations.signup.services import (
    approve_registration,
    cancel_registration,
    change_registration,
    register,
    reject_registration,
)
from tests import factories

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2030, 1, 15, 12, 0, tzinfo=dt.UTC)
# Weighted so that the events fill up, empty and fill again.
OPERATIONS = ["register"] * 4 + ["cancel", "reject", "change", "change", "approve", "delete"]


def at(minutes):
    return NOW + dt.timedelta(minutes=minutes)


def data(email, *sessions):
    return {"name": email.split("@")[0].title(), "email": email, "sessions": list(sessions)}


def counts(*sessions):
    kept = dict(SessionPlaces.objects.values_list("session_id", "confirmed_count"))
    return [kept.get(session.pk, 0) for session in sessions]


def fresh_counts(event):
    """{session pk: places held}, counted over the session choices as the code no longer does."""
    holds = Q(choices__status=SessionChoice.Status.CONFIRMED) & Q(
        choices__registration__status=Registration.Status.CONFIRMED
    )
    return dict(
        Session.objects.filter(event=event).annotate(n=Count("choices", filter=holds)).values_list("pk", "n")
    )


def waits_for(registration, session):
    return SessionChoice.objects.get(registration=registration, session=session).status == "waiting"


def kept_counts(event):
    kept = dict(
        SessionPlaces.objects.filter(session__event=event).values_list("session_id", "confirmed_count")
    )
    return {pk: kept.get(pk, 0) for pk in Session.objects.filter(event=event).values_list("pk", flat=True)}


def event_with(**settings):
    event = factories.EventFactory()
    factories.RegistrationSettingsFactory(event=event, **settings)
    return event


@pytest.fixture
def event():
    return factories.EventFactory()


def test_a_confirmed_registration_counts_in_every_chosen_session(event):
    limited = factories.SessionFactory(event=event, capacity=5)
    open_ended = factories.SessionFactory(event=event)
    other = factories.SessionFactory(event=event)

    register(event=event, data=data("a@example.com", limited, open_ended), now=NOW)

    assert counts(limited, open_ended, other) == [1, 1, 0]


def test_waitlisted_and_pending_registrations_count_nowhere():
    full_event = event_with(capacity=0)
    approval = event_with(mode=RegistrationSettings.Mode.APPROVAL)
    waiting_for = factories.SessionFactory(event=full_event)
    pending_for = factories.SessionFactory(event=approval)

    waitlisted = register(event=full_event, data=data("a@example.com", waiting_for), now=NOW)
    pending = register(event=approval, data=data("b@example.com", pending_for), now=NOW)

    assert (waitlisted.status, pending.status) == ("waitlisted", "pending")
    assert counts(waiting_for, pending_for) == [0, 0]


def test_cancelling_frees_the_places_in_the_sessions_once(event):
    session = factories.SessionFactory(event=event, capacity=2)
    registration = register(event=event, data=data("a@example.com", session), now=NOW)

    cancel_registration(registration=registration, now=at(1))
    cancel_registration(registration=registration, now=at(2))

    assert counts(session) == [0]


def test_cancelling_a_waitlisted_registration_changes_no_count(event):
    session = factories.SessionFactory(event=event, capacity=1)
    register(event=event, data=data("a@example.com", session), now=NOW)
    waiting = register(event=event, data=data("b@example.com", session), now=at(1))

    cancel_registration(registration=waiting, now=at(2))

    assert counts(session) == [1]


def test_approving_counts_the_sessions_and_approving_into_a_full_session_waits_for_it_alone():
    event = event_with(mode=RegistrationSettings.Mode.APPROVAL)
    session = factories.SessionFactory(event=event, capacity=1)
    open_ended = factories.SessionFactory(event=event)
    first = register(event=event, data=data("a@example.com", session, open_ended), now=NOW)
    second = register(event=event, data=data("b@example.com", session, open_ended), now=at(1))

    approve_registration(registration=first, now=at(2))
    approved = approve_registration(registration=second, now=at(3))

    # Issue 15: one full session no longer waitlists the whole registration.
    assert approved.status == Registration.Status.CONFIRMED
    assert waits_for(approved, session)
    assert counts(session, open_ended) == [1, 2]


def test_rejecting_a_confirmed_registration_frees_its_sessions_and_promotes_into_them(event):
    session = factories.SessionFactory(event=event, capacity=1)
    open_ended = factories.SessionFactory(event=event)
    holder = register(event=event, data=data("a@example.com", session, open_ended), now=NOW)
    waiting = register(event=event, data=data("b@example.com", session), now=at(1))

    reject_registration(registration=holder)

    assert Registration.objects.get(pk=waiting.pk).status == Registration.Status.CONFIRMED
    assert counts(session, open_ended) == [1, 0]


def test_rejecting_a_pending_registration_changes_no_count():
    event = event_with(mode=RegistrationSettings.Mode.APPROVAL)
    session = factories.SessionFactory(event=event)
    pending = register(event=event, data=data("a@example.com", session), now=NOW)

    reject_registration(registration=pending)

    assert counts(session) == [0]


def test_promotion_counts_the_promoted_registrations_sessions():
    event = event_with(capacity=1)
    session = factories.SessionFactory(event=event, capacity=3)
    other = factories.SessionFactory(event=event)
    holder = register(event=event, data=data("a@example.com", other), now=NOW)
    waiting = register(event=event, data=data("b@example.com", session), now=at(1))

    promoted = staff_places.set_event_capacity(event=event, capacity_value=2)

    assert promoted == [waiting]
    assert counts(session, other) == [1, 1]
    assert Registration.objects.get(pk=holder.pk).status == Registration.Status.CONFIRMED


def test_changing_a_confirmed_registrations_sessions_moves_its_places(event):
    kept, dropped, added = factories.SessionFactory.create_batch(3, event=event, capacity=5)
    registration = register(event=event, data=data("a@example.com", kept, dropped), now=NOW)

    change_registration(registration=registration, data={"sessions": [kept, added]})

    assert counts(kept, dropped, added) == [1, 0, 1]


def test_changing_answers_only_leaves_the_counts_alone(event):
    session = factories.SessionFactory(event=event, capacity=5)
    registration = register(event=event, data=data("a@example.com", session), now=NOW)

    change_registration(registration=registration, data={"name": "Ana Renamed"})

    assert counts(session) == [1]


def test_a_change_to_a_full_session_waits_for_it_and_takes_no_place(event):
    full = factories.SessionFactory(event=event, capacity=1)
    held = factories.SessionFactory(event=event)
    register(event=event, data=data("a@example.com", full), now=NOW)
    registration = register(event=event, data=data("b@example.com", held), now=at(1))

    # Issue 15: adding a full session joins its waiting list instead of refusing the change.
    change_registration(registration=registration, data={"sessions": [full]})

    assert waits_for(registration, full)
    assert counts(full, held) == [1, 0]


def test_changing_a_waitlisted_registrations_sessions_changes_no_count():
    event = event_with(capacity=1)
    first, second = factories.SessionFactory.create_batch(2, event=event)
    register(event=event, data=data("a@example.com"), now=NOW)
    waiting = register(event=event, data=data("b@example.com", first), now=at(1))

    change_registration(registration=waiting, data={"sessions": [second]})

    assert counts(first, second) == [0, 0]


def test_deleting_my_data_frees_the_places_in_the_sessions(event):
    session = factories.SessionFactory(event=event, capacity=2)
    open_ended = factories.SessionFactory(event=event)
    registration = register(event=event, data=data("a@example.com", session, open_ended), now=NOW)

    retention.delete_registration_data(registration=registration, now=at(1))
    retention.delete_registration_data(registration=registration, now=at(2))

    assert counts(session, open_ended) == [0, 0]


def test_counts_match_the_registrations_after_a_mixed_sequence_of_operations():
    event = event_with(capacity=6)
    sessions = [
        factories.SessionFactory(event=event, capacity=2),
        factories.SessionFactory(event=event, capacity=3),
        factories.SessionFactory(event=event),
        factories.SessionFactory(event=event),
    ]
    approval = event_with(mode=RegistrationSettings.Mode.APPROVAL)
    approval_sessions = factories.SessionFactory.create_batch(2, event=approval, capacity=2)
    rng = random.Random(20301106)  # noqa: S311 - a repeatable sequence, not a secret
    done = set()
    for step in range(150):
        minute = step + 1
        active = list(Registration.objects.filter(status__in=Registration.ACTIVE_STATUSES).order_by("pk"))
        pending = [r for r in active if r.status == Registration.Status.PENDING]
        operation = rng.choice(OPERATIONS)
        if operation == "register" or not active:
            target, choices = rng.choice([(event, sessions), (approval, approval_sessions)])
            chosen = rng.sample(choices, rng.randint(0, len(choices)))
            registration = register(event=target, data=data(f"p{step}@example.com", *chosen), now=at(minute))
            done.add(("register", registration.status))
            continue
        registration = rng.choice(pending if operation == "approve" and pending else active)
        done.add((operation, registration.status))
        if operation == "cancel":
            cancel_registration(registration=registration, now=at(minute))
        elif operation == "reject":
            reject_registration(registration=registration)
        elif operation == "approve" and pending:
            approve_registration(registration=registration, now=at(minute))
        elif operation == "delete":
            retention.delete_registration_data(registration=registration, now=at(minute))
        else:
            choices = sessions if registration.event_id == event.pk else approval_sessions
            chosen = rng.sample(choices, rng.randint(0, len(choices)))
            change_registration(registration=registration, data={"sessions": chosen})

        for each in (event, approval):
            assert kept_counts(each) == fresh_counts(each), f"after step {step}: {operation}"
    # Every path that moves a count was taken at least once.
    assert {
        ("register", "confirmed"),
        ("cancel", "confirmed"),
        ("reject", "confirmed"),
        ("change", "confirmed"),
        ("delete", "confirmed"),
        ("approve", "pending"),
    } <= done
    assert all(
        places.confirmed_count <= places.capacity
        for places in SessionPlaces.objects.filter(capacity__isnull=False)
    )


def test_session_labels_read_the_kept_counts(event):
    session = factories.SessionFactory(event=event, title="Panel", capacity=2)
    register(event=event, data=data("a@example.com", session), now=NOW)

    form_sessions = list(selectors.sessions_to_choose(event, factories.UserFactory()))

    assert [(s.places.confirmed_count, s.places.places_left) for s in form_sessions] == [(1, 1)]


def test_status_for_a_newcomer_reads_the_kept_counts(event):
    full = factories.SessionFactory(event=event, capacity=1)
    free = factories.SessionFactory(event=event, capacity=1)
    register(event=event, data=data("a@example.com", full), now=NOW)
    full.refresh_from_db()
    free.refresh_from_db()

    assert selectors.outcome_for_new_registration(event, [full]) == ("confirmed", {full.pk})
    assert selectors.outcome_for_new_registration(event, [free]) == ("confirmed", set())


def _link_table_counts(queries):
    link_table = Registration.sessions.through._meta.db_table
    return [
        query["sql"] for query in queries if "COUNT(" in query["sql"].upper() and link_table in query["sql"]
    ]


def test_registration_and_manage_pages_run_no_count_over_session_choices(client, event):
    sessions = factories.SessionFactory.create_batch(3, event=event, capacity=5)
    registration = register(event=event, data=data("a@example.com", sessions[0]), now=NOW)
    register_url = reverse("registrations:register", kwargs={"slug": event.slug})
    manage_url = reverse("registrations:manage", kwargs={"token": registration.manage_token})

    with CaptureQueriesContext(connection) as queries:
        register_page = client.get(register_url)
        manage_page = client.get(manage_url)

    assert (register_page.status_code, manage_page.status_code) == (200, 200)
    assert _link_table_counts(queries.captured_queries) == []
    assert "(4 places left)" in register_page.content.decode()


def test_taking_a_place_in_a_session_runs_no_count_over_session_choices(event):
    session = factories.SessionFactory(event=event, capacity=5)
    register(event=event, data=data("a@example.com", session), now=NOW)

    with CaptureQueriesContext(connection) as queries:
        register(event=event, data=data("b@example.com", session), now=at(1))

    assert _link_table_counts(queries.captured_queries) == []
    assert counts(session) == [2]


def test_saving_an_older_copy_of_a_session_keeps_its_count(event):
    session = factories.SessionFactory(event=event, capacity=5)
    older_copy = Session.objects.get(pk=session.pk)
    register(event=event, data=data("a@example.com", session), now=NOW)

    older_copy.room = "Room 2"
    older_copy.save()

    session.refresh_from_db()
    assert (session.room, *counts(session)) == ("Room 2", 1)


def test_places_left_is_none_without_capacity_and_never_negative():
    assert SessionPlaces(capacity=None, confirmed_count=3).places_left is None
    assert SessionPlaces(capacity=5, confirmed_count=3).places_left == 2
    assert SessionPlaces(capacity=2, confirmed_count=3).places_left == 0


@pytest.mark.django_db(transaction=True)
def test_the_migration_moves_capacity_and_counts_from_sessions_to_their_places():
    executor = MigrationExecutor(connection)
    before = [
        ("events", "0006_session_confirmed_count"),
        ("registrations", "0010_backfill_session_confirmed_count"),
    ]
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    Event, Session = old.get_model("events", "Event"), old.get_model("events", "Session")
    event = Event.objects.create(title="Old", slug="old", start=NOW, end=at(60))
    limited = Session.objects.create(
        event=event, title="Limited", start=NOW, end=at(30), capacity=5, confirmed_count=2
    )
    counted = Session.objects.create(event=event, title="Counted", start=NOW, end=at(30), confirmed_count=1)
    Session.objects.create(event=event, title="Empty", start=NOW, end=at(30))
    try:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())

        assert sorted(SessionPlaces.objects.values_list("session_id", "capacity", "confirmed_count")) == [
            (limited.pk, 5, 2),
            (counted.pk, None, 1),
        ]
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_the_migration_keeps_the_places_of_confirmed_choices_and_queues_the_others_by_registration():
    executor = MigrationExecutor(connection)
    before = [
        ("events", "0007_session_places_move_to_registrations"),
        ("registrations", "0011_sessionplaces"),
    ]
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    Event, Session = old.get_model("events", "Event"), old.get_model("events", "Session")
    OldRegistration = old.get_model("registrations", "Registration")
    event = Event.objects.create(title="Old", slug="old", start=NOW, end=at(60))
    session = Session.objects.create(event=event, title="Workshop", start=NOW, end=at(30))

    def old_registration(email, status, waitlisted_at=None):
        registration = OldRegistration.objects.create(
            event=event,
            name=email,
            email=email,
            status=status,
            privacy_consent_at=NOW,
            privacy_notice_version="1",
            manage_token=email,
            waitlisted_at=waitlisted_at,
        )
        registration.sessions.add(session)
        return registration.pk

    holder = old_registration("a@example.com", "confirmed")
    waiting = old_registration("b@example.com", "waitlisted", waitlisted_at=at(5))
    try:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())

        choices = {c.registration_id: c for c in SessionChoice.objects.all()}
        assert (choices[holder].status, choices[waiting].status) == ("confirmed", "waiting")
        assert choices[waiting].waiting_since == at(5)
        assert choices[holder].waiting_since == Registration.objects.get(pk=holder).created
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
