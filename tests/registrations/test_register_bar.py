"""The register bar: on a phone, registering stays at hand at the bottom of an event's page."""

import datetime as dt

import pytest
from django.utils import timezone

from tests import factories

pytestmark = pytest.mark.django_db


def _bar(html):
    if 'class="register-bar' not in html:
        return None
    return html.split('class="register-bar', 1)[1].split("</p>", 1)[0]


def test_an_open_event_keeps_a_register_link_at_hand(client):
    settings = factories.RegistrationSettingsFactory(capacity=10)

    bar = _bar(client.get(settings.event.get_absolute_url()).content.decode())

    assert bar is not None
    assert f'href="/events/{settings.event.slug}/register/"' in bar
    assert ">Register</a>" in bar


def test_a_full_event_offers_its_waiting_list_there(client):
    settings = factories.RegistrationSettingsFactory(capacity=1, confirmed_count=1)

    bar = _bar(client.get(settings.event.get_absolute_url()).content.decode())

    assert ">Join the waiting list</a>" in bar


def test_no_bar_once_registered_or_when_registration_is_closed(client):
    closed = factories.RegistrationSettingsFactory(
        capacity=10, closes_at=timezone.now() - dt.timedelta(hours=1)
    )
    registration = factories.RegistrationFactory(status="confirmed", user=factories.UserFactory())
    factories.RegistrationSettingsFactory(event=registration.event, capacity=10)
    client.force_login(registration.user)

    assert _bar(client.get(closed.event.get_absolute_url()).content.decode()) is None
    assert _bar(client.get(registration.event.get_absolute_url()).content.decode()) is None
