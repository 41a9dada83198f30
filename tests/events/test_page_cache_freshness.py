"""Every way the site writes what cached pages show makes those pages fresh, and only those.

Each write path below changes one event (or its series, venue, speakers, topics, places) while
its page and another event's page are cached. The next request for the page shows the change;
the other event's page is still served whole from the cache, without a query.
"""

import datetime as dt
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from events import services as event_services
from events.demo import DEMO_CONFERENCE
from events.models import (
    Event,
    EventPartner,
    Organisation,
    Session,
    SessionMaterial,
    SessionSpeaker,
    Speaker,
    Topic,
    Venue,
)
from registrations.models import Registration, RegistrationSettings
from registrations.signup import services
from tests import factories
from tests.events.test_admin import form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    alpha = factories.EventFactory(
        title="Alpha Conference", slug="alpha", venue=factories.VenueFactory(name="Alpha Hall")
    )
    panel = factories.SessionFactory(event=alpha, title="Alpha panel", room="Alpha room")
    factories.SessionSpeakerFactory(
        session=panel, speaker__name="Alpha Speaker", speaker__slug="alpha-speaker"
    )
    factories.EventPartnerFactory(event=alpha, name="Alpha Partner")
    slides = factories.SessionMaterialFactory(session=panel, title="Alpha slides")
    factories.RegistrationSettingsFactory(event=alpha, capacity=10)
    restricted = factories.SessionFactory(
        event=alpha,
        title="Alpha members' meeting",
        description="Alpha members only",
        visibility=Session.Visibility.AFFILIATES,
    )
    beta = factories.EventFactory(
        title="Beta Conference", slug="beta", venue=factories.VenueFactory(name="Beta Hall")
    )
    factories.SessionFactory(event=beta, title="Beta panel")
    series = factories.WebinarSeriesFactory(title="Alpha series", slug="alpha-series")
    topic = factories.TopicFactory(name="Alpha topic")
    webinar = factories.WebinarFactory(
        series=series, title="Alpha webinar", slug="alpha-webinar", topics=[topic]
    )
    return SimpleNamespace(
        alpha=alpha,
        panel=panel,
        slides=slides,
        restricted=restricted,
        beta=beta,
        series=series,
        topic=topic,
        webinar=webinar,
        affiliate=factories.MembershipFactory().user,
        staff=factories.StaffFactory(),
    )


def _register(event, email="ana@example.org"):
    return services.register(event=event, data={"name": "Ana", "email": email})


def _staff(world):
    client = Client()
    client.force_login(world.staff)
    return client


def _admin_change(world, obj, changes):
    client = _staff(world)
    url = reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])
    data = {**form_data(client.get(url), f"{obj._meta.model_name}_form"), **changes}
    assert client.post(url, data).status_code == 302


def _admin_action(world, model, action, pks):
    client = _staff(world)
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    data = {"action": action, "_selected_action": [str(pk) for pk in pks], "post": "yes"}
    assert client.post(url, data).status_code == 302


@dataclass
class WritePath:
    name: str
    page: Callable  # world -> the URL whose cached page the write changes
    write: Callable  # world -> None
    shows: str = ""  # on the page after the write, not before
    hides: str = ""  # on the page before the write, not after
    viewer: str = "anonymous"  # or "affiliate", "staff": who looks at the page
    prepare: Callable = lambda world: None  # before the page is cached

    def __str__(self):
        return self.name


def _event_page(world):
    return world.alpha.get_absolute_url()


def _speakers_page(world):
    return reverse("events:speakers", kwargs={"slug": world.alpha.slug})


def _webinar_page(world):
    return world.webinar.get_absolute_url()


def _series_page(world):
    return world.series.get_absolute_url()


def _session_page(world):
    return world.panel.get_absolute_url()


def _renamed_slides_by_bulk_update(world):
    world.slides.title_en = "Bulk-renamed slides"
    SessionMaterial.objects.bulk_update([world.slides], ["title_en"])


def _admin_session_materials(world, changes):
    """The session's change form, its first material's inline form changed by `changes`."""
    client = _staff(world)
    url = reverse("admin:events_session_change", args=[world.panel.pk])
    data = {**form_data(client.get(url), "session_form"), **changes}
    assert client.post(url, data).status_code == 302


