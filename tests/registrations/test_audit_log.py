"""Staff actions on registrations and invitations leave an admin history entry: who, what, when."""

import pytest
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import timezone

from registrations.models import AccessRecord, Invitation, Registration, RegistrationSettings
from registrations.privacy import audit
from registrations.signup import services
from tests import factories

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:registrations_registration_changelist")


@pytest.fixture
def staff(client):
    user = factories.StaffFactory(email="door.staff@example.org")
    client.force_login(user)
    return user


def sign_up(event, name, email, **extra):
    return services.register(event=event, data={"name": name, "email": email, "sessions": [], **extra})


def entries_for(obj):
    entries = LogEntry.objects.filter(object_id=str(obj.pk), content_type__model=obj._meta.model_name)
    return list(entries.order_by("pk"))


def only_entry(obj, user):
    [entry] = entries_for(obj)
    assert entry.user == user
    assert entry.action_flag == CHANGE
    return entry.get_change_message()


def run_action(client, action, *registrations):
    return client.post(
        CHANGELIST,
        {"action": action, "_selected_action": [str(r.pk) for r in registrations], "index": "0"},
        follow=True,
    )


def upload(text):
    return SimpleUploadedFile("list.csv", text.encode("utf-8"), content_type="text/csv")


def test_approve_logs_each_approved_registration_with_its_outcome(client, staff):
    event = factories.EventFactory()
    factories.RegistrationSettingsFactory(event=event, mode=RegistrationSettings.Mode.APPROVAL, capacity=1)
    ana = sign_up(event, "Ana Pending", "ana@example.com")
    bo = sign_up(event, "Bo Pending", "bo@example.com")
    services.reject_registration(registration=sign_up(event, "Cy", "cy@example.com"))
    cy = Registration.objects.get(email="cy@example.com")

    run_action(client, "approve", ana, bo, cy)

    assert only_entry(ana, staff) == "Approved with the admin action: now confirmed."
    assert only_entry(bo, staff) == "Approved with the admin action: now waitlisted."
    assert entries_for(cy) == []  # skipped: nothing changed, nothing logged


@pytest.mark.parametrize(
    ("action", "message"),
    [
        ("reject", "Rejected with the admin action."),
        ("cancel", "Cancelled with the admin action."),
        (
            "resend_confirmation",
            "The email stating the current status was queued again with the admin action.",
        ),
    ],
)
def test_reject_cancel_and_resend_log_each_registration(client, staff, action, message):
    event = factories.EventFactory()
    ana = sign_up(event, "Ana Guest", "ana@example.com", dietary_needs="Vegan")
    bo = sign_up(event, "Bo Guest", "bo@example.com")

    run_action(client, action, ana, bo)

    for registration in (ana, bo):
        assert only_entry(registration, staff) == message
    [entry] = entries_for(ana)
    assert "ana@example.com" not in entry.change_message
    assert "Vegan" not in entry.change_message


def test_the_entries_show_in_the_registrations_history_page(client, staff):
    ana = sign_up(factories.EventFactory(), "Ana Guest", "ana@example.com")
    run_action(client, "cancel", ana)

    page = client.get(reverse("admin:registrations_registration_history", args=[ana.pk])).content.decode()

    assert "Cancelled with the admin action." in page
    assert staff.email in page or staff.get_username() in page


def test_attendance_import_logs_the_registrations_it_marked(client, staff):
    webinar = factories.WebinarFactory()
    ana = sign_up(webinar, "Ana Guest", "ana@example.com")
    bo = sign_up(webinar, "Bo Guest", "bo@example.com")

    client.post(
        reverse("admin:registrations_registration_attendance"),
        {"event": webinar.pk, "file": upload("email\nANA@example.com\nnobody@example.com\n")},
    )

    assert only_entry(ana, staff) == "Marked as attended from an imported attendee report."
    assert entries_for(bo) == []


