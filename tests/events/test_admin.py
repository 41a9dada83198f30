import datetime as dt
import html
import json
from dataclasses import dataclass
from html.parser import HTMLParser

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

from events.models import (
    Event,
    Membership,
    Organisation,
    OrganisationDomain,
    Session,
    Speaker,
    Topic,
    Venue,
    WebinarSeries,
)
from tests import factories
from tests.conftest import shows_staff_only_page

pytestmark = pytest.mark.django_db

UTC = dt.UTC


class _FormData(HTMLParser):
    """Collect what a browser would submit from the form with the given id."""

    def __init__(self, form_id):
        super().__init__()
        self.form_id = form_id
        self.inside = False
        self.data = {}
        self._select = None
        self._select_options = []
        self._select_chosen = []
        self._textarea = None

    def _add(self, name, value):
        self.data.setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
            return
        name = attrs.get("name")
        if not self.inside or (tag in ("input", "select", "textarea") and (not name or "__prefix__" in name)):
            return
        if tag == "input":
            kind = attrs.get("type", "text")
            if kind in ("submit", "button", "file", "image", "reset"):
                return
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self._add(name, attrs.get("value") or "on")
                return
            self._add(name, attrs.get("value") or "")
        elif tag == "select":
            self._select, self._select_options, self._select_chosen = attrs, [], []
        elif tag == "option" and self._select is not None:
            self._select_options.append(attrs.get("value") or "")
            if "selected" in attrs:
                self._select_chosen.append(attrs.get("value") or "")
        elif tag == "textarea":
            self._textarea = name
            self._add(name, "")

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select" and self._select is not None:
            chosen = self._select_chosen
            if not chosen and "multiple" not in self._select and self._select_options:
                chosen = self._select_options[:1]
            for value in chosen:
                self._add(self._select["name"], value)
            self._select = None
        elif tag == "textarea" and self._textarea:
            # Browsers drop the newline Django puts right after <textarea>.
            self.data[self._textarea][-1] = self.data[self._textarea][-1].removeprefix("\n")
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea][-1] += data


def form_data(response, form_id):
    """The fields, inline forms and management forms of a rendered admin form, as a browser posts them."""
    parser = _FormData(form_id)
    parser.feed(response.content.decode())
    return {name: values if len(values) > 1 else values[0] for name, values in parser.data.items()}


def inline_prefixes(response):
    return [inline.formset.prefix for inline in response.context["inline_admin_formsets"]]


def form_errors(response):
    return response.context["adminform"].form.errors


def changelist_url(model):
    return reverse(f"admin:events_{model._meta.model_name}_changelist")


def change_url(obj):
    return reverse(f"admin:events_{obj._meta.model_name}_change", args=[obj.pk])


def add_url(model):
    return reverse(f"admin:events_{model._meta.model_name}_add")


@dataclass
class Listed:
    """A model's admin, a row a search finds and a row it leaves out."""

    model: type
    make_rows: object
    query: str

    def __str__(self):
        return self.model.__name__


LISTED = [
    Listed(
        Event,
        lambda: (
            factories.EventFactory(title="Decent Work Summit"),
            factories.EventFactory(title="Supply Chain Forum"),
        ),
        "decent",
    ),
    Listed(
        Session,
        lambda: (
            factories.SessionFactory(title="Opening plenary"),
            factories.SessionFactory(title="Closing remarks"),
        ),
        "opening",
    ),
    Listed(
        Speaker,
        lambda: (factories.SpeakerFactory(name="Ana Lopez"), factories.SpeakerFactory(name="Bram Peeters")),
        "lopez",
    ),
    Listed(
        Topic,
        lambda: (
            factories.TopicFactory(name="Forced labour"),
            factories.TopicFactory(name="Public procurement"),
        ),
        "forced",
    ),
    Listed(
        Venue,
        lambda: (factories.VenueFactory(name="Egmont Palace"), factories.VenueFactory(name="Flagey Studio")),
        "egmont",
    ),
    Listed(
        WebinarSeries,
        lambda: (
            factories.WebinarSeriesFactory(title="Due diligence webinars"),
            factories.WebinarSeriesFactory(title="Public procurement webinars"),
        ),
        "diligence",
    ),
    Listed(
        Organisation,
        lambda: (
            factories.OrganisationFactory(name="Textile Union"),
            factories.OrganisationFactory(name="Miners Federation"),
        ),
        "textile",
    ),
    Listed(
        Membership,
        lambda: (
            factories.MembershipFactory(
                organisation__name="Textile Union", user__email="ana@textile.example"
            ),
            factories.MembershipFactory(
                organisation__name="Miners Federation", user__email="bo@miners.example"
            ),
        ),
        "textile",
    ),
]


