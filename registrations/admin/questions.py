"""Staff write the questions an event's registration form asks, built-in and their own, and read the answers.

A question's label, help text and choices have an English and a Spanish field
(registrations/translation.py). The questions' own admin edits a question with its choices
inline; the event's page links to its questions (question_links), listed by event.
A built-in question (organisation, country, diets...) is edited the same way, but its kind and
choices come from the registration's column it fills, and it is hidden by unticking "asked"
rather than deleted. Answers are shown, never edited, on the registration's page: they are the
registrant's.
"""

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin, TranslationTabularInline

from events.translation import in_every_language
from registrations.models import Question, QuestionChoice
from registrations.signup.questions import ORDER_STEP


class ChoicesFormSet(BaseInlineFormSet):
    """A choice question needs two choices or more; other kinds take none."""

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        kept = [
            form
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE") and form.cleaned_data.get("label_en")
        ]
        kind = self.instance.kind
        if self.instance.is_built_in:
            return
        if kind in Question.CHOICE_KINDS and len(kept) < 2:
            raise ValidationError(_("A choice question needs at least two choices."))
        if kind not in Question.CHOICE_KINDS and kept:
            raise ValidationError(_("Only single and multiple choice questions have choices."))


class QuestionChoiceInline(TranslationTabularInline):
    model = QuestionChoice
    formset = ChoicesFormSet
    fields = ["label", "order"]
    extra = 2


@admin.register(Question)
class QuestionAdmin(TranslationAdmin):
    """Translated fields show as an English and a Spanish field; choices are edited below the question."""

    list_display = ["label", "event", "kind", "built_in", "asked", "required", "audience", "order"]
    list_editable = ["asked", "required", "order"]
    list_filter = ["event", "kind", "asked", "audience"]
    list_select_related = ["event"]
    search_fields = in_every_language("label")
    autocomplete_fields = ["event"]
    fields = ["event", "label", "help_text", "kind", "choices_note", "asked", "required", "audience", "order"]
    readonly_fields = ["choices_note"]
    inlines = [QuestionChoiceInline]

    @admin.display(description=_("choices"))
    def choices_note(self, obj):
        if obj is not None and obj.is_built_in:
            return _(
                "A built-in question: its answer is kept in the registration's own column, shown in "
                "the exports, summary and badges as before, and its choices are fixed."
            )
        return _(
            "Single and multiple choice questions take their choices from the table below. "
            "Renaming or removing a choice later leaves answers already given as they were."
        )

    @admin.display(description=_("built-in"), boolean=True)
    def built_in(self, obj):
        return obj.is_built_in

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.is_built_in:
            return ["event", "kind", "choices_note"]
        return self.readonly_fields

    def get_inlines(self, request, obj):
        if obj is not None and obj.is_built_in:
            return []
        return self.inlines

    def get_changeform_initial_data(self, request):
        """A new question goes after the event's last one."""
        initial = super().get_changeform_initial_data(request)
        event_id = str(initial.get("event", ""))
        if event_id.isdigit():
            last = Question.objects.filter(event_id=event_id).order_by("-order").first()
            initial.setdefault("order", last.order + ORDER_STEP if last else ORDER_STEP)
        return initial

    def has_delete_permission(self, request, obj=None):
        # A built-in question is hidden by not asking it: its column stays on every registration.
        # Django's "delete selected" asks this for each row, so it refuses a selection with one.
        if obj is not None and obj.is_built_in:
            return False
        return super().has_delete_permission(request, obj)


def question_links(event):
    """List items for the event's admin page: its registration questions, and adding one."""
    changelist = reverse("admin:registrations_question_changelist")
    add = reverse("admin:registrations_question_add")
    return format_html(
        '<li><a href="{}?event__id__exact={}">{}</a></li><li><a href="{}?event={}">{}</a></li>',
        changelist,
        event.pk,
        _("Registration questions of this event"),
        add,
        event.pk,
        _("Add a registration question"),
    )


def answers_table(registration):
    """The registration's answers to its event's questions, as a read-only table for its admin page."""
    if registration is None or registration.pk is None:
        return "—"
    answers = list(registration.answers.select_related("question").order_by("question__order", "question"))
    if not answers:
        # The built-in questions' answers are the registration's own fields, shown above.
        return _("No answers to this event's own questions.")
    return format_html(
        "<table><thead><tr><th>{}</th><th>{}</th></tr></thead><tbody>{}</tbody></table>",
        _("Question"),
        _("Answer"),
        format_html_join(
            "", "<tr><td>{}</td><td>{}</td></tr>", ((a.question.label, a.text) for a in answers)
        ),
    )