def _renamed_panel_by_bulk_update(world):
    world.panel.title_en = "Bulk-renamed panel"
    Session.objects.bulk_update([world.panel], ["title_en"])


def _moved_session(world):
    # As the admin calls it once the session is saved with its new times: raises its calendar SEQUENCE.
    event_services.record_time_change(
        instance=world.panel, old_start=world.panel.start - dt.timedelta(hours=1), old_end=world.panel.end
    )


def _demo_event_changed_by_hand(world):
    call_command("load_demo", password="demo-password-for-tests", stdout=io.StringIO())
    Event.objects.filter(slug=DEMO_CONFERENCE["slug"]).update(title="Changed by hand")


def _pending(world):
    RegistrationSettings.objects.filter(event=world.alpha).update(mode=RegistrationSettings.Mode.APPROVAL)
    world.pending = _register(world.alpha)


def _confirmed(world):
    world.confirmed = _register(world.alpha)


def _affiliate_registered(world):
    email = world.affiliate.email
    world.own = services.register(
        event=world.alpha, data={"name": "Ana", "email": email}, user=world.affiliate
    )


def _without_account(world):
    world.own.user = None
    Registration.objects.bulk_update([world.own], ["user"])


WRITE_PATHS = [
    # Models, through every write Django offers.
    WritePath("Event.save", _event_page, lambda w: _set(w.alpha, title="Alpha Renamed"), "Alpha Renamed"),
    WritePath(
        "Event QuerySet.update",
        _event_page,
        lambda w: Event.objects.filter(pk=w.alpha.pk).update(subtitle="A new subtitle"),
        "A new subtitle",
    ),
    WritePath("Session.save", _event_page, lambda w: _set(w.panel, title="Renamed panel"), "Renamed panel"),
    WritePath(
        "Session QuerySet.update",
        _event_page,
        lambda w: Session.objects.filter(pk=w.panel.pk).update(room="Room 101"),
        "Room 101",
        hides="Alpha room",
    ),
    WritePath(
        "Session bulk_create",
        _event_page,
        lambda w: Session.objects.bulk_create(
            [Session(event=w.alpha, title="Bulk session", start=w.alpha.start, end=w.alpha.end)]
        ),
        "Bulk session",
    ),
    WritePath("Session bulk_update", _event_page, _renamed_panel_by_bulk_update, "Bulk-renamed panel"),
    WritePath("Session.delete", _event_page, lambda w: w.panel.delete(), hides="Alpha panel"),
    WritePath(
        "Session QuerySet.delete",
        _event_page,
        lambda w: Session.objects.filter(pk=w.panel.pk).delete(),
        hides="Alpha panel",
    ),
    WritePath(
        "EventPartner bulk_create",
        _event_page,
        lambda w: EventPartner.objects.bulk_create([EventPartner(event=w.alpha, name="Bulk Partner")]),
        "Bulk Partner",
    ),
    WritePath(
        "SessionMaterial.save",
        _event_page,
        lambda w: _set(w.slides, title="Renamed slides"),
        "Renamed slides",
        hides="Alpha slides",
    ),
    WritePath(
        "SessionMaterial.save, a new one",
        _session_page,
        lambda w: factories.SessionMaterialFactory(session=w.panel, title="New recording"),
        "New recording",
    ),
    WritePath(
        "SessionMaterial QuerySet.update",
        _session_page,
        lambda w: SessionMaterial.objects.filter(pk=w.slides.pk).update(title_en="Updated slides"),
        "Updated slides",
        hides="Alpha slides",
    ),
    WritePath(
        "SessionMaterial bulk_create",
        _event_page,
        lambda w: SessionMaterial.objects.bulk_create(
            [SessionMaterial(session=w.panel, title="Bulk handout", url="https://files.example.org/h.pdf")]
        ),
        "Bulk handout",
    ),
    WritePath(
        "SessionMaterial bulk_update", _event_page, _renamed_slides_by_bulk_update, "Bulk-renamed slides"
    ),
    WritePath("SessionMaterial.delete", _event_page, lambda w: w.slides.delete(), hides="Alpha slides"),
    WritePath(
        "SessionMaterial QuerySet.delete",
        _session_page,
        lambda w: SessionMaterial.objects.filter(session=w.panel).delete(),
        hides="Alpha slides",
    ),
    WritePath(
        "SessionMaterial moved to the restricted session",
        _event_page,
        lambda w: SessionMaterial.objects.filter(pk=w.slides.pk).update(session=w.restricted),
        hides="Alpha slides",
    ),
    WritePath(
        "Venue.save (accessibility notes)",
        _event_page,
        lambda w: _set(w.alpha.venue, accessibility="A ramp at the side entrance."),
        "A ramp at the side entrance.",
    ),
    WritePath(
        "Speaker.save",
        _speakers_page,
        lambda w: _set(Speaker.objects.get(slug="alpha-speaker"), name="Renamed Speaker"),
        "Renamed Speaker",
        hides="Alpha Speaker",
    ),
    WritePath(
        "Speaker QuerySet.update",
        _event_page,
        lambda w: Speaker.objects.filter(slug="alpha-speaker").update(name="Updated Speaker"),
        "Updated Speaker",
        hides="Alpha Speaker",
    ),
    WritePath(
        "SessionSpeaker m2m add",
        _speakers_page,
        lambda w: w.panel.speakers.add(factories.SpeakerFactory(name="Added Speaker")),
        "Added Speaker",
    ),
    WritePath(
        "SessionSpeaker m2m set",
        _speakers_page,
        lambda w: w.panel.speakers.set([]),
        hides="Alpha Speaker",
    ),
    WritePath(
        "SessionSpeaker QuerySet.update",
        _event_page,
        lambda w: SessionSpeaker.objects.filter(session=w.panel).update(role=SessionSpeaker.Role.MODERATOR),
        "Alpha Speaker (moderator)",
    ),
    WritePath(
        "Venue QuerySet.update",
        _event_page,
        lambda w: Venue.objects.filter(pk=w.alpha.venue_id).update(name="Renamed Hall"),
        "Renamed Hall",
        hides="Alpha Hall",
    ),
    WritePath(
        "WebinarSeries.save",
        _webinar_page,
        lambda w: _set(w.series, title="Renamed series"),
        "Renamed series",
    ),
    WritePath(
        "Topic QuerySet.update",
        _series_page,
        lambda w: Topic.objects.filter(pk=w.topic.pk).update(name="Renamed topic"),
        "Renamed topic",
        hides="Alpha topic",
    ),
    WritePath(
        "Event.topics m2m add",
        _webinar_page,
        lambda w: w.webinar.topics.add(factories.TopicFactory(name="Added topic")),
        "Added topic",
    ),
    WritePath(
        "Event.topics m2m remove, from the topic's side",
        _series_page,
        lambda w: w.topic.events.remove(w.webinar),
        hides="Alpha topic",
    ),
    WritePath(
        "Organisation QuerySet.update (affiliation)",
        _event_page,
        lambda w: Organisation.objects.update(is_active=False),
        hides="Alpha members only",
        viewer="affiliate",
    ),
    # The admin.
    WritePath(
        "admin: event change form",
        _event_page,
        lambda w: _admin_change(w, w.alpha, {"title_en": "Alpha from the admin"}),
        "Alpha from the admin",
    ),
    WritePath(
        "admin: session materials inline",
        _session_page,
        lambda w: _admin_session_materials(w, {"materials-0-title_en": "Slides from the admin"}),
        "Slides from the admin",
        hides="Alpha slides",
    ),
    WritePath(
        "admin: session materials inline, deleted",
        _event_page,
        lambda w: _admin_session_materials(w, {"materials-0-DELETE": "on"}),
        hides="Alpha slides",
    ),
    WritePath(
        "admin: delete selected sessions",
        _event_page,
        lambda w: _admin_action(w, Session, "delete_selected", [w.panel.pk]),
        hides="Alpha panel",
    ),
    WritePath(
        "admin: registration settings change form",
        _event_page,
        lambda w: _admin_change(w, RegistrationSettings.objects.get(event=w.alpha), {"capacity": "3"}),
        "3 places left.",
        hides="10 places left.",
    ),
    # events.services
    WritePath("events.services.record_time_change", lambda w: _ics(w.alpha), _moved_session, "SEQUENCE:1"),
    WritePath(
        "events.services.clone_event",
        lambda w: reverse("events:event_detail", kwargs={"slug": "alpha-next"}),
        lambda w: event_services.clone_event(event=w.alpha, offset=dt.timedelta(days=364), slug="alpha-next"),
        "Alpha Conference",
        viewer="staff",
    ),
    # registrations.services: places taken and freed, settings copied.
    WritePath("registrations.services.register", _event_page, lambda w: _register(w.alpha), "9 places left."),
    WritePath(
        "registrations.services.cancel_registration",
        _event_page,
        lambda w: services.cancel_registration(registration=w.confirmed),
        "10 places left.",
        hides="9 places left.",
        prepare=_confirmed,
    ),
    WritePath(
        "registrations.services.approve_registration",
        _event_page,
        lambda w: services.approve_registration(registration=w.pending),
        "9 places left.",
        hides="10 places left.",
        prepare=_pending,
    ),
    WritePath(
        "registrations.services.reject_registration",
        _event_page,
        lambda w: services.reject_registration(registration=w.confirmed),
        "10 places left.",
        hides="9 places left.",
        prepare=_confirmed,
    ),
    WritePath(
        "registrations.services.clone_event_with_settings",
        lambda w: reverse("events:event_detail", kwargs={"slug": "alpha-next"}),
        lambda w: services.clone_event_with_settings(
            event=w.alpha, offset=dt.timedelta(days=364), slug="alpha-next"
        ),
        "10 places left.",
        viewer="staff",
    ),
    # The visitor's own registration (registrations.scopes), whatever writes it.
    WritePath(
        "Registration QuerySet.update (own box)",
        _event_page,
        lambda w: Registration.objects.filter(pk=w.own.pk).update(status=Registration.Status.WAITLISTED),
        "You are registered: waitlisted.",
        hides="You are registered: confirmed.",
        viewer="affiliate",
        prepare=_affiliate_registered,
    ),
    WritePath(
        "Registration QuerySet.bulk_update (own box)",
        _event_page,
        _without_account,
        hides="You are registered",
        viewer="affiliate",
        prepare=_affiliate_registered,
    ),
    WritePath(
        "Registration.delete (own box)",
        _event_page,
        lambda w: w.own.delete(),
        hides="You are registered",
        viewer="affiliate",
        prepare=_affiliate_registered,
    ),
    # A management command.
    WritePath(
        "manage.py load_demo",
        lambda w: reverse("events:event_detail", kwargs={"slug": DEMO_CONFERENCE["slug"]}),
        lambda w: call_command("load_demo", password="demo-password-for-tests", stdout=io.StringIO()),
        DEMO_CONFERENCE["title"],
        hides="Changed by hand",
        prepare=_demo_event_changed_by_hand,
    ),
]


