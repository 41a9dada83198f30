"""The demo data: the seeds word for word, idempotent, with working demo logins."""

import datetime
import io
import zoneinfo

import pytest
from allauth.account.models import EmailAddress
from django.apps import apps
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command

from events.access import is_affiliate
from events.demo import (
    AFFILIATE_EMAIL,
    DEMO_ORGANISATION,
    DEMO_WORKSHOP,
    STAFF_EMAIL,
    first_wednesday_after,
    load_demo,
    login_url,
    resolve_password,
)
from events.models import (
    Event,
    EventPartner,
    Organisation,
    Session,
    SessionMaterial,
    SessionSpeaker,
    WebinarSeries,
)

PASSWORD = "x-test-pass-1"
TODAY = datetime.date(2026, 3, 2)  # a Monday
BRUSSELS = zoneinfo.ZoneInfo("Europe/Brussels")
AMSTERDAM = zoneinfo.ZoneInfo("Europe/Amsterdam")
UTC = datetime.UTC

# Written from seeds/000: (date, local start, local end, title), Brussels time.
WED = "2024-11-06"
THU = "2024-11-07"
SEED_PROGRAMME = [
    (WED, "9:00", "9:30", "Welcome"),
    (WED, "9:30", "11:00", "The evolving regulatory landscape and the practice of due diligence"),
    (WED, "11:00", "11:30", "Coffee break"),
    (
        WED,
        "11:30",
        "13:00",
        "Accountability for business harms: stories from workers' rights defenders from the mines to the "
        "factories",
    ),
    (WED, "13:00", "14:00", "Networking lunch"),
    (
        WED,
        "14:00",
        "15:30",
        "Expectations, realities, and trade-offs: conversations with monitoring partners and public buyers",
    ),
    (WED, "15:30", "16:00", "Coffee break"),
    (WED, "16:00", "17:30", "Collective leverage in action"),
    (WED, "17:30", "19:30", "Drinks reception with light snacks"),
    (THU, "9:00", "10:30", "Public procurement innovation: updates from affiliates"),
    (THU, "10:30", "11:00", "Coffee break"),
    (THU, "11:00", "12:30", "Simulation game"),
    (THU, "12:30", "14:00", "Networking lunch"),
    (
        THU,
        "14:00",
        "15:30",
        "Obtaining credible evidence with limited access: updates from monitoring partners",
    ),
    (THU, "15:30", "15:45", "Coffee break"),
    (THU, "15:45", "16:30", "Wrap-up and thanks"),
]
# "The morning sessions are open to external, invited guests": up to the lunch.
PUBLIC_COUNT = 5


def _hm(moment, tz):
    local = moment.astimezone(tz)
    return f"{local.hour}:{local.minute:02d}"


def _counts():
    models = [*apps.get_app_config("events").get_models(), get_user_model(), EmailAddress]
    return {model.__name__: model.objects.count() for model in models}


@pytest.fixture
def demo():
    return load_demo(password=PASSWORD, today=TODAY)


@pytest.fixture
def seed_event(demo):
    return Event.objects.get(slug="annual-conference-2024")


@pytest.mark.django_db
def test_command_twice_gives_the_same_rows_and_keys():
    call_command("load_demo", password=PASSWORD, stdout=io.StringIO())
    counts = _counts()
    event = Event.objects.get(slug="annual-conference-2024")
    session_pks = list(event.sessions.values_list("pk", flat=True))
    demo_session_pks = list(Session.objects.filter(event__slug="annual-conference-demo").values_list("pk"))

    out = io.StringIO()
    call_command("load_demo", password=PASSWORD, stdout=out)

    assert _counts() == counts
    assert Event.objects.get(slug="annual-conference-2024").pk == event.pk
    assert list(event.sessions.values_list("pk", flat=True)) == session_pks
    assert list(Session.objects.filter(event__slug="annual-conference-demo").values_list("pk")) == (
        demo_session_pks
    )
    assert counts["Event"] == 6
    assert counts["Session"] == 16 + 18
    assert f"Log in at {login_url()}\n" in out.getvalue()
    assert STAFF_EMAIL in out.getvalue()
    assert AFFILIATE_EMAIL in out.getvalue()
    assert PASSWORD in out.getvalue()


