"""The registration journey's pages: the event beside the form, the confirmation page's calendar
links and next steps, and the manage page's status, door code, own sessions and their .ics."""

import re
from html import unescape

import pytest
from django.urls import reverse

from registrations.signup import emails
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_minimum_fill_time(settings):
    settings.REGISTRATION_MIN_FILL_SECONDS = 0


@pytest.fixture(autouse=True)
def _stub_email_rendering(monkeypatch):
    """These tests are about pages, not about how emails look."""
    monkeypatch.setattr(
        emails,
        "render_email",
        lambda *, registration, kind, **_: {"subject": str(kind), "body_text": str(kind)},
    )


def register_url(event):
    return reverse("registrations:register", kwargs={"slug": event.slug})


def plain(html):
    """The text of `html`: <time> and <a> elements run into their words, other tags are spaces."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.DOTALL)
    html = re.sub(r"</?(time|a|strong|span)\b[^>]*>", "", html)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def text_of(response):
    return plain(response.content.decode())


def summary_of(response):
    html = response.content.decode()
    return re.search(r'<aside class="event-summary-box.*?</aside>', html, re.DOTALL).group(0)


# The event beside the form


def test_the_form_page_summarises_the_event_with_the_sessions_a_guest_may_choose(
    client, conference_with_mixed_sessions
):
    c = conference_with_mixed_sessions

    summary = summary_of(client.get(register_url(c.event)))

    text = plain(summary)
    assert "Mixed Conference" in text
    assert "6–7 November 2030" in text
    assert "Herman Tierlinck Building, Brussels" in text
    assert "Sessions offered" in text
    assert "Wed 6 Nov, 9:00–10:30 Open panel" in text
    # Nothing a guest may not choose, breaks included.
    for title in ("Restricted conversation", "Hidden closed meeting", "Coffee break", "SECRET"):
        assert title not in text


def test_an_affiliate_sees_the_restricted_sessions_they_may_choose_in_the_summary(
    client, conference_with_mixed_sessions, affiliate_user
):
    c = conference_with_mixed_sessions
    client.force_login(affiliate_user)

    summary = summary_of(client.get(register_url(c.event)))

    assert "Restricted conversation" in summary
    assert "Coffee break" not in summary


def test_a_webinar_summary_says_it_is_online_with_its_time_and_zone(client):
    webinar = factories.WebinarFactory(title="CPT webinar")

    summary = summary_of(client.get(register_url(webinar)))

    text = plain(summary)
    assert "CPT webinar" in text
    assert "Monday 17 June 2030, 10:00–11:00 London time (BST)" in text
    assert "Online: the link is for registrants" in text
    assert "Sessions offered" not in text
