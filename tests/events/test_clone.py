import datetime as dt
import zoneinfo

import pytest
from django.db.models.functions import Coalesce
from django.urls import reverse

from events.models import Event, EventPartner, Session, SessionSpeaker
from events.services import clone_event, shift_local_time
from registrations.models import EmailText, Registration, RegistrationSettings
from registrations.signup import capacity
from registrations.signup.services import clone_event_with_settings
from tests import factories
from tests.factories import BRUSSELS

pytestmark = pytest.mark.django_db

YEAR = dt.timedelta(days=364)


@pytest.fixture
def conference():
    topic = factories.TopicFactory(name="Procurement")
    event = factories.EventFactory(
        title="Annual Conference 2030",
        slug="annual-2030",
        practical_information="Hotels near the venue: ...",
        interpretation_languages=["es"],
        recording_url="https://video.example/2030",
        slides_url="https://slides.example/2030",
        join_url="https://meet.example/2030",
        topics=[topic],
    )
    Event.objects.filter(pk=event.pk).update(sequence=3)
    event.refresh_from_db()
    factories.EventPartnerFactory(event=event, name="Flemish Government", role="supporter", order=2)
    panel = factories.SessionFactory(
        event=event,
        title="Opening panel",
        start=dt.datetime(2030, 11, 6, 9, 30, tzinfo=BRUSSELS),
        capacity=40,
        visibility=Session.Visibility.AFFILIATES,
        room="Room 1",
    )
    Session.objects.filter(pk=panel.pk).update(sequence=2)
    factories.SessionSpeakerFactory(session=panel, speaker__name="Ana Speaker", role="moderator", order=1)
    factories.SessionSpeakerFactory(session=panel, speaker__name="Bo Speaker", order=2)
    factories.SessionFactory(
        event=event,
        title="Lunch",
        kind=Session.Kind.MEAL,
        start=dt.datetime(2030, 11, 6, 12, 30, tzinfo=BRUSSELS),
    )
    factories.RegistrationSettingsFactory(
        event=event,
        mode=RegistrationSettings.Mode.INVITATION,
        invitation_code="EW2030",
        capacity=120,
        field_settings={"dietary_needs": "required"},
        opens_at=dt.datetime(2030, 9, 1, 9, 0, tzinfo=BRUSSELS),
        closes_at=dt.datetime(2030, 11, 1, 17, 0, tzinfo=BRUSSELS),
        confirmed_count=1,
    )
    factories.RegistrationFactory(event=event, sessions=[panel])
    factories.InvitationFactory(event=event)
    return event


def test_clone_is_a_draft_with_the_same_texts_and_dates_moved(conference):
    clone = clone_event(event=conference, offset=YEAR)

    assert clone.pk != conference.pk
    assert clone.status == Event.Status.DRAFT
    assert (clone.title, clone.slug) == ("Annual Conference 2030", "annual-2030-copy")
    assert clone.start == dt.datetime(2031, 11, 5, 9, 0, tzinfo=BRUSSELS)
    assert clone.end == dt.datetime(2031, 11, 6, 16, 30, tzinfo=BRUSSELS)
    assert clone.practical_information == "Hotels near the venue: ..."
    assert (clone.summary, clone.venue, clone.kind) == (conference.summary, conference.venue, conference.kind)
    assert clone.interpretation_languages == ["es"]
    assert [topic.name for topic in clone.topics.all()] == ["Procurement"]
    assert clone.sequence == 0
    # Links of the past edition are not the next edition's.
    assert (clone.recording_url, clone.slides_url, clone.join_url) == ("", "", "")
    conference.refresh_from_db()
    assert (conference.status, conference.slug, conference.sequence) == (
        Event.Status.PUBLISHED,
        "annual-2030",
        3,
    )


def test_clone_copies_sessions_with_new_pks_times_moved_and_sequence_reset(conference):
    old_sessions = list(conference.sessions.order_by("start"))

    clone = clone_event(event=conference, offset=YEAR)

    sessions = list(clone.sessions.order_by("start"))
    assert [(s.title, s.kind, s.visibility, s.room) for s in sessions] == [
        ("Opening panel", "panel", "affiliates", "Room 1"),
        ("Lunch", "meal", "public", ""),
    ]
    assert {s.pk for s in sessions}.isdisjoint({s.pk for s in old_sessions})
    assert [s.start for s in sessions] == [
        dt.datetime(2031, 11, 5, 9, 30, tzinfo=BRUSSELS),
        dt.datetime(2031, 11, 5, 12, 30, tzinfo=BRUSSELS),
    ]
    assert [s.end - s.start for s in sessions] == [dt.timedelta(minutes=90)] * 2
    assert [s.sequence for s in sessions] == [0, 0]
    assert conference.sessions.count() == 2


