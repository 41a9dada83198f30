import csv
import datetime as dt
import io
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from events.models import Session
from registrations.eventday import reports
from registrations.eventday.exports import registrations_excel_csv, table_csv
from registrations.models import Registration
from tests import factories
from tests.conftest import shows_staff_only_page
from tests.factories import BRUSSELS

pytestmark = pytest.mark.django_db

CONFIRMED = Registration.Status.CONFIRMED
DAY_1 = dt.date(2030, 11, 6)
DAY_2 = dt.date(2030, 11, 7)


def at(day, hour, minute=0):
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=BRUSSELS)


def registrant(event, name, sessions=(), **fields):
    registration = factories.RegistrationFactory(event=event, name=name, **fields)
    registration.sessions.set(sessions)
    return registration


@pytest.fixture
def conference():
    """A two-day conference with lunch on day 1 and coffee on day 2, and eight registrations.

    Hand count, confirmed registrants only:
    - eat on day 1: Ana (Vegetarian), Cy (no session: every day, nothing stated),
      Di (Halal), Hal (Vegetarian, two sessions that day);
    - eat on day 2: Bo ("vegetarian "), Cy, Di, Hal.
    """
    event = factories.EventFactory(title="Annual Conference 2030", slug="annual-2030")
    opening = factories.SessionFactory(
        event=event, title="Opening plenary", kind=Session.Kind.PLENARY, start=at(DAY_1, 9, 30)
    )
    factories.SessionFactory(event=event, title="Lunch", kind=Session.Kind.MEAL, start=at(DAY_1, 12, 30))
    workshop = factories.SessionFactory(
        event=event,
        title="Restricted workshop",
        kind=Session.Kind.WORKSHOP,
        start=at(DAY_1, 14),
        capacity=2,
        visibility=Session.Visibility.AFFILIATES,
    )
    panel = factories.SessionFactory(event=event, title="Panel B", start=at(DAY_1, 16))
    factories.SessionFactory(event=event, title="Coffee", kind=Session.Kind.BREAK, start=at(DAY_2, 10, 30))
    closing = factories.SessionFactory(event=event, title="Closing panel", start=at(DAY_2, 11))
    attended = dt.datetime(2030, 11, 6, 9, 0, tzinfo=BRUSSELS)

    people = SimpleNamespace(
        ana=registrant(
            event,
            "Ana Alves",
            [opening, workshop],
            organisation="University of Ghent",
            attendee_type="academic",
            dietary_needs="Vegetarian",
            interpretation_language="es",
            accessibility_needs="Wheelchair access",
            participant_list_consent=True,
            attended_at=attended,
        ),
        bo=registrant(
            event,
            "bo Berg",
            [closing],
            organisation="City of Ghent",
            attendee_type="public_buyer",
            dietary_needs="vegetarian ",
            interpretation_language="none",
            participant_list_consent=True,
        ),
        cy=registrant(event, "Cy Costa", []),
        di=registrant(
            event,
            "Di Dahl",
            [workshop, closing],
            organisation="Textile Union",
            attendee_type="academic",
            dietary_needs="Halal",
            interpretation_language="es",
            accessibility_needs="  ",
            participant_list_consent=True,
            attended_at=attended,
        ),
        hal=registrant(
            event,
            "Hal Horvat",
            [opening, panel, closing],
            attendee_type="government",
            dietary_needs="Vegetarian",
            interpretation_language="fr",
            accessibility_needs="Hearing loop ",
        ),
        ed=registrant(
            event,
            "Ed Evans",
            [workshop],
            status=Registration.Status.WAITLISTED,
            dietary_needs="Vegan",
            interpretation_language="es",
            accessibility_needs="Step-free route",
            participant_list_consent=True,
        ),
        fay=registrant(
            event,
            "Fay Fox",
            [opening],
            status=Registration.Status.CANCELLED,
            dietary_needs="Vegetarian",
            participant_list_consent=True,
            attended_at=attended,
        ),
        gus=registrant(event, "Gus Grant", [closing], status=Registration.Status.PENDING),
    )
    # Another event's registrant, who must never be counted.
    registrant(
        factories.EventFactory(), "Other Event", dietary_needs="Vegetarian", interpretation_language="es"
    )
    return SimpleNamespace(event=event, people=people)


