"""What a page tells search engines and link previews: its title, description, canonical address,
Open Graph tags, favicon, and for a public event schema.org Event data that holds nothing the
public may not see. Also the error pages in the site's style, and the account pages' wording."""

import datetime
import json
import re
import zoneinfo
from html import unescape
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.shortcuts import render
from django.template import loader
from django.test import Client, RequestFactory
from django.urls import include, path, reverse

from events.models import Event, EventPartner
from tests import factories

SITE_URL = "https://events.example.org"
BRUSSELS = zoneinfo.ZoneInfo("Europe/Brussels")


def boom(request):
    raise RuntimeError("a bug")


# For the 500 page: the site's URLs plus one view that fails.
urlpatterns = [path("boom/", boom), path("", include("ewevents.urls"))]


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = SITE_URL


def meta(html, key):
    """The content of <meta name=key> or <meta property=key>, unescaped; None when absent."""
    found = re.findall(rf'<meta (?:name|property)="{re.escape(key)}" content="([^"]*)">', html)
    assert len(found) <= 1, (key, found)
    return unescape(found[0]) if found else None


def canonical(html):
    found = re.findall(r'<link rel="canonical" href="([^"]*)">', html)
    return found[0] if found else None


def title(html):
    return " ".join(unescape(re.search(r"<title>(.*?)</title>", html, re.DOTALL).group(1)).split())


def json_ld(html):
    """Each JSON-LD block of the page, parsed."""
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.DOTALL)
    return [json.loads(block) for block in blocks]


def h1s(html):
    return [" ".join(text.split()) for text in re.findall(r"<h1[^>]*>(.*?)</h1>", html, re.DOTALL)]


@pytest.fixture
def conference(conference_with_mixed_sessions):
    event = conference_with_mixed_sessions.event
    event.summary = "Learning and exchange on public procurement & labour rights."
    event.start = datetime.datetime(2031, 11, 6, 9, 0, tzinfo=BRUSSELS)
    event.end = datetime.datetime(2031, 11, 7, 17, 0, tzinfo=BRUSSELS)
    event.save()
    for session in event.sessions.all():
        session.start = session.start.replace(year=2031, month=11, day=6)
        session.end = session.start + datetime.timedelta(hours=1)
        session.save()
    factories.EventPartnerFactory(event=event, name="Electronics Watch", role=EventPartner.Role.HOST)
    return conference_with_mixed_sessions


@pytest.fixture
def webinar():
    return factories.WebinarFactory(
        title="Labour rights criteria in ICT tenders",
        summary="How to write labour rights into ICT tenders.",
        start=datetime.datetime(2031, 12, 2, 10, 0, tzinfo=zoneinfo.ZoneInfo("Europe/London")),
        end=datetime.datetime(2031, 12, 2, 11, 0, tzinfo=zoneinfo.ZoneInfo("Europe/London")),
        time_zone="Europe/London",
        join_url="https://meet.example.com/j/SECRET-JOIN",
        status=Event.Status.PUBLISHED,
    )


# --- Title, description, canonical, Open Graph ----------------------------------------------


@pytest.mark.django_db
def test_event_page_names_the_event_for_search_engines_and_link_previews(client, conference):
    event = conference.event
    html = client.get(event.get_absolute_url() + "?utm_source=newsletter").content.decode()

    page_url = SITE_URL + event.get_absolute_url()
    assert title(html) == "Mixed Conference · Electronics Watch events"
    assert meta(html, "description") == event.summary
    assert canonical(html) == page_url
    assert meta(html, "og:url") == page_url
    assert meta(html, "og:title") == "Mixed Conference"
    assert meta(html, "og:description") == event.summary
    assert meta(html, "og:type") == "website"
    assert meta(html, "og:site_name") == "Electronics Watch events"
    assert meta(html, "og:locale") == "en_GB"
    assert meta(html, "og:locale:alternate") == "es_ES"
    assert meta(html, "og:image").startswith(SITE_URL + "/static/img/")
    assert meta(html, "twitter:card") == "summary"


@pytest.mark.django_db
def test_spanish_pages_say_their_locale(client, conference):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    html = client.get(conference.event.get_absolute_url()).content.decode()

    assert '<html lang="es">' in html
    assert meta(html, "og:locale") == "es_ES"
    assert meta(html, "og:locale:alternate") == "en_GB"


