"""Spanish titles and texts for events, sessions, their materials, venues' accessibility notes and
webinar series (django-modeltranslation).

Each field listed here gets a column per language (`title_en`, `title_es`). Reading
`event.title` gives the active language's text, or the English one where no
Spanish is given; English is the required one.
"""

from django.db.models import F, Value
from django.db.models.functions import Coalesce, NullIf
from modeltranslation.translator import TranslationOptions, register
from modeltranslation.utils import build_localized_fieldname, get_language, get_translation_fields

from .models import Event, Session, SessionMaterial, Topic, Venue, WebinarSeries


@register(Event)
class EventTranslationOptions(TranslationOptions):
    fields = ["title", "subtitle", "summary", "description", "highlights", "practical_information"]
    required_languages = {"en": ["title"]}


@register(Session)
class SessionTranslationOptions(TranslationOptions):
    fields = ["title", "description"]
    required_languages = {"en": ["title"]}


@register(SessionMaterial)
class SessionMaterialTranslationOptions(TranslationOptions):
    fields = ["title"]
    required_languages = {"en": ["title"]}


@register(Venue)
class VenueTranslationOptions(TranslationOptions):
    fields = ["accessibility"]


@register(WebinarSeries)
class WebinarSeriesTranslationOptions(TranslationOptions):
    fields = ["title", "summary", "description"]
    required_languages = {"en": ["title"]}


@register(Topic)
class TopicTranslationOptions(TranslationOptions):
    fields = ["name"]
    required_languages = {"en": ["name"]}


def in_every_language(*names):
    """The English and Spanish columns of translated fields: to search them all.

    A lookup on `title` itself reads only the active language's column.
    """
    return [column for name in names for column in get_translation_fields(name)]


def in_active_language(lookup):
    """`lookup` ("title", "topic__name") in the active language, or English where empty: to order by.

    Ordering by `title` itself would read only the active language's column and put
    the rows with no Spanish text apart.
    """
    active = F(build_localized_fieldname(lookup, get_language()))
    return Coalesce(NullIf(active, Value("")), F(build_localized_fieldname(lookup, "en")))
