"""Questions staff add to an event's registration form: who is asked, what is stored, what stays readable."""

import datetime as dt
import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db.models import RestrictedError
from django.urls import reverse
from django.utils import translation

from registrations.models import Answer, Question, QuestionChoice, Registration
from registrations.signup import emails, questions, services
from registrations.signup.forms import RegistrationForm
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_minimum_fill_time(settings):
    """These tests post the form at once, as no person could: the bot checks have their own tests."""
    settings.REGISTRATION_MIN_FILL_SECONDS = 0


@pytest.fixture(autouse=True)
def _stub_email_rendering(monkeypatch):
    monkeypatch.setattr(
        emails,
        "render_email",
        lambda *, registration, kind, **_: {"subject": str(kind), "body_text": str(kind)},
    )


def form_data(**extra):
    return {
        "name": "Ana Guest",
        "email": "ana@example.com",
        "time_zone": "Europe/Brussels",
        "language": "en",
        "privacy_consent": "on",
        **extra,
    }


def field(question):
    return questions.field_name(question)


def choice_id(question, label):
    return str(question.choices.get(label_en=label).pk)


def register_with_form(event, data, user=None):
    form = RegistrationForm(data, event=event, user=user or AnonymousUser())
    assert form.is_valid(), form.errors
    return services.register(event=event, data=form.cleaned_data, user=user)


def answers_of(registration):
    return {
        answer.question.label_en: (answer.value, answer.text)
        for answer in Answer.objects.filter(registration=registration).select_related("question")
    }


@pytest.fixture
def event_with_questions():
    event = factories.EventFactory()
    factories.RegistrationSettingsFactory(event=event)
    return {
        "event": event,
        "sector": factories.QuestionFactory(
            event=event,
            label_en="Sector",
            label_es="Sector de actividad",
            kind=Question.Kind.SINGLE_CHOICE,
            choices=[("Public buyer", "Comprador público"), ("Union", "Sindicato"), ("Other", "Otro")],
        ),
        "topics": factories.QuestionFactory(
            event=event,
            label_en="Topics",
            kind=Question.Kind.MULTIPLE_CHOICE,
            choices=["Mining", "Audits", "Law"],
        ),
        "photo": factories.QuestionFactory(
            event=event, label_en="Photos of me are fine", kind=Question.Kind.CHECKBOX
        ),
        "from": factories.QuestionFactory(
            event=event, label_en="Country of work", kind=Question.Kind.COUNTRY
        ),
        "hope": factories.QuestionFactory(
            event=event, label_en="What do you hope to learn?", kind=Question.Kind.LONG_TEXT
        ),
    }


# Who is asked


def test_guest_is_never_asked_an_affiliates_only_question(affiliate_user):
    event = factories.EventFactory()
    everyone = factories.QuestionFactory(event=event, label_en="Badge name")
    members = factories.QuestionFactory(
        event=event, label_en="Partner code (secret)", audience=Question.Audience.AFFILIATES
    )
    guests = factories.QuestionFactory(
        event=event, label_en="How did you hear of us?", audience=Question.Audience.GUESTS
    )

    guest_form = RegistrationForm(event=event, user=AnonymousUser())
    affiliate_form = RegistrationForm(event=event, user=affiliate_user)

    assert [
        f.label
        for f in guest_form.fields.values()
        if f.label in {"Badge name", "Partner code (secret)", "How did you hear of us?"}
    ] == [
        "Badge name",
        "How did you hear of us?",
    ]
    assert field(members) not in guest_form.fields
    assert [field(everyone), field(members)] == [
        name for name in affiliate_form.fields if name.startswith("question_")
    ]
    assert field(guests) not in affiliate_form.fields


def test_guest_posting_an_answer_to_an_affiliates_only_question_stores_nothing_for_it(client):
    event = factories.EventFactory()
    factories.RegistrationSettingsFactory(event=event)
    members = factories.QuestionFactory(
        event=event, label_en="Partner code", audience=Question.Audience.AFFILIATES
    )

    response = client.post(
        reverse("registrations:register", kwargs={"slug": event.slug}), form_data(**{field(members): "XYZ"})
    )

    assert response.status_code == 302
    assert Registration.objects.count() == 1
    assert Answer.objects.count() == 0
    page = client.get(reverse("registrations:register", kwargs={"slug": event.slug})).content.decode()
    assert "Partner code" not in page


def test_staff_are_asked_the_affiliates_questions():
    event = factories.EventFactory()
    members = factories.QuestionFactory(event=event, audience=Question.Audience.AFFILIATES)
    guests = factories.QuestionFactory(event=event, audience=Question.Audience.GUESTS)

    form = RegistrationForm(event=event, user=factories.StaffFactory())

    assert field(members) in form.fields
    assert field(guests) not in form.fields


# What is stored