def test_clone_links_the_same_speakers_and_copies_partners(conference):
    clone = clone_event(event=conference, offset=YEAR)

    panel = clone.sessions.get(title="Opening panel")
    old_panel = conference.sessions.get(title="Opening panel")
    links = list(SessionSpeaker.objects.filter(session=panel).order_by("order"))
    old_links = list(SessionSpeaker.objects.filter(session=old_panel).order_by("order"))
    assert [(link.speaker_id, link.role, link.order) for link in links] == [
        (link.speaker_id, link.role, link.order) for link in old_links
    ]
    assert {link.pk for link in links}.isdisjoint({link.pk for link in old_links})
    assert [(p.name, p.role, p.order) for p in clone.partners.all()] == [
        ("Flemish Government", "supporter", 2)
    ]
    assert EventPartner.objects.filter(event=conference).count() == 1


def confirmed_counts(event):
    """(title, the places count registrations keep) of each session of `event`, by start."""
    sessions = event.sessions.order_by("start").annotate(confirmed=Coalesce("places__confirmed_count", 0))
    return list(sessions.values_list("title", "confirmed"))


def test_clone_does_not_copy_registrations_or_invitations(conference):
    clone = clone_event_with_settings(event=conference, offset=YEAR)

    assert clone.registrations.count() == 0
    assert clone.invitations.count() == 0
    assert Registration.objects.filter(sessions__event=clone).count() == 0
    assert conference.registrations.count() == 1
    # The copy's sessions start with every place free; the original's keep theirs.
    assert confirmed_counts(clone) == [("Opening panel", 0), ("Lunch", 0)]
    assert confirmed_counts(conference) == [("Opening panel", 1), ("Lunch", 0)]


def test_clone_with_settings_copies_registration_settings_with_times_moved(conference):
    clone = clone_event_with_settings(
        event=conference, offset=YEAR, title="Annual Conference 2031", slug="annual-2031"
    )

    settings = RegistrationSettings.objects.get(event=clone)
    assert (clone.title, clone.slug) == ("Annual Conference 2031", "annual-2031")
    assert (settings.mode, settings.invitation_code, settings.capacity) == ("invitation", "EW2030", 120)
    assert settings.field_settings == {"dietary_needs": "required"}
    assert settings.opens_at == dt.datetime(2031, 8, 31, 9, 0, tzinfo=BRUSSELS)
    assert settings.closes_at == dt.datetime(2031, 10, 31, 17, 0, tzinfo=BRUSSELS)
    assert settings.confirmed_count == 0


def test_clone_with_settings_keeps_each_sessions_capacity_with_no_one_in_it(conference):
    clone = clone_event_with_settings(event=conference, offset=YEAR)

    sessions = clone.sessions.select_related("places").order_by("start")
    assert [(s.title, capacity.session_capacity(s), capacity.session_places_left(s)) for s in sessions] == [
        ("Opening panel", 40, 40),
        ("Lunch", None, None),
    ]


def test_clone_with_settings_of_an_event_without_settings_creates_none():
    event = factories.WebinarFactory()

    clone = clone_event_with_settings(event=event, offset=dt.timedelta(days=7))

    assert not RegistrationSettings.objects.filter(event=clone).exists()
    assert clone.start == event.start + dt.timedelta(days=7)


def test_clone_keeps_the_wall_clock_time_across_a_daylight_saving_change():
    london = zoneinfo.ZoneInfo("Europe/London")
    webinar = factories.WebinarFactory()  # 17 June 2030, 10:00 British Summer Time
    factories.SessionFactory(event=webinar, start=webinar.start)

    clone = clone_event(event=webinar, offset=dt.timedelta(days=182))

    assert clone.start == dt.datetime(2030, 12, 16, 10, 0, tzinfo=london)
    # In absolute time that is an hour more than 182 days: summer time has ended.
    assert clone.start.astimezone(dt.UTC) - webinar.start.astimezone(dt.UTC) == dt.timedelta(
        days=182, hours=1
    )
    assert clone.sessions.get().start == dt.datetime(2030, 12, 16, 10, 0, tzinfo=london)


