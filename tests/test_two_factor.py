"""Staff reach the admin and the staff pages only with a second factor (an authenticator app).

These tests log in the real way, with allauth's forms and TOTP codes computed from the
staff member's secret; elsewhere Client.force_login stands in for both factors
(tests/conftest.py).
"""

import time

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.core.cache import cache
from django.urls import reverse

from tests import factories
from tests.conftest import force_login_with_second_factor

pytestmark = pytest.mark.django_db

ADMIN = reverse("admin:index")


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()  # used codes and rate limits
    yield
    cache.clear()


def code(secret=factories.TOTP_SECRET, *, steps_ago=0):
    """The authenticator app's code now (or `steps_ago` periods of 30 s earlier)."""
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30 - steps_ago))


def log_in_with_password(client, user):
    return client.post(
        reverse("account_login"), {"login": user.email, "password": factories.DEFAULT_PASSWORD}
    )


def test_staff_log_in_with_password_then_the_apps_code_and_reach_the_admin(client):
    staff = factories.StaffFactory()

    response = log_in_with_password(client, staff)
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    assert client.get(ADMIN).status_code == 302  # not logged in yet: only the password was given

    response = client.post(reverse("mfa_authenticate"), {"code": code()})

    assert response.status_code == 302
    assert client.get(ADMIN).status_code == 200


def test_a_wrong_code_does_not_log_in(client):
    staff = factories.StaffFactory()
    log_in_with_password(client, staff)

    response = client.post(
        reverse("mfa_authenticate"), {"code": "000000" if code() != "000000" else "111111"}
    )

    assert response.status_code == 200
    assert "Incorrect code" in response.content.decode()
    assert client.get(ADMIN).status_code == 302


@pytest.mark.django_db(transaction=True)  # allauth signals the new authenticator on commit
def test_staff_without_an_authenticator_are_sent_to_set_one_up_first(client):
    staff = factories.StaffFactory(totp=False)
    assert log_in_with_password(client, staff).status_code == 302

    for page in (ADMIN, reverse("admin:registrations_registration_changelist")):
        response = client.get(page)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("mfa_activate_totp"))

    # allauth asks for the password again before a second factor is added.
    activate = reverse("mfa_activate_totp")
    assert client.get(activate)["Location"].startswith(reverse("account_reauthenticate"))
    client.post(reverse("account_reauthenticate"), {"password": factories.DEFAULT_PASSWORD})
    setup = client.get(activate)
    secret = setup.context["form"].secret
    response = client.post(reverse("mfa_activate_totp"), {"code": code(secret)})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=staff, type=Authenticator.Type.TOTP).exists()
    # Entering the app's code to set it up proves the second factor for this session.
    assert client.get(ADMIN).status_code == 200


def test_a_staff_session_opened_without_the_code_must_enter_it(client):
    staff = factories.StaffFactory()
    force_login_with_second_factor.password_only(client, staff)
    event = factories.EventFactory()
    staff_page = reverse("registrations:staff_summary", kwargs={"slug": event.slug})

    for page in (ADMIN, staff_page):
        response = client.get(page)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("mfa_reauthenticate"))

    response = client.post(f"{reverse('mfa_reauthenticate')}?next={staff_page}", {"code": code()})

    assert response.status_code == 302
    assert response["Location"] == staff_page
    assert client.get(staff_page).status_code == 200
    assert client.get(ADMIN).status_code == 200


def test_the_admins_own_login_form_is_not_a_way_around(client):
    response = client.get(reverse("admin:login") + "?next=/admin/")

    assert response.status_code == 302
    assert response["Location"] == reverse("account_login") + "?next=/admin/"
    staff = factories.StaffFactory()
    response = client.post(
        reverse("admin:login"), {"username": staff.email, "password": factories.DEFAULT_PASSWORD}
    )
    assert "_auth_user_id" not in client.session


def test_people_who_are_not_staff_are_not_asked_for_a_second_factor(client):
    member = factories.UserFactory()

    log_in_with_password(client, member)

    assert client.get(reverse("registrations:mine")).status_code == 200
    assert client.get(ADMIN).status_code == 403  # and the admin still refuses them (ewevents/staff_only.py)
