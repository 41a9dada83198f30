import csv
import datetime as dt
import io

import pytest
from django.contrib import admin
from django.urls import reverse

from events.models import Event
from registrations.admin.events import EventAdmin
from registrations.eventday.exports import registrations_csv
from registrations.models import (
    OutboxEmail,
    Registration,
    RegistrationSettings,
    SessionChoice,
    SessionPlaces,
)
from registrations.signup.services import (
    cancel_registration,
    register,
    reject_registration,
    resend_confirmation,
)
from tests import factories
from tests.conftest import shows_staff_only_page
from tests.events.test_admin import change_url, form_data, inline_prefixes

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2030, 1, 15, 12, 0, tzinfo=dt.UTC)
CHANGELIST = "admin:registrations_registration_changelist"


def sign_up(event, email, minutes=0, **extra):
    data = {"name": email.split("@")[0].title(), "email": email, "sessions": [], **extra}
    return register(event=event, data=data, now=NOW + dt.timedelta(minutes=minutes))


def event_with(**settings):
    event = factories.EventFactory()
    factories.RegistrationSettingsFactory(event=event, **settings)
    return event


def run_action(client, action, *registrations):
    return client.post(
        reverse(CHANGELIST),
        {"action": action, "_selected_action": [str(r.pk) for r in registrations], "index": "0"},
        follow=True,
    )


def messages_of(response):
    return [str(message) for message in response.context["messages"]]


def statuses(*registrations):
    return [Registration.objects.get(pk=r.pk).status for r in registrations]


def kinds_for(registration):
    return list(registration.emails.order_by("pk").values_list("kind", flat=True))


# --- Changelist -----------------------------------------------------------------------------------


def test_changelist_filters_by_status_event_mode_and_attendee_type(admin_client):
    open_event = event_with(capacity=1)
    approval_event = event_with(mode=RegistrationSettings.Mode.APPROVAL)
    ana = sign_up(open_event, "ana@example.com", attendee_type="academic")
    bo = sign_up(open_event, "bo@example.com", minutes=1)
    cy = sign_up(approval_event, "cy@example.com", minutes=2)
    url = reverse(CHANGELIST)

    def listed(**params):
        response = admin_client.get(url, params)
        assert response.status_code == 200
        return list(response.context["cl"].result_list)

    assert [spec.title for spec in admin_client.get(url).context["cl"].filter_specs] == [
        "event",
        "status",
        "attendee type",
        "mode",
    ]
    assert listed() == [ana, bo, cy]
    assert listed(status__exact="waitlisted") == [bo]
    assert listed(event__id__exact=approval_event.pk) == [cy]
    assert listed(event__registration_settings__mode__exact="approval") == [cy]
    assert listed(attendee_type__exact="academic") == [ana]


@pytest.mark.parametrize(("query", "expected"), [("ana@", ["ana"]), ("textile", ["bo"]), ("CY", ["cy"])])
def test_changelist_searches_name_email_and_organisation(admin_client, query, expected):
    event = factories.EventFactory()
    sign_up(event, "ana@example.com")
    sign_up(event, "bo@example.com", organisation="Textile Union")
    sign_up(event, "cy@example.com")

    response = admin_client.get(reverse(CHANGELIST), {"q": query})

    assert response.status_code == 200
    assert [r.email.split("@")[0] for r in response.context["cl"].result_list] == expected


def test_registration_change_page_shows_status_and_sessions_read_only(admin_client):
    event = factories.EventFactory()
    session = factories.SessionFactory(event=event, title="Opening plenary")
    registration = sign_up(event, "ana@example.com", sessions=[session])
    url = reverse("admin:registrations_registration_change", args=[registration.pk])

    response = admin_client.get(url)

    assert response.status_code == 200
    form = response.context["adminform"].form
    assert {"status", "event", "sessions", "manage_token", "privacy_consent_at"}.isdisjoint(form.fields)
    content = response.content.decode()
    assert '<div class="readonly">Opening plenary</div>' in content
    assert f'<div class="readonly">{registration.manage_token}</div>' in content


