"""Spanish for the questions staff add to a registration form (django-modeltranslation).

Like events/translation.py: a column per language (`label_en`, `label_es`); reading
`question.label` gives the active language's text, or the English one where no Spanish is given.
"""

from modeltranslation.translator import TranslationOptions, register

from .models import Question, QuestionChoice


@register(Question)
class QuestionTranslationOptions(TranslationOptions):
    fields = ["label", "help_text"]
    required_languages = {"en": ["label"]}


@register(QuestionChoice)
class QuestionChoiceTranslationOptions(TranslationOptions):
    fields = ["label"]
    required_languages = {"en": ["label"]}
