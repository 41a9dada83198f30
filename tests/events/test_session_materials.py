"""A session's materials (slides, documents, recordings): a link or an uploaded file each, shown
and served under the rule of the session's details, so a visitor who may not see those sees
nothing of them, not even their titles; and a venue's accessibility notes on the event page."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from events.models import SessionMaterial
from tests import factories
from tests.events.test_admin import change_url, form_data

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4 slides of the panel"


def _pdf(name="Panel slides.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


@pytest.fixture
def materials(conference_with_mixed_sessions):
    """A file and a link on the public panel and on the restricted one (affiliates-only, teaser)."""
    c = conference_with_mixed_sessions
    c.open_file = factories.SessionMaterialFactory(
        session=c.public, title="Open panel slides", url="", file=_pdf()
    )
    c.open_link = factories.SessionMaterialFactory(
        session=c.public,
        kind=SessionMaterial.Kind.RECORDING,
        title="Open panel recording",
        url="https://video.example.org/open-panel",
        position=1,
    )
    c.secret_file = factories.SessionMaterialFactory(
        session=c.teaser, title="SECRET minutes", url="", file=_pdf("minutes.pdf")
    )
    c.secret_link = factories.SessionMaterialFactory(
        session=c.teaser, title="SECRET recording", url="https://video.example.org/SECRET"
    )
    c.hidden_file = factories.SessionMaterialFactory(
        session=c.hidden, title="SECRET hidden notes", url="", file=_pdf("notes.pdf")
    )
    return c


def _download_url(material):
    session = material.session
    return reverse(
        "events:session_material",
        kwargs={"slug": session.event.slug, "pk": session.pk, "material": material.pk},
    )


def _get(client, url):
    response = client.get(url)
    return response.status_code, response.content.decode() if not response.streaming else ""


# --- The model -----------------------------------------------------------------------------------


def test_a_material_needs_a_link_or_a_file_and_not_both():
    session = factories.SessionFactory()
    neither = SessionMaterial(session=session, title="Slides")
    both = SessionMaterial(session=session, title="Slides", url="https://x.example/s.pdf", file=_pdf())

    for material in (neither, both):
        with pytest.raises(ValidationError) as raised:
            material.full_clean()
        assert raised.value.messages == ["Give either a link or a file for this material, not both."]

    SessionMaterial(session=session, title="Slides", url="https://x.example/s.pdf").full_clean()
    SessionMaterial(session=session, title="Slides", file=_pdf()).full_clean()


def test_a_file_that_could_run_in_a_browser_is_refused():
    material = SessionMaterial(session=factories.SessionFactory(), title="Page", file=_pdf("page.html"))

    with pytest.raises(ValidationError) as raised:
        material.full_clean()
    assert "File extension “html” is not allowed." in raised.value.message_dict["file"][0]


def test_a_file_over_the_limit_is_refused_with_its_size_and_the_limit(settings):
    settings.SESSION_MATERIAL_MAX_MB = 1
    big = _pdf(content=b"0" * (1024 * 1024 + 200 * 1024))
    material = SessionMaterial(session=factories.SessionFactory(), title="Recording", file=big)

    with pytest.raises(ValidationError) as raised:
        material.full_clean()
    assert raised.value.message_dict["file"] == [
        "This file is 1.2 MB; the limit is 1 MB. Give a link to larger files."
    ]


def test_an_uploaded_file_is_stored_under_a_name_that_says_nothing():
    material = factories.SessionMaterialFactory(url="", file=_pdf("Confidential minutes.PDF"))

    assert material.file.name.startswith("materials/")
    assert material.file.name.endswith(".pdf")
    assert "Confidential" not in material.file.name


def test_staff_add_a_file_and_a_link_on_the_session_admin_and_a_bad_file_is_explained(admin_client):
    session = factories.SessionFactory(title="Opening panel")
    url = change_url(session)
    data = form_data(admin_client.get(url), "session_form")
    prefix = "materials"
    inline = {
        f"{prefix}-TOTAL_FORMS": "2",
        f"{prefix}-0-kind": "slides",
        f"{prefix}-0-title_en": "Slides",
        f"{prefix}-0-title_es": "Diapositivas",
        f"{prefix}-0-position": "0",
        f"{prefix}-1-kind": "recording",
        f"{prefix}-1-title_en": "Recording",
        f"{prefix}-1-url": "https://video.example.org/opening",
        f"{prefix}-1-position": "1",
    }

    refused = admin_client.post(url, {**data, **inline, f"{prefix}-0-file": _pdf("slides.exe")})
    assert refused.status_code == 200
    assert "File extension “exe” is not allowed." in refused.content.decode()
    assert not SessionMaterial.objects.exists()

    saved = admin_client.post(url, {**data, **inline, f"{prefix}-0-file": _pdf("slides.pdf")})
    assert saved.status_code == 302
    slides, recording = SessionMaterial.objects.filter(session=session)
    assert (slides.title_en, slides.title_es, slides.file.name.endswith(".pdf")) == (
        "Slides",
        "Diapositivas",
        True,
    )
    assert (recording.kind, recording.url) == ("recording", "https://video.example.org/opening")


# --- Who sees them -------------------------------------------------------------------------------


def test_the_programme_lists_materials_only_with_details_the_viewer_may_see(materials, viewer):
    status, html = _get(viewer.client, materials.event.get_absolute_url())

    assert status == 200
    assert "Open panel slides" in html
    assert f'href="{_download_url(materials.open_file)}" download' in html
    assert '<a href="https://video.example.org/open-panel">Open panel recording</a>' in html
    for secret in ("SECRET minutes", "SECRET recording", "video.example.org/SECRET", "SECRET hidden notes"):
        assert (secret in html) is viewer.sees_restricted, secret
    assert (_download_url(materials.secret_file) in html) is viewer.sees_restricted


def test_the_session_page_lists_its_materials_for_who_may_see_its_details(materials, viewer):
    status, public_html = _get(viewer.client, materials.public.get_absolute_url())
    assert status == 200
    assert "Recordings and materials" in public_html
    assert "Open panel slides" in public_html
    assert "Open panel recording" in public_html

    status, teaser_html = _get(viewer.client, materials.teaser.get_absolute_url())
    assert status == 200
    assert ("SECRET minutes" in teaser_html) is viewer.sees_restricted
    assert ("SECRET recording" in teaser_html) is viewer.sees_restricted
    assert ("Recordings and materials" in teaser_html) is viewer.sees_restricted


def test_a_file_downloads_only_for_who_may_see_the_sessions_details(materials, viewer):
    response = viewer.client.get(_download_url(materials.open_file))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Disposition"] == 'attachment; filename="open-panel-slides.pdf"'
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, max-age=3600"

    for material in (materials.secret_file, materials.hidden_file):
        response = viewer.client.get(_download_url(material))
        assert response.status_code == (200 if viewer.sees_restricted else 404)
        if viewer.sees_restricted:
            assert b"".join(response.streaming_content) == PDF


def test_a_download_url_answers_404_for_a_link_another_session_or_a_missing_file(materials, client):
    c = materials
    link = reverse(
        "events:session_material",
        kwargs={"slug": c.event.slug, "pk": c.public.pk, "material": c.open_link.pk},
    )
    # The restricted session's file asked for through the public session's address.
    elsewhere = reverse(
        "events:session_material",
        kwargs={"slug": c.event.slug, "pk": c.public.pk, "material": c.secret_file.pk},
    )
    missing = reverse(
        "events:session_material", kwargs={"slug": c.event.slug, "pk": c.public.pk, "material": 999_999}
    )
    c.open_file.file.storage.delete(c.open_file.file.name)

    for url in (link, elsewhere, missing, _download_url(c.open_file)):
        assert client.get(url).status_code == 404, url


def test_a_draft_events_materials_are_for_staff_only(materials, client, staff_user):
    materials.event.status = "draft"
    materials.event.save()

    assert client.get(_download_url(materials.open_file)).status_code == 404
    client.force_login(staff_user)
    assert client.get(_download_url(materials.open_file)).status_code == 200


def test_the_files_are_not_served_from_the_public_media_folder(materials, client):
    assert client.get(f"/media/{materials.open_file.file.name}").status_code == 404


def test_a_past_event_gathers_its_recordings_and_materials_above_the_programme(materials, viewer):
    event = materials.event
    event.start, event.end = timezone.now() - dt.timedelta(days=30), timezone.now() - dt.timedelta(days=29)
    event.save()

    status, html = _get(viewer.client, event.get_absolute_url())

    assert status == 200
    section = html.split('id="materials-heading"', 1)[1].split("</section>", 1)[0]
    assert "Open panel recording" in section
    assert "Open panel slides" in section
    assert ("SECRET recording" in section) is viewer.sees_restricted
    assert ("SECRET" in html) is viewer.sees_restricted
    assert html.count("Open panel slides") == 1  # not repeated in the programme below


def test_spanish_visitors_read_the_spanish_title(materials, client):
    materials.open_link.title_es = "Grabación del panel abierto"
    materials.open_link.save()
    client.post(reverse("set_language"), {"language": "es", "next": "/"})

    html = client.get(materials.public.get_absolute_url()).content.decode()

    assert "Grabación del panel abierto" in html
    assert "Grabaciones y materiales" in html
    assert "Open panel slides" in html  # no Spanish title: the English one


# --- The venue's accessibility notes -------------------------------------------------------------


def test_the_event_page_shows_the_venues_accessibility_notes_under_a_heading(client):
    venue = factories.VenueFactory(
        accessibility="Step-free entrance on Rue Royale; a hearing loop in the plenary room.",
        accessibility_es="Entrada sin escalones por la Rue Royale; bucle magnético en la sala plenaria.",
    )
    event = factories.EventFactory(venue=venue)

    html = client.get(event.get_absolute_url()).content.decode()
    assert '<h3 id="accessibility-heading" class="h5">Accessibility</h3>' in html
    assert "Step-free entrance on Rue Royale; a hearing loop in the plenary room." in html

    client.post(reverse("set_language"), {"language": "es", "next": "/"})
    html = client.get(event.get_absolute_url()).content.decode()
    assert ">Accesibilidad</h3>" in html
    assert "Entrada sin escalones por la Rue Royale" in html


def test_without_accessibility_notes_the_event_page_has_no_such_heading(client):
    event = factories.EventFactory()

    assert "accessibility-heading" not in client.get(event.get_absolute_url()).content.decode()


def test_staff_write_the_accessibility_notes_in_both_languages_in_the_venue_admin(admin_client):
    venue = factories.VenueFactory()
    url = change_url(venue)
    data = form_data(admin_client.get(url), "venue_form")

    response = admin_client.post(
        url, {**data, "accessibility_en": "Lifts to every floor.", "accessibility_es": "Ascensores."}
    )

    assert response.status_code == 302
    venue.refresh_from_db()
    assert (venue.accessibility_en, venue.accessibility_es) == ("Lifts to every floor.", "Ascensores.")
