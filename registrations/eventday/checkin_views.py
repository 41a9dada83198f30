"""The staff check-in page at the door. Every view is staff-only; writes go through eventday.checkin.

Every view needs the check-in permission (permissions.CHECK_IN), staff status alone is not enough.
The page checks in for one day of the event: the day staff chose (`?day=YYYY-MM-DD`,
carried by its forms), else the current day at the moment each form is posted, so a
phone left open overnight checks in for the new day.
"""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from events.models import Event
from ewevents.staff_only import staff_permission_required
from registrations.models import Registration
from registrations.privacy import audit

from . import checkin
from .permissions import CHECK_IN

# More matches than this and the page asks for a narrower search: a phone lists a few people well.
RESULTS_SHOWN = 50


CHECKED_IN = gettext_lazy("Checked in on the check-in page.")


def _log(request, registration, message):
    """Write the admin history entry for a change made on this page (see registrations.privacy.audit)."""
    audit.log_changes(user=request.user, objects=[registration], message=message)


def _event(slug):
    # Staff check in at any event, published or not.
    return get_object_or_404(Event, slug=slug)


def _back_to_page(request, event):
    """Redirect to the check-in page, keeping the search and the chosen day the form was posted from."""
    url = reverse("registrations:checkin", kwargs={"slug": event.slug})
    params = {key: request.POST.get(key, "").strip() for key in ("day", "q")}
    if checkin.chosen_day(event, params["day"]) is None:
        params["day"] = ""  # Already refused with a message; the page shows the current day.
    params = {key: value for key, value in params.items() if value}
    return redirect(f"{url}?{urlencode(params)}" if params else url)


def _posted_day(request, event):
    """The day a form was posted for, or None after telling staff it is not a day of the event."""
    day = checkin.chosen_day(event, request.POST.get("day", ""))
    if day is None:
        messages.error(request, _("Choose one of the event's days."))
    return day


def _names_days(event):
    # A one-day event needs no day named; on a longer one, staff must see which day it was.
    return len(checkin.event_days(event)) > 1


def _page_context(event, query, day_value, day):
    results = list(checkin.checkin_search(event, query, day)[: RESULTS_SHOWN + 1])
    counts = checkin.checkin_counts(event)
    return {
        "event": event,
        "query": query,
        "day": day,
        "day_value": day_value,
        "day_label": checkin.day_label(day),
        "is_today": day == checkin.today_at(event),
        "days": counts.days if len(counts.days) > 1 else [],
        "results": results[:RESULTS_SHOWN],
        "more_results": len(results) > RESULTS_SHOWN,
        "counts": {"checked_in": counts.checked_in_on(day), "confirmed": counts.confirmed},
    }


@staff_permission_required(CHECK_IN)
@never_cache
@require_GET
def checkin_page(request, slug):
    event = _event(slug)
    query = request.GET.get("q", "").strip()
    day_value = request.GET.get("day", "").strip()
    day = checkin.chosen_day(event, day_value)
    if day is None:
        messages.error(request, _("Choose one of the event's days."))
        day_value, day = "", checkin.current_day(event)
    context = _page_context(event, query, day_value, day)
    return render(request, "registrations/staff/checkin.html", context)


def _check_in(request, event, registration, day):
    """Check `registration` in on `day` and tell staff how it went (see checkin.check_in)."""
    try:
        result = checkin.check_in(registration=registration, by=request.user, day=day)
    except checkin.CheckInRefused as refusal:
        messages.error(request, str(refusal))
        return
    name, label = registration.name, checkin.day_label(day)
    if not result.created:
        time = timezone.localtime(result.check_in.checked_in_at, event.tz).strftime("%H:%M")
        if day == checkin.today_at(event):
            message = _("%(name)s was already checked in today at %(time)s.")
        else:
            message = _("%(name)s was already checked in on %(day)s at %(time)s.")
        messages.warning(request, message % {"name": name, "day": label, "time": time})
        return
    if _names_days(event):
        _log(request, registration, _checked_in_on(day))
        messages.success(request, _("%(name)s is checked in for %(day)s.") % {"name": name, "day": label})
    else:
        _log(request, registration, CHECKED_IN)
        messages.success(request, _("%(name)s is checked in.") % {"name": name})


def _checked_in_on(day):
    return gettext_lazy("Checked in on the check-in page for %(day)s.") % {"day": day.isoformat()}


@staff_permission_required(CHECK_IN)
@require_POST
def mark_present(request, slug, pk):
    event = _event(slug)
    registration = get_object_or_404(Registration, pk=pk, event=event)
    day = _posted_day(request, event)
    if day is not None:
        _check_in(request, event, registration, day)
    return _back_to_page(request, event)


@staff_permission_required(CHECK_IN)
@require_POST
def undo_present(request, slug, pk):
    event = _event(slug)
    registration = get_object_or_404(Registration, pk=pk, event=event)
    day = _posted_day(request, event)
    if day is None:
        return _back_to_page(request, event)
    values = {"name": registration.name, "day": checkin.day_label(day)}
    if not checkin.undo_check_in(registration=registration, day=day):
        messages.info(request, _("%(name)s was not checked in for %(day)s.") % values)
    elif _names_days(event):
        _log(request, registration, _undone_on(day))
        messages.info(request, _("%(name)s is no longer checked in for %(day)s.") % values)
    else:
        _log(request, registration, gettext_lazy("Check-in undone on the check-in page."))
        messages.info(request, _("%(name)s is no longer checked in.") % values)
    return _back_to_page(request, event)


def _undone_on(day):
    return gettext_lazy("Check-in for %(day)s undone on the check-in page.") % {"day": day.isoformat()}


@staff_permission_required(CHECK_IN)
@require_POST
def check_in_by_code(request, slug):
    event = _event(slug)
    day = _posted_day(request, event)
    if day is None:
        return _back_to_page(request, event)
    registration, error = checkin.registration_for_code(event, request.POST.get("code", ""))
    if registration is None:
        messages.error(request, error)
    else:
        _check_in(request, event, registration, day)
    return _back_to_page(request, event)