@pytest.mark.django_db
def test_a_later_run_moves_the_demo_dates_and_keeps_the_rows(demo):
    event = Event.objects.get(slug="annual-conference-demo")
    pks = list(event.sessions.values_list("pk", flat=True))
    links = list(SessionSpeaker.objects.filter(session__event=event).values_list("pk", "session", "role"))
    counts = _counts()

    load_demo(password=PASSWORD, today=TODAY + datetime.timedelta(days=10))

    event.refresh_from_db()
    assert _counts() == counts
    assert list(event.sessions.values_list("pk", flat=True)) == pks
    assert (
        list(SessionSpeaker.objects.filter(session__event=event).values_list("pk", "session", "role"))
        == links
    )
    assert event.start.astimezone(BRUSSELS).date() == first_wednesday_after(
        TODAY + datetime.timedelta(days=10)
    )


@pytest.mark.django_db
def test_seed_conference_is_as_the_seed_gives_it(seed_event):
    event = seed_event
    assert event.title == "Electronics Watch Annual Conference 2024"
    assert event.subtitle == "Public Procurement and the Evolving Due Diligence Landscape"
    assert event.kind == Event.Kind.CONFERENCE
    assert event.status == Event.Status.PUBLISHED
    assert event.time_zone == "Europe/Brussels"
    assert event.start == datetime.datetime(2024, 11, 6, 9, 0, tzinfo=BRUSSELS)
    assert event.end == datetime.datetime(2024, 11, 7, 16, 30, tzinfo=BRUSSELS)
    assert event.start == datetime.datetime(2024, 11, 6, 8, 0, tzinfo=UTC)
    assert (event.venue.name, event.venue.city, event.venue.country) == (
        "Herman Tierlinck Building",
        "Brussels",
        "Belgium",
    )
    assert event.summary.startswith("The 2024 Electronics Watch Annual Conference, Public Procurement")
    assert event.description.endswith("how they can be addressed through the public procurement process.")
    assert event.practical_information.startswith("This in-person event will take place in the Herman")
    assert event.practical_information.endswith("will be provided to registered participants.")
    assert event.interpretation_languages == ["es"]
    assert event.language == "en"
    assert list(event.partners.values_list("name", "role")) == [
        ("Flemish Agency for Facility Operations (Het Facilitair Bedrijf)", EventPartner.Role.CO_HOST),
        ("Flemish Government", EventPartner.Role.SUPPORTER),
    ]


@pytest.mark.django_db
def test_seed_programme_matches_the_seed(seed_event):
    sessions = list(seed_event.sessions.order_by("start"))
    assert [
        (f"{s.start.astimezone(BRUSSELS):%Y-%m-%d}", _hm(s.start, BRUSSELS), _hm(s.end, BRUSSELS), s.title)
        for s in sessions
    ] == SEED_PROGRAMME
    assert all(s.room == "" for s in sessions)
    assert not SessionSpeaker.objects.filter(session__event=seed_event).exists()
    kinds = {s.title: s.kind for s in sessions}
    assert kinds["Welcome"] == Session.Kind.WELCOME
    assert kinds["Coffee break"] == Session.Kind.BREAK
    assert kinds["Networking lunch"] == Session.Kind.MEAL
    assert kinds["Drinks reception with light snacks"] == Session.Kind.SOCIAL
    assert kinds["Simulation game"] == Session.Kind.WORKSHOP
    assert kinds["The evolving regulatory landscape and the practice of due diligence"] == Session.Kind.PANEL
    assert sessions[1].description.startswith("This panel will explore recent developments")
    assert "workers' rights" in sessions[3].description
    assert all(s.description == "" for s in sessions[4:])


@pytest.mark.django_db
def test_seed_visibility_split(seed_event):
    visibilities = list(seed_event.sessions.order_by("start").values_list("visibility", flat=True))
    assert visibilities == [Session.Visibility.PUBLIC] * PUBLIC_COUNT + [Session.Visibility.AFFILIATES] * (
        len(SEED_PROGRAMME) - PUBLIC_COUNT
    )