def test_status_table_counts_every_status(conference):
    table = reports.status_table(conference.event)

    assert table.headers == ["Status", "Registrations"]
    assert table.rows == [
        ["Awaiting approval", 1],
        ["Confirmed", 5],
        ["Waitlisted", 1],
        ["Place offered", 0],  # issue 15: places held for the head of a waiting list
        ["Cancelled", 1],
        ["Rejected", 0],
        ["Total", 8],
    ]


def test_attendee_type_table_counts_confirmed_registrants(conference):
    table = reports.attendee_type_table(conference.event)

    assert table.rows == [
        ["Public buyer", 1],
        ["Monitoring partner", 0],
        ["Affiliate", 0],
        ["Civil society", 0],
        ["Trade union", 0],
        ["Industry", 0],
        ["Government", 1],
        ["Academic", 2],
        ["Media", 0],
        ["Other", 0],
        ["Not stated", 1],
        ["Total", 5],
    ]


def test_session_table_counts_choices_capacity_and_attendance_restricted_sessions_included(conference):
    table = reports.session_table(conference.event)

    assert table.headers == [
        "Session",
        "Starts (Europe/Brussels)",
        "Chosen (confirmed)",
        "Waitlisted",
        "Capacity",
        "Places left",
        "Attended",
    ]
    assert table.rows == [
        ["Opening plenary", "2030-11-06 09:30", 2, 0, None, None, 1],
        ["Restricted workshop", "2030-11-06 14:00", 2, 1, 2, 0, 2],
        ["Panel B", "2030-11-06 16:00", 1, 0, None, None, 0],
        ["Closing panel", "2030-11-07 11:00", 3, 0, None, None, 1],
    ]


def test_catering_table_counts_needs_per_day_normalising_case_and_spaces(conference):
    table = reports.catering_table(conference.event)

    assert table.headers == ["Dietary need", "2030-11-06", "2030-11-07"]
    assert table.rows == [
        ["Vegetarian", 2, 2],
        ["Halal", 1, 1],
        ["None stated", 1, 1],
        ["Total", 4, 4],
    ]


def test_catering_days_are_dates_in_the_event_zone():
    # 00:30 in Brussels on 7 November is still 6 November in UTC.
    event = factories.EventFactory()
    factories.SessionFactory(event=event, kind=Session.Kind.MEAL, start=at(DAY_2, 0, 30))
    late = factories.SessionFactory(event=event, start=at(DAY_2, 0, 15))
    registrant(event, "Night Owl", [late], dietary_needs="Vegan")

    table = reports.catering_table(event)

    assert table.headers == ["Dietary need", "2030-11-07"]
    assert table.rows == [["Vegan", 1], ["None stated", 0], ["Total", 1]]


def test_catering_table_is_empty_without_meals_or_breaks():
    event = factories.EventFactory()
    registrant(event, "Ana", [factories.SessionFactory(event=event)], dietary_needs="Vegan")

    assert reports.catering_table(event).rows == []


def test_interpretation_table_counts_requests_of_confirmed_registrants(conference):
    table = reports.interpretation_table(conference.event)

    assert table.headers == ["Language", "Requests"]
    assert table.rows == [["Spanish (es)", 2], ["French (fr)", 1], ["Total", 3]]


def test_accessibility_table_lists_confirmed_registrants_with_needs_by_name(conference):
    table = reports.accessibility_table(conference.event)

    assert table.headers == ["Name", "Accessibility needs"]
    assert table.rows == [["Ana Alves", "Wheelchair access"], ["Hal Horvat", "Hearing loop"]]