def test_every_events_model_with_an_admin_is_covered_by_these_tests():
    registered = {
        model for model in apps.get_app_config("events").get_models() if admin.site.is_registered(model)
    }

    assert registered == {listed.model for listed in LISTED}


# --- Staff: changelists, add and change pages -----------------------------------------------------


@pytest.mark.parametrize("listed", LISTED, ids=str)
def test_changelist_lists_rows_made_by_factories(admin_client, listed):
    first, second = listed.make_rows()

    response = admin_client.get(changelist_url(listed.model))

    assert response.status_code == 200
    assert set(response.context["cl"].result_list) == {first, second}
    assert f'href="{change_url(first)}"' in response.content.decode()


@pytest.mark.parametrize("listed", LISTED, ids=str)
def test_changelist_search_finds_matching_row_and_leaves_out_the_other(admin_client, listed):
    match, other = listed.make_rows()

    response = admin_client.get(changelist_url(listed.model), {"q": listed.query})
    content = response.content.decode()

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [match]
    # Links keep the search: ...change/?_changelist_filters=q%3D...
    assert f'href="{change_url(match)}?' in content
    assert f'href="{change_url(other)}' not in content


def test_event_status_filter_hides_drafts(admin_client):
    published = factories.EventFactory(status=Event.Status.PUBLISHED)
    factories.EventFactory(status=Event.Status.DRAFT)

    response = admin_client.get(changelist_url(Event), {"status__exact": "published"})

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [published]


def test_organisation_active_filter_hides_inactive_organisations(admin_client):
    factories.OrganisationFactory(name="Dormant Union", is_active=False)
    active = factories.OrganisationFactory(name="Active Union")

    response = admin_client.get(changelist_url(Organisation), {"is_active__exact": "1"})

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [active]


@pytest.mark.parametrize("listed", LISTED, ids=str)
def test_add_page_loads(admin_client, listed):
    response = admin_client.get(add_url(listed.model))

    assert response.status_code == 200
    assert response.context["title"] == f"Add {listed.model._meta.verbose_name}"
    assert response.context["adminform"].form.instance.pk is None


@pytest.mark.parametrize("listed", LISTED, ids=str)
def test_change_page_loads(admin_client, listed):
    row, _other = listed.make_rows()

    response = admin_client.get(change_url(row))

    assert response.status_code == 200
    assert response.context["title"] == f"Change {listed.model._meta.verbose_name}"
    assert response.context["original"] == row


def test_event_change_page_has_partner_and_session_inlines(admin_client):
    event = factories.EventFactory()
    factories.EventPartnerFactory(event=event, name="Flemish Government")
    factories.SessionFactory(event=event, title="Opening plenary")

    response = admin_client.get(change_url(event))
    content = response.content.decode()

    assert response.status_code == 200
    # registrations/event_admin.py adds its settings inline to the change page.
    assert inline_prefixes(response) == ["partners", "sessions", "registration_settings"]
    assert '<input type="hidden" name="sessions-TOTAL_FORMS" value="1"' in content
    assert '<input type="hidden" name="partners-TOTAL_FORMS" value="1"' in content
    assert 'name="sessions-0-title_en" value="Opening plenary"' in content
    assert 'name="partners-0-name" value="Flemish Government"' in content


def _prepopulated_fields(content):
    marker = 'data-prepopulated-fields="'
    start = content.index(marker) + len(marker)
    return json.loads(html.unescape(content[start : content.index('"', start)]))


@pytest.mark.parametrize(
    ("model", "source", "max_length"),
    # Translated titles and names: the slug follows the English one.
    [
        (Event, "title_en", 100),
        (Speaker, "name", 100),
        (WebinarSeries, "title_en", 50),
        (Topic, "name_en", 100),
    ],
    ids=["Event", "Speaker", "WebinarSeries", "Topic"],
)
def test_add_page_prepopulates_slug(admin_client, model, source, max_length):
    response = admin_client.get(add_url(model))

    assert response.status_code == 200
    assert _prepopulated_fields(response.content.decode()) == [
        {
            "id": "#id_slug",
            "name": "slug",
            "dependency_ids": [f"#id_{source}"],
            "dependency_list": [source],
            "maxLength": max_length,
            "allowUnicode": False,
        }
    ]


