"""Random sequences of everything that takes, frees or adds places, checked after every step (issue 15).

After each step: confirmed never exceeds a capacity; no place is free while someone waits for
it; nobody gets a place while someone who joined its waiting list earlier still waits; every
promotion produced exactly one "promoted" email.
"""

import datetime as dt

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from events.models import Session
from registrations.models import OutboxEmail, Registration
from registrations.signup import services, staff_places
from tests import factories

from . import places_invariants

pytestmark = pytest.mark.django_db

START = dt.datetime(2031, 3, 1, 9, 0, tzinfo=dt.UTC)
capacities = st.one_of(st.none(), st.integers(min_value=0, max_value=4))
PICKS = st.lists(st.integers(min_value=0, max_value=2), max_size=3, unique=True)  # which sessions


class WaitingLists(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.event = factories.EventFactory(
            start=START + dt.timedelta(days=30), end=START + dt.timedelta(days=31)
        )
        factories.RegistrationSettingsFactory(event=self.event, capacity=3)
        self.sessions = [
            factories.SessionFactory(
                event=self.event, capacity=limit, start=self.event.start + dt.timedelta(hours=n)
            )
            for n, limit in enumerate([1, 2, None])
        ]
        self.people = 0
        self.minute = 0

    # --- Helpers ---------------------------------------------------------------------------------

    def _now(self):
        self.minute += 1
        return START + dt.timedelta(minutes=self.minute)

    def _live_sessions(self):
        return list(Session.objects.filter(event=self.event).order_by("pk"))

    def _registrations(self, *statuses):
        rows = Registration.objects.filter(event=self.event)
        if statuses:
            rows = rows.filter(status__in=statuses)
        return list(rows.order_by("pk"))

    def _step(self, action, *, acting=None):
        """Run `action`, then check fairness and that each promotion got exactly one email."""
        waiting = places_invariants.queues(self.event, served_only=False)
        held = places_invariants.holders(self.event)
        emails = OutboxEmail.objects.filter(kind=OutboxEmail.Kind.PROMOTED).count()
        acting = action() or acting
        places_invariants.check_fair(waiting, held, self.event)
        after = places_invariants.holders(self.event)
        gainers = set().union(*(members - held.get(queue, set()) for queue, members in after.items()))
        gainers.discard(getattr(acting, "pk", acting))
        promoted_emails = OutboxEmail.objects.filter(kind=OutboxEmail.Kind.PROMOTED).count() - emails
        assert promoted_emails == len(gainers), f"{promoted_emails} promotion emails for {sorted(gainers)}"

    # --- Rules -----------------------------------------------------------------------------------

    @rule(picks=PICKS)
    def register(self, picks):
        sessions = [s for n, s in enumerate(self._live_sessions()) if n in picks]
        self.people += 1
        email = f"person{self.people}@example.com"
        self._step(
            lambda: services.register(
                event=self.event, data={"name": "P", "email": email, "sessions": sessions}, now=self._now()
            )
        )

    @precondition(
        lambda self: Registration.objects.filter(
            event=self.event, status__in=Registration.ACTIVE_STATUSES
        ).exists()
    )
    @rule(
        which=st.integers(min_value=0),
        picks=st.lists(st.integers(min_value=0, max_value=2), max_size=3, unique=True),
    )
    def change(self, which, picks):
        active = self._registrations(*Registration.ACTIVE_STATUSES)
        registration = active[which % len(active)]
        sessions = [s for n, s in enumerate(self._live_sessions()) if n in picks]
        self._step(
            lambda: services.change_registration(
                registration=registration, data={"sessions": sessions}, now=self._now()
            ),
            acting=registration,
        )

    @precondition(
        lambda self: Registration.objects.filter(
            event=self.event, status__in=Registration.ACTIVE_STATUSES
        ).exists()
    )
    @rule(which=st.integers(min_value=0), how=st.sampled_from(["cancel", "reject", "delete"]))
    def end(self, which, how):
        active = self._registrations(*Registration.ACTIVE_STATUSES)
        registration = active[which % len(active)]
        action = {
            "cancel": lambda: services.cancel_registration(registration=registration, now=self._now()),
            "reject": lambda: services.reject_registration(registration=registration, now=self._now()),
            "delete": lambda: services.delete_registration(registration=registration, now=self._now()),
        }[how]
        self._step(action, acting=registration.pk)

    @rule(limit=capacities)
    def event_capacity(self, limit):
        def change():
            try:
                staff_places.set_event_capacity(event=self.event, capacity_value=limit, now=self._now())
            except staff_places.CapacityError:
                held = Registration.objects.filter(event=self.event, status="confirmed").count()
                assert limit is not None
                assert limit < held

        self._step(change)

    @precondition(lambda self: Session.objects.filter(event=self.event).exists())
    @rule(which=st.integers(min_value=0), limit=capacities)
    def session_capacity(self, which, limit):
        sessions = self._live_sessions()
        session = sessions[which % len(sessions)]

        def change():
            try:
                staff_places.set_session_capacity(session=session, capacity_value=limit, now=self._now())
            except staff_places.CapacityError:
                assert limit is not None

        self._step(change)

    @precondition(lambda self: Session.objects.filter(event=self.event).exists())
    @rule(which=st.integers(min_value=0), how=st.sampled_from(["hide", "delete"]))
    def session_gone(self, which, how):
        sessions = self._live_sessions()
        session = sessions[which % len(sessions)]

        def change():
            if how == "hide":
                session.visibility = Session.Visibility.HIDDEN
                session.save()
            else:
                session.delete()
            staff_places.refill(event=self.event, now=self._now())

        self._step(change)

    @invariant()
    def places_hold(self):
        places_invariants.check(self.event)


def test_waiting_lists_hold_under_random_sequences():
    run_state_machine_as_test(
        WaitingLists,
        settings=settings(
            max_examples=20,
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