def test_check_in_page_logs_check_in_by_button_and_code_and_undo(client, staff):
    event = factories.EventFactory()
    ana = sign_up(event, "Ana Guest", "ana@example.com")
    bo = sign_up(event, "Bo Guest", "bo@example.com")
    present = reverse("registrations:checkin_present", kwargs={"slug": event.slug, "pk": ana.pk})
    undo = reverse("registrations:checkin_undo", kwargs={"slug": event.slug, "pk": ana.pk})

    client.post(present)
    client.post(present)  # already checked in: nothing changes, nothing more is logged
    client.post(undo)
    client.post(reverse("registrations:checkin_code", kwargs={"slug": event.slug}), {"code": bo.door_code})

    # The factory's conference has two days (before it starts, the page checks in for the first).
    assert [(e.user, e.get_change_message()) for e in entries_for(ana)] == [
        (staff, "Checked in on the check-in page for 2030-11-06."),
        (staff, "Check-in for 2030-11-06 undone on the check-in page."),
    ]
    assert only_entry(bo, staff) == "Checked in on the check-in page for 2030-11-06."


def test_guest_list_import_and_sending_invitations_are_logged(client, staff):
    event = factories.EventFactory()

    client.post(
        reverse("admin:registrations_invitation_import"),
        {"event": event.pk, "file": upload("name,email\nAna Guest,ana@example.com\n")},
    )
    invitation = Invitation.objects.get(event=event)
    client.post(
        reverse("admin:registrations_invitation_changelist"),
        {"action": "send_invitation_emails", "_selected_action": [str(invitation.pk)], "index": "0"},
    )

    added, sent = entries_for(invitation)
    assert (added.user, added.action_flag, added.get_change_message()) == (
        staff,
        ADDITION,
        "Added from an imported guest list.",
    )
    assert (sent.user, sent.action_flag, sent.get_change_message()) == (
        staff,
        CHANGE,
        "Invitation email queued with the admin action.",
    )


def test_an_action_on_many_registrations_writes_its_entries_in_one_query(
    client, staff, django_assert_max_num_queries
):
    event = factories.EventFactory()
    registrations = [factories.RegistrationFactory(event=event) for _ in range(20)]
    for registration in registrations:
        registration.event = event

    with django_assert_max_num_queries(2):
        audit.log_changes(user=staff, objects=registrations, message="Cancelled with the admin action.")

    assert LogEntry.objects.filter(user=staff).count() == 20


# --- Entries name people's rows by id; exports and lists leave an access record -------------------------


def test_history_entries_name_a_registration_by_id_not_by_name_and_email(client, staff):
    ana = sign_up(factories.EventFactory(), "Ana Guest", "ana@example.com")
    run_action(client, "cancel", ana)
    client.post(
        reverse("admin:registrations_registration_change", args=[ana.pk]),
        {"user": "", "name": "Ana Renamed", "email": "ana@example.com", "language": "en", "time_zone": ""}
        | {f"{prefix}-{key}": "0" for prefix in ("choices",) for key in ("TOTAL_FORMS", "INITIAL_FORMS")},
    )

    entries = entries_for(ana)

    assert [entry.action_flag for entry in entries] == [CHANGE, CHANGE]  # the action, the change form
    assert {entry.object_repr for entry in entries} == {f"registration #{ana.pk}"}


def test_invitation_entries_name_the_invitation_by_id(client, staff):
    event = factories.EventFactory()
    client.post(
        reverse("admin:registrations_invitation_import"),
        {"event": event.pk, "file": upload("name,email\nAna Guest,ana@example.com\n")},
    )
    invitation = Invitation.objects.get(event=event)

    [added] = entries_for(invitation)

    assert added.object_repr == f"invitation #{invitation.pk}"


STAFF_FILES = [  # (URL name, its other arguments, the record's `what`, the rows it counts)
    ("staff_registrations_csv", {}, AccessRecord.What.REGISTRATIONS_CSV, 2),
    ("staff_registrations_excel", {}, AccessRecord.What.REGISTRATIONS_EXCEL, 2),
    ("staff_participant_list", {}, AccessRecord.What.PARTICIPANT_LIST, 1),
    ("staff_badges", {}, AccessRecord.What.BADGES, 1),
    ("staff_summary", {}, AccessRecord.What.SUMMARY, 0),
    ("staff_summary_csv", {"table": "statuses"}, AccessRecord.What.SUMMARY_CSV, 0),
]