def test_changing_email_to_one_already_registered_for_the_event_is_a_form_error(admin_client):
    event = factories.EventFactory()
    sign_up(event, "ana@example.com")
    bo = sign_up(event, "bo@example.com")
    url = reverse("admin:registrations_registration_change", args=[bo.pk])
    data = form_data(admin_client.get(url), "registration_form")
    data["email"] = "ANA@example.com"

    response = admin_client.post(url, data)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "email": ["This email already has an active registration for this event."]
    }
    bo.refresh_from_db()
    assert bo.email == "bo@example.com"


def test_staff_edit_answers_without_touching_status(admin_client):
    registration = sign_up(factories.EventFactory(), "ana@example.com")
    url = reverse("admin:registrations_registration_change", args=[registration.pk])
    data = form_data(admin_client.get(url), "registration_form")
    data.update({"organisation": "Textile Union", "status": "cancelled"})

    response = admin_client.post(url, data)

    assert response.status_code == 302
    registration.refresh_from_db()
    assert (registration.organisation, registration.status) == ("Textile Union", "confirmed")


def test_registrations_cannot_be_added_and_active_ones_not_deleted_in_admin(admin_client):
    event = factories.EventFactory()
    active = sign_up(event, "ana@example.com")
    cancelled = cancel_registration(registration=sign_up(event, "bo@example.com"))

    add = admin_client.get(reverse("admin:registrations_registration_add"))
    delete_active = admin_client.get(reverse("admin:registrations_registration_delete", args=[active.pk]))
    delete_cancelled = admin_client.post(
        reverse("admin:registrations_registration_delete", args=[cancelled.pk]), {"post": "yes"}
    )

    assert (add.status_code, delete_active.status_code, delete_cancelled.status_code) == (403, 403, 302)
    assert list(Registration.objects.all()) == [active]


# --- Actions --------------------------------------------------------------------------------------


def test_approve_action_confirms_pending_and_skips_others(admin_client):
    event = event_with(mode=RegistrationSettings.Mode.APPROVAL, capacity=5)
    pending = sign_up(event, "ana@example.com")
    rejected = reject_registration(registration=sign_up(event, "bo@example.com"))

    response = run_action(admin_client, "approve", pending, rejected)

    assert statuses(pending, rejected) == ["confirmed", "rejected"]
    assert kinds_for(pending) == ["awaiting_approval", "approved"]
    assert RegistrationSettings.objects.get(event=event).confirmed_count == 1
    assert messages_of(response) == [
        "1 registration was approved (confirmed, or waitlisted when full).",
        "1 registration was skipped: its status does not allow this.",
    ]


def test_reject_action_rejects_and_writes_a_rejected_email(admin_client):
    event = event_with(mode=RegistrationSettings.Mode.APPROVAL)
    ana = sign_up(event, "ana@example.com")
    bo = sign_up(event, "bo@example.com")

    response = run_action(admin_client, "reject", ana, bo)

    assert statuses(ana, bo) == ["rejected", "rejected"]
    assert (kinds_for(ana), kinds_for(bo)) == (
        ["awaiting_approval", "rejected"],
        ["awaiting_approval", "rejected"],
    )
    assert messages_of(response) == ["2 registrations were rejected."]


def test_cancel_action_frees_the_place_for_the_oldest_waitlisted(admin_client):
    event = event_with(capacity=1)
    confirmed = sign_up(event, "ana@example.com")
    oldest = sign_up(event, "bo@example.com", minutes=1)
    newer = sign_up(event, "cy@example.com", minutes=2)

    response = run_action(admin_client, "cancel", confirmed)

    assert statuses(confirmed, oldest, newer) == ["cancelled", "confirmed", "waitlisted"]
    assert (kinds_for(confirmed), kinds_for(oldest), kinds_for(newer)) == (
        ["registered", "cancelled"],
        ["waitlisted", "promoted"],
        ["waitlisted"],
    )
    assert RegistrationSettings.objects.get(event=event).confirmed_count == 1
    assert messages_of(response) == ["1 registration was cancelled."]


