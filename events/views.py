"""Public pages of events, programmes, speakers and webinar series. Thin: reads come from selectors."""

from django.contrib.auth.models import AnonymousUser
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.text import slugify
from django.views.decorators.http import require_GET

from . import selectors
from .calendar import event_calendar, series_calendar, session_calendar
from .models import WebinarSeries
from .times import zoned_ranges
from .translation import in_active_language

PAST_WEBINARS_PER_PAGE = 20


def _event_or_404(slug, user):
    event = selectors.event_for(slug, user)
    if event is None:
        raise Http404
    return event


def _session_or_404(slug, pk, user):
    event = _event_or_404(slug, user)
    session = selectors.session_for(event, pk, user)
    if session is None:
        raise Http404
    return event, session


def _ics_response(content, filename):
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.ics"'
    return response


def _feed_response(content):
    # Inline, not an attachment: calendar apps subscribe to this address.
    return HttpResponse(content, content_type="text/calendar; charset=utf-8")


def _feed_reader():
    """Public feeds are read by calendar apps, which are anonymous, whoever asks for them."""
    return AnonymousUser()


@require_GET
def home(request):
    events = list(selectors.upcoming_events_for(request.user))
    return render(
        request,
        "events/home.html",
        {
            "conferences": [event for event in events if not event.is_online],
            "webinars": [event for event in events if event.is_online],
            "series_list": WebinarSeries.objects.order_by(in_active_language("title")),
        },
    )


@require_GET
def past_events(request):
    return render(request, "events/past_events.html", {"events": selectors.past_events_for(request.user)})


@require_GET
def event_detail(request, slug):
    event = _event_or_404(slug, request.user)
    sessions = selectors.programme_for(event, request.user)
    context = {
        "event": event,
        "days": selectors.programme_days(event, sessions),
        "zoned_times": zoned_ranges(event.start, event.end, [event.time_zone, *event.secondary_time_zones]),
        # Topics are a webinar's; a conference page keeps its query count.
        "topics": list(event.topics.all()) if event.is_online else [],
    }
    return render(request, "events/event_detail.html", context)


@require_GET
def programme_print(request, slug):
    event = _event_or_404(slug, request.user)
    sessions = selectors.programme_for(event, request.user)
    context = {"event": event, "days": selectors.programme_days(event, sessions)}
    return render(request, "events/programme_print.html", context)


@require_GET
def session_detail(request, slug, pk):
    event, session = _session_or_404(slug, pk, request.user)
    return render(request, "events/session_detail.html", {"event": event, "session": session})


@require_GET
def speakers(request, slug):
    event = _event_or_404(slug, request.user)
    context = {"event": event, "speakers": selectors.speakers_for(event, request.user)}
    return render(request, "events/speakers.html", context)


@require_GET
def series_detail(request, slug):
    series = get_object_or_404(WebinarSeries, slug=slug)
    page = selectors.series_page_for(
        series, request.user, topic_slug=request.GET.get("topic", ""), query=request.GET.get("q", "")
    )
    # Past webinars pile up over the years: a page of them at a time keeps the page light.
    past = Paginator(page.past, PAST_WEBINARS_PER_PAGE).get_page(request.GET.get("page"))
    context = {"series": series, "page": page, "upcoming": page.upcoming, "past": past}
    return render(request, "events/series_detail.html", context)


@require_GET
def series_feed(request, slug):
    series = get_object_or_404(WebinarSeries, slug=slug)
    webinars = selectors.series_feed_webinars(series, _feed_reader())
    return _feed_response(series_calendar(series, webinars, build_url=request.build_absolute_uri))


@require_GET
def event_feed(request, slug):
    reader = _feed_reader()
    event = _event_or_404(slug, reader)
    sessions = selectors.programme_for(event, reader)
    return _feed_response(event_calendar(event, sessions, build_url=request.build_absolute_uri, feed=True))


@require_GET
def event_ics(request, slug):
    event = _event_or_404(slug, request.user)
    sessions = selectors.programme_for(event, request.user)
    content = event_calendar(event, sessions, build_url=request.build_absolute_uri)
    return _ics_response(content, event.slug)


@require_GET
def session_ics(request, slug, pk):
    event, session = _session_or_404(slug, pk, request.user)
    content = session_calendar(session, build_url=request.build_absolute_uri)
    return _ics_response(content, f"{event.slug}-{slugify(session.title)[:50]}")