def test_answers_are_stored_with_the_registration_as_values_and_readable_text(event_with_questions):
    q = event_with_questions

    registration = register_with_form(
        q["event"],
        form_data(
            **{
                field(q["sector"]): choice_id(q["sector"], "Union"),
                field(q["topics"]): [choice_id(q["topics"], "Law"), choice_id(q["topics"], "Mining")],
                field(q["photo"]): "on",
                field(q["from"]): "BE",
                field(q["hope"]): "Line one\r\nLine two\x07",
            }
        ),
    )

    topics = q["topics"].choices.order_by("order")
    assert answers_of(registration) == {
        "Sector": (choice_id(q["sector"], "Union"), "Union"),
        # In the choices' order, whatever order they were posted in.
        "Topics": (f"{topics[0].pk},{topics[2].pk}", "Mining; Law"),
        "Photos of me are fine": ("yes", "yes"),
        "Country of work": ("BE", "Belgium"),
        "What do you hope to learn?": ("Line one\nLine two", "Line one\nLine two"),
    }


def test_unanswered_optional_questions_store_no_answer(event_with_questions):
    registration = register_with_form(event_with_questions["event"], form_data())

    assert answers_of(registration) == {}


def test_a_required_question_must_be_answered():
    event = factories.EventFactory()
    question = factories.QuestionFactory(event=event, label_en="Employer", required=True)

    form = RegistrationForm(form_data(), event=event, user=AnonymousUser())

    assert not form.is_valid()
    assert list(form.errors) == [field(question)]


def test_a_choice_of_another_question_is_refused(event_with_questions):
    q = event_with_questions

    form = RegistrationForm(
        form_data(
            **{
                field(q["sector"]): choice_id(q["topics"], "Law"),
                field(q["topics"]): [choice_id(q["topics"], "Law"), "99999999999999999999999"],
                field(q["from"]): "XX",
            }
        ),
        event=q["event"],
        user=AnonymousUser(),
    )

    assert not form.is_valid()
    assert sorted(form.errors) == sorted([field(q["sector"]), field(q["topics"]), field(q["from"])])


def test_text_answers_lose_control_characters_and_are_limited_in_length():
    event = factories.EventFactory()
    factories.RegistrationSettingsFactory(event=event)
    short = factories.QuestionFactory(event=event, label_en="Employer")

    too_long = RegistrationForm(
        form_data(**{field(short): "x" * (questions.TEXT_MAX_LENGTH + 1)}), event=event, user=AnonymousUser()
    )
    registration = register_with_form(event, form_data(**{field(short): " ACME\r\nSubject: hi\x1b[2J "}))

    assert list(too_long.errors) == [field(short)]
    assert answers_of(registration) == {"Employer": ("ACME Subject: hi [2J", "ACME Subject: hi [2J")}


def test_questions_are_asked_in_the_active_language(event_with_questions):
    q = event_with_questions

    with translation.override("es"):
        form = RegistrationForm(event=q["event"], user=AnonymousUser())
        sector = form.fields[field(q["sector"])]
        labels = [str(label) for _value, label in sector.choices]
        countries = {code: str(name) for code, name in form.fields[field(q["from"])].choices}

    assert sector.label == "Sector de actividad"
    assert labels == ["Comprador público", "Sindicato", "Otro"]
    assert (countries["BE"], countries["ES"]) == ("Bélgica", "España")
    # No Spanish given: the English label.
    assert form.fields[field(q["topics"])].label == "Topics"


def test_spanish_registrant_answer_is_stored_in_english_for_staff(event_with_questions):
    q = event_with_questions

    with translation.override("es"):
        registration = register_with_form(
            q["event"],
            form_data(
                language="es", **{field(q["sector"]): choice_id(q["sector"], "Union"), field(q["from"]): "ES"}
            ),
        )

    assert answers_of(registration) == {
        "Sector": (choice_id(q["sector"], "Union"), "Union"),
        "Country of work": ("ES", "Spain"),
    }


def test_changing_a_question_after_people_answered_keeps_their_answers_readable(event_with_questions):
    q = event_with_questions
    registration = register_with_form(
        q["event"], form_data(**{field(q["topics"]): [choice_id(q["topics"], "Audits")]})
    )

    QuestionChoice.objects.filter(question=q["topics"], label_en="Audits").update(label_en="Social audits")
    QuestionChoice.objects.filter(question=q["topics"], label_en="Law").delete()
    Question.objects.filter(pk=q["topics"].pk).update(label_en="Themes")

    answer = Answer.objects.get(registration=registration)
    assert (answer.question.label_en, answer.text) == ("Themes", "Audits")


