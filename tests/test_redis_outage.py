"""Redis stopped while the site serves: pages, login and registration keep working, and
the confirmation email waits in the outbox until the broker is back.

A private redis-server is the cache and the Celery broker here; the test stops it by
PID and starts a new one on the same port.
"""

import datetime as dt

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from registrations.models import OutboxEmail, Registration
from registrations.outbox import delivery
from tests import factories, services
from tests.service_fixtures import missing_service, publishing_to

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def redis_server():
    if services.find_redis_server() is None:
        missing_service("redis-server is not installed")
    server = services.start_redis()
    yield server
    server.stop()


@pytest.fixture
def on_redis(settings, redis_server):
    """Point the cache and the Celery broker at `redis_server`, as production settings do."""
    settings.REDIS_URL = redis_server.url
    redis_cache = {
        "BACKEND": "ewevents.cache.ForgivingRedisCache",
        "LOCATION": redis_server.url,
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }
    settings.CACHES = {"default": redis_cache, "abuse": {**redis_cache, "KEY_PREFIX": "abuse"}}
    settings.REGISTRATION_MIN_FILL_SECONDS = 0
    with publishing_to(redis_server.url):
        yield redis_server


def register(client, event, address):
    data = {"name": "Ana Guest", "email": address, "time_zone": "Europe/Brussels", "language": "en"}
    data["privacy_consent"] = "on"
    return client.post(reverse("registrations:register", kwargs={"slug": event.slug}), data)


def test_with_redis_stopped_the_site_keeps_serving_and_mail_waits(client, on_redis, caplog):
    event = factories.EventFactory(title="Resilient Conference")
    member = factories.UserFactory(email="member@example.org")
    cache.set("probe", "up")
    assert cache.get("probe") == "up"  # the cache really is this Redis

    on_redis.stop()

    assert cache.get("probe") is None
    assert client.get(reverse("events:home")).status_code == 200
    assert client.get(event.get_absolute_url()).status_code == 200
    response = register(client, event, "ana@example.com")
    assert response.status_code == 302, response.content.decode()[:2000]
    registration = Registration.objects.get(email="ana@example.com")
    assert registration.status == Registration.Status.CONFIRMED
    row = registration.emails.get()
    assert (row.status, row.attempts) == (OutboxEmail.Status.PENDING, 0)
    assert f"Could not queue outbox email {row.pk}" in caplog.text
    login = client.post(
        reverse("account_login"), {"login": member.email, "password": factories.DEFAULT_PASSWORD}
    )
    assert login.status_code == 302
    assert client.get(reverse("registrations:mine")).status_code == 200
    assert "ana@example.com" not in caplog.text

    # Redis is back on the same address: the cache works again and the sweep finds the row.
    restarted = services.start_redis(port=on_redis.port)
    try:
        cache.set("probe", "back")
        assert cache.get("probe") == "back"
        assert delivery.stale_pending_ids(now=timezone.now() + dt.timedelta(minutes=2)) == [row.pk]
    finally:
        restarted.stop()
