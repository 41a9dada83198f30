"""Pages stay light and static files are served for a long life, compressed.

Every public page's HTML is under PAGE_LIMIT bytes, in English and Spanish, for the
demo data and for a big realistic programme and webinar series. With production
storage, `collectstatic` writes hashed and compressed files, pages link the hashed
names, and whitenoise serves them compressed with a far-future, immutable Cache-Control.
"""

import datetime as dt
import gzip
import re
import zoneinfo
from html.parser import HTMLParser

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import translation

from events.models import Session
from registrations.models import RegistrationSettings
from tests import factories, pages

PAGE_LIMIT = 100_000  # bytes of HTML, before compression
BRUSSELS = zoneinfo.ZoneInfo("Europe/Brussels")
LONDON = zoneinfo.ZoneInfo("Europe/London")

SENTENCES = [
    "Public buyers, trade unions and worker-driven monitors compare what they learnt this year.",
    "Speakers from Mexico, the Philippines, Malaysia and Czechia present cases of forced labour risks.",
    "The panel discusses how contract clauses, audits and remedy plans reach the factory floor.",
    "Participants leave with practical steps for tenders, contract management and supplier dialogue.",
    "Interpretation into Spanish is provided; questions from the floor are welcome throughout.",
]


def long_text(paragraphs, seed=0):
    """`paragraphs` paragraphs of about 450 characters each: realistic, not repetitive markup."""
    return "\n\n".join(
        " ".join(SENTENCES[(seed + paragraph + index) % len(SENTENCES)] for index in range(5))
        for paragraph in range(paragraphs)
    )


def big_conference():
    """40 sessions over 3 days with 30 speakers, long descriptions and bios; registration open."""
    event = factories.EventFactory(
        title="Annual Conference on Public Procurement and Labour Rights",
        slug="big-conference",
        start=dt.datetime(2030, 11, 4, 9, 0, tzinfo=BRUSSELS),
        end=dt.datetime(2030, 11, 6, 18, 0, tzinfo=BRUSSELS),
        description=long_text(4),
        practical_information=long_text(2, seed=1),
    )
    factories.EventPartnerFactory(event=event, name="Flemish Government", role="supporter")
    factories.RegistrationSettingsFactory(event=event, mode=RegistrationSettings.Mode.OPEN)
    speakers = [
        factories.SpeakerFactory(
            name=f"Speaker Firstname Lastname {number}",
            role="Programme coordinator for supply chain accountability",
            organisation="Centro de Reflexión y Acción Laboral",
            bio=long_text(2, seed=number),
        )
        for number in range(30)
    ]
    visibilities = [Session.Visibility.PUBLIC, Session.Visibility.AFFILIATES, Session.Visibility.PUBLIC]
    for number in range(40):
        day, slot = divmod(number, 14)
        start = event.start + dt.timedelta(days=day, minutes=35 * slot)
        session = factories.SessionFactory(
            event=event,
            title=f"Panel {number}: remedy for workers in the electronics supply chain",
            start=start,
            end=start + dt.timedelta(minutes=30),
            room="Room Jan van Eyck",
            description=long_text(3, seed=number),
            visibility=visibilities[number % 3],
        )
        for offset in range(3):
            factories.SessionSpeakerFactory(session=session, speaker=speakers[(number + offset * 7) % 30])
    return event


def big_series():
    """A webinar series of 60 webinars (12 upcoming, 48 past) with long descriptions and topics."""
    series = factories.WebinarSeriesFactory(
        title="Webinars for public buyers", slug="big-series", description=long_text(2)
    )
    topics = [factories.TopicFactory(name=name) for name in ("Forced labour", "Due diligence", "Remedy")]
    # Webinar 48, the first upcoming one, is tomorrow: today's would be past from 11:00 on.
    tomorrow = dt.datetime.now(LONDON) + dt.timedelta(days=1)
    first = tomorrow.replace(hour=10, minute=0, second=0, microsecond=0)
    for number in range(60):
        start = first + dt.timedelta(weeks=number - 48)
        factories.WebinarFactory(
            series=series,
            title=f"Webinar {number}: socially responsible public procurement of ICT hardware",
            slug=f"big-webinar-{number}",
            start=start,
            end=start + dt.timedelta(hours=1),
            summary=long_text(1, seed=number),
            highlights="\n".join(SENTENCES[:4]),
            description=long_text(4, seed=number),
            recording_url=f"https://example.org/recordings/{number}" if number < 48 else "",
            topics=[topics[number % 3]],
        )
    return series


def _public_urls(event, series):
    session = event.sessions.order_by("start").first()
    webinar = series.events.order_by("start").last()
    return [
        reverse("events:home"),
        reverse("events:past_events"),
        event.get_absolute_url(),
        reverse("events:programme_print", kwargs={"slug": event.slug}),
        reverse("events:speakers", kwargs={"slug": event.slug}),
        session.get_absolute_url(),
        reverse("registrations:register", kwargs={"slug": event.slug}),
        series.get_absolute_url(),
        webinar.get_absolute_url(),
    ]


def _size(client, url, language):
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(url)
    assert response.status_code == 200, url
    return len(response.content)


@pytest.mark.django_db
@pytest.mark.parametrize("language", pages.LANGUAGES)
@pytest.mark.parametrize("viewer", ["anonymous", "affiliate"])
def test_pages_of_a_big_programme_and_series_stay_under_the_limit(viewer, language, client):
    if viewer == "affiliate":  # sees every session in full: the heaviest pages
        client.force_login(factories.MembershipFactory().user)
    with translation.override("en"):
        urls = _public_urls(big_conference(), big_series())

    sizes = {url: _size(client, url, language) for url in urls}

    too_big = {url: size for url, size in sizes.items() if size > PAGE_LIMIT}
    assert not too_big, f"pages over {PAGE_LIMIT} bytes: {too_big}"