@pytest.mark.django_db
def test_series_speakers_and_home_pages_have_their_own_title_and_description(client, webinar):
    series = webinar.series
    series.summary = "Free webinars for public sector buyers."
    series.save()
    event = factories.EventFactory(title="Speakers Conference", summary="Two days in Brussels.")
    factories.SessionSpeakerFactory(session__event=event, speaker__name="Ana Speaker")

    html = client.get(series.get_absolute_url() + "?topic=x").content.decode()
    assert title(html) == f"{series.title} · Electronics Watch events"
    assert meta(html, "description") == series.summary
    assert meta(html, "og:title") == series.title
    assert canonical(html) == SITE_URL + series.get_absolute_url()

    html = client.get(reverse("events:speakers", args=[event.slug])).content.decode()
    assert title(html) == "Speakers: Speakers Conference · Electronics Watch events"
    assert "Speakers Conference" in meta(html, "description")
    assert meta(html, "og:title") == "Speakers: Speakers Conference"
    assert meta(html, "og:description") == "Two days in Brussels."

    html = client.get(reverse("events:home")).content.decode()
    assert meta(html, "og:title") == "Electronics Watch events"
    assert "electronics supply chains" in meta(html, "og:description")
    assert canonical(html) == SITE_URL + "/"
    assert json_ld(html) == []


@pytest.mark.django_db
def test_restricted_session_page_describes_nothing_restricted_to_the_public(client, conference):
    public_html = client.get(conference.public.get_absolute_url()).content.decode()
    assert meta(public_html, "description") == "Open panel description."
    assert meta(public_html, "og:title") == "Open panel"

    html = client.get(conference.teaser.get_absolute_url()).content.decode()
    assert meta(html, "og:title") == "Restricted conversation"
    assert "affiliates" in meta(html, "description")
    assert "SECRET" not in html


# --- schema.org Event data ------------------------------------------------------------------


@pytest.mark.django_db
def test_conference_page_has_event_data_with_local_times_and_its_venue(client, conference):
    event = conference.event
    html = client.get(event.get_absolute_url()).content.decode()

    [data] = json_ld(html)
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "Event"
    assert data["name"] == "Mixed Conference"
    assert data["description"] == event.summary
    assert data["startDate"] == "2031-11-06T09:00:00+01:00"
    assert data["endDate"] == "2031-11-07T17:00:00+01:00"
    assert data["eventStatus"] == "https://schema.org/EventScheduled"
    assert data["eventAttendanceMode"] == "https://schema.org/OfflineEventAttendanceMode"
    assert data["location"]["@type"] == "Place"
    assert data["location"]["name"] == event.venue.name
    assert data["location"]["address"]["addressLocality"] == event.venue.city
    assert data["organizer"] == [{"@type": "Organization", "name": "Electronics Watch"}]
    assert data["isAccessibleForFree"] is True
    assert data["offers"]["price"] == 0
    assert data["url"] == SITE_URL + event.get_absolute_url()
    # The one session the public sees in full; not the teaser, the hidden one or the break.
    assert [sub["name"] for sub in data["subEvent"]] == ["Open panel"]
    assert data["subEvent"][0]["url"] == SITE_URL + conference.public.get_absolute_url()


@pytest.mark.parametrize("as_affiliate", [False, True])
@pytest.mark.django_db
def test_event_data_never_holds_restricted_sessions_whoever_looks(client, conference, as_affiliate):
    if as_affiliate:
        client.force_login(factories.MembershipFactory().user)
    html = client.get(conference.event.get_absolute_url()).content.decode()
    if as_affiliate:
        assert "SECRET teaser description" in html  # the page itself shows it to them

    text = json.dumps(json_ld(html))
    for secret in ("Restricted conversation", "Hidden closed meeting", "SECRET", "Secret Speaker"):
        assert secret not in text


@pytest.mark.django_db
def test_webinar_data_is_online_at_its_page_never_at_its_join_link(client, webinar):
    html = client.get(webinar.get_absolute_url()).content.decode()

    [data] = json_ld(html)
    assert data["eventAttendanceMode"] == "https://schema.org/OnlineEventAttendanceMode"
    assert data["location"] == {"@type": "VirtualLocation", "url": SITE_URL + webinar.get_absolute_url()}
    assert data["startDate"] == "2031-12-02T10:00:00+00:00"
    assert data["organizer"]["name"] == "Electronics Watch"
    assert "SECRET-JOIN" not in html


@pytest.mark.django_db
def test_hybrid_event_is_both_at_its_venue_and_online(client):
    event = factories.EventFactory(kind=Event.Kind.HYBRID)
    [data] = json_ld(client.get(event.get_absolute_url()).content.decode())

    assert data["eventAttendanceMode"] == "https://schema.org/MixedEventAttendanceMode"
    assert [location["@type"] for location in data["location"]] == ["Place", "VirtualLocation"]


@pytest.mark.django_db
def test_draft_event_has_no_event_data(client):
    draft = factories.EventFactory(status=Event.Status.DRAFT)
    client.force_login(factories.StaffFactory())

    response = client.get(draft.get_absolute_url())

    assert response.status_code == 200
    assert json_ld(response.content.decode()) == []


