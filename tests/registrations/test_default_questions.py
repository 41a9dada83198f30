"""The fixed fields (organisation, country, diets...) as built-in questions staff manage like their own."""

import csv
import datetime as dt
import io
from importlib import import_module

import pytest
from django.apps import apps as django_apps
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from events.models import Event
from registrations.eventday import reports
from registrations.eventday.exports import registrations_csv
from registrations.models import Question, Registration, RegistrationSettings
from registrations.signup import questions, services
from registrations.signup.forms import RegistrationForm
from tests import factories
from tests.events.test_admin import add_url, form_data
from tests.registrations.test_forms import form_data as posted
from tests.registrations.test_forms import guest_form

pytestmark = pytest.mark.django_db

MIGRATION = import_module("registrations.migrations.0021_default_questions")
BUILT_IN = [
    "organisation",
    "role",
    "country",
    "attendee_type",
    "dietary_needs",
    "accessibility_needs",
    "interpretation_language",
    "participant_list_consent",
]


@pytest.fixture(autouse=True)
def _no_minimum_fill_time(settings):
    settings.REGISTRATION_MIN_FILL_SECONDS = 0


def built_in(event, name):
    return Question.objects.get(event=event, field=name)


def conference(**fields):
    event = factories.EventFactory(**fields)
    factories.RegistrationSettingsFactory(event=event)
    questions.add_default_questions(event=event)
    return event


# --- The defaults a new event starts with -------------------------------------------------------


def test_a_new_conference_starts_with_every_fixed_field_as_an_optional_question_in_both_languages():
    event = conference()

    rows = Question.objects.filter(event=event).order_by("order")
    assert [(q.field, q.kind, q.asked, q.required) for q in rows] == [
        ("organisation", "text", True, False),
        ("role", "text", True, False),
        ("country", "country", True, False),
        ("attendee_type", "single_choice", True, False),
        ("dietary_needs", "long_text", True, False),
        ("accessibility_needs", "long_text", True, False),
        ("interpretation_language", "single_choice", True, False),
        ("participant_list_consent", "checkbox", True, False),
    ]
    assert [(q.label_en, q.label_es) for q in rows[:3]] == [
        ("Organisation", "Organización"),
        ("Job title or role", "Cargo o función"),
        ("Country", "País"),
    ]


def test_a_webinar_starts_without_asking_for_diets_or_the_participant_list():
    event = factories.WebinarFactory()

    questions.add_default_questions(event=event)

    not_asked = Question.objects.filter(event=event, asked=False).values_list("field", flat=True)
    assert sorted(not_asked) == ["dietary_needs", "participant_list_consent"]


def test_adding_the_defaults_again_keeps_what_staff_changed():
    event = conference()
    Question.objects.filter(event=event, field="role").update(label_en="Your job", required=True)

    assert questions.add_default_questions(event=event) == []
    assert Question.objects.filter(event=event).count() == len(BUILT_IN)
    assert (built_in(event, "role").label_en, built_in(event, "role").required) == ("Your job", True)


def test_an_event_added_in_admin_starts_with_the_default_questions(admin_client):
    response = admin_client.get(add_url(Event))
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

    assert admin_client.post(add_url(Event), data).status_code == 302

    event = Event.objects.get(slug="decent-work-summit")
    assert list(Question.objects.filter(event=event).order_by("order").values_list("field", flat=True)) == (
        BUILT_IN
    )


def test_the_next_edition_keeps_the_built_in_questions_as_staff_set_them():
    event = conference()
    Question.objects.filter(event=event, field="country").update(asked=False)
    Question.objects.filter(event=event, field="organisation").update(required=True, label_en="Employer")

    clone = services.clone_event_with_settings(event=event, offset=dt.timedelta(days=364), slug="next")

    copied = {q.field: q for q in Question.objects.filter(event=clone)}
    assert sorted(copied) == sorted(BUILT_IN)
    assert (copied["country"].asked, copied["organisation"].required) == (False, True)
    assert copied["organisation"].label_en == "Employer"


# --- The form --------------------------------------------------------------------------------


def test_staffs_label_help_text_and_required_are_what_the_guest_gets():
    event = conference()
    Question.objects.filter(event=event, field="organisation").update(
        label_en="Employer", label_es="Empleador", help_text_en="Where you <b>work</b>.", required=True
    )

    form = guest_form(event, posted())

    assert not form.is_valid()
    assert list(form.errors) == ["organisation"]
    assert form.fields["organisation"].label == "Employer"
    assert str(form.fields["organisation"].help_text) == "Where you &lt;b&gt;work&lt;/b&gt;."
    with translation.override("es"):
        assert guest_form(event).fields["organisation"].label == "Empleador"


