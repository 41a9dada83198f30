"""Staff-only pages for running an event: summaries, their CSV files, the participant list and badges.

Every view here requires a staff account with the permissions it names (ewevents/staff_only.py's
staff_permission_required): anonymous visitors are sent to log in, users without staff status
get the staff-only page, staff without a permission the no-permission page. Each page or file
leaves an access record (registrations.privacy.audit): who saw or took what, and when.
Staff see every session, restricted ones included.
"""

import functools
import logging

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_GET, require_http_methods

from events.models import Event
from ewevents.staff_only import staff_permission_required
from registrations.models import AccessRecord
from registrations.privacy import audit, personal_data
from registrations.signup.forms import PersonalDataExportForm

from . import reports, season
from .exports import registrations_csv, registrations_excel_csv, registrations_xlsx, table_csv
from .permissions import EXPORT_PERSONAL_DATA, PERSONAL_DATA, VIEW_REGISTRATIONS

logger = logging.getLogger(__name__)

# Badges per printed A4 sheet: two columns of four, see static/css/print-badges.css.
BADGES_PER_SHEET = 8


def _staff_page(*permissions):
    """Staff with `permissions` only, GET only, never kept in a shared cache: the pages hold personal data."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            response = view(request, *args, **kwargs)
            patch_cache_control(response, private=True, no_store=True)
            return response

        return staff_permission_required(*permissions)(require_GET(wrapped))

    return decorator


def _record(request, what, event, rows):
    audit.record_access(user=request.user, what=what, event=event, rows=rows)


def _csv_response(text, filename):
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _xlsx_response(content, filename):
    response = HttpResponse(content, content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@_staff_page(VIEW_REGISTRATIONS)
def summary(request, slug):
    event = get_object_or_404(Event, slug=slug)
    _record(request, AccessRecord.What.SUMMARY, event, rows=0)  # counts only, no one's row
    return render(
        request,
        "registrations/staff/summary.html",
        {"event": event, "tables": reports.summary_tables(event)},
    )


@_staff_page(VIEW_REGISTRATIONS)
def summary_csv(request, slug, table):
    event = get_object_or_404(Event, slug=slug)
    summary = reports.SUMMARIES.get(table)
    if summary is None:
        raise Http404
    _record(request, AccessRecord.What.SUMMARY_CSV, event, rows=0)
    return _csv_response(table_csv(summary(event)), f"{event.slug}-{table}.csv")


@_staff_page(VIEW_REGISTRATIONS, EXPORT_PERSONAL_DATA)
def registrations_export(request, slug):
    event = get_object_or_404(Event, slug=slug)
    _record(request, AccessRecord.What.REGISTRATIONS_CSV, event, rows=event.registrations.count())
    return _csv_response(registrations_csv(event.registrations.all()), f"{event.slug}-registrations.csv")


@_staff_page(VIEW_REGISTRATIONS, EXPORT_PERSONAL_DATA)
def registrations_excel_export(request, slug):
    event = get_object_or_404(Event, slug=slug)
    _record(request, AccessRecord.What.REGISTRATIONS_EXCEL, event, rows=event.registrations.count())
    return _csv_response(
        registrations_excel_csv(event.registrations.all()), f"{event.slug}-registrations-excel.csv"
    )


@_staff_page(VIEW_REGISTRATIONS, EXPORT_PERSONAL_DATA)
def registrations_xlsx_export(request, slug):
    event = get_object_or_404(Event, slug=slug)
    _record(request, AccessRecord.What.REGISTRATIONS_XLSX, event, rows=event.registrations.count())
    return _xlsx_response(registrations_xlsx(event.registrations.all()), f"{event.slug}-registrations.xlsx")


@_staff_page(VIEW_REGISTRATIONS, EXPORT_PERSONAL_DATA)
def season_export(request):
    """A form of two days; sent with a format (csv or xlsx), the registrations of the events between them.

    One row per registration with its event's title and date first, and a column per question
    (questions with the same English label share one).
    """
    form = season.SeasonExportForm(request.GET if "format" in request.GET else None)
    file_format = request.GET.get("format")
    if file_format in {"csv", "xlsx"} and form.is_valid():
        first, last = form.cleaned_data["first_day"], form.cleaned_data["last_day"]
        registrations = season.season_registrations(first_day=first, last_day=last)
        filename = f"registrations-{first.isoformat()}-{last.isoformat()}.{file_format}"
        if file_format == "csv":
            what, response = (
                AccessRecord.What.SEASON_CSV,
                _csv_response(registrations_csv(registrations, with_event=True), filename),
            )
        else:
            what, response = (
                AccessRecord.What.SEASON_XLSX,
                _xlsx_response(registrations_xlsx(registrations, with_event=True), filename),
            )
        _record(request, what, None, rows=registrations.count())
        return response
    return render(request, "registrations/staff/season.html", {"form": form})


@_staff_page(VIEW_REGISTRATIONS)
def participant_list(request, slug):
    event = get_object_or_404(Event, slug=slug)
    participants = list(reports.participants_for_print(event))
    _record(request, AccessRecord.What.PARTICIPANT_LIST, event, rows=len(participants))
    return render(
        request,
        "registrations/staff/participant_list.html",
        {"event": event, "participants": participants},
    )


@_staff_page(VIEW_REGISTRATIONS)
def badges(request, slug):
    event = get_object_or_404(Event, slug=slug)
    participants = list(reports.participants_for_print(event))
    _record(request, AccessRecord.What.BADGES, event, rows=len(participants))
    return render(
        request,
        "registrations/staff/badges.html",
        {
            "event": event,
            "participants": participants,
            "sheets": [
                participants[start : start + BADGES_PER_SHEET]
                for start in range(0, len(participants), BADGES_PER_SHEET)
            ],
        },
    )


@staff_permission_required(*PERSONAL_DATA)
@require_http_methods(["GET", "POST"])
def personal_data_export(request):
    """A form taking an email address; posted, a JSON file of everything held on it.

    POST, so the address stays out of URLs and server logs.
    """
    form = PersonalDataExportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # Who asked, never whose data: the address stays out of the logs and the record.
        logger.info("Personal data export by user %s", request.user.pk)
        audit.record_access(user=request.user, what=AccessRecord.What.PERSONAL_DATA)
        response = HttpResponse(
            personal_data.personal_data_json(form.cleaned_data["email"]),
            content_type="application/json; charset=utf-8",
        )
        response["Content-Disposition"] = 'attachment; filename="personal-data.json"'
    else:
        response = render(request, "registrations/staff/personal_data.html", {"form": form})
    patch_cache_control(response, private=True, no_store=True)
    return response
