"""Registrations as CSV for staff, safe to open in a spreadsheet."""

import csv
import io

from django.db.models import Prefetch
from django.utils.translation import gettext as _

from events.models import Session

# A spreadsheet runs a cell starting with one of these as a formula (OWASP "CSV injection").
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value):
    text = str(value)
    return f"'{text}" if text.startswith(_FORMULA_STARTS) else text


def registrations_csv(queryset):
    """Return the registrations in `queryset` as CSV text: a header row, then one row each.

    Every cell that a spreadsheet would read as a formula is prefixed with a single quote.
    """
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
    output = io.StringIO()
    writer = csv.writer(output)
    writer.writerow(header)
    for registration in registrations:
        row = [
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
        writer.writerow([_cell(value) for value in row])
    return output.getvalue()
