"""The staff check-in page at the door. Every view is staff-only; writes go through eventday.checkin."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from events.models import Event
from ewevents.staff_only import staff_member_required
from registrations.models import Registration
from registrations.privacy import audit

from . import checkin

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
    """Redirect to the check-in page, keeping the search the form was posted from."""
    url = reverse("registrations:checkin", kwargs={"slug": event.slug})
    query = request.POST.get("q", "").strip()
    return redirect(f"{url}?{urlencode({'q': query})}" if query else url)


@staff_member_required
@never_cache
@require_GET
def checkin_page(request, slug):
    event = _event(slug)
    query = request.GET.get("q", "").strip()
    results = list(checkin.checkin_search(event, query)[: RESULTS_SHOWN + 1])
    return render(
        request,
        "registrations/staff/checkin.html",
        {
            "event": event,
            "query": query,
            "results": results[:RESULTS_SHOWN],
            "more_results": len(results) > RESULTS_SHOWN,
            "counts": checkin.checkin_counts(event),
        },
    )


@staff_member_required
@require_POST
def mark_present(request, slug, pk):
    event = _event(slug)
    registration = get_object_or_404(Registration, pk=pk, event=event)
    already = registration.attended_at is not None
    try:
        checkin.check_in(registration=registration, by=request.user)
    except checkin.CheckInRefused as refusal:
        messages.error(request, str(refusal))
    else:
        if not already:
            _log(request, registration, CHECKED_IN)
        messages.success(request, _("%(name)s is checked in.") % {"name": registration.name})
    return _back_to_page(request, event)


@staff_member_required
@require_POST
def undo_present(request, slug, pk):
    event = _event(slug)
    registration = get_object_or_404(Registration, pk=pk, event=event)
    checkin.undo_check_in(registration=registration)
    _log(request, registration, gettext_lazy("Check-in undone on the check-in page."))
    messages.info(request, _("%(name)s is no longer checked in.") % {"name": registration.name})
    return _back_to_page(request, event)


@staff_member_required
@require_POST
def check_in_by_code(request, slug):
    event = _event(slug)
    registration, error = checkin.registration_for_code(event, request.POST.get("code", ""))
    if registration is None:
        messages.error(request, error)
        return _back_to_page(request, event)
    already = registration.attended_at is not None
    try:
        checkin.check_in(registration=registration, by=request.user)
    except checkin.CheckInRefused as refusal:
        messages.error(request, str(refusal))
    else:
        if already:
            messages.warning(request, _("%(name)s was already checked in.") % {"name": registration.name})
        else:
            _log(request, registration, CHECKED_IN)
            messages.success(request, _("%(name)s is checked in.") % {"name": registration.name})
    return _back_to_page(request, event)
