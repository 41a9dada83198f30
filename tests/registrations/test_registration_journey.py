"""The registration journey's pages: the event beside the form, the confirmation page's calendar
links and next steps, and the manage page's status, door code, own sessions and their .ics."""

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse

from registrations.models import Registration, RegistrationSettings
from registrations.signup import emails, services
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


# The confirmation page


def event_with(**settings):
    event = factories.EventFactory(title="Mixed Conference")
    factories.RegistrationSettingsFactory(event=event, **settings)
    return event


def post_registration(client, event, email="ana@example.com"):
    data = {
        "name": "Ana Guest",
        "email": email,
        "time_zone": "Europe/Brussels",
        "language": "en",
        "privacy_consent": "on",
    }
    return client.post(register_url(event), data, follow=True)


def links_of(response):
    return dict(
        re.findall(
            r'<a class="btn btn-outline-primary" href="([^"]*)"[^>]*>([^<]*)</a>',
            unescape(response.content.decode()),
        )
    )


def test_a_confirmed_guest_gets_google_outlook_and_apple_calendar_links_to_the_event(client):
    event = event_with()

    response = post_registration(client, event)

    by_name = {name: url for url, name in links_of(response).items()}
    google = urlsplit(by_name["Google Calendar"])
    assert (google.scheme, google.netloc, google.path) == ("https", "calendar.google.com", "/calendar/render")
    assert parse_qs(google.query) == {
        "action": ["TEMPLATE"],
        "text": ["Mixed Conference"],
        "dates": ["20301106T080000Z/20301107T153000Z"],
        "details": [f"{event.summary}\n\n{django_settings.SITE_URL}{event.get_absolute_url()}"],
        "location": ["Herman Tierlinck Building, Brussels, Belgium"],
        "ctz": ["Europe/Brussels"],
    }
    outlook = urlsplit(by_name["Outlook"])
    assert (outlook.netloc, outlook.path) == ("outlook.live.com", "/calendar/0/deeplink/compose")
    query = parse_qs(outlook.query)
    assert (query["subject"], query["startdt"], query["enddt"], query["rru"]) == (
        ["Mixed Conference"],
        ["2030-11-06T08:00:00Z"],
        ["2030-11-07T15:30:00Z"],
        ["addevent"],
    )
    assert by_name["Apple Calendar (.ics)"] == reverse("events:event_ics", kwargs={"slug": event.slug})


def test_calendar_links_never_carry_a_webinars_join_link(client):
    webinar = factories.WebinarFactory(join_url="https://join.example/SECRET-JOIN")
    factories.RegistrationSettingsFactory(event=webinar)

    response = post_registration(client, webinar)

    assert "Google Calendar" in response.content.decode()
    assert "SECRET-JOIN" not in response.content.decode()


@pytest.mark.parametrize(
    ("mode", "status", "next_steps"),
    [
        (
            {},
            "confirmed",
            [
                "Open the email we sent: it confirms your place",
                "The email also holds your code for the door",
                "Before the event we will send you practical information",
            ],
        ),
        (
            {"capacity": 0},
            "waitlisted",
            [
                "You are on the waiting list: there is nothing more to do for now.",
                "When a place becomes free, we will email you and hold it for you",
                "Can't come after all? Leave the waiting list",
            ],
        ),
        (
            {"mode": RegistrationSettings.Mode.APPROVAL},
            "pending",
            [
                "The organisers review each registration.",
                "We will email you their decision.",
                "Meanwhile, your private link",
            ],
        ),
    ],
)
def test_the_confirmation_page_says_what_happens_next_for_the_status(client, mode, status, next_steps):
    event = event_with(**mode)

    response = post_registration(client, event)

    assert Registration.objects.get().status == status
    steps = re.search(r"What happens next</h2>\s*<ol>(.*?)</ol>", response.content.decode(), re.DOTALL)
    items = [plain(item) for item in re.findall(r"<li>(.*?)</li>", steps.group(1), re.DOTALL)]
    assert len(items) == len(next_steps)
    for item, expected in zip(items, next_steps, strict=True):
        assert item.startswith(expected)
    # Only a confirmed place goes in a calendar.
    assert ("Google Calendar" in response.content.decode()) == (status == "confirmed")


def test_a_webinars_next_steps_promise_the_join_link_not_a_door_code(client):
    webinar = factories.WebinarFactory()
    factories.RegistrationSettingsFactory(event=webinar)

    text = text_of(post_registration(client, webinar))

    assert "Before the webinar we will send you a reminder with the link to join it." in text
    assert "code for the door" not in text


def test_the_confirmation_page_never_shows_the_private_link_whoever_sent_the_form(client):
    event = event_with()
    earlier = services.register(event=event, data={"name": "Ana", "email": "ana@example.com"})

    # Someone sends the form with an address registered before: the page must not open that registration.
    again = post_registration(client, event, email="ana@example.com")
    new = post_registration(client, event, email="bo@example.com")

    newest = Registration.objects.get(email="bo@example.com")
    for response, registration in ((again, earlier), (new, newest)):
        page = response.content.decode()
        assert "Check your email" in page
        assert registration.manage_token not in page
        assert "/registrations/manage/" not in page
        assert "Lost it? Get your private link by email" in text_of(response)


