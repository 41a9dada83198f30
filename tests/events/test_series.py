"""The series page: topics, search, the visitor's-local-time hook; and the webinar fields staff set."""

import datetime as dt
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from events.models import Event, validate_reminder_offsets
from tests import factories
from tests.events.test_admin import add_url, change_url, form_data, form_errors

pytestmark = pytest.mark.django_db

PAST = {
    "start": dt.datetime(2020, 3, 1, 10, 0, tzinfo=dt.UTC),
    "end": dt.datetime(2020, 3, 1, 11, 0, tzinfo=dt.UTC),
}


@pytest.fixture
def series():
    """A series whose webinars differ in topic and in where a search word appears."""
    series = factories.WebinarSeriesFactory(title="Buyers' webinars", slug="buyers")
    labour = factories.TopicFactory(name="Forced labour", slug="forced-labour")
    procurement = factories.TopicFactory(name="Procurement", slug="procurement")
    factories.TopicFactory(name="Unused topic", slug="unused")
    webinars = {
        "title": factories.WebinarFactory(series=series, title="Cobalt mining", topics=[labour]),
        "subtitle": factories.WebinarFactory(
            series=series,
            title="Contract clauses",
            subtitle="Cobalt in contracts",
            topics=[procurement],
            start=dt.datetime(2030, 6, 18, 9, 0, tzinfo=dt.UTC),
            end=dt.datetime(2030, 6, 18, 10, 0, tzinfo=dt.UTC),
        ),
        "summary": factories.WebinarFactory(
            series=series,
            title="Audits",
            summary="What cobalt audits find.",
            topics=[labour, procurement],
            **PAST,
        ),
        "highlights": factories.WebinarFactory(series=series, title="Remedy", highlights="- COBALT supply"),
        "description": factories.WebinarFactory(
            series=series,
            title="Worker voice",
            description="Long text about cobalt.",
            start=dt.datetime(2020, 4, 1, 10, 0, tzinfo=dt.UTC),
            end=dt.datetime(2020, 4, 1, 11, 0, tzinfo=dt.UTC),
        ),
        "none": factories.WebinarFactory(series=series, title="Introduction", topics=[procurement]),
    }
    factories.WebinarFactory(series=series, title="Draft cobalt", status=Event.Status.DRAFT, topics=[labour])
    factories.WebinarFactory(title="Another series on cobalt", topics=[labour])
    return series, webinars


def _titles(response):
    return (
        [event.title for event in response.context["upcoming"]],
        [event.title for event in response.context["past"]],
    )


def test_series_lists_upcoming_soonest_first_then_past_latest_first(client, series):
    series, _webinars = series

    response = client.get(series.get_absolute_url())

    assert _titles(response) == (
        ["Cobalt mining", "Remedy", "Introduction", "Contract clauses"],
        ["Worker voice", "Audits"],
    )


@pytest.mark.parametrize(
    ("topic", "expected"),
    [
        ("forced-labour", (["Cobalt mining"], ["Audits"])),
        ("procurement", (["Introduction", "Contract clauses"], ["Audits"])),
    ],
)
def test_series_filtered_by_topic(client, series, topic, expected):
    series, _webinars = series

    response = client.get(series.get_absolute_url(), {"topic": topic})

    assert _titles(response) == expected


def test_series_search_looks_in_title_subtitle_summary_highlights_and_description(client, series):
    series, _webinars = series

    response = client.get(series.get_absolute_url(), {"q": " cobalt "})

    assert _titles(response) == (["Cobalt mining", "Remedy", "Contract clauses"], ["Worker voice", "Audits"])
    assert 'value="cobalt"' in response.content.decode()


def test_series_search_within_a_topic(client, series):
    series, _webinars = series

    response = client.get(series.get_absolute_url(), {"q": "cobalt", "topic": "procurement"})

    assert _titles(response) == (["Contract clauses"], ["Audits"])
    assert '<input type="hidden" name="topic" value="procurement">' in response.content.decode()


