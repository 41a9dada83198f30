"""Failed logins slow down the connection that makes them, never the account's owner; password
resets are limited by allauth's rate limits, as configured; every limit answers 429 with Retry-After."""

import pytest
from allauth.account.models import EmailAddress
from django.core.cache import cache
from django.urls import reverse

from registrations.models import OutboxEmail
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


def log_in(client, password, address="203.0.113.7"):
    return client.post(
        reverse("account_login"), {"login": "member@example.org", "password": password}, REMOTE_ADDR=address
    )


def test_five_wrong_passwords_make_that_connection_wait_with_a_429_even_for_the_right_one(client, member):
    for _ in range(5):
        response = log_in(client, "wrong password")
        assert response.status_code == 200
        assert "not correct" in response.content.decode()

    response = log_in(client, PASSWORD)

    assert response.status_code == 429
    assert response["Retry-After"] == "300"
    assert "too many failed logins" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_owner_logs_in_from_their_own_connection_while_a_stranger_guesses(client, member):
    for _ in range(8):
        log_in(client, "wrong password", address="203.0.113.7")

    response = log_in(client, PASSWORD, address="198.51.100.2")

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(member.pk)


def test_a_flood_that_fills_the_page_cache_does_not_forget_failed_logins(client, member):
    for _ in range(5):
        log_in(client, "wrong password")
    for n in range(400):
        cache.set(f"flood:{n}", "x")

    assert log_in(client, PASSWORD).status_code == 429


def test_the_owner_is_emailed_once_when_many_connections_guess_the_password(client, member, settings):
    settings.LOGIN_FAILURES_BEFORE_ALERT = "3/h"
    for n in range(4):
        log_in(client, "wrong password", address=f"198.51.100.{n}")
    alerts = OutboxEmail.objects.filter(kind=OutboxEmail.Kind.LOGIN_ATTEMPTS)
    assert [row.to_email for row in alerts] == ["member@example.org"]

    for n in range(4, 8):
        log_in(client, "wrong password", address=f"198.51.100.{n}")

    alert = alerts.get()
    assert "4 failed attempts" in alert.body_text
    assert "Your account is not locked" in alert.body_text
    assert log_in(client, PASSWORD, address="192.0.2.9").status_code == 302


def test_guessing_an_address_without_an_account_emails_no_one(client, settings):
    settings.LOGIN_FAILURES_BEFORE_ALERT = "1/h"
    for n in range(3):
        client.post(
            reverse("account_login"),
            {"login": "nobody@example.org", "password": "guess"},
            REMOTE_ADDR=f"198.51.100.{n}",
        )

    assert not OutboxEmail.objects.filter(kind=OutboxEmail.Kind.LOGIN_ATTEMPTS).exists()


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
    assert refused["Retry-After"] == "60"
    assert "Too many attempts" in refused.content.decode()
    assert '<main id="main"' in refused.content.decode()


def test_allauths_own_limits_survive_a_flood_that_fills_the_page_cache(client, member):
    url = reverse("account_reset_password")
    for _ in range(5):
        client.post(url, {"email": "member@example.org"})
    for n in range(400):
        cache.set(f"flood:{n}", "x")

    refused = client.post(url, {"email": "member@example.org"})

    assert refused.status_code == 429
    assert refused["Retry-After"] == "60"


def test_allauths_login_limit_answers_the_sites_429_with_retry_after(client, member, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login": "2/m/ip"}
    statuses = [log_in(client, PASSWORD).status_code for _ in range(2)]
    client.logout()

    refused = log_in(client, PASSWORD)

    assert statuses == [302, 302]
    assert refused.status_code == 429
    assert refused["Retry-After"] == "60"
    assert "too many requests from your connection" in refused.content.decode()
    assert "Too many attempts" in refused.content.decode()