def _set(obj, **values):
    for name, value in values.items():
        setattr(obj, name, value)
    obj.save()


def _ics(event):
    return reverse("events:event_ics", kwargs={"slug": event.slug})


def _client(world, viewer):
    client = Client()
    if viewer == "affiliate":
        client.force_login(world.affiliate)
    elif viewer == "staff":
        client.force_login(world.staff)
    return client


def _get(client, url):
    """The status and the page, without the CSRF tokens of a logged-in visitor's (new on every request)."""
    response = client.get(url)
    return response.status_code, re.sub(
        r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode()
    )


@pytest.mark.parametrize("path", WRITE_PATHS, ids=str)
def test_a_write_makes_its_page_fresh_and_leaves_other_events_pages_cached(
    path, world, django_assert_num_queries
):
    path.prepare(world)
    viewer = _client(world, path.viewer)
    page = path.page(world)
    other = world.beta.get_absolute_url()
    status, before = _get(viewer, page)  # now cached, as a whole page or in parts
    assert _get(viewer, page) == (status, before)
    other_before = _get(Client(), other)

    path.write(world)

    status, after = _get(viewer, page)
    assert status == 200
    if path.shows:
        assert path.shows not in before
        assert path.shows in after
    if path.hides:
        assert path.hides in before
        assert path.hides not in after
    with django_assert_num_queries(0):
        assert _get(Client(), other) == other_before


def test_every_model_the_pages_show_writes_through_the_page_cache():
    """A new model on the pages must name its scopes, or its writes would leave pages stale."""
    from django.apps import apps

    from ewevents.versions import VersionedModel, VersionedQuerySet

    shown = {model for model in apps.get_app_config("events").get_models() if not model._meta.auto_created}
    for model in shown:
        assert issubclass(model, VersionedModel), model
        assert isinstance(model._default_manager.all(), VersionedQuerySet), model
