import datetime as dt
import io
import zoneinfo
from html import unescape

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils.html import strip_tags

from events.times import zone_label, zoned_ranges
from tests import factories

pytestmark = pytest.mark.django_db

CPT_WEBINAR = "/events/webinar-2020-06-17-company-performance-tracker/"


@pytest.fixture
def demo():
    call_command("load_demo", password="x-test-pass-1", stdout=io.StringIO())


def test_seed_webinar_shows_uk_and_netherlands_times_from_one_start_and_end(client, demo):
    html = client.get(CPT_WEBINAR).content.decode()

    assert (
        '<time datetime="2020-06-17T10:00:00+01:00">10:00</time>–'
        '<time datetime="2020-06-17T11:00:00+01:00">11:00</time> London time (BST)'
    ) in html
    assert (
        '<time datetime="2020-06-17T11:00:00+02:00">11:00</time>–'
        '<time datetime="2020-06-17T12:00:00+02:00">12:00</time> Amsterdam time (CEST)'
    ) in html
    assert "Wednesday 17 June 2020" in html


def test_series_page_lists_seed_webinars_as_past_and_demo_ones_as_upcoming(client, demo):
    html = client.get(
        reverse("events:series_detail", kwargs={"slug": "electronics-watch-webinars"})
    ).content.decode()
    upcoming, past = html.split("Past webinars and recordings")

    assert "The Impact of Covid-19 on Electronics" in past
    assert "The Electronics Watch Company Performance Tracker (CPT)" in past
    assert "The Impact of Covid-19 on Electronics" not in upcoming
    assert upcoming.count('class="webinar mb-4"') == 2
    assert "intended primarily for public sector buyers" in upcoming
    assert (
        '<time datetime="2020-06-23T11:00:00+02:00">11:00</time>–'
        '<time datetime="2020-06-23T12:30:00+02:00">12:30</time>'
    ) in past


def test_series_page_and_webinar_page_show_recordings_and_slides_of_past_webinars(client):
    webinar = factories.WebinarFactory(
        recording_url="https://video.example.org/cpt", slides_url="https://files.example.org/cpt.pdf"
    )
    upcoming = factories.WebinarFactory(
        series=webinar.series,
        recording_url="https://video.example.org/early",
        slides_url="https://x.example/s",
    )
    webinar.start, webinar.end = webinar.start.replace(year=2020), webinar.end.replace(year=2020)
    webinar.save()

    series_html = client.get(webinar.series.get_absolute_url()).content.decode()
    webinar_html = client.get(webinar.get_absolute_url()).content.decode()
    upcoming_html = client.get(upcoming.get_absolute_url()).content.decode()

    for html in (series_html, webinar_html):
        assert 'href="https://video.example.org/cpt"' in html
        assert 'href="https://files.example.org/cpt.pdf"' in html
    # Not yet held: nothing to watch, whatever is filled in.
    assert "https://video.example.org/early" not in series_html + upcoming_html
    assert "https://x.example/s" not in series_html + upcoming_html


def test_conference_programme_shows_seed_times_in_brussels_time(client, demo):
    html = client.get("/events/annual-conference-2024/").content.decode()

    assert "All times are Brussels time (CET)." in html
    assert (
        '<time datetime="2024-11-06T09:30:00+01:00">9:30</time>–'
        '<time datetime="2024-11-06T11:00:00+01:00">11:00</time>'
    ) in html
    assert "Wednesday 6 November 2024" in html
    assert "Thursday 7 November 2024" in html
    assert "6–7 November 2024, Brussels, Belgium" in strip_tags(html)


def test_zone_label_follows_daylight_saving():
    summer = dt.datetime(2020, 6, 17, 9, 0, tzinfo=dt.UTC)
    winter = dt.datetime(2020, 12, 17, 9, 0, tzinfo=dt.UTC)

    assert zone_label("Europe/London", summer) == "London time (BST)"
    assert zone_label("Europe/London", winter) == "London time (GMT)"
    assert zone_label("America/Argentina/Buenos_Aires", winter) == "Buenos Aires time (UTC-0300)"


def test_zoned_ranges_keep_duration_and_drop_repeated_zones():
    start = dt.datetime(2020, 6, 23, 9, 0, tzinfo=dt.UTC)
    end = start + dt.timedelta(minutes=90)

    ranges = zoned_ranges(start, end, ["Europe/London", "Europe/Amsterdam", "Europe/London", "Asia/Manila"])

    assert [(r.zone_name, r.start.strftime("%H:%M"), r.end.strftime("%H:%M")) for r in ranges] == [
        ("Europe/London", "10:00", "11:30"),
        ("Europe/Amsterdam", "11:00", "12:30"),
        ("Asia/Manila", "17:00", "18:30"),
    ]
    assert all(r.end - r.start == dt.timedelta(minutes=90) for r in ranges)


def test_webinar_crossing_midnight_in_a_secondary_zone_names_the_other_date(client):
    london = zoneinfo.ZoneInfo("Europe/London")
    webinar = factories.WebinarFactory(
        start=dt.datetime(2030, 6, 17, 16, 0, tzinfo=london),
        end=dt.datetime(2030, 6, 17, 17, 30, tzinfo=london),
        secondary_time_zones=["Asia/Manila"],
    )

    html = client.get(webinar.get_absolute_url()).content.decode()

    assert (
        '<time datetime="2030-06-17T23:00:00+08:00">23:00</time>–'
        '<time datetime="2030-06-18T00:30:00+08:00">0:30</time>'
    ) in html
    assert "Tuesday 18 June 2030" in html


def test_seed_programme_page_shows_every_item_with_its_seed_times_in_order(client, demo):
    from tests.events.test_load_demo import SEED_PROGRAMME

    html = client.get("/events/annual-conference-2024/").content.decode()
    text = " ".join(unescape(strip_tags(html)).split())
    items = [f"{start}–{end} {title}" for _, start, end, title in SEED_PROGRAMME]

    positions = [text.find(item) for item in items]
    assert -1 not in positions, [item for item, at in zip(items, positions, strict=True) if at == -1]
    assert positions == sorted(positions)


def test_zone_label_without_a_city():
    at = dt.datetime(2020, 6, 17, 9, 0, tzinfo=dt.UTC)

    assert zone_label("UTC", at) == "UTC"
    assert zone_label("Etc/GMT+3", at) == "UTC-0300"