def test_a_question_not_asked_is_left_off_and_leaves_the_stored_answer_alone():
    event = conference()
    registration = services.register(
        event=event, data={"name": "Ana", "email": "ana@example.com", "dietary_needs": "No nuts"}
    )
    Question.objects.filter(event=event, field="dietary_needs").update(asked=False)

    form = guest_form(event, posted(dietary_needs="Fish"), instance=registration)

    assert "dietary_needs" not in form.fields
    assert form.is_valid(), form.errors
    services.change_registration(registration=registration, data=form.cleaned_data)
    registration.refresh_from_db()
    assert registration.dietary_needs == "No nuts"


def test_a_question_for_affiliates_only_is_not_asked_of_guests(affiliate_user):
    event = conference()
    Question.objects.filter(event=event, field="role").update(audience=Question.Audience.AFFILIATES)

    assert "role" not in guest_form(event).fields
    assert "role" in RegistrationForm(event=event, user=affiliate_user).fields


def test_built_in_and_own_questions_are_laid_out_in_the_questions_order():
    event = conference(interpretation_languages=["es"])
    own = factories.QuestionFactory(event=event, label_en="Sector", order=15)
    Question.objects.filter(event=event, field="participant_list_consent").update(order=5)

    names = list(guest_form(event).fields)

    laid_out = names[names.index("email") + 1 : names.index("email") + 10]
    assert laid_out == [
        "participant_list_consent",
        "organisation",
        questions.field_name(own),
        "role",
        "country",
        "attendee_type",
        "dietary_needs",
        "accessibility_needs",
        "interpretation_language",
    ]


def test_choices_start_empty_with_a_prompt_never_dashes(client):
    event = conference(interpretation_languages=["es"])

    form = guest_form(event)
    page = client.get(reverse("registrations:register", kwargs={"slug": event.slug})).content.decode()

    assert form.fields["attendee_type"].choices[0] == ("", "Choose one")
    assert form.fields["interpretation_language"].choices[0] == ("", "Choose one")
    assert form.fields["country"].choices[0] == ("", "Choose a country")
    assert "---------" not in page
    assert '<option value="">—</option>' not in page
    assert '<option value="" selected>Choose a country</option>' in page


def test_country_is_a_choice_of_countries_stored_by_its_english_name():
    event = conference()

    with translation.override("es"):
        form = guest_form(event, posted(country="Netherlands"))
        assert ("Netherlands", "Países Bajos") in form.fields["country"].choices
        assert form.is_valid(), form.errors
    registration = services.register(event=event, data=form.cleaned_data)

    assert registration.country == "Netherlands"
    assert not guest_form(event, posted(country="Atlantis")).is_valid()


def test_a_country_typed_before_it_was_a_choice_stays_readable_and_is_kept():
    event = conference()
    typed = services.register(
        event=event, data={"name": "Ana", "email": "ana@example.com", "country": "Holland"}
    )
    named = services.register(event=event, data={"name": "Bo", "email": "bo@example.com", "country": "spain"})

    typed_form = guest_form(event, instance=typed)
    named_form = guest_form(event, instance=named)

    assert typed_form.fields["country"].choices[1] == ("Holland", "Holland")
    assert typed_form["country"].value() == "Holland"
    assert named_form["country"].value() == "Spain"
    again = guest_form(event, posted(country="Holland"), instance=typed)
    assert again.is_valid(), again.errors
    assert again.cleaned_data["country"] == "Holland"


def test_built_in_questions_ask_in_the_same_queries_as_before():
    """Asserted counts elsewhere use events without built-in rows: one with them costs no more."""
    plain = factories.EventFactory()
    factories.RegistrationSettingsFactory(event=plain)
    with_rows = conference()
    counts = []
    for event in (plain, with_rows):
        client = Client()
        url = reverse("registrations:register", kwargs={"slug": event.slug})
        client.get(url)  # the event is cached from now on
        with CaptureQueriesContext(connection) as page:
            client.get(url)
        with CaptureQueriesContext(connection) as post:
            response = client.post(url, posted(organisation="Union", email=f"ana@{event.slug}.example.org"))
        assert response.status_code == 302
        counts.append((len(page), len(post)))

    assert counts[0] == counts[1]


# --- Staff's files and summaries stay as they were ---------------------------------------------