def test_shift_local_time_leaves_none_alone():
    assert shift_local_time(None, offset=YEAR, tz=BRUSSELS) is None


def test_second_clone_gets_the_next_free_slug(conference):
    first = clone_event(event=conference, offset=YEAR)
    second = clone_event(event=conference, offset=YEAR)
    third = clone_event(event=conference, offset=YEAR)

    assert [first.slug, second.slug, third.slug] == [
        "annual-2030-copy",
        "annual-2030-copy-2",
        "annual-2030-copy-3",
    ]


# --- Admin action ----------------------------------------------------------------------------------

CHANGELIST = "admin:events_event_changelist"


def test_clone_action_asks_for_the_offset_first(admin_client, conference):
    response = admin_client.post(
        reverse(CHANGELIST),
        {"action": "clone_for_next_edition", "_selected_action": [str(conference.pk)], "index": "0"},
    )

    assert response.status_code == 200
    assert response.templates[0].name == "admin/events/event/clone.html"
    assert response.context["form"]["offset_days"].value() == 364
    assert Event.objects.count() == 1


def test_clone_action_clones_with_settings_and_opens_the_copy(admin_client, conference):
    response = admin_client.post(
        reverse(CHANGELIST),
        {
            "action": "clone_for_next_edition",
            "_selected_action": [str(conference.pk)],
            "apply": "1",
            "offset_days": "364",
            "title": "Annual Conference 2031",
            "slug": "annual-2031",
        },
    )

    clone = Event.objects.get(slug="annual-2031")
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:events_event_change", args=[clone.pk])
    assert (clone.title, clone.status) == ("Annual Conference 2031", Event.Status.DRAFT)
    assert clone.start == dt.datetime(2031, 11, 5, 9, 0, tzinfo=BRUSSELS)
    assert clone.sessions.count() == 2
    assert RegistrationSettings.objects.get(event=clone).invitation_code == "EW2030"
    assert clone.registrations.count() == 0


def test_clone_action_refuses_a_slug_in_use(admin_client, conference):
    response = admin_client.post(
        reverse(CHANGELIST),
        {
            "action": "clone_for_next_edition",
            "_selected_action": [str(conference.pk)],
            "apply": "1",
            "offset_days": "364",
            "slug": "annual-2030",
        },
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {"slug": ["An event with this slug already exists."]}
    assert Event.objects.count() == 1


def test_clone_action_clones_several_webinars_with_default_slugs(admin_client):
    first = factories.WebinarFactory(slug="webinar-june")
    second = factories.WebinarFactory(
        slug="webinar-july", start=first.start + dt.timedelta(days=28), end=first.end + dt.timedelta(days=28)
    )

    response = admin_client.post(
        reverse(CHANGELIST),
        {
            "action": "clone_for_next_edition",
            "_selected_action": [str(first.pk), str(second.pk)],
            "apply": "1",
            "offset_days": "7",
        },
        follow=True,
    )

    assert [str(m) for m in response.context["messages"]] == [
        f"{first.title} was cloned as the draft “{first.title}” (webinar-june-copy).",
        f"{second.title} was cloned as the draft “{second.title}” (webinar-july-copy).",
    ]
    assert Event.objects.get(slug="webinar-june-copy").start == first.start + dt.timedelta(days=7)


def test_clone_keeps_the_email_texts_staff_wrote_and_leaves_the_originals(conference):
    EmailText.objects.create(
        event=conference, kind="registered", language="es", subject="Hola", body="Hola {{ name }}."
    )
    EmailText.objects.create(event=conference, kind="reminder", language="en", body="See you at {{ event }}.")

    clone = clone_event_with_settings(event=conference, offset=YEAR)

    copied = EmailText.objects.filter(event=clone).order_by("kind", "language")
    assert list(copied.values_list("kind", "language", "subject", "body")) == [
        ("registered", "es", "Hola", "Hola {{ name }}."),
        ("reminder", "en", "", "See you at {{ event }}."),
    ]
    assert EmailText.objects.filter(event=conference).count() == 2
