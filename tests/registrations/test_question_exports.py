"""Answers to an event's questions in staff's files, summaries and admin; season exports as CSV and .xlsx."""

import csv
import datetime as dt
import io

import openpyxl
import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from registrations.eventday import reports
from registrations.eventday.exports import registrations_csv, registrations_xlsx
from registrations.models import (
    AccessRecord,
    Answer,
    Question,
    QuestionChoice,
    Registration,
    RegistrationSettings,
)
from registrations.privacy import retention
from registrations.signup import services
from tests import factories

pytestmark = pytest.mark.django_db

SEASON = reverse("registrations:staff_season_export")


def at(year, month, day):
    return dt.datetime(year, month, day, 9, tzinfo=dt.UTC)


def event_on(start, title, slug):
    event = factories.EventFactory(title=title, slug=slug, start=start, end=start + dt.timedelta(hours=2))
    factories.RegistrationSettingsFactory(event=event)
    return event


def sector_question(event, label="Sector"):
    return factories.QuestionFactory(
        event=event, label_en=label, kind=Question.Kind.SINGLE_CHOICE, choices=["Union", "Public buyer"]
    )


def choice(question, label):
    return str(question.choices.get(label_en=label).pk)


def sign_up(event, email, answers=None, **extra):
    data = {"name": email.split("@")[0].title(), "email": email, "answers": answers or {}, **extra}
    return services.register(event=event, data=data)


def rows_of(text):
    return list(csv.reader(io.StringIO(text)))


def exporting_staff(client):
    staff = factories.StaffFactory(is_superuser=False)
    staff.user_permissions.set(
        Permission.objects.filter(codename__in=["view_registration", "export_registration"])
    )
    client.force_login(staff)
    return staff


@pytest.fixture
def webinar():
    event = event_on(at(2030, 3, 4), "Buying fair", "buying-fair")
    sector = sector_question(event)
    hope = factories.QuestionFactory(event=event, label_en="Your question for the panel")
    ana = sign_up(event, "ana@example.com", {sector: choice(sector, "Union"), hope: '=HYPERLINK("http://x")'})
    bo = sign_up(event, "bo@example.com", {sector: choice(sector, "Public buyer")})
    return event, sector, hope, ana, bo


def test_registrations_csv_has_a_column_per_question_with_formulas_neutralised(webinar):
    event, *_rest = webinar

    rows = rows_of(registrations_csv(Registration.objects.filter(event=event)))

    assert rows[0][-3:] == ["created", "Sector", "Your question for the panel"]
    assert [(row[0], row[-2], row[-1]) for row in rows[1:]] == [
        ("Ana", "Union", '\'=HYPERLINK("http://x")'),
        ("Bo", "Public buyer", ""),
    ]


def test_answers_in_a_file_keep_the_text_given_after_the_question_changes(webinar):
    event, sector, _hope, _ana, _bo = webinar

    QuestionChoice.objects.filter(question=sector, label_en="Union").update(label_en="Trade union")

    rows = rows_of(registrations_csv(Registration.objects.filter(event=event)))
    assert [row[-2] for row in rows[1:]] == ["Union", "Public buyer"]


def test_registrations_csv_reads_answers_in_constant_queries(django_assert_num_queries):
    event = event_on(at(2030, 3, 4), "Buying fair", "buying-fair")
    sector = sector_question(event)
    queryset = Registration.objects.filter(event=event)
    # registrations, their sessions, the events' questions, the answers
    for count in (1, 12):
        for n in range(count):
            sign_up(event, f"p{count}-{n}@example.com", {sector: choice(sector, "Union")})

        with django_assert_num_queries(4):
            rows = rows_of(registrations_csv(queryset))

        assert {row[-1] for row in rows[1:]} == {"Union"}


def test_event_workbook_reads_back_with_text_cells_and_leaves_an_access_record(client, webinar):
    event, *_rest = webinar
    staff = exporting_staff(client)

    response = client.get(reverse("registrations:staff_registrations_xlsx", kwargs={"slug": event.slug}))

    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"] == 'attachment; filename="buying-fair-registrations.xlsx"'
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0][-2:] == ["Sector", "Your question for the panel"]
    assert [(row[0], row[-2], row[-1]) for row in rows[1:]] == [
        ("Ana", "Union", '\'=HYPERLINK("http://x")'),
        ("Bo", "Public buyer", None),
    ]
    assert {cell.data_type for row in sheet.iter_rows() for cell in row if cell.value is not None} == {"s"}
    assert list(AccessRecord.objects.values_list("user", "what", "event", "rows")) == [
        (staff.pk, "registrations_xlsx", event.pk, 2)
    ]


