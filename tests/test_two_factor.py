"""Staff reach the admin and the staff pages only with a second factor (an authenticator app).

These tests log in the real way, with allauth's forms and TOTP codes computed from the
staff member's secret; elsewhere Client.force_login stands in for both factors
(tests/conftest.py).
"""

import time
from types import SimpleNamespace

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.core.cache import cache
from django.urls import reverse

from events.models import Event
from registrations.models import OutboxEmail
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


# --- Staff status counts only with the second factor ------------------------------------------


def _what_they_see(client, mixed, draft):
    home = client.get(reverse("events:home")).content.decode()
    return SimpleNamespace(
        logged_in="Log out" in home,
        admin_link=f'href="{ADMIN}"' in home,
        draft=client.get(draft.get_absolute_url()).status_code,
        hidden="Hidden closed meeting" in client.get(mixed.event.get_absolute_url()).content.decode(),
    )


@pytest.mark.parametrize("how", ["without_an_authenticator", "with_the_password_only"])
def test_staff_without_the_second_factor_see_the_public_site_as_a_logged_in_user(
    client, conference_with_mixed_sessions, how
):
    draft = factories.EventFactory(title="Draft Summit", status=Event.Status.DRAFT)
    if how == "without_an_authenticator":
        staff = factories.StaffFactory(totp=False)
        assert log_in_with_password(client, staff)["Location"] == "/"  # no code asked: none set up
    else:
        force_login_with_second_factor.password_only(client, factories.StaffFactory())

    seen = _what_they_see(client, conference_with_mixed_sessions, draft)

    assert (seen.logged_in, seen.admin_link, seen.draft, seen.hidden) == (True, False, 404, False)


def test_staff_with_the_second_factor_see_drafts_and_hidden_sessions(client, conference_with_mixed_sessions):
    """Control for the test above: the same pages, with the second factor."""
    draft = factories.EventFactory(title="Draft Summit", status=Event.Status.DRAFT)
    client.force_login(factories.StaffFactory())

    seen = _what_they_see(client, conference_with_mixed_sessions, draft)

    assert (seen.logged_in, seen.admin_link, seen.draft, seen.hidden) == (True, True, 200, True)


def test_saving_the_account_in_a_session_without_the_second_factor_keeps_its_staff_status(client):
    """The session sees no staff powers, but the account keeps them: a password change saves the user."""
    staff = factories.StaffFactory(totp=False)
    log_in_with_password(client, staff)
    new_password = "a fresh passphrase 2031"

    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": factories.DEFAULT_PASSWORD, "password1": new_password, "password2": new_password},
    )

    assert response.status_code == 302
    staff.refresh_from_db()
    assert staff.check_password(new_password)
    assert (staff.is_staff, staff.is_superuser) == (True, True)


@pytest.mark.django_db(transaction=True)  # allauth signals the new authenticator on commit
def test_enrolment_offers_recovery_codes_and_emails_the_account(client):
    staff = factories.StaffFactory(totp=False, email="new.staff@example.org")
    log_in_with_password(client, staff)
    activate = reverse("mfa_activate_totp")
    assert client.get(reverse("registrations:staff_personal_data"))["Location"].startswith(activate)
    assert client.get(activate)["Location"].startswith(reverse("account_reauthenticate"))
    client.post(reverse("account_reauthenticate"), {"password": factories.DEFAULT_PASSWORD})
    secret = client.get(activate).context["form"].secret

    response = client.post(activate, {"code": code(secret)})

    assert response["Location"] == reverse("mfa_view_recovery_codes")
    codes = client.get(response["Location"]).context["unused_codes"]
    assert len(codes) == 10
    [email] = OutboxEmail.objects.filter(to_email="new.staff@example.org")
    assert email.kind == OutboxEmail.Kind.AUTHENTICATOR_ADDED
    assert "An authenticator app was set up" in email.body_text
    assert "new.staff@example.org" in email.body_text


@pytest.mark.django_db(transaction=True)
def test_removing_the_authenticator_emails_the_account_and_takes_staff_powers_away(client):
    staff = factories.StaffFactory(email="leaving.staff@example.org")
    log_in_with_password(client, staff)
    client.post(reverse("mfa_authenticate"), {"code": code()})
    assert client.get(ADMIN).status_code == 200
    client.post(reverse("account_reauthenticate"), {"password": factories.DEFAULT_PASSWORD})

    response = client.post(reverse("mfa_deactivate_totp"))

    assert response["Location"] == reverse("mfa_index")
    [email] = OutboxEmail.objects.filter(to_email="leaving.staff@example.org")
    assert email.kind == OutboxEmail.Kind.AUTHENTICATOR_REMOVED
    assert "was removed" in email.subject
    assert client.get(ADMIN)["Location"].startswith(reverse("mfa_activate_totp"))
