"""/healthz/ tells the load balancer whether this web process can serve."""

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from operations.heartbeats import track_scheduled_jobs
from operations.models import Heartbeat
from tests import services

pytestmark = pytest.mark.django_db

URL = reverse("health")


@pytest.fixture(autouse=True)
def _periodic_jobs_on_time():
    """Every periodic job just ran (tests/operations/test_heartbeats.py tries late ones)."""
    track_scheduled_jobs()
    Heartbeat.objects.update(last_started=timezone.now(), last_finished=timezone.now())


def test_healthy_with_the_database_and_no_redis_configured(client, settings):
    settings.REDIS_URL = ""

    response = client.get(URL)

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "periodic_jobs": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_checks_redis_where_configured(client, settings, redis_url):
    settings.REDIS_URL = redis_url

    response = client.get(URL)

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "redis": "ok", "periodic_jobs": "ok"}


def test_unavailable_when_redis_does_not_answer(client, settings):
    settings.REDIS_URL = f"redis://127.0.0.1:{services.free_port()}/0"

    response = client.get(URL)

    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "database": "ok",
        "redis": "unavailable",
        "periodic_jobs": "ok",
    }


@override_settings(SECURE_SSL_REDIRECT=True)
def test_answers_over_plain_http_when_the_site_redirects_to_https(client):
    assert client.get(URL).status_code == 200
    assert client.get(reverse("events:home")).status_code == 301
