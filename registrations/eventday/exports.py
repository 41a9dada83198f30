"""Registrations and summaries as CSV for staff, safe to open in a spreadsheet."""

import csv
import io

from django.db.models import Prefetch
from django.utils.translation import gettext as _

from events.models import Session

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


def registrations_csv(queryset):
    """Return the registrations in `queryset` as CSV text: a header row, then one row each.

    Every cell that a spreadsheet would read as a formula is prefixed with a single quote.
    """
    return _write(_registration_rows(queryset))


def registrations_excel_csv(queryset):
    """Return the same rows as registrations_csv, for Excel: a byte order mark and ";" between cells."""
    return EXCEL_BOM + _write(_registration_rows(queryset), delimiter=EXCEL_DELIMITER)


def _registration_rows(queryset):
    header = [
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
    registrations = queryset.prefetch_related(
        Prefetch("sessions", queryset=Session.objects.order_by("start", "end", "pk").only("title"))
    )
    yield header
    for registration in registrations:
        yield [
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
        ]
