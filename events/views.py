"""Public pages of events, programmes, speakers and webinar series. Thin: reads come from selectors."""

from django.contrib.auth.models import AnonymousUser
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_GET

from . import page_cache, selectors
from .calendar import event_calendar, series_calendar, session_calendar
from .models import Event, WebinarSeries
from .signals import event_page_context
from .templatetags.page_meta import event_json_ld
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


def _render_part(template_name, request, context):
    """Render a part for page_cache: never with the request, so nothing of this visitor's gets in.

    What the part may know of the visitor is what their kind of viewer shares: whether
    they are logged in (for "Log in to see the details") and the page's path.
    """
    kind = page_cache.viewer_kind(request.user)
    return render_to_string(
        template_name, {**context, "signed_in": kind != "anonymous", "page_path": request.path}
    )


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
@page_cache.shared_page
def home(request):
    events = list(selectors.upcoming_events_for(request.user))
    if events:
        page_cache.changes_at(request, min(event.end for event in events))  # it leaves the list
    return render(
        request,
        "events/home.html",
        {
            "conferences": [event for event in events if not event.is_online],
            "webinars": [event for event in events if event.is_online],
            "series_list": list(WebinarSeries.objects.order_by(in_active_language("title"))),
        },
    )


@require_GET
@page_cache.shared_page
def past_events(request):
    events = list(selectors.past_events_for(request.user))
    page_cache.changes_at(request, selectors.next_event_end(request.user))  # it joins the list
    return render(request, "events/past_events.html", {"events": events})


@require_GET
@page_cache.shared_page
def event_detail(request, slug):
    event = _event_or_404(slug, request.user)
    page_cache.changes_at(request, event.end)  # then it is past: no registration box, the recording
    zoned_times = zoned_ranges(event.start, event.end, [event.time_zone, *event.secondary_time_zones])

    def programme():
        sessions = selectors.programme_for(event, request.user)
        days = selectors.programme_days(event, sessions)
        context = {"event": event, "days": days, "zoned_times": zoned_times}
        return {
            "section": _render_part("events/includes/programme_section.html", request, context),
            "structured_data": event_json_ld(event, days),
        }

    context = {
        "event": event,
        "programme": page_cache.cached_part("event", event.pk, request.user, programme),
        "zoned_times": zoned_times,
        # Topics are a webinar's; a conference page keeps its query count.
        "topics": list(event.topics.all()) if event.is_online else [],
    }
    for _receiver, extra in event_page_context.send(sender=Event, request=request, event=event):
        context.update(extra)
    return render(request, "events/event_detail.html", context)


@require_GET
@page_cache.shared_page
def programme_print(request, slug):
    event = _event_or_404(slug, request.user)

    def programme():
        sessions = selectors.programme_for(event, request.user)
        context = {"event": event, "days": selectors.programme_days(event, sessions)}
        return _render_part("events/includes/programme.html", request, context)

    context = {
        "event": event,
        "programme": page_cache.cached_part("print", event.pk, request.user, programme),
    }
    return render(request, "events/programme_print.html", context)


@require_GET
@page_cache.shared_page
def session_detail(request, slug, pk):
    event = _event_or_404(slug, request.user)
    session = selectors.session_for(event, pk, request.user, with_speakers=False)
    if session is None:
        raise Http404

    def details():
        selectors.add_speakers(session, request.user)
        return _render_part("events/includes/session_details.html", request, {"session": session})

    context = {
        "event": event,
        "session": session,
        "session_details": page_cache.cached_part("session", session.pk, request.user, details),
    }
    return render(request, "events/session_detail.html", context)


@require_GET
@page_cache.shared_page
def speakers(request, slug):
    event = _event_or_404(slug, request.user)

    def speaker_list():
        speakers = list(selectors.speakers_for(event, request.user))
        return _render_part(
            "events/includes/speaker_list.html", request, {"event": event, "speakers": speakers}
        )

    context = {
        "event": event,
        "speaker_list": page_cache.cached_part("speakers", event.pk, request.user, speaker_list),
    }
    return render(request, "events/speakers.html", context)


@require_GET
@page_cache.shared_page
def series_detail(request, slug):
    series = get_object_or_404(WebinarSeries, slug=slug)
    now = timezone.now()

    def webinars():
        page = selectors.series_page_for(
            series,
            request.user,
            topic_slug=request.GET.get("topic", ""),
            query=request.GET.get("q", ""),
            now=now,
        )
        # Past webinars pile up over the years: a page of them at a time keeps the page light.
        past = Paginator(page.past, PAST_WEBINARS_PER_PAGE).get_page(request.GET.get("page"))
        context = {"series": series, "page": page, "upcoming": page.upcoming, "past": past}
        # With the request: pagination links keep the query string, which is empty when cached.
        html = render_to_string("events/includes/series_webinars.html", context, request=request)
        # When the next webinar ends, it moves from the upcoming webinars to the past ones.
        return {"html": html, "turns_at": min((webinar.end for webinar in page.upcoming), default=None)}

    def until_it_turns(part):
        return (part["turns_at"] - now).total_seconds() if part["turns_at"] else page_cache.PART_SECONDS

    if request.GET:
        # Searches, topics and later pages are built afresh: only the plain page is cached.
        part = webinars()
    else:
        part = page_cache.cached_part("series", series.pk, request.user, webinars, seconds=until_it_turns)
    page_cache.changes_at(request, part["turns_at"])
    html = part["html"]
    return render(request, "events/series_detail.html", {"series": series, "webinars": html})


@require_GET
@page_cache.shared_page
def series_feed(request, slug):
    series = get_object_or_404(WebinarSeries, slug=slug)
    webinars = selectors.series_feed_webinars(series, _feed_reader())
    return _feed_response(series_calendar(series, webinars, build_url=request.build_absolute_uri))


@require_GET
@page_cache.shared_page
def event_feed(request, slug):
    reader = _feed_reader()
    event = _event_or_404(slug, reader)
    sessions = selectors.programme_for(event, reader)
    return _feed_response(event_calendar(event, sessions, build_url=request.build_absolute_uri, feed=True))


@require_GET
@page_cache.shared_page
def event_ics(request, slug):
    event = _event_or_404(slug, request.user)
    sessions = selectors.programme_for(event, request.user)
    content = event_calendar(event, sessions, build_url=request.build_absolute_uri)
    return _ics_response(content, event.slug)


@require_GET
@page_cache.shared_page
def session_ics(request, slug, pk):
    event, session = _session_or_404(slug, pk, request.user)
    content = session_calendar(session, build_url=request.build_absolute_uri)
    return _ics_response(content, f"{event.slug}-{slugify(session.title)[:50]}")