def test_summary_page_shows_every_table_with_restricted_sessions_for_staff(admin_client, conference):
    response = admin_client.get(reverse("registrations:staff_summary", args=["annual-2030"]))

    assert response.status_code == 200
    assert [table.key for table in response.context["tables"]] == [
        "statuses",
        "attendee-types",
        "sessions",
        "catering",
        "interpretation",
        "accessibility",
        "questions",
    ]
    content = response.content.decode()
    assert "Restricted workshop" in content
    assert "Wheelchair access" in content
    for key in reports.SUMMARIES:
        assert reverse("registrations:staff_summary_csv", args=["annual-2030", key]) in content


def test_summary_csv_holds_the_table(admin_client, conference):
    url = reverse("registrations:staff_summary_csv", args=["annual-2030", "catering"])

    response = admin_client.get(url)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="annual-2030-catering.csv"'
    assert list(csv.reader(io.StringIO(response.content.decode()))) == [
        ["Dietary need", "2030-11-06", "2030-11-07"],
        ["Vegetarian", "2", "2"],
        ["Halal", "1", "1"],
        ["None stated", "1", "1"],
        ["Total", "4", "4"],
    ]


def test_session_csv_leaves_an_empty_cell_for_no_capacity(conference):
    rows = list(csv.reader(io.StringIO(table_csv(reports.session_table(conference.event)))))

    assert rows[1] == ["Opening plenary", "2030-11-06 09:30", "2", "0", "", "", "1"]
    assert rows[2] == ["Restricted workshop", "2030-11-06 14:00", "2", "1", "2", "0", "2"]


def test_unknown_summary_csv_is_not_found(admin_client, conference):
    url = reverse("registrations:staff_summary_csv", args=["annual-2030", "everything"])

    assert admin_client.get(url).status_code == 404


def test_summary_csvs_neutralise_formulas():
    event = factories.EventFactory()
    factories.SessionFactory(event=event, kind=Session.Kind.MEAL)
    registrant(event, '=HYPERLINK("http://evil.example")', accessibility_needs="@SUM(A1)", dietary_needs="+1")
    factories.SessionFactory(event=event, title="-1 session")

    catering = list(csv.reader(io.StringIO(table_csv(reports.catering_table(event)))))
    accessibility = list(csv.reader(io.StringIO(table_csv(reports.accessibility_table(event)))))
    sessions = list(csv.reader(io.StringIO(table_csv(reports.session_table(event)))))

    assert catering[1] == ["'+1", "1"]
    assert accessibility[1] == ['\'=HYPERLINK("http://evil.example")', "'@SUM(A1)"]
    assert sessions[1][0] == "'-1 session"


def test_registrations_export_holds_every_registration_of_the_event(admin_client, conference):
    response = admin_client.get(reverse("registrations:staff_registrations_csv", args=["annual-2030"]))

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="annual-2030-registrations.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:3] == ["name", "email", "organisation"]
    assert [row[0] for row in rows[1:]] == [
        "Ana Alves",
        "bo Berg",
        "Cy Costa",
        "Di Dahl",
        "Hal Horvat",
        "Ed Evans",
        "Fay Fox",
        "Gus Grant",
    ]
    assert rows[1][7] == "Opening plenary; Restricted workshop"


def test_excel_export_starts_with_a_byte_order_mark_and_separates_with_semicolons(admin_client):
    event = factories.EventFactory(slug="excel")
    registrant(event, "=cmd|' /C calc'!A0", organisation="Crèche; Café", email="zoe@example.com")

    response = admin_client.get(reverse("registrations:staff_registrations_excel", args=["excel"]))

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="excel-registrations-excel.csv"'
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeffname;email;organisation;")
    rows = list(csv.reader(io.StringIO(body.removeprefix("\ufeff")), delimiter=";"))
    assert rows[1][:3] == ["'=cmd|' /C calc'!A0", "zoe@example.com", "Crèche; Café"]


def test_excel_export_has_the_same_rows_as_the_csv_export(conference):
    from registrations.eventday.exports import registrations_csv

    queryset = conference.event.registrations.all()
    excel = list(
        csv.reader(io.StringIO(registrations_excel_csv(queryset).removeprefix("\ufeff")), delimiter=";")
    )

    assert excel == list(csv.reader(io.StringIO(registrations_csv(queryset))))