def test_cancel_action_skips_a_registration_already_cancelled(admin_client):
    registration = cancel_registration(registration=sign_up(factories.EventFactory(), "ana@example.com"))

    response = run_action(admin_client, "cancel", registration)

    assert kinds_for(registration) == ["registered", "cancelled"]
    assert messages_of(response) == ["1 registration was skipped: its status does not allow this."]


def test_resend_action_queues_one_email_of_the_kind_matching_each_status(admin_client):
    event = event_with(capacity=1)
    confirmed = sign_up(event, "ana@example.com")
    waitlisted = sign_up(event, "bo@example.com", minutes=1)
    rejected = reject_registration(registration=sign_up(event, "cy@example.com", minutes=2))
    before = OutboxEmail.objects.count()

    response = run_action(admin_client, "resend_confirmation", confirmed, waitlisted, rejected)

    assert OutboxEmail.objects.count() == before + 3
    assert [kinds_for(r)[-1] for r in (confirmed, waitlisted, rejected)] == [
        "registered",
        "waitlisted",
        "rejected",
    ]
    assert statuses(confirmed, waitlisted, rejected) == ["confirmed", "waitlisted", "rejected"]
    assert messages_of(response) == ["3 emails were queued again."]


@pytest.mark.parametrize(
    ("mode", "then", "kind"),
    [
        (RegistrationSettings.Mode.APPROVAL, None, "awaiting_approval"),
        (RegistrationSettings.Mode.OPEN, cancel_registration, "cancelled"),
    ],
)
def test_resend_confirmation_for_pending_and_cancelled(mode, then, kind):
    registration = sign_up(event_with(mode=mode), "ana@example.com")
    if then is not None:
        then(registration=registration)

    email = resend_confirmation(registration=registration)

    assert (email.kind, email.to_email, email.status) == (kind, "ana@example.com", "pending")


# --- CSV export -----------------------------------------------------------------------------------

HEADER = [
    "name",
    "email",
    "organisation",
    "role",
    "country",
    "attendee type",
    "status",
    "sessions",
    "dietary needs",
    "accessibility needs",
    "interpretation language",
    "participant list consent",
    "language",
    "time zone",
    "created",
]


def test_export_action_returns_csv_of_the_selection_with_formulas_neutralised(admin_client):
    event = factories.EventFactory()
    plenary = factories.SessionFactory(event=event, title="Opening plenary")
    workshop = factories.SessionFactory(
        event=event, title="Workshop", start=event.start + dt.timedelta(hours=2)
    )
    ana = sign_up(
        event,
        "ana@example.com",
        name='=HYPERLINK("http://evil.example")',
        organisation="+Textile Union",
        role="-",
        country="Belgium",
        attendee_type="academic",
        sessions=[workshop, plenary],
        dietary_needs="@vegan",
        interpretation_language="es",
        participant_list_consent=True,
        time_zone="Europe/Brussels",
    )
    bo = sign_up(event, "bo@example.com")
    sign_up(event, "not-selected@example.com")

    response = admin_client.post(
        reverse(CHANGELIST),
        {"action": "export_csv", "_selected_action": [str(ana.pk), str(bo.pk)], "index": "0"},
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="registrations.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows == [
        HEADER,
        [
            '\'=HYPERLINK("http://evil.example")',
            "ana@example.com",
            "'+Textile Union",
            "'-",
            "Belgium",
            "Academic",
            "Confirmed",
            "Opening plenary; Workshop",
            "'@vegan",
            "",
            "es",
            "yes",
            "en",
            "Europe/Brussels",
            ana.created.isoformat(),
        ],
        [
            "Bo",
            "bo@example.com",
            "",
            "",
            "",
            "",
            "Confirmed",
            "",
            "",
            "",
            "",
            "no",
            "en",
            "",
            bo.created.isoformat(),
        ],
    ]


def test_registrations_csv_reads_sessions_in_one_query_at_any_size(django_assert_num_queries):
    event = factories.EventFactory()
    session = factories.SessionFactory(event=event)
    sign_up(event, "ana@example.com", sessions=[session])
    queryset = Registration.objects.filter(event=event)

    # The registrations, their sessions, the events' questions (none: no answers are read).
    with django_assert_num_queries(3):
        small = registrations_csv(queryset)
    for n in range(3):
        sign_up(event, f"more{n}@example.com", sessions=[session])
    with django_assert_num_queries(3):
        large = registrations_csv(queryset)

    assert (len(small.splitlines()), len(large.splitlines())) == (2, 5)


