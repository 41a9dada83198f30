"""/sitemap.xml and /robots.txt: the public pages, as the visibility rule shows them to anyone."""

import pytest
from django.conf import settings
from django.urls import reverse

from events.models import Event, Session
from tests import factories

pytestmark = pytest.mark.django_db


def test_the_sitemap_lists_public_pages_and_nothing_restricted(client, django_assert_max_num_queries):
    event = factories.EventFactory(slug="open-conference")
    public = factories.SessionFactory(event=event, title="Morning plenary")
    teaser = factories.SessionFactory(
        event=event, title="Partners' meeting", visibility=Session.Visibility.AFFILIATES
    )
    hidden = factories.SessionFactory(event=event, title="Closed", visibility=Session.Visibility.HIDDEN)
    draft = factories.EventFactory(slug="draft-conference", status=Event.Status.DRAFT)
    draft_session = factories.SessionFactory(event=draft)
    webinar = factories.WebinarFactory(slug="a-webinar")
    for n in range(10):
        factories.SessionFactory(event=event, title=f"Extra {n}")

    with django_assert_max_num_queries(6):  # not one per session
        response = client.get(reverse("sitemap"))

    xml = response.content.decode()
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    for page in (event, public, teaser, webinar, webinar.series):
        assert f"{settings.SITE_URL}{page.get_absolute_url()}</loc>" in xml
    for page in (hidden, draft, draft_session):
        assert page.get_absolute_url() not in xml
    assert f"{settings.SITE_URL}/</loc>" in xml


def test_robots_txt_points_at_the_sitemap_and_keeps_private_pages_out(client):
    response = client.get(reverse("robots"))

    text = response.content.decode()
    assert response["Content-Type"].startswith("text/plain")
    assert f"Sitemap: {settings.SITE_URL}/sitemap.xml" in text
    assert "Disallow: /registrations/" in text
    assert "Disallow: /admin/" in text
