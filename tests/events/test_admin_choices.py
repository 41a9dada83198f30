"""What staff choose from in the admin: real time zones, not free text; sessions told apart by
day and time, not seven "Coffee break"s; an event page in folded parts whose inputs all have names."""

import datetime as dt
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import translation

from events.forms import EventAdminForm, session_label, time_zone_choices
from events.models import known_time_zones
from registrations.models import Mailing
from tests import factories
from tests.events.test_admin import change_url, form_data

pytestmark = pytest.mark.django_db

BRUSSELS = zoneinfo.ZoneInfo("Europe/Brussels")


def test_time_zone_choices_are_the_zones_of_places_without_aliases_or_junk():
    names = [name for name, _label in time_zone_choices()]

    assert names[0] == "UTC"
    assert {
        "Europe/Brussels",
        "America/Mexico_City",
        "America/Argentina/Buenos_Aires",
        "Asia/Kolkata",
    } <= set(names)
    for junk in ("Factory", "localtime", "posixrules", "US/Eastern", "EST5EDT", "GB", "Etc/GMT+3", "Zulu"):
        assert junk not in names
    assert set(names) <= known_time_zones()
    assert len(names) == len(set(names))


def test_time_zone_choices_are_labelled_city_first_and_sorted_by_city():
    labels = dict(time_zone_choices())
    cities = [label for name, label in time_zone_choices()][1:]

    assert labels["America/Argentina/Buenos_Aires"] == "Buenos Aires (America/Argentina/Buenos_Aires)"
    assert labels["Europe/Brussels"] == "Brussels (Europe/Brussels)"
    assert cities == sorted(cities)


def _event_form(event, **changes):
    data = {
        **{field: getattr(event, field) for field in ("title_en", "slug", "kind", "status", "language")},
        "start": event.start,
        "end": event.end,
        "time_zone": event.time_zone,
        **changes,
    }
    return EventAdminForm(data=data, instance=event)


def test_the_event_form_offers_a_select_of_zones_and_refuses_any_other_name():
    event = factories.EventFactory(time_zone="Europe/Brussels")

    refused = _event_form(event, time_zone="Factory")
    chosen = _event_form(event, time_zone="America/Mexico_City")

    assert 'option value="America/Mexico_City"' in str(EventAdminForm(instance=event)["time_zone"])
    assert "time_zone" in refused.errors
    assert "time_zone" not in chosen.errors


def test_an_event_keeps_a_zone_stored_before_that_the_list_leaves_out():
    event = factories.EventFactory(time_zone="Etc/GMT+3")

    form = EventAdminForm(instance=event)

    assert '<option value="Etc/GMT+3" selected>Etc/GMT+3</option>' in str(form["time_zone"])


def test_the_event_change_page_edits_the_time_zone_with_a_select(admin_client):
    event = factories.EventFactory()

    response = admin_client.get(change_url(event))
    content = response.content.decode()

    assert '<select name="time_zone"' in content
    assert '<option value="Europe/Brussels" selected>Brussels (Europe/Brussels)</option>' in content
    data = form_data(response, "event_form")
    assert admin_client.post(change_url(event), {**data, "time_zone": "Asia/Tokyo"}).status_code == 302
    event.refresh_from_db()
    assert event.time_zone == "Asia/Tokyo"


def _coffee_break(event, day, hour, minute):
    start = dt.datetime(2030, 11, day, hour, minute, tzinfo=BRUSSELS)
    return factories.SessionFactory(
        event=event, title="Coffee break", kind="break", start=start, end=start + dt.timedelta(minutes=30)
    )


def test_sessions_are_labelled_with_day_time_and_title_in_the_events_zone():
    event = factories.EventFactory(title="Annual Conference", time_zone="Europe/Brussels")
    morning = _coffee_break(event, 6, 10, 30)
    afternoon = _coffee_break(event, 7, 15, 30)
    late = factories.SessionFactory(
        event=event,
        title="Night owls",
        start=dt.datetime(2030, 11, 6, 23, 0, tzinfo=BRUSSELS),
        end=dt.datetime(2030, 11, 7, 0, 30, tzinfo=BRUSSELS),
    )

    assert session_label(morning) == "Wed 6 Nov, 10:30–11:00 · Coffee break"
    assert session_label(afternoon) == "Thu 7 Nov, 15:30–16:00 · Coffee break"
    assert session_label(late) == "Wed 6 Nov, 23:00 – Thu 7 Nov, 00:30 · Night owls"
    assert (
        session_label(morning, with_event=True) == "Annual Conference · Wed 6 Nov, 10:30–11:00 · Coffee break"
    )
    with translation.override("es"):
        assert session_label(morning) == "mié 6 Nov, 10:30–11:00 · Coffee break"


def test_the_mailing_form_lists_its_events_sessions_by_day_and_time(admin_client):
    event = factories.EventFactory(title="Annual Conference")
    _coffee_break(event, 6, 10, 30)
    _coffee_break(event, 6, 15, 30)
    other = factories.SessionFactory(title="Elsewhere")
    mailing = Mailing.objects.create(event=event, subject="Practical information", body="Hello")

    content = admin_client.get(
        reverse("admin:registrations_mailing_change", args=[mailing.pk])
    ).content.decode()
    new = admin_client.get(reverse("admin:registrations_mailing_add")).content.decode()

    assert ">Wed 6 Nov, 10:30–11:00 · Coffee break</option>" in content
    assert ">Wed 6 Nov, 15:30–16:00 · Coffee break</option>" in content
    assert other.title not in content
    assert ">Annual Conference · Wed 6 Nov, 10:30–11:00 · Coffee break</option>" in new


def test_the_event_page_folds_its_long_parts_and_keeps_long_session_fields_on_their_own_page(admin_client):
    event = factories.EventFactory()
    factories.SessionFactory(event=event, title="Opening plenary", room="Room 101")

    response = admin_client.get(change_url(event))
    content = response.content.decode()

    fieldsets = [
        (str(fieldset.name), "collapse" in fieldset.classes) for fieldset in response.context["adminform"]
    ]
    assert fieldsets == [
        ("What and when", False),
        ("Texts", True),
        ("Languages and other time zones", True),
        ("Online", True),
        ("After the event", True),
        ("Registrations", False),
        ("Places by session", True),
    ]
    assert 'name="sessions-0-title_en" value="Opening plenary"' in content
    assert 'name="sessions-0-room"' not in content  # on the session's own page
    assert 'aria-label="Kind"' in content  # inline inputs are named, not only headed by a column
    assert 'aria-label="Start: date"' in content


def test_a_registrations_page_lists_its_sessions_by_day_and_time(admin_client):
    event = factories.EventFactory()
    morning, afternoon = _coffee_break(event, 6, 10, 30), _coffee_break(event, 6, 15, 30)
    registration = factories.RegistrationFactory(event=event, sessions=[afternoon, morning])

    content = admin_client.get(
        reverse("admin:registrations_registration_change", args=[registration.pk])
    ).content.decode()

    first = content.index("Wed 6 Nov, 10:30–11:00 · Coffee break")
    assert content.index("Wed 6 Nov, 15:30–16:00 · Coffee break") > first
