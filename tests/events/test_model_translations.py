"""Spanish titles and texts of events, sessions and webinar series, with English where none is given."""

import datetime as dt

import icalendar
import pytest
from django.urls import reverse

from events.demo import load_demo
from events.models import Event, Session, WebinarSeries
from events.services import clone_event
from ewevents import celery_app
from registrations.signup import services
from tests import factories
from tests.events.test_admin import change_url, form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def spanish_client(client):
    """A visitor who chose Spanish with the language switcher."""
    client.post(reverse("set_language"), {"language": "es", "next": "/"})
    return client


@pytest.fixture
def translated_event():
    return factories.EventFactory(
        title="Annual Conference",
        title_es="Conferencia Anual",
        subtitle="Procurement and due diligence",
        subtitle_es="Contratación y diligencia debida",
        summary="Two days in Brussels.",
        summary_es="Dos días en Bruselas.",
        description="Learning and exchange.",
        description_es="Aprendizaje e intercambio.",
    )


@pytest.fixture
def translated_session(translated_event):
    return factories.SessionFactory(
        event=translated_event,
        title="Opening panel",
        title_es="Panel de apertura",
        description="Buyers and unions.",
        description_es="Compradores y sindicatos.",
    )


def page(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200
    return response.content.decode()


# Pages -------------------------------------------------------------------------------------


def test_spanish_event_page_shows_the_spanish_texts(spanish_client, translated_event, translated_session):
    content = page(spanish_client, translated_event.get_absolute_url())

    for text in ["Conferencia Anual", "Contratación y diligencia debida", "Dos días en Bruselas."]:
        assert text in content
    assert "Aprendizaje e intercambio." in content
    assert "Panel de apertura" in content
    for text in ["Annual Conference", "Two days in Brussels.", "Learning and exchange.", "Opening panel"]:
        assert text not in content


def test_english_event_page_shows_the_english_texts(client, translated_event, translated_session):
    content = page(client, translated_event.get_absolute_url())

    for text in ["Annual Conference", "Procurement and due diligence", "Two days in Brussels."]:
        assert text in content
    assert "Learning and exchange." in content
    assert "Opening panel" in content
    for text in [
        "Conferencia Anual",
        "Dos días en Bruselas.",
        "Aprendizaje e intercambio.",
        "Panel de apertura",
    ]:
        assert text not in content


def test_spanish_session_page_shows_the_spanish_title_and_description(spanish_client, translated_session):
    content = page(spanish_client, translated_session.get_absolute_url())

    assert "Panel de apertura" in content
    assert "Compradores y sindicatos." in content
    assert "Buyers and unions." not in content


def test_spanish_webinar_and_series_pages_show_the_spanish_texts(client, spanish_client):
    series = factories.WebinarSeriesFactory(
        title="Electronics Watch Webinars",
        title_es="Seminarios web de Electronics Watch",
        summary="Free webinars for public buyers.",
        summary_es="Seminarios web gratuitos para compradores públicos.",
        description="Held online.",
        description_es="En línea.",
    )
    webinar = factories.WebinarFactory(
        series=series,
        title="Labour rights in ICT tenders",
        title_es="Derechos laborales en las licitaciones de TIC",
        summary="How buyers add labour rights conditions.",
        summary_es="Cómo añaden los compradores condiciones laborales.",
    )

    series_page = page(spanish_client, series.get_absolute_url())
    webinar_page = page(spanish_client, webinar.get_absolute_url())

    for text in [
        "Seminarios web de Electronics Watch",
        "Seminarios web gratuitos para compradores públicos.",
        "En línea.",
        "Derechos laborales en las licitaciones de TIC",
    ]:
        assert text in series_page
    assert "Electronics Watch Webinars" not in series_page
    assert "Derechos laborales en las licitaciones de TIC" in webinar_page
    assert "Cómo añaden los compradores condiciones laborales." in webinar_page
    assert "Labour rights in ICT tenders" not in webinar_page
    # The same pages in English.
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert "Free webinars for public buyers." in page(client, series.get_absolute_url())
    assert "Labour rights in ICT tenders" in page(client, webinar.get_absolute_url())


def test_without_spanish_texts_the_spanish_pages_show_the_english_ones(spanish_client):
    event = factories.EventFactory(title="Supply Chain Forum", summary="Only in English.")
    session = factories.SessionFactory(event=event, title="Closing remarks", description="Thanks to all.")
    series = factories.WebinarSeriesFactory(title="Due diligence webinars", summary="English summary.")

    event_page = page(spanish_client, event.get_absolute_url())
    session_page = page(spanish_client, session.get_absolute_url())
    series_page = page(spanish_client, series.get_absolute_url())

    assert 'lang="es"' in event_page  # the page itself is Spanish
    assert "Supply Chain Forum" in event_page
    assert "Only in English." in event_page
    assert "Closing remarks" in event_page
    assert "Thanks to all." in session_page
    assert "Due diligence webinars" in series_page
    assert "English summary." in series_page


def test_a_spanish_text_left_empty_in_the_admin_shows_the_english_one(spanish_client):
    event = factories.EventFactory(title="Supply Chain Forum", title_es="", summary="Only in English.")

    assert "Supply Chain Forum" in page(spanish_client, event.get_absolute_url())


def test_spanish_home_page_orders_series_by_their_spanish_or_else_english_title(spanish_client):
    factories.WebinarSeriesFactory(title="Zeta webinars", title_es="Alfa: seminarios web")
    factories.WebinarSeriesFactory(title="Beta webinars")
    factories.WebinarSeriesFactory(title="Alpha webinars", title_es="Gamma: seminarios web")

    content = page(spanish_client, reverse("events:home"))

    positions = [
        content.index(title) for title in ["Alfa: seminarios web", "Beta webinars", "Gamma: seminarios"]
    ]
    assert positions == sorted(positions)


# Calendar files and emails -------------------------------------------------------------------


def summaries(ics):
    return [str(entry["summary"]) for entry in icalendar.Calendar.from_ical(ics).walk("VEVENT")]


def test_calendar_files_use_the_visitors_language(client, spanish_client, translated_session):
    event = translated_session.event
    session_ics = reverse("events:session_ics", kwargs={"slug": event.slug, "pk": translated_session.pk})

    spanish = spanish_client.get(session_ics).content
    spanish_event = spanish_client.get(reverse("events:event_ics", kwargs={"slug": event.slug})).content
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    english = client.get(session_ics).content

    assert summaries(spanish) == ["Panel de apertura – Conferencia Anual"]
    assert "Panel de apertura – Conferencia Anual" in summaries(spanish_event)
    assert summaries(english) == ["Opening panel – Annual Conference"]


@pytest.fixture
def _eager_celery():
    saved = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = saved


@pytest.mark.usefixtures("_eager_celery")
@pytest.mark.parametrize(
    ("language", "subject_title", "entry"),
    [
        ("es", "Conferencia Anual", "Panel de apertura – Conferencia Anual"),
        ("en", "Annual Conference", "Opening panel – Annual Conference"),
    ],
)
def test_confirmation_email_and_its_ics_are_in_the_registrants_language(
    translated_session, mailoutbox, django_capture_on_commit_callbacks, language, subject_title, entry
):
    data = {"name": "Ana", "email": "ana@example.com", "sessions": [translated_session], "language": language}

    # Sent by a worker whose own language is English, whatever the registrant's.
    with django_capture_on_commit_callbacks(execute=True):
        services.register(event=translated_session.event, data=data)

    [message] = mailoutbox
    assert subject_title in message.subject
    assert subject_title in message.body
    [(_filename, ics, _mimetype)] = message.attachments
    assert summaries(ics) == [entry]


# Admin -------------------------------------------------------------------------------------


def test_event_change_form_shows_english_and_spanish_fields_with_english_required(admin_client):
    event = factories.EventFactory(title="Annual Conference", title_es="Conferencia Anual")

    response = admin_client.get(change_url(event))
    content = response.content.decode()

    form = response.context["adminform"].form
    for name in ["title", "subtitle", "summary", "description", "highlights", "practical_information"]:
        assert f"{name}_en" in form.fields
        assert f"{name}_es" in form.fields
        assert name not in form.fields
    assert form.fields["title_en"].required
    assert not form.fields["title_es"].required
    assert 'name="title_en" value="Annual Conference"' in content
    assert 'name="title_es" value="Conferencia Anual"' in content
    assert "Title (English)" in content
    assert "Title (Spanish)" in content


def test_event_change_form_saves_the_english_and_spanish_texts(admin_client):
    event = factories.EventFactory(title="Annual Conference")
    data = form_data(admin_client.get(change_url(event)), "event_form")
    data.update(
        {
            "title_en": "Annual Conference 2030",
            "title_es": "Conferencia Anual 2030",
            "summary_es": "Dos días en Bruselas.",
            "description_es": "Aprendizaje e intercambio.",
        }
    )

    response = admin_client.post(change_url(event), data)

    assert response.status_code == 302
    event.refresh_from_db()
    assert (event.title_en, event.title_es) == ("Annual Conference 2030", "Conferencia Anual 2030")
    assert (event.summary_es, event.description_es) == ("Dos días en Bruselas.", "Aprendizaje e intercambio.")


def test_event_change_form_refuses_an_empty_english_title(admin_client):
    event = factories.EventFactory(title="Annual Conference")
    data = form_data(admin_client.get(change_url(event)), "event_form")
    data.update({"title_en": "", "title_es": "Conferencia Anual"})

    response = admin_client.post(change_url(event), data)

    assert response.status_code == 200
    assert list(response.context["adminform"].form.errors) == ["title_en"]
    event.refresh_from_db()
    assert (event.title_en, event.title_es) == ("Annual Conference", None)


def test_session_change_form_shows_and_saves_english_and_spanish_fields(admin_client):
    session = factories.SessionFactory(title="Opening panel", description="Buyers and unions.")
    response = admin_client.get(change_url(session))
    assert 'name="title_es"' in response.content.decode()
    data = form_data(response, "session_form")
    data.update({"title_es": "Panel de apertura", "description_es": "Compradores y sindicatos."})

    response = admin_client.post(change_url(session), data)

    assert response.status_code == 302
    session.refresh_from_db()
    assert (session.title_en, session.title_es) == ("Opening panel", "Panel de apertura")
    assert (session.description_en, session.description_es) == (
        "Buyers and unions.",
        "Compradores y sindicatos.",
    )


def test_event_inline_session_rows_have_english_and_spanish_titles(admin_client, translated_session):
    content = admin_client.get(change_url(translated_session.event)).content.decode()

    assert 'name="sessions-0-title_en" value="Opening panel"' in content
    assert 'name="sessions-0-title_es" value="Panel de apertura"' in content


def test_webinar_series_change_form_saves_the_spanish_texts(admin_client):
    series = factories.WebinarSeriesFactory(title="Webinars")
    data = form_data(admin_client.get(change_url(series)), "webinarseries_form")
    data.update({"title_es": "Seminarios web", "summary_es": "Gratuitos."})

    response = admin_client.post(change_url(series), data)

    assert response.status_code == 302
    series.refresh_from_db()
    assert (series.title_en, series.title_es, series.summary_es) == (
        "Webinars",
        "Seminarios web",
        "Gratuitos.",
    )


# Search ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "query"),
    [(Event, "conferencia"), (Session, "apertura"), (WebinarSeries, "gratuitos")],
)
def test_admin_search_finds_spanish_words(admin_client, translated_session, model, query):
    factories.WebinarSeriesFactory(title="Webinars", summary_es="Seminarios web gratuitos.")
    other_event = factories.EventFactory(title="Other event")
    factories.SessionFactory(event=other_event, title="Other session")
    factories.WebinarSeriesFactory(title="Other series")

    changelist = reverse(f"admin:events_{model._meta.model_name}_changelist")
    response = admin_client.get(changelist, {"q": query})

    assert [str(row) for row in response.context["cl"].result_list] == [
        {Event: "Annual Conference", Session: "Opening panel", WebinarSeries: "Webinars"}[model]
    ]


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("query", ["licitaciones", "tenders"])
def test_series_search_matches_english_and_spanish_words_on_either_page(client, language, query):
    series = factories.WebinarSeriesFactory()
    factories.WebinarFactory(
        series=series, title="Labour rights in ICT tenders", title_es="Derechos laborales en licitaciones"
    )
    factories.WebinarFactory(series=series, title="Contract management", title_es="Gestión de contratos")
    client.post(reverse("set_language"), {"language": language, "next": "/"})

    response = client.get(series.get_absolute_url(), {"q": query})

    assert [webinar.title_en for webinar in response.context["upcoming"]] == ["Labour rights in ICT tenders"]