@pytest.mark.django_db
def test_long_session_descriptions_are_shortened_in_the_programme_and_whole_on_the_session_page(client):
    ending = "Lunch follows in the Atrium."
    with translation.override("en"):
        session = factories.SessionFactory(description=f"{long_text(3)}\n\n{ending}")
    opening = " ".join(session.description.split()[:40])

    programme = " ".join(client.get(session.event.get_absolute_url()).content.decode().split())
    session_page = client.get(session.get_absolute_url()).content.decode()

    assert programme.count(opening) == 1
    assert programme.count(ending) == 0
    assert session_page.count(ending) == 1


@pytest.mark.django_db
def test_series_page_shows_past_webinars_a_page_at_a_time(client):
    with translation.override("en"):
        series = big_series()
    url = series.get_absolute_url()

    first = client.get(url).content.decode()
    second = client.get(url, {"page": 2}).content.decode()
    filtered = client.get(url, {"topic": "remedy", "page": 1}).content.decode()

    # 12 upcoming and the 20 latest past webinars; the older ones on the next pages.
    assert "Webinar 59:" in first
    assert "Webinar 28:" in first
    assert "Webinar 27:" not in first
    assert 'href="?page=2#past-heading"' in first
    assert "Webinar 27:" in second
    assert "Webinar 8:" in second
    assert "Webinar 7:" not in second
    assert 'href="?page=1#past-heading"' in second
    assert 'href="?page=3#past-heading"' in second
    assert "Webinar 0:" in client.get(url, {"page": 3}).content.decode()
    assert "Webinar 0:" in client.get(url, {"page": "999"}).content.decode()  # the last page
    assert 'href="?topic=remedy&amp;page=2#past-heading"' not in filtered  # 16 past: one page


@pytest.mark.django_db
def test_demo_pages_stay_under_the_limit(settings):
    pages.configure(settings)
    checked = [page for page in pages.build_pages() if page.method == "GET"]

    sizes = {str(page): len(pages.fetch(page).content) for page in checked}

    too_big = {page: size for page, size in sizes.items() if size > PAGE_LIMIT}
    assert not too_big, f"pages over {PAGE_LIMIT} bytes: {too_big}"
    assert max(sizes.values()) > 1000, "the pages were not rendered"


class _Collector(HTMLParser):
    """Collects the <img> tags and the stylesheet and script URLs of a page."""

    def __init__(self):
        super().__init__()
        self.images, self.assets = [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "img":
            self.images.append(attrs)
        elif tag == "link" and "stylesheet" in (attrs.get("rel") or "").split():
            self.assets.append(attrs["href"])
        elif tag == "script" and attrs.get("src"):
            self.assets.append(attrs["src"])


def _collected(html):
    collector = _Collector()
    collector.feed(html)
    return collector


@pytest.mark.django_db
def test_every_image_on_the_public_pages_has_its_size(settings):
    pages.configure(settings)
    checked = [page for page in pages.build_pages() if page.method == "GET"]

    unsized = [
        f"{page}: {image}"
        for page in checked
        for image in _collected(pages.fetch(page).content.decode()).images
        if not (image.get("width") and image.get("height"))
    ]

    assert not unsized, "images without width and height:\n" + "\n".join(unsized)


@pytest.fixture
def production_static(settings, tmp_path):
    """Production static files: collected into a temporary STATIC_ROOT with whitenoise's storage."""
    settings.DEBUG = False
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    call_command("collectstatic", interactive=False, verbosity=0)
    return settings.STATIC_ROOT


@pytest.mark.django_db
def test_collectstatic_writes_hashed_and_compressed_files(production_static):
    css = list(production_static.glob("vendor/bootstrap/bootstrap.min.*.css"))
    assert css, "no hashed bootstrap.min.css"
    hashed = css[0]
    assert re.fullmatch(r"bootstrap\.min\.[0-9a-f]{12}\.css", hashed.name)
    compressed = hashed.with_name(hashed.name + ".gz")
    assert compressed.exists()
    assert gzip.decompress(compressed.read_bytes()) == hashed.read_bytes()
    assert compressed.stat().st_size < hashed.stat().st_size / 4
    try:
        import brotli  # noqa: F401
    except ImportError:
        pass
    else:
        assert hashed.with_name(hashed.name + ".br").exists()


def _asset_urls(client):
    """The stylesheets and scripts of the home page, a printable programme and the check-in page."""
    event = factories.EventFactory()
    client.force_login(factories.StaffFactory())
    assets = set()
    for url in [
        reverse("events:home"),
        reverse("events:programme_print", kwargs={"slug": event.slug}),
        reverse("registrations:checkin", kwargs={"slug": event.slug}),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assets.update(_collected(response.content.decode()).assets)
    return sorted(assets)


@pytest.mark.django_db
def test_pages_link_hashed_static_files_served_compressed_for_a_year(production_static):
    # Whitenoise reads STATIC_ROOT when its middleware starts: a new Client starts a new one.
    client = Client()

    assets = _asset_urls(client)

    assert any(url.endswith(".css") for url in assets)
    assert any(url.endswith(".js") for url in assets)
    for url in assets:
        assert re.search(r"\.[0-9a-f]{12}\.(css|js)$", url), f"{url} is not a hashed name"
        response = client.get(url, HTTP_ACCEPT_ENCODING="gzip")
        assert response.status_code == 200, url
        assert response["Content-Encoding"] == "gzip", url
        assert "immutable" in response["Cache-Control"], url
        assert "max-age=315360000" in response["Cache-Control"], url
        body = b"".join(response.streaming_content)
        assert gzip.decompress(body)
        plain = client.get(url)
        assert "Content-Encoding" not in plain, url
