"""What one guest registration costs the database: a constant number of queries.

A registration rush is all POSTs: each query here is paid by every guest. The count must not
grow with the sessions an event offers or a guest chooses.
"""

import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse

from registrations.models import OutboxEmail, Registration
from tests import factories
from tests.registrations.test_forms import _no_minimum_fill_time, form_data  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db

# The event and its partners (cached after the first page), its registration settings, the rate
# limit's counter (a database table in tests, Redis in production: 11 of the queries), the
# questions, the sessions offered; then in one transaction: the chosen sessions with their
# speakers and the event's email texts (the email is rendered before the lock), the lock on the
# event's places, the check for an earlier registration, the sessions' places, the registration,
# its session choices, the event's count, the sessions' counts (one upsert, whatever their
# number) and the outbox row.
WITH_SESSIONS = 29
# No sessions to read, choose, lock or count: the cached event says it has none to attend.
WITHOUT_SESSIONS = 23


def post(client, event, **extra):
    return client.post(reverse("registrations:register", kwargs={"slug": event.slug}), form_data(**extra))


@pytest.mark.parametrize("offered", [2, 12])
def test_a_registration_with_sessions_costs_the_same_queries_however_many_are_offered(
    client, django_assert_num_queries, offered
):
    event = factories.EventFactory()
    factories.RegistrationSettingsFactory(event=event, capacity=100)
    sessions = factories.SessionFactory.create_batch(offered, event=event, capacity=10)

    with django_assert_num_queries(WITH_SESSIONS):
        response = post(client, event, sessions=[session.pk for session in sessions[:2]])

    assert response.status_code == 302
    registration = Registration.objects.get(email="ana@example.com")
    assert registration.status == Registration.Status.CONFIRMED
    assert sorted(registration.sessions.values_list("pk", flat=True)) == sorted(s.pk for s in sessions[:2])
    assert OutboxEmail.objects.filter(to_email="ana@example.com").count() == 1


def test_a_guests_registration_stores_no_session(client):
    """The "check your email" page reads a short-lived signed cookie: no session row keeps the address."""
    event = factories.EventFactory()
    factories.RegistrationSettingsFactory(event=event)

    response = post(client, event)
    done = client.get(response.url)

    assert done.status_code == 200
    assert "ana@example.com" in done.content.decode()
    assert not Session.objects.exists()


def test_a_webinar_registration_costs_fewer_queries(client, django_assert_num_queries):
    webinar = factories.WebinarFactory()
    factories.RegistrationSettingsFactory(event=webinar)

    with django_assert_num_queries(WITHOUT_SESSIONS):
        response = post(client, webinar)

    assert response.status_code == 302
    assert Registration.objects.get(email="ana@example.com").status == Registration.Status.CONFIRMED
