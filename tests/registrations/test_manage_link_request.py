"""'Find your registration': the private links of an address's registrations, by email.

The page answers the same whether or not the address is registered, and is limited per
client and per address so it can't be used to flood someone's inbox.
"""

import datetime
import re
import statistics
import time

import pytest
from celery.app.task import Task
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from registrations.models import OutboxEmail, Registration
from registrations.signup import tasks
from tests import factories

pytestmark = pytest.mark.django_db

URL = reverse("registrations:request_manage_link")


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def manage_link_rows():
    return list(OutboxEmail.objects.filter(kind=OutboxEmail.Kind.MANAGE_LINK).order_by("pk"))


def test_an_address_gets_one_email_per_active_registration_for_an_event_not_over(client):
    now = timezone.now()
    upcoming = factories.RegistrationFactory(email="Ana@Example.com")
    other_upcoming = factories.RegistrationFactory(
        email="ana@example.com", status=Registration.Status.WAITLISTED
    )
    factories.RegistrationFactory(email="ana@example.com", status=Registration.Status.CANCELLED)
    past_event = factories.EventFactory(
        start=now - datetime.timedelta(days=30), end=now - datetime.timedelta(days=29)
    )
    factories.RegistrationFactory(email="ana@example.com", event=past_event)
    factories.RegistrationFactory(email="someone-else@example.com")

    response = client.post(URL, {"email": "ANA@example.com "}, follow=True)

    assert response.status_code == 200
    assert "ANA@example.com" in response.content.decode() or "ana@example.com" in response.content.decode()
    rows = manage_link_rows()
    assert sorted(row.registration_id for row in rows) == sorted([upcoming.pk, other_upcoming.pk])
    assert {row.to_email.lower() for row in rows} == {"ana@example.com"}


def test_an_unknown_address_sees_the_same_page_and_nothing_is_sent(client):
    factories.RegistrationFactory(email="ana@example.com")

    known = client.post(URL, {"email": "ana@example.com"}, follow=True).content.decode()
    unknown = client.post(URL, {"email": "nobody@example.com"}, follow=True).content.decode()

    def neutral(page, address):
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page.replace(address, "X"))

    assert neutral(known, "ana@example.com") == neutral(unknown, "nobody@example.com")
    assert len(manage_link_rows()) == 1


def test_an_invalid_address_is_refused_with_a_message_and_sends_nothing(client):
    factories.RegistrationFactory(email="ana@example.com")

    response = client.post(URL, {"email": "ana@example.com<script>"})

    assert response.status_code == 200
    assert "Enter a valid email address." in response.content.decode()
    assert "<script>" not in response.content.decode().split('name="email"')[1][:200]
    assert manage_link_rows() == []


def test_the_sent_page_needs_a_request_first(client):
    response = client.get(reverse("registrations:manage_link_sent"))

    assert response.status_code == 302
    assert response["Location"] == URL


def test_one_address_can_ask_three_times_an_hour_then_gets_a_429(client, settings):
    settings.MANAGE_LINK_RATE_LIMIT_PER_ADDRESS = "3/h"
    factories.RegistrationFactory(email="ana@example.com")

    statuses = [client.post(URL, {"email": "ana@example.com"}).status_code for _ in range(4)]

    assert statuses == [302, 302, 302, 429]
    refused = client.post(URL, {"email": "ANA@example.com"})
    assert refused.status_code == 429
    assert "Too many attempts" in refused.content.decode()
    assert int(refused["Retry-After"]) == 3600
    assert len(manage_link_rows()) == 3


def test_one_client_is_limited_across_addresses(client, settings):
    settings.MANAGE_LINK_RATE_LIMIT_PER_CLIENT = "2/h"

    statuses = [client.post(URL, {"email": f"person{n}@example.com"}).status_code for n in range(3)]

    assert statuses == [302, 302, 429]


def test_the_registration_form_links_to_the_page(client):
    event = factories.EventFactory()

    response = client.get(reverse("registrations:register", kwargs={"slug": event.slug}))

    assert URL in response.content.decode()


def test_the_page_works_in_spanish(client):
    client.cookies["django_language"] = "es"

    response = client.get(URL)

    assert response.status_code == 200
    assert 'lang="es"' in response.content.decode()


def median_ms(samples):
    return statistics.median(samples) * 1000


def test_the_answer_takes_as_long_for_a_registered_address_as_for_an_unknown_one(
    client, settings, monkeypatch
):
    settings.MANAGE_LINK_RATE_LIMIT_PER_CLIENT = ""
    settings.MANAGE_LINK_RATE_LIMIT_PER_ADDRESS = ""
    for _ in range(3):
        factories.RegistrationFactory(email="ana@example.com")
    queued = []
    # A broker: tasks wait for a worker instead of running while the page answers.
    monkeypatch.setattr(
        Task, "apply_async", lambda task, kwargs=None, **_: queued.append((task.name, kwargs))
    )

    def answer_time(address):
        started = time.perf_counter()
        response = client.post(URL, {"email": address})
        elapsed = time.perf_counter() - started
        assert response.status_code == 302
        return elapsed

    for address in ["ana@example.com", "nobody@example.com"] * 3:  # warm up templates and connections
        answer_time(address)
    known, unknown = [], []
    for _ in range(40):  # interleaved, so that a busy moment of the machine falls on both
        known.append(answer_time("ana@example.com"))
        unknown.append(answer_time("nobody@example.com"))

    difference = abs(median_ms(known) - median_ms(unknown))
    assert difference < max(1.5, 0.25 * median_ms(unknown)), (median_ms(known), median_ms(unknown))
    assert {name for name, _ in queued} == {"registrations.send_manage_links"}
    assert manage_link_rows() == []  # nothing was looked up or written while the page answered

    tasks.task_send_manage_links(email="ana@example.com")
    tasks.task_send_manage_links(email="nobody@example.com")
    assert [row.to_email for row in manage_link_rows()] == ["ana@example.com"] * 3


def test_an_address_receives_at_most_the_configured_link_emails_an_hour_whoever_asks(client, settings):
    settings.LINK_EMAILS_PER_ADDRESS = "2/h"
    factories.RegistrationFactory(email="victim@example.com")

    statuses = [
        client.post(URL, {"email": "victim@example.com"}, REMOTE_ADDR=f"198.51.100.{n}").status_code
        for n in range(3)
    ]

    assert statuses == [302, 302, 302]  # the page cannot tell, so it answers as always
    assert [row.to_email for row in manage_link_rows()] == ["victim@example.com"] * 2
