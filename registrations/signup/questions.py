"""An event's registration questions: the defaults an event starts with, who is asked, fields, answers.

Built-in questions (Question.field) ask the registration's own columns; the form
(signup.forms) lays them out with staff's own in one order, and their answers go to the
columns like before. An event without built-in rows (made where no default questions were
added, e.g. by a script) is asked the defaults before its own questions, as if it had them.

Who is asked follows the visibility rule's kinds of viewer (events.access.viewer_of), as the
mailings' audiences do: affiliates are those who see restricted sessions (members of affiliate
organisations, and staff), guests everyone else. A guest is never asked an affiliates-only
question, nor an affiliate a guests-only one.

Answers are written by save_answers, called by signup.services in the transaction that
registers or changes the registration.
"""

import functools

from django import forms
from django.db import transaction
from django.db.models import prefetch_related_objects
from django.utils.html import conditional_escape
from django.utils.translation import get_language, override, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from events import access, page_cache
from registrations.models import FIXED_QUESTION_KINDS, Answer, Question
from registrations.scopes import signup_scope

from .form_fields import MultiLineField, ReadyChoices, SingleLineField

FIELD_PREFIX = "question_"
# Longest answers kept, in characters: a line, and a few paragraphs.
TEXT_MAX_LENGTH = 300
LONG_TEXT_MAX_LENGTH = 2000
YES = "yes"

# What a select shows before anything is chosen.
CHOOSE_PROMPT = pgettext_lazy("select prompt", "Choose one")
COUNTRY_PROMPT = _("Choose a country")

# The built-in questions a new event starts with, in this order: (label, help text) per column.
DEFAULT_QUESTIONS = {
    "organisation": (_("Organisation"), ""),
    "role": (_("Job title or role"), ""),
    "country": (_("Country"), ""),
    "attendee_type": (_("Attendee type"), ""),
    "dietary_needs": (_("Dietary needs"), _("Allergies or diets we should know about for meals.")),
    "accessibility_needs": (
        _("Accessibility needs"),
        _("Anything that helps you take part: access, seating, captions."),
    ),
    "interpretation_language": (_("Interpretation into"), ""),
    "participant_list_consent": (_("Show my name and organisation on the participant list"), ""),
}
# A webinar asks fewer: no meals, no participant list at a venue.
NOT_ASKED_AT_WEBINARS = {"dietary_needs", "participant_list_consent"}
# Gaps between the defaults' order leave room for staff's own questions between them.
ORDER_STEP = 10


def default_questions(event):
    """Unsaved built-in questions for `event`: one per column, optional, in both languages."""
    return [
        Question(
            event=event,
            field=name,
            kind=FIXED_QUESTION_KINDS[name],
            order=position * ORDER_STEP,
            asked=not (event.is_online and name in NOT_ASKED_AT_WEBINARS),
            **texts,
        )
        for position, (name, texts) in enumerate(_default_texts().items(), start=1)
    ]


@functools.cache
def _default_texts():
    """{column: {label_en, label_es, help_text_en, help_text_es}}: the catalogue read once per process."""
    texts = {}
    for name, (label, help_text) in DEFAULT_QUESTIONS.items():
        texts[name] = {}
        for language in ("en", "es"):
            with override(language):
                texts[name][f"label_{language}"] = str(label)
                texts[name][f"help_text_{language}"] = str(help_text)
    return texts


@transaction.atomic
def add_default_questions(*, event):
    """Give `event` the built-in questions it lacks (all of them for a new event); return those added.

    Side effects: inserts a Question row per built-in question `event` has none for; an event
    that has them all is left as it is, whatever staff changed.
    """
    present = set(Question.objects.filter(event=event).built_in().values_list("field", flat=True))
    missing = [question for question in default_questions(event) if question.field not in present]
    return Question.objects.bulk_create(missing)


def audiences_of(user):
    """The Question.Audience values whose questions `user` is asked."""
    if access.viewer_of(user) is access.Viewer.PUBLIC:
        return (Question.Audience.EVERYONE, Question.Audience.GUESTS)
    return (Question.Audience.EVERYONE, Question.Audience.AFFILIATES)


def questions_for(event, user):
    """The questions of `event` that `user` is asked, built-in and own, in order; own choices loaded.

    Every registration reads them: kept in the cache under the event's signup scope, which
    every write of its questions and their choices bumps (registrations.scopes). On a miss, one
    query, and one more for the choices when there are choice questions. An event without
    built-in rows is asked the default built-in questions (default_questions).
    """
    scopes = [signup_scope(event.pk)]
    rows = page_cache.cached_object(f"questions:{event.pk}", scopes, lambda: _rows_of(event))
    if not any(question.field for question in rows):
        # Before staff's own, where the fixed fields always were.
        rows = [*default_questions(event), *rows]
    audiences = audiences_of(user)
    return [question for question in rows if question.asked and question.audience in audiences]