@pytest.mark.parametrize(("name", "extra", "what", "rows"), STAFF_FILES)
def test_each_export_list_and_badge_sheet_leaves_an_access_record(client, staff, name, extra, what, rows):
    event = factories.EventFactory()
    sign_up(event, "Ana Guest", "ana@example.com", participant_list_consent=True)
    sign_up(event, "Bo Guest", "bo@example.com")
    before = timezone.now()

    response = client.get(reverse(f"registrations:{name}", kwargs={"slug": event.slug, **extra}))

    assert response.status_code == 200
    [record] = AccessRecord.objects.all()
    assert (record.user, record.what, record.event, record.rows) == (staff, what, event, rows)
    assert before <= record.at <= timezone.now()
    assert "ana@example.com" not in record.detail


def test_the_admin_export_action_records_the_registrations_by_id(client, staff):
    event = factories.EventFactory()
    ana = sign_up(event, "Ana Guest", "ana@example.com")
    bo = sign_up(event, "Bo Guest", "bo@example.com")

    response = run_action(client, "export_csv", bo, ana)

    assert "ana@example.com" in response.content.decode()
    [record] = AccessRecord.objects.all()
    assert (record.user, record.what, record.rows) == (staff, AccessRecord.What.SELECTED_CSV, 2)
    assert record.detail == f"#{ana.pk}, #{bo.pk}"


def test_a_personal_data_export_records_who_asked_never_whose_data(client, staff):
    sign_up(factories.EventFactory(), "Ana Guest", "ana@example.com")

    client.post(reverse("registrations:staff_personal_data"), {"email": "ana@example.com"})

    [record] = AccessRecord.objects.all()
    assert (record.user, record.what, record.event, record.detail) == (
        staff,
        AccessRecord.What.PERSONAL_DATA,
        None,
        "",
    )


def test_a_refused_or_unknown_page_leaves_no_access_record(client, staff):
    client.get(reverse("registrations:staff_registrations_csv", kwargs={"slug": "no-such-event"}))

    assert not AccessRecord.objects.exists()


def test_staff_read_the_access_records_in_the_admin(client, staff):
    event = factories.EventFactory(title="Door Conference")
    client.get(reverse("registrations:staff_badges", kwargs={"slug": event.slug}))

    page = client.get(reverse("admin:registrations_accessrecord_changelist")).content.decode()

    assert "Name badges" in page
    assert "Door Conference" in page
    assert staff.email in page or staff.get_username() in page


@pytest.mark.django_db(transaction=True)
def test_the_migration_renames_older_entries_of_registrations_by_id_and_leaves_others():
    before = [
        ("registrations", "0014_door_code"),
        ("admin", "0003_logentry_add_action_flag_choices"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    LogEntry_, ContentType_ = old.get_model("admin", "LogEntry"), old.get_model("contenttypes", "ContentType")
    User_ = old.get_model("auth", "User")
    staff = User_.objects.create(username="old-staff", email="old-staff@example.org", is_staff=True)
    names = {
        "registration": "Ana Guest <ana@example.com> – Old Conference",
        "invitation": "Bo Guest <bo@example.com> – Old Conference",
        "event": "Old Conference",
    }
    for model, name in names.items():
        app_label = "events" if model == "event" else "registrations"
        content_type, _ = ContentType_.objects.get_or_create(app_label=app_label, model=model)
        LogEntry_.objects.create(
            user=staff, content_type=content_type, object_id="7", object_repr=name, action_flag=CHANGE
        )
    try:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())

        renamed = dict(LogEntry.objects.values_list("content_type__model", "object_repr"))
        assert renamed == {
            "registration": "registration #7",
            "invitation": "invitation #7",
            "event": "Old Conference",
        }
    finally:
        LogEntry.objects.all().delete()
