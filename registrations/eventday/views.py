"""Staff-only pages for running an event: summaries, their CSV files, the participant list and badges.

Every view here requires a staff account: anonymous visitors are sent to log in, anyone
else gets the staff-only page (ewevents/staff_only.py).
Staff see every session, restricted ones included.
"""

import functools
import logging

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_GET, require_http_methods

from events.models import Event
from ewevents.staff_only import staff_member_required
from registrations.privacy import personal_data
from registrations.signup.forms import PersonalDataExportForm

from . import reports
from .exports import registrations_csv, registrations_excel_csv, table_csv

logger = logging.getLogger(__name__)

# A personal data export shows all of these: staff need to be allowed to view each.
PERSONAL_DATA_PERMISSIONS = (
    "auth.view_user",
    "registrations.view_registration",
    "registrations.view_invitation",
    "registrations.view_outboxemail",
)

# Badges per printed A4 sheet: two columns of four, see static/css/print-badges.css.
BADGES_PER_SHEET = 8


def _staff_page(view):
    """Staff only, GET only, and never kept in a shared cache: the pages hold personal data."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        patch_cache_control(response, private=True, no_store=True)
        return response

    return staff_member_required(require_GET(wrapped))


def _csv_response(text, filename):
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@_staff_page
def summary(request, slug):
    event = get_object_or_404(Event, slug=slug)
    return render(
        request,
        "registrations/staff/summary.html",
        {"event": event, "tables": reports.summary_tables(event)},
    )


@_staff_page
def summary_csv(request, slug, table):
    event = get_object_or_404(Event, slug=slug)
    summary = reports.SUMMARIES.get(table)
    if summary is None:
        raise Http404
    return _csv_response(table_csv(summary(event)), f"{event.slug}-{table}.csv")


@_staff_page
def registrations_export(request, slug):
    event = get_object_or_404(Event, slug=slug)
    return _csv_response(registrations_csv(event.registrations.all()), f"{event.slug}-registrations.csv")


@_staff_page
def registrations_excel_export(request, slug):
    event = get_object_or_404(Event, slug=slug)
    return _csv_response(
        registrations_excel_csv(event.registrations.all()), f"{event.slug}-registrations-excel.csv"
    )


@_staff_page
def participant_list(request, slug):
    event = get_object_or_404(Event, slug=slug)
    return render(
        request,
        "registrations/staff/participant_list.html",
        {"event": event, "participants": reports.participants_for_print(event)},
    )


@_staff_page
def badges(request, slug):
    event = get_object_or_404(Event, slug=slug)
    participants = list(reports.participants_for_print(event))
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


@staff_member_required
@require_http_methods(["GET", "POST"])
def personal_data_export(request):
    """A form taking an email address; posted, a JSON file of everything held on it.

    POST, so the address stays out of URLs and server logs.
    """
    if not request.user.has_perms(PERSONAL_DATA_PERMISSIONS):
        raise PermissionDenied
    form = PersonalDataExportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # Who asked, never whose data: the address stays out of the logs.
        logger.info("Personal data export by user %s", request.user.pk)
        response = HttpResponse(
            personal_data.personal_data_json(form.cleaned_data["email"]),
            content_type="application/json; charset=utf-8",
        )
        response["Content-Disposition"] = 'attachment; filename="personal-data.json"'
    else:
        response = render(request, "registrations/staff/personal_data.html", {"form": form})
    patch_cache_control(response, private=True, no_store=True)
    return response
