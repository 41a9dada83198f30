"""Speaker photos: uploaded in admin, kept upright, small and without camera data, shown on the
speakers and session pages and served from our own host."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from events.models import Speaker
from tests import factories

pytestmark = pytest.mark.django_db

GPS_TAG = 0x8825


def _jpeg_with_location(width=2000, height=1000):
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # camera make
    exif[GPS_TAG] = {1: "N", 2: (50.0, 51.0, 0.0)}
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "teal").save(buffer, "JPEG", exif=exif)
    return SimpleUploadedFile("portrait.jpg", buffer.getvalue(), content_type="image/jpeg")


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def test_a_photo_is_kept_small_upright_and_without_camera_data():
    speaker = factories.SpeakerFactory(photo=_jpeg_with_location())

    with Image.open(speaker.photo.path) as stored:
        assert stored.format == "JPEG"
        assert max(stored.size) == 480
        assert stored.size == (480, 240)
        assert not stored.getexif()
    assert speaker.photo.name.startswith("speakers/")
    assert speaker.photo.name.endswith(".jpg")


def test_staff_upload_a_photo_in_admin_and_a_file_that_is_no_image_is_refused(admin_client):
    speaker = factories.SpeakerFactory(name="Ana Pérez", slug="ana")
    url = reverse("admin:events_speaker_change", args=[speaker.pk])
    form = {"name": "Ana Pérez", "slug": "ana", "role": "", "organisation": "", "bio": ""}

    refused = admin_client.post(url, {**form, "photo": SimpleUploadedFile("cv.jpg", b"not an image")})
    assert refused.status_code == 200
    assert "Upload a valid image." in refused.content.decode()
    assert not Speaker.objects.get(pk=speaker.pk).photo

    admin_client.post(url, {**form, "photo": _jpeg_with_location()})
    assert Speaker.objects.get(pk=speaker.pk).photo.name.startswith("speakers/")


def test_the_speakers_page_shows_the_photo_and_the_site_serves_it_for_a_year(client):
    session = factories.SessionFactory()
    speaker = factories.SpeakerFactory(photo=_jpeg_with_location())
    factories.SessionSpeakerFactory(session=session, speaker=speaker)

    html = client.get(reverse("events:speakers", kwargs={"slug": session.event.slug})).content.decode()
    assert f'<img class="speaker-photo" src="/media/{speaker.photo.name}"' in html

    response = client.get(f"/media/{speaker.photo.name}")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"


@pytest.mark.parametrize("path", ["backups/db.dump", "speakers/../secret.txt", "speakers/", "other/x.jpg"])
def test_nothing_outside_the_public_folders_is_served(client, media_root, path):
    (media_root / "secret.txt").write_text("secret")

    assert client.get(f"/media/{path}").status_code == 404
