import threading

import pytest
from django.db import connection
from django.db.models import Count, Q

from events.models import Session
from registrations.models import OutboxEmail, Registration, RegistrationSettings
from registrations.signup.services import cancel_registration, register
from tests import factories

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
    """[(kept confirmed_count, confirmed registrations counted afresh)] for each of `sessions`."""
    confirmed = Q(registrations__status=Registration.Status.CONFIRMED)
    rows = {
        pk: (kept, counted)
        for pk, kept, counted in Session.objects.filter(pk__in=[session.pk for session in sessions])
        .annotate(n=Count("registrations", filter=confirmed))
        .values_list("pk", "places__confirmed_count", "n")
    }
    return [rows[session.pk] for session in sessions]


@pytest.mark.django_db(transaction=True)
def test_concurrent_guests_never_overbook_a_session_and_its_count_holds():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite cannot lock rows for concurrent writers")
    event = factories.EventFactory()  # no limit for the event: only the session's capacity holds them back
    workshop = factories.SessionFactory(event=event, capacity=PLACES)
    plenary = factories.SessionFactory(event=event)

    errors = register_together(event, GUESTS, sessions=[workshop, plenary])

    assert errors == []
    registrations = Registration.objects.filter(event=event)
    assert registrations.filter(status=Registration.Status.CONFIRMED).count() == PLACES
    assert registrations.filter(status=Registration.Status.WAITLISTED).count() == GUESTS - PLACES
    assert session_counts(workshop, plenary) == [(PLACES, PLACES), (PLACES, PLACES)]

    # Half the places freed at once: each goes to the next in line, none is lost or counted twice.
    errors = cancel_together(list(registrations.filter(status=Registration.Status.CONFIRMED)[: PLACES // 2]))

    assert errors == []
    assert registrations.filter(status=Registration.Status.CONFIRMED).count() == PLACES
    assert registrations.filter(status=Registration.Status.CANCELLED).count() == PLACES // 2
    assert session_counts(workshop, plenary) == [(PLACES, PLACES), (PLACES, PLACES)]