def test_event_changelist_has_date_hierarchy_on_start(admin_client):
    factories.EventFactory()

    response = admin_client.get(changelist_url(Event))
    content = response.content.decode()

    assert response.status_code == 200
    assert response.context["cl"].date_hierarchy == "start"
    assert '<nav class="toplinks">' in content
    assert '<a href="?start__year=2030" class="date-back">&lsaquo; 2030</a>' in content


def test_event_changelist_shows_start_in_each_events_zone(admin_client):
    factories.EventFactory(title="Brussels event")
    factories.WebinarFactory(title="London webinar")

    response = admin_client.get(changelist_url(Event))
    content = response.content.decode()

    assert response.status_code == 200
    assert '<td class="field-local_start">June 17, 2030, 10 a.m. BST</td>' in content
    assert '<td class="field-local_start">Nov. 6, 2030, 9 a.m. CET</td>' in content


def test_session_changelist_shows_times_in_the_events_zone(admin_client):
    factories.SessionFactory(event=factories.WebinarFactory(), title="Opening")

    response = admin_client.get(changelist_url(Session))
    content = response.content.decode()

    assert response.status_code == 200
    assert '<td class="field-local_start">June 17, 2030, 10 a.m. BST</td>' in content
    assert '<td class="field-local_end">June 17, 2030, 11:30 a.m. BST</td>' in content


# --- Non-staff ------------------------------------------------------------------------------------


def _make_non_staff(kind):
    if kind == "anonymous":
        return None
    if kind == "plain_user":
        return factories.UserFactory()
    return factories.MembershipFactory().user


@pytest.mark.parametrize("kind", ["anonymous", "plain_user", "affiliate_member"])
@pytest.mark.parametrize("listed", LISTED, ids=str)
def test_non_staff_are_sent_to_admin_login_or_refused(client, kind, listed):
    user = _make_non_staff(kind)
    if user is not None:
        client.force_login(user)
    url = changelist_url(listed.model)

    response = client.get(url)

    if kind == "anonymous":
        assert response.status_code == 302
        assert response.url == f"{reverse('admin:login')}?next={url}"
    else:
        assert shows_staff_only_page(response)


# --- Event form: zones, lists, validation ---------------------------------------------------------


def _event_add_data(admin_client, **changes):
    response = admin_client.get(add_url(Event))
    assert inline_prefixes(response) == ["partners", "sessions"]
    data = form_data(response, "event_form")
    data.update(
        {
            "title_en": "Decent Work Summit",
            "slug": "decent-work-summit",
            "start_0": "2031-11-05",
            "start_1": "09:00:00",
            "end_0": "2031-11-06",
            "end_1": "17:00:00",
        }
    )
    data.update(changes)
    return data


def test_event_add_form_posts_empty_inline_management_forms(admin_client):
    data = _event_add_data(admin_client)

    assert {name: value for name, value in data.items() if "FORMS" in name} == {
        "partners-TOTAL_FORMS": "0",
        "partners-INITIAL_FORMS": "0",
        "partners-MIN_NUM_FORMS": "0",
        "partners-MAX_NUM_FORMS": "1000",
        "sessions-TOTAL_FORMS": "0",
        "sessions-INITIAL_FORMS": "0",
        "sessions-MIN_NUM_FORMS": "0",
        "sessions-MAX_NUM_FORMS": "1000",
    }


@pytest.mark.parametrize(
    ("time_zone", "utc_start", "utc_end"),
    [
        (
            "Europe/Brussels",
            dt.datetime(2031, 11, 5, 8, 0, tzinfo=UTC),
            dt.datetime(2031, 11, 6, 16, 0, tzinfo=UTC),
        ),
        (
            "Europe/London",
            dt.datetime(2031, 11, 5, 9, 0, tzinfo=UTC),
            dt.datetime(2031, 11, 6, 17, 0, tzinfo=UTC),
        ),
        (
            "America/Mexico_City",
            dt.datetime(2031, 11, 5, 15, 0, tzinfo=UTC),
            dt.datetime(2031, 11, 6, 23, 0, tzinfo=UTC),
        ),
    ],
)
def test_event_added_in_admin_stores_times_entered_in_its_zone_as_utc(
    admin_client, time_zone, utc_start, utc_end
):
    data = _event_add_data(admin_client, time_zone=time_zone)

    response = admin_client.post(add_url(Event), data)

    assert response.status_code == 302
    assert response.url == changelist_url(Event)
    event = Event.objects.get(slug="decent-work-summit")
    assert (event.time_zone, event.start, event.end) == (time_zone, utc_start, utc_end)


