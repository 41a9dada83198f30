"""A page's query count must not grow with the number of sessions, speakers or events."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from events.models import Session
from tests import factories

pytestmark = pytest.mark.django_db


def _add_programme(event, sessions):
    for index in range(sessions):
        visibility = [Session.Visibility.PUBLIC, Session.Visibility.AFFILIATES, Session.Visibility.HIDDEN][
            index % 3
        ]
        session = factories.SessionFactory(event=event, visibility=visibility)
        factories.SessionSpeakerFactory(session=session)
        factories.SessionSpeakerFactory(session=session, role="moderator")
        # Its materials: a link and a file (whose download link names the event and session).
        factories.SessionMaterialFactory(session=session)
        factories.SessionMaterialFactory(
            session=session, url="", file=SimpleUploadedFile(f"slides-{index}.pdf", b"%PDF-1.4")
        )


@pytest.fixture(params=["small", "large"])
def conference(request):
    event = factories.EventFactory(slug="conf")
    factories.EventPartnerFactory(event=event)
    _add_programme(event, 3 if request.param == "small" else 30)
    return event


# (viewer, queries). Anonymous: event, partners, sessions, speakers.
# Logged in adds the session and user rows; an affiliate check adds two more.
PAGE_QUERIES = {"anonymous": 4, "affiliate": 8, "staff": 6}
# The event page adds the registration box: the event's registration settings,
# and for a logged-in viewer their own registration; and the materials of the sessions
# the viewer sees in full.
EVENT_PAGE_QUERIES = {"anonymous": 6, "affiliate": 11, "staff": 9}


def _client_for(kind, client):
    if kind == "affiliate":
        client.force_login(factories.MembershipFactory().user)
    elif kind == "staff":
        client.force_login(factories.StaffFactory())
    return client


@pytest.mark.parametrize("kind", PAGE_QUERIES)
def test_conference_page_queries_do_not_grow_with_programme(
    kind, client, conference, django_assert_num_queries
):
    client = _client_for(kind, client)

    with django_assert_num_queries(EVENT_PAGE_QUERIES[kind]):
        response = client.get(conference.get_absolute_url())

    assert response.status_code == 200


@pytest.mark.parametrize("kind", PAGE_QUERIES)
def test_printable_programme_queries_do_not_grow(kind, client, conference, django_assert_num_queries):
    client = _client_for(kind, client)

    with django_assert_num_queries(PAGE_QUERIES[kind]):
        client.get(reverse("events:programme_print", kwargs={"slug": conference.slug}))


@pytest.mark.parametrize("kind", PAGE_QUERIES)
def test_event_calendar_queries_do_not_grow(kind, client, conference, django_assert_num_queries):
    client = _client_for(kind, client)

    with django_assert_num_queries(PAGE_QUERIES[kind]):
        client.get(reverse("events:event_ics", kwargs={"slug": conference.slug}))


def test_speakers_page_queries_do_not_grow(client, conference, django_assert_num_queries):
    # event, partners (prefetched with the event), speakers, their sessions
    with django_assert_num_queries(4):
        client.get(reverse("events:speakers", kwargs={"slug": conference.slug}))


def test_session_page_queries(client, conference, django_assert_num_queries):
    session = conference.sessions.filter(visibility=Session.Visibility.PUBLIC).first()

    # event, partners, the session, its speakers, its materials
    with django_assert_num_queries(5):
        client.get(session.get_absolute_url())


@pytest.mark.parametrize("events", [2, 20])
def test_home_and_series_queries_do_not_grow_with_events(events, client, django_assert_num_queries):
    series = factories.WebinarSeriesFactory()
    for _ in range(events):
        factories.EventFactory()
        factories.WebinarFactory(series=series)

    with django_assert_num_queries(2):
        client.get(reverse("events:home"))
    with django_assert_num_queries(3):
        client.get(series.get_absolute_url())
    # The past events, and when the next upcoming one ends (then the page changes).
    with django_assert_num_queries(2):
        client.get(reverse("events:past_events"))
