"""Registrations and summaries as CSV and Excel workbooks for staff, safe to open in a spreadsheet.

Registrations come with a column per question their events ask (registrations.models.Question):
questions of several events with the same English label share one column, so a season's
"Sector" question is one column however many webinars asked it.
"""

import csv
import io

from django.db.models import Prefetch
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from events.models import Session
from registrations.models import Answer, Question

# A spreadsheet runs a cell starting with one of these as a formula (OWASP "CSV injection").
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


# Excel opens a CSV file by double-click only when it starts with a byte order mark
# (else it guesses the encoding and mangles accents), and splits columns on the list
# separator of the computer's region: ";" wherever the decimal separator is a comma,
# as in Belgium, the Netherlands, France and Germany.
EXCEL_BOM = "\ufeff"
EXCEL_DELIMITER = ";"


def _cell(value):
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(_FORMULA_STARTS) else text


def _write(rows, *, delimiter=","):
    output = io.StringIO()
    writer = csv.writer(output, delimiter=delimiter)
    for row in rows:
        writer.writerow([_cell(value) for value in row])
    return output.getvalue()


def table_csv(table):
    """Return a reports.Table as CSV text: its headers, then its rows; formulas neutralised."""
    return _write([table.headers, *table.rows])


def registrations_csv(queryset, *, with_event=False):
    """Return the registrations in `queryset` as CSV text: a header row, then one row each.

    Every cell that a spreadsheet would read as a formula is prefixed with a single quote.
    With `with_event`, the first column names each row's event (for files of several events).
    """
    return _write(_registration_rows(queryset, with_event=with_event))


def registrations_excel_csv(queryset):
    """Return the same rows as registrations_csv, for Excel: a byte order mark and ";" between cells."""
    return EXCEL_BOM + _write(_registration_rows(queryset), delimiter=EXCEL_DELIMITER)


def registrations_xlsx(queryset, *, with_event=False):
    """Return the rows of registrations_csv as the bytes of an Excel workbook (.xlsx) with one sheet.

    Each cell is text (never a formula, whatever it starts with), neutralised like the CSV's
    cells so that copying it elsewhere cannot run it either, without the characters XML forbids.
    """
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Registrations"))
    for row in _registration_rows(queryset, with_event=with_event):
        sheet.append([_text_cell(sheet, value) for value in row])
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def _text_cell(sheet, value):
    cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", _cell(value)))
    cell.data_type = "s"
    return cell


class _QuestionColumns:
    """The question columns of a file of registrations: one per English label, in the events' order.

    Two queries at most, however many registrations: the questions, then (when there are any)
    the answers, prefetched on the registrations.
    """

    def __init__(self, queryset):
        questions = (
            Question.objects.own()
            .filter(event__in=queryset.values("event"))
            .order_by("event__start", "event", "order", "pk")
        )
        self.column_of = {}  # question id -> column index
        self.headers = []
        keys = {}
        for question in questions:
            key = " ".join(question.label_en.split()).casefold()
            if key not in keys:
                keys[key] = len(self.headers)
                self.headers.append(question.label)
            self.column_of[question.pk] = keys[key]

    def prefetch(self, queryset):
        if not self.column_of:
            return queryset
        return queryset.prefetch_related(
            Prefetch("answers", queryset=Answer.objects.only("registration_id", "question_id", "text"))
        )

    def cells(self, registration):
        if not self.column_of:
            return []
        cells = [[] for _header in self.headers]
        for answer in registration.answers.all():
            cells[self.column_of[answer.question_id]].append(answer.text)
        return ["; ".join(texts) for texts in cells]


def _fixed_headers():
    """The headers of the fixed columns, in the active language."""
    return [
        _("name"),
        _("email"),
        _("organisation"),
        _("role"),
        _("country"),
        _("attendee type"),
        _("status"),
        _("sessions"),
        _("dietary needs"),
        _("accessibility needs"),
        _("interpretation language"),
        _("participant list consent"),
        _("language"),
        _("time zone"),
        _("created"),
    ]


def _registration_rows(queryset, *, with_event=False):
    columns = _QuestionColumns(queryset)
    header = [*_fixed_headers(), *columns.headers]
    registrations = columns.prefetch(
        queryset.prefetch_related(
            Prefetch("sessions", queryset=Session.objects.order_by("start", "end", "pk").only("title"))
        )
    )
    if with_event:
        registrations = registrations.select_related("event")
        header = [_("event"), _("event date"), *header]
    yield header
    for registration in registrations:
        event = (
            [
                registration.event.title,
                registration.event.start.astimezone(registration.event.tz).date().isoformat(),
            ]
            if with_event
            else []
        )
        yield [
            *event,
            registration.name,
            registration.email,
            registration.organisation,
            registration.role,
            registration.country,
            registration.get_attendee_type_display(),
            registration.get_status_display(),
            "; ".join(session.title for session in registration.sessions.all()),
            registration.dietary_needs,
            registration.accessibility_needs,
            registration.interpretation_language,
            _("yes") if registration.participant_list_consent else _("no"),
            registration.language,
            registration.time_zone,
            registration.created.isoformat(),
            *columns.cells(registration),
        ]
