import threading

import pytest
from django.db import connection
from django.db.models import Count, Q

from events.models import Session
from registrations.models import OutboxEmail, Registration, RegistrationSettings
from registrations.signup.services import cancel_registration, register
from tests import factories

from . import places_invariants

GUESTS = 40
PLACES = 10


def register_together(event, count, sessions=()):
    """Register `count` guests from as many threads, each on its own connection, released at once.

    Each chooses `sessions`.
    """
    barrier = threading.Barrier(count)
    errors = []

    def guest(number):
        try:
            barrier.wait(timeout=30)
            register(
                event=event,
                data={"name": f"Guest {number}", "email": f"guest{number}@example.com", "sessions": sessions},
            )
        except Exception as error:  # any failure is reported by the test
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=guest, args=(number,)) for number in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    return errors


@pytest.mark.django_db(transaction=True)
def test_concurrent_guests_never_take_more_places_than_the_event_has():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite cannot lock rows for concurrent writers")
    event = factories.EventFactory()
    factories.RegistrationSettingsFactory(event=event, capacity=PLACES)

    errors = register_together(event, GUESTS)

    assert errors == []
    registrations = Registration.objects.filter(event=event)
    assert registrations.filter(status=Registration.Status.CONFIRMED).count() == PLACES
    assert registrations.filter(status=Registration.Status.WAITLISTED).count() == GUESTS - PLACES
    assert RegistrationSettings.objects.get(event=event).confirmed_count == PLACES
    assert OutboxEmail.objects.filter(kind="registered").count() == PLACES
    assert OutboxEmail.objects.filter(kind="waitlisted").count() == GUESTS - PLACES

    first_waiting = registrations.filter(status=Registration.Status.WAITLISTED).order_by(
        "waitlisted_at", "pk"
    )[0]
    cancel_registration(registration=registrations.filter(status=Registration.Status.CONFIRMED)[0])

    assert registrations.filter(status=Registration.Status.CONFIRMED).count() == PLACES
    assert registrations.filter(status=Registration.Status.WAITLISTED).count() == GUESTS - PLACES - 1
    assert list(OutboxEmail.objects.filter(kind="promoted").values_list("registration", flat=True)) == [
        first_waiting.pk
    ]
    assert RegistrationSettings.objects.get(event=event).confirmed_count == PLACES


def cancel_together(registrations):
    """Cancel `registrations` from as many threads, each on its own connection, released at once."""
    barrier = threading.Barrier(len(registrations))
    errors = []

    def cancel(registration):
        try:
            barrier.wait(timeout=30)
            cancel_registration(registration=registration)
        except Exception as error:  # any failure is reported by the test
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=cancel, args=(registration,)) for registration in registrations]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    return errors


def session_counts(*sessions):
    """[(kept confirmed_count, places held counted afresh)] for each of `sessions`."""
    holds = Q(choices__registration__status=Registration.Status.CONFIRMED, choices__status="confirmed")
    rows = {
        pk: (kept, counted)
        for pk, kept, counted in Session.objects.filter(pk__in=[session.pk for session in sessions])
        .annotate(n=Count("choices", filter=holds))
        .values_list("pk", "places__confirmed_count", "n")
    }
    return [rows[session.pk] for session in sessions]


@pytest.mark.django_db(transaction=True)
def test_concurrent_guests_never_overbook_a_session_and_its_waiting_list_holds():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite cannot lock rows for concurrent writers")
    event = factories.EventFactory()  # no limit for the event: only the session's capacity holds them back
    workshop = factories.SessionFactory(event=event, capacity=PLACES)
    plenary = factories.SessionFactory(event=event)

    errors = register_together(event, GUESTS, sessions=[workshop, plenary])

    # Issue 15: everyone is confirmed; the full workshop alone is waited for, in order.
    assert errors == []
    registrations = Registration.objects.filter(event=event)
    assert registrations.filter(status=Registration.Status.CONFIRMED).count() == GUESTS
    assert session_counts(workshop, plenary) == [(PLACES, PLACES), (GUESTS, GUESTS)]
    places_invariants.check(event)

    # 10 cancellations at once, half holding a workshop place, half waiting for one: each freed
    # place goes to the next in line, none is lost or counted twice, nobody is jumped.
    waiting = places_invariants.queues(event, served_only=False)
    held = places_invariants.holders(event)
    holders = list(
        registrations.filter(choices__session=workshop, choices__status="confirmed").order_by("pk")[
            : PLACES // 2
        ]
    )
    waiters = [registrations.get(pk=pk) for _key, pk in waiting[("session", workshop.pk)][-(PLACES // 2) :]]
    errors = cancel_together(holders + waiters)

    assert errors == []
    assert registrations.filter(status=Registration.Status.CANCELLED).count() == PLACES
    assert session_counts(workshop, plenary) == [(PLACES, PLACES), (GUESTS - PLACES, GUESTS - PLACES)]
    places_invariants.check(event)
    places_invariants.check_fair(waiting, held, event)
    promoted = set(OutboxEmail.objects.filter(kind="promoted").values_list("registration", flat=True))
    assert promoted == {pk for _key, pk in waiting[("session", workshop.pk)][: PLACES // 2]}
    assert OutboxEmail.objects.filter(kind="promoted").count() == PLACES // 2
