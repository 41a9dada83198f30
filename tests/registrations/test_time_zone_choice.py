"""The registration form's time zone: common zones by region, every other real zone behind them,
labelled "Brussels (UTC+1)" in the visitor's language, the event's zone chosen without JavaScript."""

import re

import pytest
from django.urls import reverse
from django.utils import translation

from registrations.models import Registration
from registrations.signup import services, time_zones
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_minimum_fill_time(settings):
    settings.REGISTRATION_MIN_FILL_SECONDS = 0


def register_url(event):
    return reverse("registrations:register", kwargs={"slug": event.slug})


def time_zone_select(response):
    page = response.content.decode()
    return re.search(r'<select name="time_zone".*?</select>', page, re.DOTALL).group(0)


def option_values(select):
    return re.findall(r'<option value="([^"]*)"', select)


def post(client, event, time_zone):
    data = {
        "name": "Ana Guest",
        "email": "ana@example.com",
        "time_zone": time_zone,
        "language": "en",
        "privacy_consent": "on",
    }
    return client.post(register_url(event), data)


def test_the_form_offers_common_zones_by_region_then_every_other_real_zone(client):
    event = factories.EventFactory()  # Brussels, in November: UTC+1

    select = time_zone_select(client.get(register_url(event)))

    groups = re.findall(r'<optgroup label="([^"]*)"', select)
    assert groups == ["Europe", "Americas", "Africa and Middle East", "Asia and Pacific", "Other zones…"]
    assert '<option value="Europe/Brussels" selected>Brussels (UTC+1)</option>' in select
    assert '<option value="Asia/Kolkata">Kolkata (UTC+5:30)</option>' in select
    assert '<option value="America/New_York">New York (UTC-5)</option>' in select
    values = option_values(select)
    assert len(values) == len(set(values)) == len(time_zones.real_zones())
    assert "UTC" in values
    for junk in ("Factory", "localtime", "US/Eastern", "Asia/Calcutta", "Europe/Kiev", "Etc/GMT+3", "GMT"):
        assert junk not in values
    assert all(value == "UTC" or value.count("/") in (1, 2) for value in values)


def test_labels_give_the_offset_at_the_event_and_the_city_in_spanish(client):
    summer = factories.WebinarFactory()  # London, in June: UTC+1

    with translation.override("es"):
        select = time_zone_select(client.get(register_url(summer), HTTP_ACCEPT_LANGUAGE="es"))

    assert '<option value="Europe/London" selected>Londres (UTC+1)</option>' in select
    assert '<option value="Europe/Brussels">Bruselas (UTC+2)</option>' in select
    assert "Otras zonas…" in select


def test_without_javascript_the_event_zone_is_chosen_and_the_script_is_told_aliases(client):
    event = factories.EventFactory(time_zone="America/Santiago")

    select = time_zone_select(client.get(register_url(event)))

    assert re.findall(r'<option value="([^"]*)" selected>', select) == ["America/Santiago"]
    assert "data-browser-time-zone" in select
    assert "&quot;Asia/Calcutta&quot;:&quot;Asia/Kolkata&quot;" in select


def test_a_zone_posted_by_its_alias_is_saved_as_the_listed_zone(client):
    event = factories.EventFactory()

    post(client, event, "Asia/Calcutta")

    assert Registration.objects.get().time_zone == "Asia/Kolkata"


@pytest.mark.parametrize("junk", ["Factory", "localtime", "Mars/Olympus"])
def test_a_zone_that_is_not_a_place_is_refused(client, junk):
    event = factories.EventFactory()

    response = post(client, event, junk)

    assert response.status_code == 200
    assert Registration.objects.count() == 0
    assert "Select a valid choice" in response.content.decode()


def test_editing_keeps_a_zone_stored_before_the_list_was_short(client):
    event = factories.EventFactory()
    registration = services.register(
        event=event, data={"name": "Old", "email": "old@example.com", "time_zone": "Etc/GMT+3"}
    )
    url = reverse("registrations:manage", kwargs={"token": registration.manage_token})

    select = time_zone_select(client.get(url))
    client.post(url, {"name": "Old Name", "time_zone": "Etc/GMT+3", "language": "en"})

    assert '<option value="Etc/GMT+3" selected>' in select
    registration.refresh_from_db()
    assert (registration.name, registration.time_zone) == ("Old Name", "Etc/GMT+3")