@pytest.mark.parametrize("query", [{"q": "lithium"}, {"topic": "unused"}, {"topic": "no-such-topic"}])
def test_series_search_without_results_says_so_kindly(client, series, query):
    series, _webinars = series

    response = client.get(series.get_absolute_url(), query)
    html = response.content.decode()

    assert response.status_code == 200
    assert _titles(response) == ([], [])
    assert "No webinars match your search." in html
    assert f'<a href="{series.get_absolute_url()}">Show all webinars of the series</a>' in html
    assert "No upcoming webinars yet." not in html


def test_series_offers_a_labelled_search_form_that_works_without_javascript(client, series):
    series, _webinars = series

    html = client.get(series.get_absolute_url()).content.decode()

    assert '<form method="get" action="/series/buyers/" class="series-search" role="search">' in html
    assert '<label for="series-q" class="form-label">Search webinars</label>' in html
    assert '<input type="search" id="series-q" name="q" value="" class="form-control">' in html
    assert '<button type="submit" class="btn btn-primary">Search</button>' in html


def _topic_filter(html):
    nav = html[
        html.index('<ul class="topic-filter') : html.index("</ul>", html.index('<ul class="topic-filter'))
    ]
    return re.findall(r'<a href="([^"]*)"( aria-current="true")?>([^<]*)</a>', nav)


def test_series_topic_filter_lists_topics_in_use_and_marks_the_active_one(client, series):
    series, _webinars = series

    unfiltered = _topic_filter(client.get(series.get_absolute_url()).content.decode())
    filtered = _topic_filter(
        client.get(series.get_absolute_url(), {"topic": "procurement", "q": "a b"}).content.decode()
    )

    assert unfiltered == [
        ("/series/buyers/", ' aria-current="true"', "All topics"),
        ("/series/buyers/?topic=forced-labour", "", "Forced labour"),
        ("/series/buyers/?topic=procurement", "", "Procurement"),
    ]
    assert filtered == [
        ("/series/buyers/?q=a%20b", "", "All topics"),
        ("/series/buyers/?topic=forced-labour&amp;q=a%20b", "", "Forced labour"),
        ("/series/buyers/?topic=procurement&amp;q=a%20b", ' aria-current="true"', "Procurement"),
    ]


def test_topics_shown_on_series_items_and_webinar_page(client, series):
    series, webinars = series

    series_html = client.get(series.get_absolute_url()).content.decode()
    webinar_html = client.get(webinars["summary"].get_absolute_url()).content.decode()

    topic_lists = re.findall(r'<ul class="topic-list[^>]*>(.*?)</ul>', series_html, re.DOTALL)
    assert [re.findall(r">([^<>]+)</a>", item) for item in topic_lists] == [
        ["Forced labour"],
        ["Procurement"],
        ["Procurement"],
        ["Forced labour", "Procurement"],
    ]
    assert '<a href="/series/buyers/?topic=forced-labour">Forced labour</a>' in webinar_html
    assert '<a href="/series/buyers/?topic=procurement">Procurement</a>' in webinar_html


def test_webinar_page_renders_the_local_time_hook_with_stored_instants(client):
    webinar = factories.WebinarFactory(secondary_time_zones=["Europe/Amsterdam"])
    session = factories.SessionFactory(event=webinar)
    label = 'data-label="Your time" hidden></p>'

    webinar_html = client.get(webinar.get_absolute_url()).content.decode()
    session_html = client.get(session.get_absolute_url()).content.decode()
    series_html = client.get(webinar.series.get_absolute_url()).content.decode()

    hook = (
        '<p class="local-time" data-local-range data-start="2030-06-17T09:00:00+00:00" '
        'data-end="2030-06-17T10:00:00+00:00" data-zones="Europe/London Europe/Amsterdam" ' + label
    )
    assert hook in webinar_html
    assert hook in series_html
    assert (
        '<p class="local-time" data-local-range data-start="2030-06-17T09:00:00+00:00" '
        'data-end="2030-06-17T10:30:00+00:00" data-zones="Europe/London" ' + label
    ) in session_html


