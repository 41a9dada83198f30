"""Logging in and resetting passwords are limited by allauth's own rate limits, as configured."""

import pytest
from allauth.account.models import EmailAddress
from django.core.cache import cache
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db

PASSWORD = "a long enough passphrase 42"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def member():
    user = factories.UserFactory(email="member@example.org")
    user.set_password(PASSWORD)
    user.save()
    assert EmailAddress.objects.filter(user=user, email=user.email, verified=True).exists()
    return user


def log_in(client, password):
    return client.post(reverse("account_login"), {"login": "member@example.org", "password": password})


def test_five_wrong_passwords_lock_the_account_out_even_for_the_right_one(client, member):
    for _ in range(5):
        response = log_in(client, "wrong password")
        assert response.status_code == 200
        assert "not correct" in response.content.decode()

    response = log_in(client, PASSWORD)

    assert response.status_code == 200
    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_right_password_before_the_limit_logs_in(client, member):
    for _ in range(4):
        log_in(client, "wrong password")

    response = log_in(client, PASSWORD)

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(member.pk)


def test_password_reset_requests_for_one_address_are_limited_with_the_sites_429_page(client, member):
    url = reverse("account_reset_password")
    statuses = [client.post(url, {"email": "member@example.org"}).status_code for _ in range(6)]

    assert statuses[:5] == [302] * 5
    assert statuses[5] == 429
    refused = client.post(url, {"email": "member@example.org"})
    assert "Too many attempts" in refused.content.decode()
    assert '<main id="main"' in refused.content.decode()
