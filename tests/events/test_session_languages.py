"""A session says what language it is in and what it is interpreted into, in the visitor's language."""

import pytest
from django.utils import translation

from events.languages import spoken_in
from tests import factories

pytestmark = pytest.mark.django_db


def _spanish(client):
    client.cookies["django_language"] = "es"
    return client


def test_spoken_in_reads_as_a_sentence_in_english_and_in_spanish():
    with translation.override("en"):
        assert spoken_in("en") == "In English"
        assert spoken_in("en", ["es"]) == "In English, interpreted into Spanish"
        assert spoken_in("en", ["es", "fr", "en"]) == "In English, interpreted into Spanish and French"
    with translation.override("es"):
        assert spoken_in("en", ["es"]) == "En inglés, con interpretación al español"


def test_the_session_page_says_the_language_and_the_interpretation(client):
    event = factories.EventFactory(language="en", interpretation_languages=["es"])
    session = factories.SessionFactory(event=event)

    assert "In English, interpreted into Spanish" in client.get(session.get_absolute_url()).content.decode()
    spanish = _spanish(client).get(session.get_absolute_url()).content.decode()
    assert "En inglés, con interpretación al español" in spanish


def test_the_programme_names_only_the_languages_of_sessions_that_differ_from_the_event(client):
    event = factories.EventFactory(language="en", interpretation_languages=["es"])
    factories.SessionFactory(event=event, title="Plenary")
    factories.SessionFactory(event=event, title="Taller", language="es", interpretation_languages=[])

    html = client.get(event.get_absolute_url()).content.decode()

    assert html.count('class="mb-1 session-languages"') == 1
    assert "In Spanish</p>" in html