@pytest.mark.django_db
def test_seed_webinars_have_the_right_instants(demo):
    series = WebinarSeries.objects.get(slug="electronics-watch-webinars")
    assert series.title == "Electronics Watch Webinars"
    assert series.summary == (
        "Electronics Watch is pleased to offer a series of free webinars on socially responsible public "
        "procurement, intended primarily for public sector buyers."
    )
    assert series.secondary_time_zones == ["Europe/Amsterdam"]

    cpt = Event.objects.get(slug="webinar-2020-06-17-company-performance-tracker")
    covid = Event.objects.get(slug="webinar-2020-06-23-impact-of-covid-19")
    for webinar in (cpt, covid):
        assert webinar.series == series
        assert webinar.kind == Event.Kind.WEBINAR
        assert webinar.status == Event.Status.PUBLISHED
        assert webinar.time_zone == "Europe/London"
        assert webinar.secondary_time_zones == ["Europe/Amsterdam"]
        assert webinar.venue is None
        assert not webinar.sessions.exists()
    assert cpt.title == (
        "The Electronics Watch Company Performance Tracker (CPT). What it is and how affiliates can use it"
    )
    assert (cpt.start, cpt.end) == (
        datetime.datetime(2020, 6, 17, 9, 0, tzinfo=UTC),
        datetime.datetime(2020, 6, 17, 10, 0, tzinfo=UTC),
    )
    assert (_hm(cpt.start, AMSTERDAM), _hm(cpt.end, AMSTERDAM)) == ("11:00", "12:00")
    assert cpt.highlights.startswith(
        "The CPT is a tool to evaluate, score and track companies\u2019 performance"
    )
    assert cpt.highlight_lines == [cpt.highlights]
    assert cpt.description.startswith("The CPT scores support affiliates")

    assert covid.title == "The Impact of Covid-19 on Electronics"
    assert (covid.start, covid.end) == (
        datetime.datetime(2020, 6, 23, 9, 0, tzinfo=UTC),
        datetime.datetime(2020, 6, 23, 10, 30, tzinfo=UTC),
    )
    assert (_hm(covid.start, AMSTERDAM), _hm(covid.end, AMSTERDAM)) == ("11:00", "12:30")
    assert covid.description.endswith("to protect workers\u2019 rights and safety.")


@pytest.mark.django_db
def test_demo_conference_is_upcoming_with_speakers_a_hidden_session_and_a_workshop(demo):
    event = Event.objects.get(slug="annual-conference-demo")
    first_day = event.start.astimezone(BRUSSELS).date()
    assert first_day == datetime.date(2026, 5, 6)  # the first Wednesday from 1 May
    assert first_day.weekday() == 2
    assert first_day >= TODAY + datetime.timedelta(days=60)
    assert event.status == Event.Status.PUBLISHED

    sessions = list(event.sessions.order_by("start"))
    hidden = [s for s in sessions if s.visibility == Session.Visibility.HIDDEN]
    assert len(hidden) == 1
    assert hidden[0].description.startswith("Demo text")
    # The demo's small session, open to guests, for the waiting lists (registrations.demo).
    workshop = event.sessions.get(title=DEMO_WORKSHOP)
    assert (workshop.kind, workshop.visibility) == (Session.Kind.WORKSHOP, Session.Visibility.PUBLIC)
    assert (_hm(workshop.start, BRUSSELS), _hm(workshop.end, BRUSSELS)) == ("13:00", "13:50")
    assert workshop.start.astimezone(BRUSSELS).date() == first_day
    assert workshop.description.startswith("Demo text: ")
    others = [s for s in sessions if s not in [*hidden, workshop]]
    assert [(_hm(s.start, BRUSSELS), _hm(s.end, BRUSSELS), s.title, s.visibility) for s in others] == [
        (_hm(s.start, BRUSSELS), _hm(s.end, BRUSSELS), s.title, s.visibility)
        for s in Event.objects.get(slug="annual-conference-2024").sessions.order_by("start")
    ]
    for session in others:
        if session.is_restricted and session.is_attendable:
            assert session.description.startswith("Demo text: ")

    links = SessionSpeaker.objects.filter(session__event=event)
    by_visibility = {link.session.visibility for link in links}
    assert by_visibility == {Session.Visibility.PUBLIC, Session.Visibility.AFFILIATES}
    assert {link.role for link in links} == {SessionSpeaker.Role.SPEAKER, SessionSpeaker.Role.MODERATOR}
    assert {link.speaker.slug for link in links} >= {"demo-speaker-one", "demo-speaker-two"}
    assert all(link.speaker.bio == "Demo speaker for trying the site." for link in links)


@pytest.mark.django_db
def test_demo_conference_has_materials_on_a_public_and_a_restricted_session_and_the_venue_notes(demo):
    materials = list(SessionMaterial.objects.filter(session__event__slug="annual-conference-demo"))

    assert len(materials) == 3
    assert {material.session.visibility for material in materials} == {
        Session.Visibility.PUBLIC,
        Session.Visibility.AFFILIATES,
    }
    for material in materials:
        material.full_clean()
        assert material.title.startswith("Demo")
        assert material.title_es
    assert not SessionMaterial.objects.filter(session__event__slug="annual-conference-2024").exists()
    venue = Event.objects.get(slug="annual-conference-demo").venue
    assert venue.accessibility_en.startswith("Demo text: ")
    assert venue.accessibility_es.startswith("Texto de demostración: ")