def test_built_in_questions_add_no_columns_to_exports_nor_rows_to_the_summary():
    event = conference()
    services.register(
        event=event,
        data={"name": "Ana", "email": "ana@example.com", "country": "Spain", "attendee_type": "trade_union"},
    )

    rows = list(csv.reader(io.StringIO(registrations_csv(Registration.objects.filter(event=event)))))

    assert [header.casefold() for header in rows[0]].count("country") == 1
    assert len(rows[0]) == len(rows[1])
    assert reports.questions_table(event).rows == []


# --- Admin -----------------------------------------------------------------------------------


def change_url(question):
    return reverse("admin:registrations_question_change", args=[question.pk])


def test_staff_edit_a_built_in_question_like_their_own_but_not_its_kind(admin_client):
    event = conference()
    organisation = built_in(event, "organisation")
    response = admin_client.get(change_url(organisation))
    data = form_data(response, "question_form")
    data.update({"label_en": "Employer", "required": "on", "kind": "long_text"})

    saved = admin_client.post(change_url(organisation), data)

    assert saved.status_code == 302
    organisation.refresh_from_db()
    assert (organisation.label_en, organisation.required, organisation.kind) == ("Employer", True, "text")
    assert [inline.formset.prefix for inline in response.context["inline_admin_formsets"]] == []
    assert 'name="kind"' not in response.content.decode()


def test_a_built_in_question_cannot_be_deleted_only_left_unasked(admin_client):
    event = conference()
    country = built_in(event, "country")
    own = factories.QuestionFactory(event=event)
    changelist = reverse("admin:registrations_question_changelist")

    refused = admin_client.get(reverse("admin:registrations_question_delete", args=[country.pk]))
    selection = admin_client.post(
        changelist, {"action": "delete_selected", "_selected_action": [country.pk, own.pk], "post": "yes"}
    )
    alone = admin_client.post(
        changelist, {"action": "delete_selected", "_selected_action": [own.pk], "post": "yes"}
    )

    assert (refused.status_code, selection.status_code, alone.status_code) == (403, 403, 302)
    assert list(Question.objects.filter(event=event).own()) == []
    assert Question.objects.filter(event=event).count() == len(BUILT_IN)


def test_the_event_page_has_no_field_states_and_links_its_questions(admin_client):
    event = conference()

    content = admin_client.get(reverse("admin:events_event_change", args=[event.pk])).content.decode()

    assert "field_state" not in content
    assert "field_settings" not in content
    changelist = reverse("admin:registrations_question_changelist")
    assert f"{changelist}?event__id__exact={event.pk}" in content


# --- The migration -----------------------------------------------------------------------------


def test_the_migration_turns_each_events_field_settings_into_built_in_questions_and_back():
    states = {"organisation": "required", "country": "hidden"}
    stated = factories.RegistrationSettingsFactory(field_settings=states).event
    webinar = factories.WebinarFactory()
    own = factories.QuestionFactory(event=stated, order=2)

    MIGRATION.field_settings_to_questions(django_apps, None)

    asked = {q.field: (q.asked, q.required) for q in Question.objects.filter(event=stated).built_in()}
    assert asked == {
        **{name: (True, False) for name in BUILT_IN},
        "organisation": (True, True),
        "country": (False, False),
    }
    hidden = Question.objects.filter(event=webinar, asked=False).values_list("field", flat=True)
    assert sorted(hidden) == ["dietary_needs", "participant_list_consent"]
    own.refresh_from_db()
    assert own.order == 102
    assert list(guest_form(stated).fields).index("organisation") < list(guest_form(stated).fields).index(
        questions.field_name(own)
    )

    Question.objects.filter(event=stated, field="role").update(required=True)
    MIGRATION.questions_to_field_settings(django_apps, None)

    settings = RegistrationSettings.objects.get(event=stated)
    assert {name: state for name, state in settings.field_settings.items() if state != "optional"} == {
        "organisation": "required",
        "country": "hidden",
        "role": "required",
    }
    assert list(Question.objects.filter(event=stated)) == [own]
    own.refresh_from_db()
    assert own.order == 2


def test_a_question_added_for_an_event_goes_after_its_last_one(admin_client):
    event = conference()

    response = admin_client.get(f"{reverse('admin:registrations_question_add')}?event={event.pk}")

    assert response.context["adminform"].form["order"].value() == 90


def test_a_spanish_speaking_guest_gets_the_built_in_questions_and_prompts_in_spanish():
    event = conference()

    with translation.override("es"):
        form = guest_form(event)
        labels = [str(form.fields[name].label) for name in ("organisation", "country", "attendee_type")]
        prompts = [str(form.fields[name].choices[0][1]) for name in ("country", "attendee_type")]

    assert labels == ["Organización", "País", "Tipo de asistente"]
    assert prompts == ["Elija un país", "Elija una opción"]