# --- Outbox ---------------------------------------------------------------------------------------


def test_outbox_changelist_shows_status_and_error_and_cannot_add(admin_client):
    registration = sign_up(factories.EventFactory(), "ana@example.com")
    OutboxEmail.objects.filter(registration=registration).update(
        status=OutboxEmail.Status.FAILED, attempts=5, last_error="SMTP 550 mailbox unavailable"
    )
    url = reverse("admin:registrations_outboxemail_changelist")

    response = admin_client.get(url, {"status__exact": "failed"})
    content = response.content.decode()

    assert response.status_code == 200
    assert [(e.to_email, e.status) for e in response.context["cl"].result_list] == [
        ("ana@example.com", "failed")
    ]
    assert '<td class="field-status">Failed</td>' in content
    assert '<td class="field-error">SMTP 550 mailbox unavailable</td>' in content
    assert response.context["has_add_permission"] is False
    assert reverse("admin:registrations_outboxemail_add") not in content


def test_outbox_email_page_is_read_only(admin_client):
    email = sign_up(factories.EventFactory(), "ana@example.com").emails.get()
    url = reverse("admin:registrations_outboxemail_change", args=[email.pk])

    response = admin_client.get(url)
    posted = admin_client.post(url, {"to_email": "mallory@example.com", "status": "sent"})

    assert response.status_code == 200
    assert response.context["adminform"].form.fields == {}
    assert posted.status_code == 403
    email.refresh_from_db()
    assert (email.to_email, email.status) == ("ana@example.com", "pending")


# --- Event admin ----------------------------------------------------------------------------------


def test_event_admin_is_the_registrations_subclass():
    assert type(admin.site.get_model_admin(Event)) is EventAdmin


def test_event_change_page_shows_settings_inline_and_counts_per_status_and_session(admin_client):
    event = event_with(capacity=2)
    plenary = factories.SessionFactory(event=event, title="Opening plenary", capacity=1)
    workshop = factories.SessionFactory(
        event=event, title="Workshop", start=event.start + dt.timedelta(hours=2)
    )
    sign_up(event, "ana@example.com", sessions=[plenary, workshop])
    sign_up(event, "bo@example.com", minutes=1, sessions=[plenary])  # plenary full: waits for it
    sign_up(event, "cy@example.com", minutes=2, sessions=[workshop])  # event full: waitlisted
    sign_up(event, "dee@example.com", minutes=3)  # event full: waitlisted
    cancel_registration(registration=sign_up(event_with(), "other-event@example.com"))

    response = admin_client.get(change_url(event))
    content = response.content.decode()

    assert response.status_code == 200
    assert inline_prefixes(response) == ["partners", "sessions", "registration_settings"]
    assert 'name="registration_settings-0-capacity" value="2"' in content
    assert (
        "<tbody><tr><td>Awaiting approval</td><td>0</td></tr><tr><td>Confirmed</td><td>2</td></tr>"
        "<tr><td>Waitlisted</td><td>2</td></tr><tr><td>Place offered</td><td>0</td></tr>"
        "<tr><td>Cancelled</td><td>0</td></tr>"
        "<tr><td>Rejected</td><td>0</td></tr><tr><td>Total</td><td>4</td></tr></tbody>"
    ) in content
    # Issue 15: places taken, waiting (for the session, or for the event), capacity, places left.
    assert (
        "<tbody><tr><td>Opening plenary</td><td>1</td><td>1</td><td>1</td><td>0</td></tr>"
        "<tr><td>Workshop</td><td>1</td><td>1</td><td>—</td><td>—</td></tr></tbody>"
    ) in content