def _rows_of(event):
    rows = list(Question.objects.filter(event=event).order_by("order", "pk"))
    prefetch_related_objects([question for question in rows if question.has_choices], "choices")
    return rows


def field_name(question):
    return f"{FIELD_PREFIX}{question.pk}"


def form_field(question):
    """The form field that asks `question`, labelled in the active language; required as staff set it."""
    # Help texts are rendered unescaped by Django and crispy forms: staff's text is escaped here.
    common = {
        "label": question.label,
        "help_text": conditional_escape(question.help_text),
        "required": question.required,
    }
    kind = question.kind
    if kind == Question.Kind.LONG_TEXT:
        return MultiLineField(
            max_length=LONG_TEXT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 3}), **common
        )
    if kind == Question.Kind.CHECKBOX:
        return forms.BooleanField(**common)
    if kind == Question.Kind.COUNTRY:
        # Named in the active language, sorted in it (django-countries).
        return forms.ChoiceField(choices=_country_choices(get_language()), **common)
    if kind == Question.Kind.SINGLE_CHOICE:
        choices = [(str(choice.pk), choice.label) for choice in question.choices.all()]
        return forms.ChoiceField(choices=choices, widget=forms.RadioSelect, **common)
    if kind == Question.Kind.MULTIPLE_CHOICE:
        choices = [(str(choice.pk), choice.label) for choice in question.choices.all()]
        return forms.MultipleChoiceField(choices=choices, widget=forms.CheckboxSelectMultiple, **common)
    return SingleLineField(max_length=TEXT_MAX_LENGTH, **common)


def initial_value(question, answer):
    """What the form shows for `answer` (an Answer, or None) to `question`."""
    if answer is None:
        return None
    if question.kind == Question.Kind.CHECKBOX:
        return answer.value == YES
    if question.kind == Question.Kind.MULTIPLE_CHOICE:
        return [pk for pk in answer.value.split(",") if pk]
    return answer.value


def stored_answer(question, cleaned):
    """The (value, text) stored for the form's cleaned `cleaned` answer to `question`; ("", "") when none.

    The form's fields have checked the value: only the question's choices, a known country.
    """
    kind = question.kind
    if kind == Question.Kind.CHECKBOX:
        return (YES, "yes") if cleaned else ("", "")
    if kind == Question.Kind.COUNTRY:
        if not cleaned:
            return "", ""
        with override("en"):
            return cleaned, str(countries.name(cleaned))
    if question.has_choices:
        chosen_ids = set(cleaned if isinstance(cleaned, list | tuple) else [cleaned] if cleaned else [])
        chosen = [choice for choice in question.choices.all() if str(choice.pk) in chosen_ids]
        return ",".join(str(choice.pk) for choice in chosen), "; ".join(choice.label_en for choice in chosen)
    return cleaned or "", cleaned or ""


def save_answers(*, registration, answers):
    """Store `answers` (Question -> cleaned form value) as `registration`'s answers to those questions.

    An empty answer removes the stored one. Answers to questions not in `answers` stay as they
    are (a question the form did not ask). Side effects: deletes the registration's Answer rows
    for these questions and inserts one per answered question: two queries at most.
    """
    if not answers:
        return
    rows = []
    for question, cleaned in answers.items():
        value, text = stored_answer(question, cleaned)
        if value:
            rows.append(Answer(registration=registration, question=question, value=value, text=text))
    Answer.objects.filter(registration=registration, question__in=list(answers)).delete()
    Answer.objects.bulk_create(rows)


def answers_by_question(registration):
    """`registration`'s answers keyed by question id."""
    if registration is None or registration.pk is None:
        return {}
    return {answer.question_id: answer for answer in registration.answers.all()}


def country_name_choices(current=""):
    """The country column's choices: the English name stored, the active language's name shown.

    The column held free text before it was a choice: `current`, a value no country's name
    (in English or Spanish) or code matches, is offered as it was typed, so it stays readable
    and is kept when the form is saved again.
    """
    choices = _country_name_choices(get_language())
    current = (current or "").strip()
    if current and stored_country_name(current) == "":
        return [choices[0], (current, current), *choices[1:]]
    return choices


# Both lists are built once per language: naming and sorting ~250 countries is most of a form's cost.
@functools.lru_cache(maxsize=8)
def _country_choices(language):
    """Own country questions' choices: the country's code stored, its name in `language` shown."""
    return ReadyChoices([("", COUNTRY_PROMPT), *countries])


@functools.lru_cache(maxsize=8)
def _country_name_choices(language):
    with override("en"):
        english = {code: str(name) for code, name in countries}
    return ReadyChoices([("", COUNTRY_PROMPT), *((english[code], name) for code, name in countries)])


def stored_country_name(value):
    """The English name of the country `value` names (an English or Spanish name, or a code), or ""."""
    text = (value or "").strip().casefold()
    if not text:
        return ""
    for language in ("en", "es"):
        with override(language):
            for code, name in countries:
                if text in (code.casefold(), str(name).casefold()):
                    with override("en"):
                        return str(countries.name(code))
    return ""