def test_a_logged_in_registrant_is_pointed_to_their_registrations(client, affiliate_user):
    event = event_with()
    client.force_login(affiliate_user)

    response = post_registration(client, event, email=affiliate_user.email)

    registration = Registration.objects.get()
    assert registration.manage_token not in response.content.decode()
    assert (
        f'<a href="{reverse("registrations:mine")}">See your registrations</a>' in response.content.decode()
    )


# The manage page


def manage_url(registration, name="registrations:manage"):
    return reverse(name, kwargs={"token": registration.manage_token})


def register(event, email, **data):
    return services.register(event=event, data={"name": "Someone", "email": email, **data})


@pytest.mark.parametrize(
    ("mode", "status", "badge"),
    [
        ({}, "confirmed", '<span class="badge status-badge text-bg-success">Confirmed</span>'),
        ({"capacity": 0}, "waitlisted", '<span class="badge status-badge text-bg-warning">Waitlisted</span>'),
        (
            {"mode": RegistrationSettings.Mode.APPROVAL},
            "pending",
            '<span class="badge status-badge text-bg-warning">Awaiting approval</span>',
        ),
    ],
)
def test_the_manage_page_shows_the_status_in_words_on_its_colour(client, mode, status, badge):
    event = event_with(**mode)
    registration = register(event, "ana@example.com")

    page = client.get(manage_url(registration)).content.decode()

    assert registration.status == status
    assert badge in page


def test_the_manage_page_shows_the_door_code_and_its_qr_never_the_private_link():
    event = event_with()
    registration = register(event, "ana@example.com")

    page = Client().get(manage_url(registration)).content.decode()

    door = re.search(r'<code class="door-code-text">([^<]+)</code>', page).group(1)
    assert door.replace("-", "") == registration.door_code
    assert registration.manage_token not in registration.door_code
    assert 'class="door-code-qr" src="data:image/png;base64,' in page


def test_the_change_form_is_behind_a_closed_disclosure_that_opens_on_errors(client):
    event = event_with()
    registration = register(event, "ana@example.com", time_zone="Europe/Brussels")

    shown = client.get(manage_url(registration)).content.decode()
    refused = client.post(
        manage_url(registration), {"name": "", "time_zone": "Europe/Brussels", "language": "en"}
    )

    assert (
        '<details class="change-registration mt-4">\n    <summary class="h4">Change my registration</summary>'
        in shown
    )
    assert '<details class="change-registration mt-4" open>' in refused.content.decode()
    assert "This field is required." in refused.content.decode()
    assert "Brussels (UTC+1)" in text_of(client.get(manage_url(registration)))


def test_my_sessions_ics_holds_only_the_sessions_i_hold_a_place_in(client, conference_with_mixed_sessions):
    c = conference_with_mixed_sessions
    factories.RegistrationSettingsFactory(event=c.event)
    workshop = factories.SessionFactory(event=c.event, title="Full workshop", capacity=1, start=c.public.end)
    register(c.event, "first@example.com", sessions=[workshop])
    ana = register(c.event, "ana@example.com", sessions=[c.public, workshop])

    response = client.get(manage_url(ana, "registrations:manage_ics"))

    content = response.content.decode()
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Cache-Control"] == "private, no-store"
    assert response["Content-Disposition"] == f'attachment; filename="{c.event.slug}-my-sessions.ics"'
    summaries = re.findall(r"^SUMMARY:(.*)\r$", content, re.MULTILINE)
    assert summaries == ["Open panel – Mixed Conference"]
    assert f"UID:session-{c.public.pk}@" in content
    assert "SECRET" not in content
    assert (
        f'href="{manage_url(ana, "registrations:manage_ics")}"'
        in client.get(manage_url(ana)).content.decode()
    )


def test_a_confirmed_webinar_registrant_s_ics_carries_the_join_link():
    webinar = factories.WebinarFactory(join_url="https://join.example/room-42")
    factories.RegistrationSettingsFactory(event=webinar)
    registration = register(webinar, "ana@example.com")

    content = Client().get(manage_url(registration, "registrations:manage_ics")).content.decode()

    assert "https://join.example/room-42" in content
    assert f"UID:event-{webinar.pk}@" in content


def test_a_registration_that_holds_no_place_has_no_ics_and_no_link_to_one(client):
    event = event_with(capacity=0)
    waiting = register(event, "ana@example.com")

    assert waiting.status == "waitlisted"
    assert client.get(manage_url(waiting, "registrations:manage_ics")).status_code == 404
    assert "calendar.ics" not in client.get(manage_url(waiting)).content.decode()