@pytest.mark.django_db
def test_demo_webinars_are_upcoming_tuesdays_in_the_series(demo):
    webinars = Event.objects.filter(series__slug="electronics-watch-webinars", start__date__gt=TODAY)
    assert [(w.start.astimezone(zoneinfo.ZoneInfo("Europe/London")), w.end - w.start) for w in webinars] == [
        (
            datetime.datetime(2026, 3, 24, 10, 0, tzinfo=zoneinfo.ZoneInfo("Europe/London")),
            datetime.timedelta(hours=1),
        ),
        (
            datetime.datetime(2026, 4, 14, 10, 0, tzinfo=zoneinfo.ZoneInfo("Europe/London")),
            datetime.timedelta(hours=1),
        ),
    ]
    for webinar in webinars:
        assert "demo" in webinar.title.lower()
        assert webinar.description.startswith("Demo webinar")
        assert webinar.kind == Event.Kind.WEBINAR
        assert webinar.secondary_time_zones == ["Europe/Amsterdam"]


@pytest.mark.django_db
def test_everything_passes_model_validation(demo):
    for event in Event.objects.all():
        event.full_clean()
    for session in Session.objects.all():
        session.full_clean()


@pytest.mark.django_db
def test_demo_users_can_log_in_and_the_affiliate_is_a_member(demo):
    staff = authenticate(username=STAFF_EMAIL, password=PASSWORD)
    affiliate = authenticate(username=AFFILIATE_EMAIL, password=PASSWORD)
    assert staff is not None
    assert staff.is_staff
    assert staff.is_superuser
    assert affiliate is not None
    assert not affiliate.is_staff
    for user in (staff, affiliate):
        address = EmailAddress.objects.get(user=user)
        assert (address.email, address.verified, address.primary) == (user.email, True, True)
        assert user.username == user.email

    organisation = Organisation.objects.get(name=DEMO_ORGANISATION)
    assert organisation.kind == Organisation.Kind.AFFILIATE
    assert organisation.is_active
    assert list(organisation.members.all()) == [affiliate]
    assert is_affiliate(affiliate)
    assert not is_affiliate(staff)


@pytest.mark.django_db
def test_every_run_sets_the_password(demo):
    load_demo(password="another-pass-2", today=TODAY)
    assert authenticate(username=AFFILIATE_EMAIL, password=PASSWORD) is None
    assert authenticate(username=AFFILIATE_EMAIL, password="another-pass-2") is not None
    assert get_user_model().objects.filter(email=AFFILIATE_EMAIL).count() == 1


LOADED = []


def record_events(*, today):
    """A demo loader for the test below: it sees the events already written."""
    LOADED.append(("record_events", today, Event.objects.filter(slug="annual-conference-demo").exists()))
    return ["Recorded the events.", "  and indented."]


def print_nothing(*, today):
    LOADED.append(("print_nothing", today, True))
    return []


@pytest.mark.django_db
def test_demo_loaders_run_after_the_events_in_order_and_their_lines_are_printed(settings):
    settings.DEMO_LOADERS = [
        "tests.events.test_load_demo.record_events",
        "tests.events.test_load_demo.print_nothing",
    ]
    LOADED.clear()
    out = io.StringIO()

    load_demo(password=PASSWORD, today=TODAY, stdout=out)

    assert LOADED == [("record_events", TODAY, True), ("print_nothing", TODAY, True)]
    printed = "(demo)\n\nRecorded the events.\n  and indented.\n\nLog in at"
    assert printed in out.getvalue()


def test_password_comes_from_option_then_environment_then_random(monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "from-env")
    assert resolve_password("given") == "given"
    assert resolve_password(None) == "from-env"
    monkeypatch.delenv("DEMO_PASSWORD")
    generated = resolve_password(None)
    assert len(generated) >= 16
    assert generated != resolve_password(None)


def test_first_wednesday_after():
    assert first_wednesday_after(datetime.date(2026, 3, 2)) == datetime.date(2026, 5, 6)
    assert first_wednesday_after(datetime.date(2026, 11, 21)) == datetime.date(2027, 1, 20)


@pytest.mark.django_db
def test_the_printed_login_is_on_the_address_the_site_serves(settings):
    settings.SITE_URL = "http://127.0.0.1:8123"
    from_setting, from_option = io.StringIO(), io.StringIO()

    call_command("load_demo", password=PASSWORD, stdout=from_setting)
    call_command("load_demo", password=PASSWORD, site_url="http://localhost:9000/", stdout=from_option)

    assert "Log in at http://127.0.0.1:8123/accounts/login/\n" in from_setting.getvalue()
    assert "Log in at http://localhost:9000/accounts/login/\n" in from_option.getvalue()
    assert ":8000" not in from_setting.getvalue() + from_option.getvalue()
    assert "authenticator app" in from_option.getvalue()
