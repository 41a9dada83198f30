"""Spanish and English: the Spanish catalogue, the language switcher and Spanish pages and emails."""

import ast
import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from registrations.models import OutboxEmail, Registration
from registrations.signup.emails import render_email
from tests import factories

PO_PATH = Path(settings.BASE_DIR) / "locale" / "es" / "LC_MESSAGES" / "django.po"
MO_PATH = PO_PATH.with_suffix(".mo")


# The Spanish catalogue ------------------------------------------------------------------


def parse_po(path):
    """The entries of a .po file, each a dict: flags, msgctxt, msgid, msgid_plural, msgstr, msgstr[n]."""
    entries = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        entry = {"flags": set()}
        key = None
        for line in block.splitlines():
            if line.startswith("#~"):  # an obsolete entry: not in the catalogue
                entry["obsolete"] = True
            elif line.startswith("#,"):
                entry["flags"].update(flag.strip() for flag in line[2:].split(","))
            elif line.startswith("#"):
                continue
            elif line.startswith('"'):
                entry[key] += ast.literal_eval(line)
            elif line:
                key, _, value = line.partition(" ")
                entry[key] = ast.literal_eval(value)
        if "msgid" in entry:
            entries.append(entry)
    return entries


def catalogue_of_po(path):
    """The .po file as Python's gettext sees a compiled .mo: {msgid: msgstr, (msgid, n): msgstr[n]}."""
    catalogue = {}
    for entry in parse_po(path):
        if entry.get("obsolete") or "fuzzy" in entry["flags"] or not entry["msgid"]:
            continue
        msgid = entry["msgid"]
        if "msgctxt" in entry:
            msgid = f"{entry['msgctxt']}\x04{msgid}"
        if "msgid_plural" in entry:
            forms = sorted(key for key in entry if key.startswith("msgstr["))
            for form in forms:
                catalogue[msgid, int(form[7:-1])] = entry[form]
        elif entry["msgstr"]:
            catalogue[msgid] = entry["msgstr"]
    return catalogue


def translated_entries():
    return [entry for entry in parse_po(PO_PATH) if entry["msgid"] and not entry.get("obsolete")]


def test_the_catalogue_header_is_spanish():
    header = parse_po(PO_PATH)[0]
    assert header["msgid"] == ""
    assert "Language: es\n" in header["msgstr"]
    assert "Plural-Forms: nplurals=2; plural=(n != 1);\n" in header["msgstr"]
    assert "fuzzy" not in header["flags"]


def test_every_message_is_translated_and_none_is_fuzzy():
    entries = translated_entries()
    assert len(entries) > 600
    fuzzy = [entry["msgid"] for entry in entries if "fuzzy" in entry["flags"]]
    untranslated = [
        entry["msgid"]
        for entry in entries
        if not all(value for key, value in entry.items() if key.startswith("msgstr"))
    ]
    plurals_short = [
        entry["msgid"] for entry in entries if "msgid_plural" in entry and "msgstr[1]" not in entry
    ]
    assert fuzzy == []
    assert untranslated == []
    assert plurals_short == []


PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%%|\{\{ ?\w+ ?\}\}|\{\w+\}|<[^>]+>")


def test_translations_keep_every_placeholder_and_tag():
    for entry in translated_entries():
        originals = [entry["msgid"], entry.get("msgid_plural", entry["msgid"])]
        translations = [value for key, value in sorted(entry.items()) if key.startswith("msgstr")]
        for index, translation in enumerate(translations):
            original = originals[min(index, 1)]
            expected = sorted(PLACEHOLDER.findall(original))
            assert sorted(PLACEHOLDER.findall(translation)) == expected, entry["msgid"]


def test_the_committed_mo_file_is_compiled_from_the_po_file():
    """The .mo is committed so Spanish works on a machine without gettext; it must match the .po."""
    with MO_PATH.open("rb") as mo_file:
        compiled = gettext.GNUTranslations(mo_file)._catalog
    compiled = {key: value for key, value in compiled.items() if key != ""}

    assert compiled == catalogue_of_po(PO_PATH), "run `make messages` (needs gettext) and commit the .mo"


# Pages ------------------------------------------------------------------------------------


def html_lang(response):
    return re.search(r'<html lang="([^"]+)"', response.content.decode()).group(1)


@pytest.fixture
def event():
    event = factories.EventFactory(title="Procurement & Rights 2030", slug="procurement-2030")
    factories.SessionFactory(event=event, title="Opening panel")
    return event


@pytest.mark.django_db
def test_pages_are_english_by_default(client, event):
    response = client.get(event.get_absolute_url())

    assert html_lang(response) == "en"
    assert '<h2 id="programme-heading">Programme</h2>' in response.content.decode()


