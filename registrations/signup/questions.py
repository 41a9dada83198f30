"""The questions staff add to an event's registration form: who is asked, their form fields, the answers.

Who is asked follows the visibility rule's kinds of viewer (events.access.viewer_of), as the
mailings' audiences do: affiliates are those who see restricted sessions (members of affiliate
organisations, and staff), guests everyone else. A guest is never asked an affiliates-only
question, nor an affiliate a guests-only one.

Answers are written by save_answers, called by signup.services in the transaction that
registers or changes the registration.
"""

from django import forms
from django.utils.html import conditional_escape
from django.utils.translation import override
from django_countries import countries

from events import access
from registrations.models import Answer, Question

from .form_fields import MultiLineField, SingleLineField

FIELD_PREFIX = "question_"
# Longest answers kept, in characters: a line, and a few paragraphs.
TEXT_MAX_LENGTH = 300
LONG_TEXT_MAX_LENGTH = 2000
YES = "yes"


def audiences_of(user):
    """The Question.Audience values whose questions `user` is asked."""
    if access.viewer_of(user) is access.Viewer.PUBLIC:
        return (Question.Audience.EVERYONE, Question.Audience.GUESTS)
    return (Question.Audience.EVERYONE, Question.Audience.AFFILIATES)


def questions_for(event, user):
    """The questions of `event` that `user` is asked, in order, with their choices loaded."""
    return list(
        Question.objects.filter(event=event)
        .for_audiences(audiences_of(user))
        .prefetch_related("choices")
        .order_by("order", "pk")
    )


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
        return forms.ChoiceField(choices=[("", "—"), *countries], **common)
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
