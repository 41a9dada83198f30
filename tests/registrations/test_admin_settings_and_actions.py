"""The registration settings, never typed as JSON (the questions they once held are the event's
built-in questions now); and the registrations' actions offered only to staff who may run them."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from registrations.admin.places import RegistrationSettingsForm
from registrations.models import OPTIONAL_FIELDS, Question, Registration, RegistrationSettings
from tests import factories
from tests.events.test_admin import change_url, form_data

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:registrations_registration_changelist")


def test_the_settings_no_longer_ask_about_the_questions():
    """Changed: the form's questions are the event's built-in questions (test_default_questions.py)."""
    settings = factories.RegistrationSettingsFactory(field_settings={"dietary_needs": "required"})

    form = RegistrationSettingsForm(instance=settings)

    assert "field_settings" not in form.fields
    assert [name for name in form.fields if name.startswith("field_state")] == []
    assert list(form.fields) == [
        "mode",
        "invitation_code",
        "opens_at",
        "closes_at",
        "capacity",
        "offer_hours",
    ]


def test_the_event_page_saves_the_settings_without_any_json(admin_client):
    event = factories.EventFactory()
    factories.RegistrationSettingsFactory(event=event)
    response = admin_client.get(change_url(event))
    content = response.content.decode()
    data = form_data(response, "event_form")
    data["registration_settings-0-capacity"] = "40"

    saved = admin_client.post(change_url(event), data)

    assert "field_settings" not in content
    assert "{}" not in content
    assert saved.status_code == 302
    assert RegistrationSettings.objects.get(event=event).capacity == 40
    # Saved in admin, an event made elsewhere gets the built-in questions it lacked.
    assert Question.objects.filter(event=event).built_in().count() == len(OPTIONAL_FIELDS)


# --- Actions -----------------------------------------------------------------------------------


def _staff(*codenames):
    staff = factories.StaffFactory(is_superuser=False)
    staff.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return staff


def _offered(client):
    form = client.get(CHANGELIST).context["action_form"]
    if form is None:  # no action at all: Django leaves out the form
        return []
    return [value for value, _label in form.fields["action"].choices if value]


def test_actions_are_offered_only_to_staff_who_may_run_them(client):
    factories.RegistrationFactory()

    client.force_login(_staff("view_registration"))
    viewer = _offered(client)
    client.force_login(_staff("view_registration", "change_registration"))
    changer = _offered(client)
    client.force_login(_staff("view_registration", "change_registration", "delete_registration"))
    deleter = _offered(client)

    assert viewer == []
    assert changer == ["approve", "reject", "cancel", "give_place_out_of_turn", "resend_confirmation"]
    assert deleter == ["delete_selected", *changer]


def test_an_action_posted_by_staff_without_its_permission_is_refused_and_changes_nothing(client):
    pending = factories.RegistrationFactory(status=Registration.Status.PENDING)
    client.force_login(_staff("view_registration"))

    response = client.post(CHANGELIST, {"action": "approve", "_selected_action": [pending.pk], "index": "0"})

    assert response.status_code == 403
    pending.refresh_from_db()
    assert pending.status == Registration.Status.PENDING


def test_delete_selected_deletes_the_inactive_registrations_and_says_which_active_ones_it_left(admin_client):
    event = factories.EventFactory()
    active = factories.RegistrationFactory(event=event, name="Ana Active")
    cancelled = factories.RegistrationFactory(event=event, name="Bo Cancelled", status="cancelled")
    rejected = factories.RegistrationFactory(event=event, name="Cy Rejected", status="rejected")
    selected = [active.pk, cancelled.pk, rejected.pk]

    confirm = admin_client.post(
        CHANGELIST, {"action": "delete_selected", "_selected_action": selected, "index": "0"}
    )
    page = confirm.content.decode()
    done = admin_client.post(
        CHANGELIST,
        {"action": "delete_selected", "_selected_action": [cancelled.pk, rejected.pk], "post": "yes"},
        follow=True,
    )

    assert confirm.status_code == 200
    assert "Are you sure you want to delete the selected registrations?" in page
    assert "permission" not in page
    assert f'name="_selected_action" value="{active.pk}"' not in page
    assert "1 registration is active and was left: cancel it first, to free its place." in [
        str(message) for message in confirm.context["messages"]
    ]
    assert done.status_code == 200
    assert list(Registration.objects.all()) == [active]


def test_delete_selected_of_active_registrations_only_deletes_nothing_and_says_why(admin_client):
    active = factories.RegistrationFactory()

    response = admin_client.post(
        CHANGELIST, {"action": "delete_selected", "_selected_action": [active.pk], "index": "0"}, follow=True
    )

    assert [str(message) for message in response.context["messages"]] == [
        "1 registration is active and was left: cancel it first, to free its place."
    ]
    assert list(Registration.objects.all()) == [active]