def test_session_change_page_shows_and_keeps_the_capacity_and_lists_who_waits(admin_client):
    event = event_with()
    workshop = factories.SessionFactory(event=event, title="Workshop", capacity=1)
    sign_up(event, "ana@example.com", sessions=[workshop])
    sign_up(event, "bo@example.com", minutes=1, sessions=[workshop])
    response = admin_client.get(change_url(workshop))
    data = form_data(response, "session_form")

    assert data["capacity"] == "1"
    assert "<p>1 of 1 places taken, 0 left. 1 waiting.</p><ol><li>Bo &lt;bo@example.com&gt;</li></ol>" in (
        response.content.decode()
    )

    # Saving the page for another change (a new room) keeps the capacity and the list as they were.
    data["room"] = "Room 2"
    response = admin_client.post(change_url(workshop), data)

    assert response.status_code == 302
    places = SessionPlaces.objects.get(session=workshop)
    assert (places.capacity, places.confirmed_count) == (1, 1)
    assert list(
        SessionChoice.objects.filter(session=workshop).values_list("status", flat=True).order_by("pk")
    ) == [
        "confirmed",
        "waiting",
    ]


def test_event_count_tables_take_one_query_each_at_any_size(rf, django_assert_num_queries):
    event = factories.EventFactory()
    session = factories.SessionFactory(event=event)
    model_admin = admin.site.get_model_admin(Event)

    for size in (1, 4):
        for n in range(size):
            sign_up(event, f"size{size}-{n}@example.com", sessions=[session])
        with django_assert_num_queries(1):
            model_admin.registration_counts(event)
        with django_assert_num_queries(1):
            model_admin.session_registration_counts(event)


def test_event_change_saves_registration_settings_and_reads_times_in_the_events_zone(admin_client):
    event = factories.WebinarFactory()
    data = form_data(admin_client.get(change_url(event)), "event_form")
    data.update(
        {
            "start_0": "2030-06-17",
            "start_1": "14:00:00",
            "end_0": "2030-06-17",
            "end_1": "15:00:00",
            "registration_settings-0-mode": "approval",
            "registration_settings-0-capacity": "30",
            "registration_settings-0-closes_at_0": "2030-06-16",
            "registration_settings-0-closes_at_1": "18:00:00",
        }
    )

    response = admin_client.post(change_url(event), data)

    assert response.status_code == 302
    event.refresh_from_db()
    assert (event.start, event.end) == (
        dt.datetime(2030, 6, 17, 13, 0, tzinfo=dt.UTC),
        dt.datetime(2030, 6, 17, 14, 0, tzinfo=dt.UTC),
    )
    settings = RegistrationSettings.objects.get(event=event)
    assert (settings.mode, settings.capacity, settings.closes_at) == (
        "approval",
        30,
        dt.datetime(2030, 6, 16, 17, 0, tzinfo=dt.UTC),
    )


def test_event_add_page_has_no_registration_settings_inline(admin_client):
    response = admin_client.get(reverse("admin:events_event_add"))

    assert inline_prefixes(response) == ["partners", "sessions"]


# --- Non-staff ------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["anonymous", "plain_user", "affiliate_member"])
@pytest.mark.parametrize(
    "url_name",
    [
        "admin:registrations_registration_changelist",
        "admin:registrations_outboxemail_changelist",
        "admin:registrations_registrationsettings_changelist",
    ],
)
def test_non_staff_are_sent_to_admin_login_or_refused(client, kind, url_name):
    if kind == "plain_user":
        client.force_login(factories.UserFactory())
    elif kind == "affiliate_member":
        client.force_login(factories.MembershipFactory().user)
    url = reverse(url_name)

    response = client.get(url)

    if kind == "anonymous":
        assert response.status_code == 302
        assert response.url == f"{reverse('admin:login')}?next={url}"
    else:
        assert shows_staff_only_page(response)


def test_non_staff_cannot_run_an_action(client):
    registration = sign_up(event_with(mode=RegistrationSettings.Mode.APPROVAL), "ana@example.com")
    client.force_login(factories.UserFactory())

    response = client.post(
        reverse(CHANGELIST), {"action": "approve", "_selected_action": [str(registration.pk)], "index": "0"}
    )

    assert shows_staff_only_page(response)
    assert statuses(registration) == ["pending"]
