"""Staff status alone opens no staff page: every /staff/ URL, and the admin's views and actions
that show or export people's data, need their own permissions (ewevents/staff_only.py).

The /staff/ URLs come from the URLconf (tests/test_staff_only_pages.py builds them), so a staff
page added later is walked too, and fails here until it names its permissions. Each is asked
for, with GET and with POST, by a staff member who has every permission it needs but one:
the answer is the no-permission page (403), and nothing is written or changed.
"""

import json

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission
from django.urls import resolve, reverse

from registrations.models import AccessRecord, CheckIn, Invitation, OutboxEmail, Registration
from tests import factories
from tests.test_staff_only_pages import _build_world, staff_urls

NO_PERMISSION_TEXT = "Your staff account may not open this page"
CHECK_IN = "registrations.add_checkin"
VIEW = "registrations.view_registration"
EXPORT = "registrations.export_registration"


@pytest.fixture(scope="module")
def world(module_db):
    world = _build_world()
    world.registration.participant_list_consent = True
    world.registration.save()
    return world


def staff_with(permissions, _made={}):  # noqa: B006 - one account per set, for the module's requests
    """A staff member (not a superuser, with a second factor) holding exactly `permissions`."""
    key = frozenset(permissions)
    user = _made.get(key)
    if user is None or not type(user).objects.filter(pk=user.pk).exists():
        user = factories.StaffFactory(is_superuser=False)
        for perm in permissions:
            app_label, codename = perm.split(".")
            user.user_permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
        _made[key] = user
    return user


def everything_stored():
    """What a refused request must leave as it was: every row a staff page or action could write."""
    rows = [
        *CheckIn.objects.values(),
        *LogEntry.objects.values("pk"),
        *AccessRecord.objects.values(),
        *OutboxEmail.objects.values("pk", "status"),
        *Registration.objects.values(),
        *Invitation.objects.values("pk"),
    ]
    return json.dumps(rows, default=str)


def refused(response):
    return response.status_code == 403 and NO_PERMISSION_TEXT in response.content.decode()


def staff_pages(world):
    return [url for url in staff_urls(world) if url.startswith("/staff/")]


def _post_data(world):
    return {
        "day": world.event.start.date().isoformat(),
        "code": world.registration.door_code,
        "email": "x@y.z",
    }


@pytest.mark.django_db
def test_every_staff_page_names_the_permissions_it_needs(world):
    unnamed = [url for url in staff_pages(world) if not getattr(resolve(url).func, "staff_permissions", ())]

    assert len(staff_pages(world)) >= 11
    assert unnamed == []


@pytest.mark.django_db
def test_the_staff_pages_ask_for_viewing_exporting_or_checking_in(world):
    needs = {url: set(resolve(url).func.staff_permissions) for url in staff_pages(world)}
    slug = world.event.slug

    assert needs[f"/staff/events/{slug}/registrations.csv"] == {VIEW, EXPORT}
    assert needs[f"/staff/events/{slug}/registrations-excel.csv"] == {VIEW, EXPORT}
    assert needs[f"/staff/events/{slug}/participants/"] == {VIEW}
    assert needs[f"/staff/events/{slug}/badges/"] == {VIEW}
    assert needs[f"/staff/events/{slug}/summary/"] == {VIEW}
    assert needs[f"/staff/events/{slug}/dashboard/"] == {VIEW}
    assert needs[f"/staff/events/{slug}/check-in/{world.registration.pk}/"] == {CHECK_IN}
    assert EXPORT in needs["/staff/personal-data/"]


@pytest.mark.django_db
def test_staff_without_each_permission_get_the_no_permission_page_and_nothing_changes(world, client):
    problems = []

    for url in staff_pages(world):
        needed = set(resolve(url).func.staff_permissions)
        for missing in sorted(needed):
            client.force_login(staff_with(needed - {missing}))
            for method in ("get", "post"):
                before = everything_stored()
                response = getattr(client, method)(url, _post_data(world))
                if not refused(response):
                    problems.append(f"{method.upper()} {url} without {missing}: {response.status_code}")
                elif world.registration.email in response.content.decode():
                    problems.append(f"{method.upper()} {url} without {missing}: shows a registrant")
                if everything_stored() != before:
                    problems.append(f"{method.upper()} {url} without {missing}: changed something")

    assert problems == [], "\n".join(problems)


@pytest.mark.django_db
def test_staff_with_the_permissions_a_page_names_get_it(world, client):
    """Control: the named permissions are enough, so each refusal was for the one missing."""
    problems = []

    for url in staff_pages(world):
        client.force_login(staff_with(resolve(url).func.staff_permissions))
        response = client.get(url)
        expected = 405 if "/check-in/" in url and url.rstrip("/").split("/")[-1] != "check-in" else 200
        if response.status_code != expected:
            problems.append(f"GET {url}: {response.status_code}, expected {expected}")

    assert problems == [], "\n".join(problems)


@pytest.mark.django_db
def test_the_no_permission_page_names_what_is_missing(world, client):
    client.force_login(staff_with([VIEW]))

    response = client.get(reverse("registrations:staff_registrations_csv", kwargs={"slug": world.event.slug}))

    body = response.content.decode()
    assert response.status_code == 403
    assert response["Content-Type"].startswith("text/html")
    assert "Can export registrations&#x27; personal data" in body
    assert "Can view registration" not in body  # held already
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_a_check_in_posted_by_staff_without_the_check_in_permission_checks_no_one_in(world, client):
    client.force_login(staff_with([VIEW]))
    url = reverse("registrations:checkin_code", kwargs={"slug": world.event.slug})

    response = client.post(url, _post_data(world))

    assert refused(response)
    assert not CheckIn.objects.filter(registration=world.registration).exists()
    world.registration.refresh_from_db()
    assert world.registration.attended_at is None


# --- The admin's views and actions on people's rows --------------------------------------------------

CHANGELIST = "/admin/registrations/registration/"


def _export_action(client, world):
    return client.post(
        CHANGELIST, {"action": "export_csv", "_selected_action": [world.registration.pk], "index": "0"}
    )


ADMIN_CASES = [
    # (what, how to ask, the permissions it needs)
    ("the export action", _export_action, {VIEW, EXPORT}),
    ("the registrations list", lambda client, world: client.get(CHANGELIST), {VIEW}),
    (
        "the attendance import",
        lambda client, world: client.get(reverse("admin:registrations_registration_attendance")),
        {"registrations.change_registration"},
    ),
    (
        "the guest list import",
        lambda client, world: client.get(reverse("admin:registrations_invitation_import")),
        {"registrations.add_invitation"},
    ),
    (
        "the access records",
        lambda client, world: client.get("/admin/registrations/accessrecord/"),
        {"registrations.view_accessrecord"},
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("what", "ask", "needed"), ADMIN_CASES, ids=[case[0] for case in ADMIN_CASES])
def test_the_admin_refuses_staff_without_each_permission_of_its_views_and_actions(
    world, client, what, ask, needed
):
    for missing in sorted(needed):
        client.force_login(staff_with(needed - {missing}))
        before = everything_stored()

        response = ask(client, world)

        assert response.status_code == 403, f"{what} without {missing}"
        assert world.registration.email not in response.content.decode()
        assert everything_stored() == before

    client.force_login(staff_with(needed))
    assert ask(client, world).status_code == 200  # control: the named permissions are enough


@pytest.mark.django_db
def test_the_export_action_is_not_offered_without_the_export_permission(world, client):
    client.force_login(staff_with([VIEW]))

    body = client.get(CHANGELIST).content.decode()

    assert 'value="export_csv"' not in body
