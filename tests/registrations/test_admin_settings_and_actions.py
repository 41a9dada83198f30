"""The registration settings' questions chosen one select each (hidden, optional, required), never
typed as JSON; and the registrations' actions offered only to staff who may run them."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from registrations.admin.places import RegistrationSettingsForm, field_state_name
from registrations.models import OPTIONAL_FIELDS, Registration, RegistrationSettings
from tests import factories
from tests.events.test_admin import change_url, form_data

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:registrations_registration_changelist")


def _posted(form):
    """What a browser posts for an unbound form: every field's initial value."""
    data = {name: form[name].value() for name in form.fields}
    return {name: value for name, value in data.items() if value is not None}


def test_each_question_is_a_select_of_hidden_optional_or_required():
    settings = factories.RegistrationSettingsFactory(field_settings={"dietary_needs": "required"})

    form = RegistrationSettingsForm(instance=settings)

    assert "field_settings" not in form.fields
    assert [form.fields[field_state_name(name)].label for name in OPTIONAL_FIELDS][:3] == [
        "Organisation",
        "Job title or role",
        "Country",
    ]
    assert [value for value, _label in form.fields[field_state_name("role")].choices] == [
        "required",
        "optional",
        "hidden",
    ]
    assert form[field_state_name("dietary_needs")].value() == "required"
    assert form[field_state_name("role")].value() == "optional"


def test_the_chosen_states_are_stored_and_shown_again_unchanged():
    settings = factories.RegistrationSettingsFactory()
    data = _posted(RegistrationSettingsForm(instance=settings))
    data.update({field_state_name("organisation"): "required", field_state_name("country"): "hidden"})

    form = RegistrationSettingsForm(data=data, instance=settings)
    assert form.is_valid(), form.errors
    form.save()

    settings.refresh_from_db()
    assert settings.field_settings == {"organisation": "required", "country": "hidden"}
    again = RegistrationSettingsForm(instance=settings)
    assert {name: again[field_state_name(name)].value() for name in OPTIONAL_FIELDS} == {
        name: data[field_state_name(name)] for name in OPTIONAL_FIELDS
    }


def test_a_webinars_defaults_show_as_hidden_and_follow_the_event_when_left_alone():
    settings = factories.RegistrationSettingsFactory(event=factories.WebinarFactory())
    data = _posted(RegistrationSettingsForm(instance=settings))

    form = RegistrationSettingsForm(data=data, instance=settings)
    assert form.is_valid(), form.errors
    form.save()

    assert data[field_state_name("dietary_needs")] == "hidden"
    settings.refresh_from_db()
    assert settings.field_settings == {}


def test_the_event_page_saves_the_questions_without_any_json(admin_client):
    event = factories.EventFactory()
    factories.RegistrationSettingsFactory(event=event)
    response = admin_client.get(change_url(event))
    content = response.content.decode()
    data = form_data(response, "event_form")
    data["registration_settings-0-field_state_accessibility_needs"] = "required"

    saved = admin_client.post(change_url(event), data)

    assert "field_settings" not in content
    assert "{}" not in content
    assert '<select name="registration_settings-0-field_state_accessibility_needs"' in content
    assert saved.status_code == 302
    assert RegistrationSettings.objects.get(event=event).field_settings == {"accessibility_needs": "required"}


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