def test_workbook_drops_characters_a_workbook_cannot_hold():
    event = event_on(at(2030, 3, 4), "Buying fair", "buying-fair")
    registration = sign_up(event, "ana@example.com")
    # Older rows, written before answers were cleaned, may hold any control character.
    Registration.objects.filter(pk=registration.pk).update(dietary_needs="vegan\x1b\x0b")

    sheet = openpyxl.load_workbook(io.BytesIO(registrations_xlsx(Registration.objects.all()))).active

    assert "vegan" in [cell.value for cell in next(sheet.iter_rows(min_row=2, max_row=2))]


@pytest.fixture
def season():
    spring = event_on(at(2030, 3, 4), "Spring webinar", "spring")
    autumn = event_on(at(2030, 10, 7), "Autumn webinar", "autumn")
    next_year = event_on(at(2031, 1, 20), "Next year", "next-year")
    spring_sector, autumn_sector = sector_question(spring), sector_question(autumn, label=" sector ")
    diet = factories.QuestionFactory(event=autumn, label_en="Lunch", kind=Question.Kind.CHECKBOX)
    sign_up(spring, "ana@example.com", {spring_sector: choice(spring_sector, "Union")})
    sign_up(autumn, "bo@example.com", {autumn_sector: choice(autumn_sector, "Public buyer"), diet: True})
    sign_up(next_year, "cy@example.com")
    return spring, autumn, next_year


def test_season_csv_has_the_events_in_range_and_one_column_per_question_wording(client, season):
    staff = exporting_staff(client)

    response = client.get(SEASON, {"first_day": "2030-01-01", "last_day": "2030-12-31", "format": "csv"})

    assert response["Content-Disposition"] == 'attachment; filename="registrations-2030-01-01-2030-12-31.csv"'
    rows = rows_of(response.content.decode())
    assert rows[0][:3] == ["event", "event date", "name"]
    assert rows[0][-2:] == ["Sector", "Lunch"]
    assert [(row[0], row[1], row[2], row[-2], row[-1]) for row in rows[1:]] == [
        ("Spring webinar", "2030-03-04", "Ana", "Union", ""),
        ("Autumn webinar", "2030-10-07", "Bo", "Public buyer", "yes"),
    ]
    assert list(AccessRecord.objects.values_list("user", "what", "event", "rows")) == [
        (staff.pk, "season_csv", None, 2)
    ]


def test_season_workbook_reads_back(client, season):
    exporting_staff(client)

    response = client.get(SEASON, {"first_day": "2030-06-01", "last_day": "2031-06-01", "format": "xlsx"})

    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert [(row[0], row[2], row[-2], row[-1]) for row in rows[1:]] == [
        ("Autumn webinar", "Bo", "Public buyer", "yes"),
        ("Next year", "Cy", None, None),
    ]
    assert AccessRecord.objects.get().what == "season_xlsx"


def test_season_page_offers_this_year_and_refuses_a_backwards_range(client, season):
    exporting_staff(client)
    year = timezone.localdate().year

    page = client.get(SEASON)
    backwards = client.get(SEASON, {"first_day": "2030-12-31", "last_day": "2030-01-01", "format": "csv"})

    assert f'value="{year}-01-01"' in page.content.decode()
    assert f'value="{year}-12-31"' in page.content.decode()
    assert backwards["Content-Type"].startswith("text/html")
    assert "The last day must not be before the first." in backwards.content.decode()
    assert AccessRecord.objects.count() == 0


def test_season_export_needs_the_export_permission(client, season):
    staff = factories.StaffFactory(is_superuser=False)
    staff.user_permissions.set(Permission.objects.filter(codename="view_registration"))
    client.force_login(staff)

    response = client.get(SEASON, {"first_day": "2030-01-01", "last_day": "2030-12-31", "format": "csv"})

    assert response.status_code == 403
    assert "Bo" not in response.content.decode()
    assert AccessRecord.objects.count() == 0


