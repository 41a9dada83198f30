import datetime as dt

import pytest
from django.urls import reverse

from events.models import Session
from tests import factories
from tests.conftest import make_viewer

pytestmark = pytest.mark.django_db

AFFILIATES = Session.Visibility.AFFILIATES


def _items(html):
    """The programme's rows, each the markup of one <li class="programme-item ...">."""
    return [item.split("</li>\n", 1)[0] for item in html.split('<li class="programme-item')[1:]]


def _programme(event, start_hours):
    """Sessions of `event` starting at each hour: (title, kind, visibility)."""
    for hour, (title, kind, visibility) in start_hours.items():
        start = event.start.replace(hour=hour)
        factories.SessionFactory(
            event=event,
            title=title,
            kind=kind,
            visibility=visibility,
            start=start,
            end=start + dt.timedelta(minutes=50),
        )


@pytest.fixture
def day_of_closed_sessions():
    event = factories.EventFactory(slug="closed-day")
    P, B, PUBLIC = Session.Kind.PANEL, Session.Kind.BREAK, Session.Visibility.PUBLIC
    _programme(
        event,
        {
            9: ("Welcome", P, PUBLIC),
            10: ("Closed panel one", P, AFFILIATES),
            11: ("Closed panel two", P, AFFILIATES),
            12: ("Coffee break", B, AFFILIATES),
            13: ("Closed panel three", P, AFFILIATES),
            14: ("Open closing", P, PUBLIC),
        },
    )
    return event


def test_a_restricted_coffee_break_is_listed_on_its_own_without_a_restricted_badge(client):
    event = factories.EventFactory()
    factories.SessionFactory(
        event=event, title="Coffee break", kind=Session.Kind.BREAK, visibility=AFFILIATES
    )
    factories.SessionFactory(
        event=event, title="Closed panel", kind=Session.Kind.PANEL, visibility=AFFILIATES
    )

    html = client.get(event.get_absolute_url()).content.decode()

    break_item = next(item for item in _items(html) if "Coffee break" in item)
    assert "restricted-badge" not in break_item
    assert "hidden-block" not in break_item


def test_a_run_of_restricted_sessions_is_one_quiet_line_and_the_page_says_once_who_sees_them(
    client, day_of_closed_sessions
):
    html = client.get(day_of_closed_sessions.get_absolute_url()).content.decode()

    blocks = [item for item in _items(html) if "hidden-block" in item]
    # 10:00 and 11:00 run together; the coffee break (never locked) ends the run; 13:00 is a run of one.
    assert len(blocks) == 2
    assert "2 sessions for affiliates and monitoring partners:" in blocks[0]
    assert "Closed panel one" in blocks[0]
    assert "Closed panel two" in blocks[0]
    assert (
        '<time datetime="2030-11-06T10:00:00+01:00">10:00</time>–'
        '<time datetime="2030-11-06T11:50:00+01:00">11:50</time>' in blocks[0]
    )
    assert "For affiliates and monitoring partners:" in blocks[1]
    assert "Closed panel three" in blocks[1]
    assert "restricted-badge" not in html.split('id="programme-heading"', 1)[1]
    assert html.count("Log in to see the details") == 1
    assert html.count("Who sees every session") == 1


def test_a_logged_in_non_affiliate_is_told_how_to_be_linked_to_an_affiliate(
    client, settings, day_of_closed_sessions
):
    settings.CONTACT_EMAIL = "events@example.org"
    client.force_login(make_viewer("non_affiliate"))

    html = client.get(day_of_closed_sessions.get_absolute_url()).content.decode()

    assert "Your account is not linked to an affiliate or monitoring partner." in html
    assert '<a href="mailto:events@example.org">events@example.org</a>' in html
    assert "Log in to see the details" not in html


def test_an_affiliate_sees_every_session_in_full_and_no_note(client, day_of_closed_sessions):
    client.force_login(make_viewer("member"))

    html = client.get(day_of_closed_sessions.get_absolute_url()).content.decode()

    assert "hidden-block" not in html
    assert "Who sees every session" not in html
    badged = [item for item in _items(html) if "restricted-badge" in item]
    assert len(badged) == 3  # the three closed panels; the break is never badged
    assert not any("Coffee break" in item for item in badged)


def test_the_printed_programme_groups_the_same_way(client, day_of_closed_sessions):
    url = reverse("events:programme_print", kwargs={"slug": day_of_closed_sessions.slug})

    html = client.get(url).content.decode()

    assert len([item for item in _items(html) if "hidden-block" in item]) == 2
    assert html.count("Who sees every session") == 1
