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
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from events.models import Session
from registrations.models import OutboxEmail, Registration, RegistrationSettings
from registrations.signup import offers, services, staff_places
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
        factories.RegistrationSettingsFactory(event=self.event, capacity=2)
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
        """Run `action`, then check fairness and that each registration served got exactly one email.

        `acting` is the registration whose own request it is (its own email is not a promotion);
        a registration `action` returns is taken as it when none is given.
        """
        waiting = places_invariants.queues(self.event, served_only=False)
        held = places_invariants.holders(self.event)
        last = OutboxEmail.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        result = action()
        if acting is None and isinstance(result, Registration):
            acting = result.pk
        places_invariants.check_fair(waiting, held, self.event)
        after = places_invariants.holders(self.event)
        gainers = set().union(*(members - held.get(queue, set()) for queue, members in after.items()))
        gainers.discard(acting)
        served = OutboxEmail.objects.filter(
            pk__gt=last, kind__in=[OutboxEmail.Kind.PROMOTED, OutboxEmail.Kind.OFFERED]
        )
        emails = served.exclude(registration_id=acting).count()
        assert emails == len(gainers), f"{emails} promotion emails for {sorted(gainers)}"

    # --- Rules -----------------------------------------------------------------------------------

    @rule(picks=PICKS, again=st.booleans())
    def register(self, picks, again):
        # One or two sign-ups a step (each checked), so the event fills and its waiting list grows.
        for _ in range(2 if again else 1):
            sessions = [s for n, s in enumerate(self._live_sessions()) if n in picks]
            self.people += 1
            email = f"person{self.people}@example.com"
            self._step(
                lambda email=email, sessions=sessions: services.register(
                    event=self.event,
                    data={"name": "P", "email": email, "sessions": sessions},
                    now=self._now(),
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
            acting=registration.pk,
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
                # An offered place is held too (Registration.HOLDING_STATUSES).
                held = Registration.objects.filter(
                    event=self.event, status__in=Registration.HOLDING_STATUSES
                ).count()
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

    @initialize(hours=st.one_of(st.none(), st.just(1)))
    def start_offering(self, hours):
        # Half the runs offer freed places for an hour, so offers, acceptances and lapses are common.
        RegistrationSettings.objects.filter(event=self.event).update(offer_hours=hours)

    @rule(hours=st.one_of(st.none(), st.integers(min_value=1, max_value=3)))
    def offer_time(self, hours):
        RegistrationSettings.objects.filter(event=self.event).update(offer_hours=hours)

    @precondition(lambda self: self._offered())
    @rule(which=st.integers(min_value=0))
    def accept(self, which):
        offered = self._offered()
        registration = offered[which % len(offered)]
        self._step(lambda: offers.accept(registration=registration, now=self._now()), acting=registration.pk)

    @rule(minutes=st.integers(min_value=30, max_value=240))
    def time_passes(self, minutes):
        self.minute += minutes
        # This event's offers only: the examples share the database.
        self._step(lambda: offers.expire_offers_of(event=self.event, now=self._now()))

    def _offered(self):
        now = START + dt.timedelta(minutes=self.minute)
        return [
            registration
            for registration in self._registrations()
            if (registration.status == "offered" and registration.offered_until > now)
            or (registration.status == "confirmed" and offers.offered_choices(registration, now).exists())
        ]

    @invariant()
    def places_hold(self):
        places_invariants.check(self.event)


def test_waiting_lists_hold_under_random_sequences():
    run_state_machine_as_test(
        WaitingLists,
        settings=settings(
            max_examples=25,
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