def test_event_added_in_admin_stores_lists_and_defaults(admin_client):
    data = _event_add_data(
        admin_client,
        secondary_time_zones="Europe/Amsterdam, America/Mexico_City",
        interpretation_languages=["es"],
    )

    response = admin_client.post(add_url(Event), data)

    assert response.status_code == 302
    event = Event.objects.get(slug="decent-work-summit")
    assert event.secondary_time_zones == ["Europe/Amsterdam", "America/Mexico_City"]
    assert event.interpretation_languages == ["es"]
    assert (event.status, event.kind, event.language) == ("draft", "conference", "en")


def test_event_ending_before_it_starts_is_refused_and_not_saved(admin_client):
    data = _event_add_data(admin_client, end_0="2031-11-05", end_1="08:00:00")

    response = admin_client.post(add_url(Event), data)

    assert response.status_code == 200
    assert form_errors(response) == {"end": ["The end must be after the start."]}
    assert Event.objects.count() == 0


def test_event_change_form_shows_times_and_lists_in_the_events_terms(admin_client):
    event = factories.WebinarFactory(
        secondary_time_zones=["Europe/Amsterdam", "America/Mexico_City"], interpretation_languages=["es"]
    )

    response = admin_client.get(change_url(event))
    data = form_data(response, "event_form")

    assert response.context["subtitle"] == "Times in Europe/London"
    assert (data["start_0"], data["start_1"], data["end_1"]) == ("2030-06-17", "10:00:00", "11:00:00")
    assert data["secondary_time_zones"] == "Europe/Amsterdam, America/Mexico_City"
    assert data["interpretation_languages"] == "es"


def test_event_change_form_saves_secondary_zones_as_list(admin_client):
    event = factories.EventFactory()
    data = form_data(admin_client.get(change_url(event)), "event_form")
    data["secondary_time_zones"] = "Europe/Amsterdam, America/Mexico_City"

    response = admin_client.post(change_url(event), data)

    assert response.status_code == 302
    event.refresh_from_db()
    assert event.secondary_time_zones == ["Europe/Amsterdam", "America/Mexico_City"]
    assert (event.start, event.summary) == (
        dt.datetime(2030, 11, 6, 8, 0, tzinfo=UTC),
        "A conference on public procurement and labour rights.",
    )


def test_event_change_form_refuses_unknown_secondary_zone_and_changes_nothing(admin_client):
    event = factories.EventFactory(title="Decent Work Summit", secondary_time_zones=["Europe/Paris"])
    data = form_data(admin_client.get(change_url(event)), "event_form")
    data.update({"title_en": "Renamed", "secondary_time_zones": "Europe/Amsterdam, Mars/Olympus_Mons"})

    response = admin_client.post(change_url(event), data)

    assert response.status_code == 200
    assert form_errors(response) == {
        "secondary_time_zones": ["Unknown time zone: Mars/Olympus_Mons. Use names such as Europe/Amsterdam."]
    }
    event.refresh_from_db()
    assert (event.title, event.secondary_time_zones) == ("Decent Work Summit", ["Europe/Paris"])


def test_session_added_through_event_inline_is_read_in_the_events_zone(admin_client):
    event = factories.WebinarFactory(slug="london-webinar")
    data = form_data(admin_client.get(change_url(event)), "event_form")
    data.update(
        {
            "sessions-TOTAL_FORMS": "1",
            "sessions-0-title_en": "Questions and answers",
            "sessions-0-kind": "talk",
            "sessions-0-visibility": "public",
            "sessions-0-start_0": "2030-06-17",
            "sessions-0-start_1": "10:30:00",
            "sessions-0-end_0": "2030-06-17",
            "sessions-0-end_1": "11:00:00",
        }
    )

    response = admin_client.post(change_url(event), data)

    assert response.status_code == 302
    session = event.sessions.get()
    assert (session.title, session.start, session.end) == (
        "Questions and answers",
        dt.datetime(2030, 6, 17, 9, 30, tzinfo=UTC),
        dt.datetime(2030, 6, 17, 10, 0, tzinfo=UTC),
    )
    event.refresh_from_db()
    assert event.start == dt.datetime(2030, 6, 17, 9, 0, tzinfo=UTC)


