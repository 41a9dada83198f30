"""The logged-in user is kept in the cache between requests; any change to it counts from the next one."""

import pickle

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from tests import factories
from tests.conftest import shows_staff_only_page

pytestmark = pytest.mark.django_db


def _logged_in(user):
    client = Client()
    client.force_login(user)
    assert "Log out" in client.get(reverse("events:home")).content.decode()  # the user is cached now
    return client


def _logged_out(client):
    return "Log out" not in client.get(reverse("events:home")).content.decode()


def test_a_second_request_does_not_load_the_user(django_assert_num_queries):
    client = _logged_in(factories.UserFactory())

    with django_assert_num_queries(1):  # the session; the page comes from the cache too
        client.get(reverse("events:home"))


def test_a_deactivated_user_is_logged_out_on_the_next_request():
    user = factories.UserFactory()
    client = _logged_in(user)

    user.is_active = False
    user.save()

    assert _logged_out(client)


def test_a_new_password_logs_out_the_other_sessions_on_their_next_request():
    user = factories.UserFactory()
    client = _logged_in(user)

    user.set_password("a completely new password 42")
    user.save()

    assert _logged_out(client)


def test_a_deleted_user_is_logged_out_on_the_next_request():
    user = factories.UserFactory()
    client = _logged_in(user)

    user.delete()

    assert _logged_out(client)


def test_losing_staff_status_takes_the_admin_away_on_the_next_request():
    staff = factories.StaffFactory()
    client = _logged_in(staff)
    assert client.get(reverse("admin:index")).status_code == 200

    staff.is_staff = False
    staff.save()

    assert shows_staff_only_page(client.get(reverse("admin:index")))
    assert 'href="/admin/"' not in client.get(reverse("events:home")).content.decode()


def test_the_cache_keeps_no_password_hash_of_a_logged_in_user():
    user = factories.UserFactory(email="cached@example.org")
    _logged_in(user)

    kept = pickle.dumps(cache.get(f"auth:user:{user.pk}"))  # as the cache stores it

    assert b"cached@example.org" in kept
    assert user.password.encode() not in kept


def test_the_fields_not_kept_are_read_from_the_database_when_asked_for():
    user = factories.UserFactory()
    client = _logged_in(user)
    response = client.get(reverse("events:home"))

    cached = response.wsgi_request.user

    assert cached.date_joined == user.date_joined
    assert cached.check_password(factories.DEFAULT_PASSWORD)
