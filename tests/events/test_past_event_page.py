"""A past event says it took place, keeps its recording and offers no calendar or registration."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from events.models import Session
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def past_conference():
    start = (timezone.now() - dt.timedelta(days=30)).replace(hour=9, minute=0, second=0, microsecond=0)
    event = factories.EventFactory(
        slug="past-conf",
        start=start,
        end=start + dt.timedelta(hours=8),
        recording_url="https://video.example.org/1",
    )
    factories.SessionFactory(event=event, title="Closed panel", visibility=Session.Visibility.AFFILIATES)
    factories.RegistrationSettingsFactory(event=event, capacity=10)
    return event


def test_a_past_event_says_it_took_place_and_offers_no_calendar_nor_registration(client, past_conference):
    html = client.get(past_conference.get_absolute_url()).content.decode()

    assert "This event took place on" in html
    assert "Watch the recording" in html
    assert reverse("events:event_ics", kwargs={"slug": past_conference.slug}) not in html
    assert reverse("events:event_feed", kwargs={"slug": past_conference.slug}) not in html
    assert reverse("registrations:register", kwargs={"slug": past_conference.slug}) not in html
    assert "Log in to see the details" not in html
    assert "Closed panel" in html  # still listed, as one quiet line


def test_an_upcoming_event_keeps_its_calendar_links(client):
    event = factories.EventFactory(slug="soon")

    html = client.get(event.get_absolute_url()).content.decode()

    assert "took place" not in html
    assert reverse("events:event_ics", kwargs={"slug": event.slug}) in html


def test_the_speakers_page_of_a_past_event_without_speakers_does_not_promise_any(client, past_conference):
    html = client.get(reverse("events:speakers", kwargs={"slug": past_conference.slug})).content.decode()

    assert "No speakers were listed for this event." in html
    assert "announced soon" not in html


def test_the_series_page_links_its_library_of_recordings_or_its_past_webinars(client):
    with_library = factories.WebinarSeriesFactory(slug="with", recordings_url="https://library.example.org/")
    without = factories.WebinarSeriesFactory(slug="without")

    assert '<a href="https://library.example.org/">Further details: the pre-recorded webinars</a>' in (
        client.get(with_library.get_absolute_url()).content.decode()
    )
    html = client.get(without.get_absolute_url()).content.decode()
    assert '<a href="#past-heading">Further details: the pre-recorded webinars</a>' in html
    assert 'id="past-heading"' in html