def test_changing_an_events_zone_keeps_the_wall_clock_times_shown_in_the_form(admin_client):
    event = factories.EventFactory(slug="moved")
    factories.SessionFactory(event=event, title="Opening plenary")
    data = form_data(admin_client.get(change_url(event)), "event_form")
    data["time_zone"] = "Europe/London"

    response = admin_client.post(change_url(event), data)

    assert response.status_code == 302
    event.refresh_from_db()
    assert (event.start, event.sessions.get().start) == (
        dt.datetime(2030, 11, 6, 9, 0, tzinfo=UTC),
        dt.datetime(2030, 11, 6, 9, 0, tzinfo=UTC),
    )


# --- Session form ---------------------------------------------------------------------------------


def test_session_change_form_shows_start_in_london_time(admin_client):
    event = factories.WebinarFactory()
    session = factories.SessionFactory(
        event=event,
        start=dt.datetime(2030, 6, 17, 9, 0, tzinfo=UTC),
        end=dt.datetime(2030, 6, 17, 10, 0, tzinfo=UTC),
    )

    response = admin_client.get(change_url(session))
    data = form_data(response, "session_form")

    assert response.status_code == 200
    assert response.context["subtitle"] == "Times in Europe/London"
    assert (data["start_0"], data["start_1"], data["end_1"]) == ("2030-06-17", "10:00:00", "11:00:00")


def test_session_change_form_ignores_an_event_in_the_query_string(admin_client):
    session = factories.SessionFactory(
        event=factories.WebinarFactory(), start=dt.datetime(2030, 6, 17, 9, 0, tzinfo=UTC)
    )
    brussels_event = factories.EventFactory()

    response = admin_client.get(change_url(session), {"event": brussels_event.pk})
    data = form_data(response, "session_form")

    assert response.context["subtitle"] == "Times in Europe/London"
    assert (data["event"], data["start_1"]) == (str(session.event.pk), "10:00:00")


@pytest.mark.parametrize(
    ("day", "utc_start"),
    [
        ("2030-06-17", dt.datetime(2030, 6, 17, 9, 0, tzinfo=UTC)),  # BST, UTC+1
        ("2030-11-06", dt.datetime(2030, 11, 6, 10, 0, tzinfo=UTC)),  # GMT, UTC+0
    ],
    ids=["summer", "winter"],
)
def test_session_start_saved_in_london_time_is_stored_as_utc(admin_client, day, utc_start):
    event = factories.WebinarFactory()
    session = factories.SessionFactory(event=event)
    data = form_data(admin_client.get(change_url(session)), "session_form")
    data.update({"start_0": day, "start_1": "10:00", "end_0": day, "end_1": "11:00"})

    response = admin_client.post(change_url(session), data)

    assert response.status_code == 302
    session.refresh_from_db()
    assert (session.start, session.end) == (utc_start, utc_start + dt.timedelta(hours=1))


def test_session_added_for_an_event_is_read_in_that_events_zone(admin_client):
    event = factories.WebinarFactory()
    response = admin_client.get(add_url(Session), {"event": event.pk})
    data = form_data(response, "session_form")
    data.update(
        {
            "title_en": "Questions and answers",
            "start_0": "2030-06-17",
            "start_1": "10:30",
            "end_0": "2030-06-17",
            "end_1": "11:00",
        }
    )

    response = admin_client.post(add_url(Session), data)

    assert response.status_code == 302
    session = Session.objects.get(title="Questions and answers")
    assert (session.event, session.start) == (event, dt.datetime(2030, 6, 17, 9, 30, tzinfo=UTC))
    assert session.interpretation_languages is None


# --- Organisations --------------------------------------------------------------------------------


def _organisation_add_data(admin_client, domain):
    response = admin_client.get(add_url(Organisation))
    assert inline_prefixes(response) == ["domains", "memberships"]
    data = form_data(response, "organisation_form")
    data.update({"name": "Textile Union", "domains-0-domain": domain})
    return data


def test_organisation_domain_is_normalised_when_saved(admin_client):
    data = _organisation_add_data(admin_client, "@Union.ORG ")

    response = admin_client.post(add_url(Organisation), data)

    assert response.status_code == 302
    assert list(OrganisationDomain.objects.values_list("organisation__name", "domain")) == [
        ("Textile Union", "union.org")
    ]


def test_invalid_organisation_domain_is_refused(admin_client):
    data = _organisation_add_data(admin_client, "union org")

    response = admin_client.post(add_url(Organisation), data)

    assert response.status_code == 200
    domains, _memberships = response.context["inline_admin_formsets"]
    assert domains.formset.errors == [{"domain": ["Enter a domain such as example.org."]}]
    assert (Organisation.objects.count(), OrganisationDomain.objects.count()) == (0, 0)