@pytest.mark.parametrize("url_name", ["home", "past_events"])
def test_pages_load_the_local_time_script_without_inline_script(client, url_name):
    html = client.get(reverse(f"events:{url_name}")).content.decode()

    assert re.findall(r"<script[^>]*>", html) == ['<script src="/static/js/localtime.js" defer>']


@pytest.mark.parametrize(("webinars", "topics"), [(2, 1), (12, 4)])
def test_series_page_queries_do_not_grow_with_webinars_or_topics(
    client, webinars, topics, django_assert_num_queries
):
    series = factories.WebinarSeriesFactory(slug="grows")
    all_topics = [factories.TopicFactory() for _ in range(topics)]
    for index in range(webinars):
        factories.WebinarFactory(series=series, topics=all_topics, **(PAST if index % 2 else {}))

    # series, webinar-topic links, webinars; the series is cached for the second request.
    for query, queries in [({}, 3), ({"topic": all_topics[0].slug, "q": "Conference"}, 2)]:
        with django_assert_num_queries(queries):
            response = client.get(series.get_absolute_url(), query)
        assert len(response.context["upcoming"]) + len(response.context["past"]) == webinars


@pytest.mark.parametrize("topics", [1, 5])
def test_webinar_page_queries_do_not_grow_with_topics(client, topics, django_assert_num_queries):
    webinar = factories.WebinarFactory(topics=[factories.TopicFactory() for _ in range(topics)])

    # event, partners, sessions, registration settings, topics
    with django_assert_num_queries(5):
        client.get(webinar.get_absolute_url())


# --- Webinar fields in the admin ------------------------------------------------------------------


def test_reminder_offsets_default_to_a_day_and_an_hour_and_show_as_minutes(admin_client):
    data = form_data(admin_client.get(add_url(Event)), "event_form")

    assert data["reminder_offsets"] == "1440, 60"
    assert Event().reminder_offsets == [1440, 60]


def test_staff_set_reminders_topics_and_join_link_in_admin(admin_client):
    webinar = factories.WebinarFactory()
    topic = factories.TopicFactory(name="Forced labour")
    data = form_data(admin_client.get(change_url(webinar)), "event_form")
    data.update(
        {
            "reminder_offsets": "60, 2880,60",
            "topics": [str(topic.pk)],
            "join_url": "https://meet.example.com/j/1",
        }
    )

    response = admin_client.post(change_url(webinar), data)

    assert response.status_code == 302
    webinar.refresh_from_db()
    assert webinar.reminder_offsets == [2880, 60]
    assert list(webinar.topics.all()) == [topic]
    assert webinar.join_url == "https://meet.example.com/j/1"


@pytest.mark.parametrize("value", ["0", "-5", "an hour", "60, 1.5"])
def test_reminder_offsets_must_be_positive_minutes(admin_client, value):
    webinar = factories.WebinarFactory()
    data = form_data(admin_client.get(change_url(webinar)), "event_form")
    data["reminder_offsets"] = value

    response = admin_client.post(change_url(webinar), data)

    assert response.status_code == 200
    assert form_errors(response) == {
        "reminder_offsets": [
            "Enter whole numbers of minutes greater than zero, separated by commas, e.g. 1440, 60."
        ]
    }
    webinar.refresh_from_db()
    assert webinar.reminder_offsets == [1440, 60]


@pytest.mark.parametrize("value", [[0], [-60], ["60"], [True], [1.5], "60"])
def test_reminder_offsets_validator_refuses_anything_but_positive_ints(value):
    with pytest.raises(ValidationError):
        validate_reminder_offsets(value)


def test_reminder_offsets_validator_accepts_positive_ints():
    assert validate_reminder_offsets([1440, 60]) is None
    assert validate_reminder_offsets([]) is None