def test_season_export_queries_do_not_grow_with_events_and_registrations(client, django_assert_num_queries):
    exporting_staff(client)
    params = {"first_day": "2030-01-01", "last_day": "2030-12-31", "format": "csv"}
    client.get(SEASON, params)
    # session, the user's and groups' permissions, the season's questions, registrations (with
    # event), their sessions, their answers, the count and the access record
    for count in (1, 5):
        for n in range(count):
            event = event_on(at(2030, 2 + n, 1), f"Webinar {count}-{n}", f"webinar-{count}-{n}")
            question = sector_question(event)
            sign_up(event, f"p{count}-{n}@example.com", {question: choice(question, "Union")})

        with django_assert_num_queries(9):
            response = client.get(SEASON, params)

        assert response.status_code == 200


# Summary


def test_summary_counts_confirmed_answers_per_choice_and_keeps_removed_choices():
    event = event_on(at(2030, 3, 4), "Buying fair", "buying-fair")
    RegistrationSettings.objects.filter(event=event).update(capacity=3)
    topics = factories.QuestionFactory(
        event=event,
        label_en="Topics",
        kind=Question.Kind.MULTIPLE_CHOICE,
        choices=["Mining", "Audits", "Law"],
    )
    photo = factories.QuestionFactory(event=event, label_en="Photos", kind=Question.Kind.CHECKBOX)
    factories.QuestionFactory(event=event, label_en="Free text is not counted")
    ids = {label: choice(topics, label) for label in ("Mining", "Audits", "Law")}
    sign_up(event, "a@example.com", {topics: [ids["Mining"], ids["Law"]], photo: True})
    sign_up(event, "b@example.com", {topics: [ids["Law"]]})
    sign_up(event, "c@example.com", {topics: [ids["Audits"]], photo: True})
    sign_up(event, "waitlisted@example.com", {topics: [ids["Mining"]], photo: True})  # event full
    QuestionChoice.objects.filter(pk=ids["Audits"]).delete()

    table = reports.questions_table(event)

    assert table.headers == ["Question", "Answer", "Confirmed"]
    assert table.rows == [
        ["Topics", "Mining", 1],
        ["Topics", "Law", 2],
        ["Topics", "Audits (a choice since changed)", 1],
        ["Photos", "yes", 2],
    ]


# Admin and privacy


def test_registration_admin_page_lists_the_answers_read_only(admin_client, webinar):
    _event, _sector, _hope, ana, _bo = webinar

    response = admin_client.get(reverse("admin:registrations_registration_change", args=[ana.pk]))

    content = response.content.decode()
    assert "<tr><td>Sector</td><td>Union</td></tr>" in content
    assert "<tr><td>Your question for the panel</td><td>=HYPERLINK(&quot;http://x&quot;)</td></tr>" in content
    assert 'name="answers-' not in content


def test_staff_add_a_question_with_choices_in_both_languages(admin_client):
    event = event_on(at(2030, 3, 4), "Buying fair", "buying-fair")
    data = {
        "event": event.pk,
        "label_en": "Sector",
        "label_es": "Sector",
        "help_text_en": "",
        "help_text_es": "",
        "kind": "single_choice",
        "audience": "guests",
        "order": "1",
        "choices-TOTAL_FORMS": "2",
        "choices-INITIAL_FORMS": "0",
        "choices-0-label_en": "Union",
        "choices-0-label_es": "Sindicato",
        "choices-0-order": "0",
        "choices-1-label_en": "Public buyer",
        "choices-1-label_es": "Comprador público",
        "choices-1-order": "1",
    }
    one_choice = {**data, "choices-TOTAL_FORMS": "1"}

    refused = admin_client.post(reverse("admin:registrations_question_add"), one_choice)
    added = admin_client.post(reverse("admin:registrations_question_add"), data)

    assert "A choice question needs at least two choices." in refused.content.decode()
    assert added.status_code == 302
    question = Question.objects.get()
    assert (question.event, question.audience) == (event, "guests")
    assert list(question.choices.values_list("label_en", "label_es")) == [
        ("Union", "Sindicato"),
        ("Public buyer", "Comprador público"),
    ]


def test_anonymising_removes_typed_answers_and_countries_and_keeps_choices(webinar):
    event, sector, hope, ana, _bo = webinar
    country = factories.QuestionFactory(event=event, label_en="Country", kind=Question.Kind.COUNTRY)
    Answer.objects.create(registration=ana, question=country, value="BE", text="Belgium")

    retention.delete_registration_data(registration=ana)

    assert sorted(Answer.objects.filter(registration=ana).values_list("question", "text")) == sorted(
        [(sector.pk, "Union"), (hope.pk, retention.ANONYMISED_ANSWER)]
    )