def _populate(event, sessions, count, start):
    for index in range(start, start + count):
        registrant(
            event,
            f"Person {index}",
            sessions[index % len(sessions) :],
            dietary_needs=["Vegan", "vegan", "", "Halal"][index % 4],
            interpretation_language=["es", "", "fr"][index % 3],
            accessibility_needs=["", "Wheelchair"][index % 2],
            attendee_type=["academic", "media", ""][index % 3],
        )


def test_summary_page_query_count_does_not_grow_with_registrations(admin_client, django_assert_num_queries):
    event = factories.EventFactory(slug="busy")
    sessions = [
        factories.SessionFactory(event=event, start=at(DAY_1, 10)),
        factories.SessionFactory(event=event, kind=Session.Kind.MEAL, start=at(DAY_1, 12)),
        factories.SessionFactory(event=event, start=at(DAY_2, 10), capacity=50),
        factories.SessionFactory(event=event, kind=Session.Kind.BREAK, start=at(DAY_2, 11)),
    ]
    url = reverse("registrations:staff_summary", args=["busy"])
    admin_client.get(url)
    _populate(event, sessions, 3, 0)

    # The login session (the user is cached), the event, its access record (privacy.audit), then
    # 1 + 1 + 1 + 3 (catering) + 1 + 1 + 1 (the event's questions: none) for the tables.
    with django_assert_num_queries(12):
        small = admin_client.get(url)
    _populate(event, sessions, 30, 3)
    with django_assert_num_queries(12):
        large = admin_client.get(url)

    assert small.context["tables"][0].rows[-1] == ["Total", 3]
    assert large.context["tables"][0].rows[-1] == ["Total", 33]


# --- Staff only ------------------------------------------------------------------------------------

# Each staff URL, and a text only staff may read on it.
STAFF_URLS = [
    ("registrations:staff_summary", [], "Wheelchair access"),
    ("registrations:staff_summary_csv", ["statuses"], "Confirmed,5"),
    ("registrations:staff_summary_csv", ["accessibility"], "Ana Alves,Wheelchair access"),
    ("registrations:staff_registrations_csv", [], "Ana Alves"),
    ("registrations:staff_registrations_excel", [], "Ana Alves"),
    ("registrations:staff_participant_list", [], "Ana Alves"),
    ("registrations:staff_badges", [], "Ana Alves"),
]


@pytest.mark.parametrize(("name", "args", "secret"), STAFF_URLS)
@pytest.mark.parametrize("kind", ["anonymous", "plain user", "affiliate"])
def test_only_staff_reach_summaries_exports_and_print_pages(client, conference, name, args, secret, kind):
    if kind == "plain user":
        client.force_login(factories.UserFactory())
    elif kind == "affiliate":
        client.force_login(factories.MembershipFactory().user)
    url = reverse(name, args=["annual-2030", *args])

    response = client.get(url)

    if kind == "anonymous":
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('account_login')}?next={url}"
    else:
        assert shows_staff_only_page(response)
    assert secret not in response.content.decode()


@pytest.mark.parametrize(("name", "args", "secret"), STAFF_URLS)
def test_staff_reach_summaries_exports_and_print_pages(client, conference, name, args, secret):
    # Staff status alone is not enough (tests/test_staff_permissions.py): the pages' permissions.
    staff = factories.StaffFactory(is_superuser=False)
    staff.user_permissions.set(
        Permission.objects.filter(codename__in=["view_registration", "export_registration"])
    )
    client.force_login(staff)
    url = reverse(name, args=["annual-2030", *args])

    response = client.get(url)

    assert response.status_code == 200
    assert secret in response.content.decode("utf-8-sig")
    assert "no-store" in response["Cache-Control"]


def test_event_admin_change_page_links_to_the_staff_pages(admin_client, conference):
    response = admin_client.get(reverse("admin:events_event_change", args=[conference.event.pk]))

    content = response.content.decode()
    for name in (
        "staff_summary",
        "staff_participant_list",
        "staff_badges",
        "staff_registrations_csv",
        "staff_registrations_excel",
    ):
        assert f'href="{reverse(f"registrations:{name}", args=["annual-2030"])}"' in content