@pytest.mark.django_db
def test_accept_language_es_gives_spanish_pages(client, event):
    home = client.get(reverse("events:home"), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    detail = client.get(event.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="es").content.decode()

    for page in (home, detail):
        assert '<html lang="es">' in page
        assert ">Eventos pasados</a>" in page
        assert ">Iniciar sesión</a>" in page
        assert "Saltar al contenido principal" in page
    assert "<h1>Conferencias y seminarios web</h1>" in home
    assert '<h2 id="programme-heading">Programa</h2>' in detail
    assert '<h2 id="practical-heading">Información práctica</h2>' in detail


@pytest.mark.django_db
def test_the_switcher_posts_to_set_language_with_a_button_per_language(client, event):
    page = client.get(event.get_absolute_url()).content.decode()

    form = re.search(r'<form method="post" action="/i18n/setlang/"[^>]*>.*?</form>', page, re.S).group(0)
    # No CSRF token: the page is cached whole for visitors without a session (ewevents/i18n.py).
    assert 'name="csrfmiddlewaretoken"' not in form
    assert f'<input type="hidden" name="next" value="{event.get_absolute_url()}">' in form
    buttons = re.findall(r"<button [^>]*>[^<]*</button>", form)
    assert len(buttons) == 2
    english, spanish = buttons
    assert 'name="language" value="en" lang="en"' in english
    assert 'aria-current="true"' in english
    assert english.endswith(">English</button>")
    assert 'name="language" value="es" lang="es"' in spanish
    assert "aria-current" not in spanish
    assert spanish.endswith(">Español</button>")


@pytest.mark.django_db
def test_choosing_spanish_persists_across_requests(client, event):
    response = client.post(reverse("set_language"), {"language": "es", "next": event.get_absolute_url()})

    assert response.status_code == 302
    assert response["Location"] == event.get_absolute_url()
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"
    # No Accept-Language header: the cookie alone keeps the choice, on every page.
    detail = client.get(event.get_absolute_url()).content.decode()
    home = client.get(reverse("events:home")).content.decode()
    assert '<h2 id="programme-heading">Programa</h2>' in detail
    assert "<h1>Conferencias y seminarios web</h1>" in home
    assert html_lang(client.get(reverse("events:past_events"))) == "es"
    # The switcher now marks Spanish as the current language.
    assert 'value="es" lang="es" class="btn btn-sm btn-light" aria-current="true">Español' in home

    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert html_lang(client.get(event.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="es")) == "en"


@pytest.mark.django_db
def test_the_registration_form_is_spanish(client, event):
    factories.RegistrationSettingsFactory(event=event)
    client.post(reverse("set_language"), {"language": "es", "next": "/"})

    page = client.get(reverse("registrations:register", kwargs={"slug": event.slug})).content.decode()

    assert "<h1>Inscribirse en Procurement &amp; Rights 2030</h1>" in page
    assert "Nombre completo" in page
    assert "Correo electrónico" in page
    assert "Sesiones a las que asistirá" in page
    assert "Su zona horaria" in page
    assert "Mostrar mi nombre y organización en la lista de participantes" in page
    assert "aviso de privacidad</a>" in page
    assert 'name="language" value="es"' in page  # the registration stores the language it was made in


# Emails -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_email_to_a_spanish_registrant_is_spanish(settings):
    settings.SITE_URL = "http://testserver.example"
    event = factories.EventFactory(title="Conf")
    registration = factories.RegistrationFactory(
        event=event, name="Ana Pérez", status=Registration.Status.CONFIRMED, language="es"
    )

    email = render_email(registration=registration, kind=OutboxEmail.Kind.REGISTERED)

    assert email["subject"] == "Está inscrito/a: Conf"
    assert email["body_text"].startswith("Estimado/a Ana Pérez:\n")
    assert "Gracias por inscribirse en Conf. Su plaza está confirmada." in email["body_text"]
    assert "Confirmada" in email["body_text"]
    assert "Para ver, modificar o cancelar su inscripción, abra su enlace personal." in email["body_text"]
    assert "Gracias por inscribirse en Conf. Su plaza está confirmada." in email["body_html"]


@pytest.mark.django_db
def test_the_same_email_in_english_stays_english():
    registration = factories.RegistrationFactory(
        event=factories.EventFactory(title="Conf"), name="Ana Pérez", language="en"
    )

    email = render_email(registration=registration, kind=OutboxEmail.Kind.REGISTERED)

    assert email["subject"] == "You are registered: Conf"
    assert email["body_text"].startswith("Dear Ana Pérez,\n")


def test_every_string_marked_in_the_code_and_templates_is_in_the_spanish_catalogue(
    tmp_path, settings, monkeypatch
):
    """makemessages, run afresh into a scratch folder, finds no string the committed catalogue lacks:
    a new {% translate %} without a Spanish translation fails here."""
    import shutil

    from django.core.management import call_command

    from tests.service_fixtures import missing_service

    if shutil.which("xgettext") is None or shutil.which("msgmerge") is None:
        missing_service("GNU gettext (xgettext, msgmerge) is not installed: apt-get install gettext")
    # The sources, linked into a scratch folder, so makemessages can't touch the real catalogue.
    sources = tmp_path / "src"
    sources.mkdir()
    for name in ("ewevents", "events", "registrations", "templates"):
        (sources / name).symlink_to(Path(settings.BASE_DIR) / name)
    monkeypatch.chdir(sources)
    settings.LOCALE_PATHS = [tmp_path / "locale"]
    call_command("makemessages", locale=["es"], symlinks=True, verbosity=0)

    fresh = {
        (entry.get("msgctxt"), entry["msgid"])
        for entry in parse_po(tmp_path / "locale" / "es" / "LC_MESSAGES" / "django.po")
        if entry["msgid"] and not entry.get("obsolete")
    }
    committed = {
        (entry.get("msgctxt"), entry["msgid"])
        for entry in translated_entries()
        if "fuzzy" not in entry["flags"] and (entry.get("msgstr") or entry.get("msgstr[0]"))
    }
    missing = sorted(msgid for _context, msgid in fresh - committed)
    assert len(fresh) > 500  # the run really read the sources
    assert not missing, f"Not in locale/es (run `make makemessages` and translate): {missing[:20]}"