def test_answers_are_editable_on_the_manage_page(client, event_with_questions):
    q = event_with_questions
    registration = register_with_form(
        q["event"],
        form_data(**{field(q["sector"]): choice_id(q["sector"], "Union"), field(q["hope"]): "Due diligence"}),
    )
    url = reverse("registrations:manage", kwargs={"token": registration.manage_token})

    page = client.get(url).content.decode()
    response = client.post(
        url, form_data(**{field(q["sector"]): choice_id(q["sector"], "Other"), field(q["photo"]): "on"})
    )

    union = choice_id(q["sector"], "Union")
    assert re.search(rf'name="{field(q["sector"])}" value="{union}"[^>]*checked', page)
    assert re.search(rf'<textarea name="{field(q["hope"])}"[^>]*>\s*Due diligence</textarea>', page)
    assert response.status_code == 302
    # The long text was emptied: its answer is gone.
    assert answers_of(registration) == {
        "Sector": (choice_id(q["sector"], "Other"), "Other"),
        "Photos of me are fine": ("yes", "yes"),
    }


def test_a_question_with_answers_cannot_be_deleted_alone_but_goes_with_its_event(event_with_questions):
    q = event_with_questions
    register_with_form(q["event"], form_data(**{field(q["hope"]): "Learning"}))

    with pytest.raises(RestrictedError):
        q["hope"].delete()
    q["event"].delete()

    assert (Question.objects.count(), Answer.objects.count()) == (0, 0)


def test_register_and_manage_pages_ask_questions_in_constant_queries(client, django_assert_num_queries):
    event = factories.EventFactory()
    factories.RegistrationSettingsFactory(event=event)
    registration = services.register(event=event, data={"name": "Ana", "email": "ana@example.com"})
    manage = reverse("registrations:manage", kwargs={"token": registration.manage_token})
    register = reverse("registrations:register", kwargs={"slug": event.slug})
    client.get(register)  # the event with its partners is cached from now on
    # register: settings, questions, their choices (kept in the cache from then on; the cached
    # event says it has no sessions to choose); manage: registration, its sessions, choices,
    # sessions to choose, answers
    for count in (1, 8):
        for _ in range(count):
            question = factories.QuestionFactory(
                event=event, kind=Question.Kind.SINGLE_CHOICE, choices=["Yes", "No"]
            )
            Answer.objects.create(registration=registration, question=question, value="1", text="Yes")

        with django_assert_num_queries(3):
            assert client.get(register).status_code == 200
        with django_assert_num_queries(6):
            assert client.get(manage).status_code == 200


def test_next_edition_starts_with_the_questions_and_choices_but_no_answers(event_with_questions):
    q = event_with_questions
    register_with_form(q["event"], form_data(**{field(q["sector"]): choice_id(q["sector"], "Union")}))

    clone = services.clone_event_with_settings(
        event=q["event"], offset=dt.timedelta(days=364), title="Next edition", slug="next-edition"
    )

    # The source had no built-in questions (made by a factory): the copy gets the defaults besides.
    copied = Question.objects.own().filter(event=clone).order_by("order")
    assert [(c.label_en, c.label_es, c.kind) for c in copied] == [
        (o.label_en, o.label_es, o.kind) for o in Question.objects.filter(event=q["event"]).order_by("order")
    ]
    sector = copied.get(label_en="Sector")
    assert list(sector.choices.values_list("label_en", "label_es")) == [
        ("Public buyer", "Comprador público"),
        ("Union", "Sindicato"),
        ("Other", "Otro"),
    ]
    assert Answer.objects.filter(question__event=clone).count() == 0


def test_staff_text_in_a_question_is_shown_as_text_not_markup(client):
    event = factories.EventFactory()
    factories.RegistrationSettingsFactory(event=event)
    factories.QuestionFactory(
        event=event,
        label_en="<b>Sector</b>",
        help_text_en='<img src="x">Choose one',
        kind=Question.Kind.SINGLE_CHOICE,
        choices=["<i>Union</i>", "Other"],
    )

    page = client.get(reverse("registrations:register", kwargs={"slug": event.slug})).content.decode()

    assert "<b>Sector</b>" not in page
    assert '<img src="x">' not in page
    assert "<i>Union</i>" not in page
    assert "&lt;b&gt;Sector&lt;/b&gt;" in page
    assert "&lt;img src=&quot;x&quot;&gt;Choose one" in page
    assert "&lt;i&gt;Union&lt;/i&gt;" in page


def test_the_form_follows_every_write_of_its_questions_though_they_are_cached(client):
    """The event's questions and choices are kept in the cache; the next form shows each change."""
    event = factories.EventFactory()
    factories.RegistrationSettingsFactory(event=event)
    question = factories.QuestionFactory(event=event, label="Your sector", kind=Question.Kind.SINGLE_CHOICE)
    QuestionChoice.objects.create(question=question, label_en="Union", order=1)
    url = reverse("registrations:register", kwargs={"slug": event.slug})

    def page():
        return client.get(url).content.decode()

    assert "Your sector" in page()

    question.label = "Your field of work"
    question.save()
    assert "Your field of work" in page()

    QuestionChoice.objects.filter(question=question).update(label_en="Trade union")
    assert "Trade union" in page()

    QuestionChoice.objects.create(question=question, label_en="Public buyer", order=2)
    assert "Public buyer" in page()

    Question.objects.filter(pk=question.pk).update(asked=False)
    assert "Your field of work" not in page()
