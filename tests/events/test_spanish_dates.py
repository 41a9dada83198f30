"""Dates, ranges and zone names read natively in Spanish and stay as they were in English."""

import datetime as dt
import zoneinfo

from django.utils import translation

from events.templatetags.event_times import date_range, local_date
from events.times import zone_label

BRUSSELS = zoneinfo.ZoneInfo("Europe/Brussels")
START = dt.datetime(2027, 2, 3, 9, 0, tzinfo=BRUSSELS)
END = dt.datetime(2027, 2, 4, 17, 0, tzinfo=BRUSSELS)


def _text(html):
    return html.split(">", 1)[1].rsplit("<", 1)[0] if html.count("<time") == 1 else html


def test_spanish_date_range_within_a_month_says_de():
    with translation.override("es"):
        html = date_range(START, END, "Europe/Brussels")
    assert html == (
        '<time datetime="2027-02-03">3</time>–<time datetime="2027-02-04">4 de febrero de 2027</time>'
    )


def test_spanish_date_range_across_months_says_de_on_both_ends():
    with translation.override("es"):
        html = date_range(START, END + dt.timedelta(days=30), "Europe/Brussels")
    assert ">3 de febrero</time>–<" in html
    assert ">6 de marzo de 2027</time>" in html


def test_spanish_day_heading_names_the_weekday_with_de():
    with translation.override("es"):
        assert _text(local_date(START, "Europe/Brussels")) == "miércoles, 3 de febrero de 2027"


def test_english_dates_are_unchanged():
    with translation.override("en"):
        assert _text(local_date(START, "Europe/Brussels")) == "Wednesday 3 February 2027"
        assert date_range(START, END, "Europe/Brussels").endswith(">4 February 2027</time>")


def test_zone_cities_are_translated_in_spanish_and_kept_in_english():
    with translation.override("es"):
        assert zone_label("Europe/Brussels", START) == "hora de Bruselas (CET)"
        assert zone_label("Europe/London", START) == "hora de Londres (GMT)"
        assert zone_label("Europe/Amsterdam", START).startswith("hora de Ámsterdam")
    with translation.override("en"):
        assert zone_label("Europe/Brussels", START) == "Brussels time (CET)"
        assert zone_label("Europe/London", START) == "London time (GMT)"


def test_a_zone_without_translation_keeps_its_city_name():
    with translation.override("es"):
        assert zone_label("America/Argentina/Buenos_Aires", START) == "hora de Buenos Aires (UTC-0300)"
