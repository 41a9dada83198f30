"""The event dashboard page: registrations over time, places per session, what waits for staff,
check-ins, mailings and needs, each number linking to the list behind it."""

from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from events.models import Event
from ewevents.staff_only import staff_permission_required
from registrations.models import AccessRecord, Registration, RegistrationSettings
from registrations.privacy import audit

from .. import checkin
from ..permissions import VIEW_REGISTRATIONS
from . import charts, selectors


def _registrations_url(event, status):
    """The admin's list of `event`'s registrations in `status`."""
    query = urlencode({"event__id__exact": event.pk, "status__exact": status})
    return f"{reverse('admin:registrations_registration_changelist')}?{query}"


def _statuses(event, over_time):
    """{status: {"count": registrations in it now, "url": the admin's list of them}}."""
    return {
        status: {"count": over_time.count_of(status), "url": _registrations_url(event, status)}
        for status in Registration.Status.values
    }


@staff_permission_required(VIEW_REGISTRATIONS)
@require_GET
def dashboard(request, slug):
    event = get_object_or_404(Event, slug=slug)
    # Counts and needs, no one's row: recorded like the summary, which shows the same.
    audit.record_access(user=request.user, what=AccessRecord.What.SUMMARY, event=event)
    over_time = selectors.registrations_over_time(event)
    context = {
        "event": event,
        "registration_settings": RegistrationSettings.objects.filter(event=event).first(),
        "over_time": over_time,
        "chart": charts.registrations_chart(over_time),
        "sessions": [(fill, charts.fill_bar(fill)) for fill in selectors.session_fill(event)],
        "statuses": _statuses(event, over_time),
        "checkins": checkin.checkin_counts(event),
        "mailings": selectors.mailing_states(event),
        "needs": selectors.needs_at_a_glance(event),
    }
    response = render(request, "registrations/staff/dashboard.html", context)
    patch_cache_control(response, private=True, no_store=True)
    return response