# Code that creates and copies events -------------------------------------------------------


def test_an_event_created_while_spanish_is_active_still_has_its_english_title(spanish_client):
    # A Spanish request leaves Spanish active; `title=` must still fill the required English column.
    spanish_client.get("/")
    event = factories.EventFactory(title="Created in a Spanish request")

    assert event.title_en == "Created in a Spanish request"


def test_cloning_with_a_new_title_replaces_the_english_title_and_clears_the_old_spanish_one(
    translated_event,
):
    same = clone_event(event=translated_event, offset=dt.timedelta(days=364))
    renamed = clone_event(
        event=translated_event, offset=dt.timedelta(days=364), title="Annual Conference 2031"
    )

    assert (same.title_en, same.title_es) == ("Annual Conference", "Conferencia Anual")
    assert (same.summary_es, same.description_es) == ("Dos días en Bruselas.", "Aprendizaje e intercambio.")
    assert (renamed.title_en, renamed.title_es) == ("Annual Conference 2031", "")
    assert renamed.summary_es == "Dos días en Bruselas."


# Demo data ---------------------------------------------------------------------------------


def test_demo_data_has_spanish_texts_and_the_seed_conference_falls_back_to_english(spanish_client):
    load_demo(password="x-test-pass-1", today=dt.date(2026, 3, 2))
    demo = Event.objects.get(slug="annual-conference-demo")
    seed = Event.objects.get(slug="annual-conference-2024")
    series = WebinarSeries.objects.get()

    demo_page = page(spanish_client, demo.get_absolute_url())
    seed_page = page(spanish_client, seed.get_absolute_url())
    series_page = page(spanish_client, series.get_absolute_url())

    assert "Conferencia Anual de Electronics Watch (edición de demostración)" in demo_page
    assert "Edición de demostración de la Conferencia Anual" in demo_page
    assert "Pausa para el café" in demo_page
    assert "Electronics Watch Annual Conference 2024" in seed_page
    assert "Coffee break" in seed_page
    assert "Seminarios web de Electronics Watch" in series_page
    assert "Criterios de derechos laborales en las licitaciones de TIC (demostración)" in series_page
    # The English texts stay those of the seeds.
    assert (demo.title_en, seed.title_en) == (
        "Electronics Watch Annual Conference (demo edition)",
        "Electronics Watch Annual Conference 2024",
    )
    assert series.title_en == "Electronics Watch Webinars"