@pytest.mark.django_db
def test_event_data_cannot_end_its_script_element(client):
    event = factories.EventFactory(title="</script><script>alert(1)</script> & more")
    html = client.get(event.get_absolute_url()).content.decode()

    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.DOTALL).group(1)
    for character in "<>&":
        assert character not in block
    assert json.loads(block)["name"] == "</script><script>alert(1)</script> & more"


# --- Favicon ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_pages_link_a_favicon_that_exists(client):
    html = client.get(reverse("events:home")).content.decode()

    assert '<link rel="icon" href="/static/img/favicon.svg" type="image/svg+xml">' in html
    assert '<link rel="icon" href="/static/favicon.ico" sizes="32x32">' in html
    assert '<link rel="apple-touch-icon" href="/static/img/apple-touch-icon.png">' in html
    assert Path(finders.find("img/favicon.svg")).read_text().startswith("<svg")
    assert Path(finders.find("favicon.ico")).read_bytes()[:4] == b"\x00\x00\x01\x00"
    assert Path(finders.find("img/apple-touch-icon.png")).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"] == "/static/favicon.ico"


# --- Error pages ------------------------------------------------------------------------------


def assert_in_site_style(html):
    assert '<link rel="stylesheet" href="/static/css/site.css">' in html
    assert '<header class="site-header">' in html
    assert '<footer class="site-footer">' in html
    assert 'src="/static/img/favicon.svg"' in html


@pytest.mark.django_db
def test_not_found_page_is_in_the_site_style_and_helps_onwards(client):
    response = client.get("/no-such-page/")
    html = response.content.decode()

    assert response.status_code == 404
    assert_in_site_style(html)
    assert h1s(html) == ["Page not found"]
    assert f'href="{reverse("events:home")}"' in html
    assert canonical(html) is None


@pytest.mark.urls(__name__)
@pytest.mark.django_db
def test_server_error_page_is_in_the_site_style(settings):
    settings.DEBUG = False
    client = Client(raise_request_exception=False)

    response = client.get("/boom/")
    html = response.content.decode()

    assert response.status_code == 500
    assert_in_site_style(html)
    assert h1s(html) == ["Something went wrong"]
    assert '<a class="btn btn-primary" href="/">Back to the events</a>' in html


def test_server_error_page_renders_without_request_or_database():
    # As Django's server_error renders it: an empty context, no context processors. Without the
    # django_db mark, any database query would fail this test.
    html = loader.get_template("500.html").render()
    assert_in_site_style(html)


@pytest.mark.django_db
def test_too_many_attempts_page_is_in_the_site_style():
    request = RequestFactory().get("/events/x/register/")
    request.user = factories.UserFactory.build()
    html = render(request, "429.html", {}, status=429).content.decode()

    assert_in_site_style(html)
    assert h1s(html) == ["Too many attempts"]


# --- Account pages say "Log in", like the navigation ------------------------------------------


def submit_buttons(html):
    return [
        " ".join(text.split())
        for text in re.findall(r'<button[^>]*type="submit"[^>]*>(.*?)</button>', html, re.DOTALL)
    ]


@pytest.mark.django_db
def test_account_pages_say_log_in_and_sign_up_like_the_navigation(client):
    login = client.get(reverse("account_login")).content.decode()
    assert h1s(login) == ["Log in"]
    assert title(login).startswith("Log in ·")
    assert "Log in" in submit_buttons(login)

    signup = client.get(reverse("account_signup")).content.decode()
    assert h1s(signup) == ["Sign up"]
    assert "Sign up" in submit_buttons(signup)
    assert re.search(r'Then please\s*<a href="[^"]*">\s*log in\s*</a>', signup)

    reset = client.get(reverse("account_reset_password")).content.decode()
    for html in (login, signup, reset):
        assert not re.search(r"sign[ -]?in", html, re.IGNORECASE)

    client.force_login(factories.UserFactory())
    logout = client.get(reverse("account_logout")).content.decode()
    assert h1s(logout) == ["Log out"]
    assert "Log out" in submit_buttons(logout)
    assert not re.search(r"sign[ -]?out", logout, re.IGNORECASE)


@pytest.mark.django_db
def test_spanish_account_pages_use_the_navigation_words(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"

    login = client.get(reverse("account_login")).content.decode()
    assert h1s(login) == ["Iniciar sesión"]
    assert "Iniciar sesión" in submit_buttons(login)

    signup = client.get(reverse("account_signup")).content.decode()
    # The navigation's "Sign up" is "Crear una cuenta"; allauth's own word was "Registrarse".
    assert h1s(signup) == ["Crear una cuenta"]
    assert "Crear una cuenta" in submit_buttons(signup)
    assert "Registrarse" not in signup
