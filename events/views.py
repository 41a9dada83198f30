"""Public pages of events, programmes, speakers and webinar series. Thin: reads come from selectors.

Each page is cached whole for visitors without a session and built from cached parts for
everyone else (events.page_cache); `whole_page` names, from the URL, the scopes it is built from.
"""

from django.contrib.auth.models import AnonymousUser
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.utils.text import Truncator, slugify
from django.views.decorators.http import require_GET

from ewevents.site import absolute_url

from . import page_cache, selectors
from .additions import additions_for, reads_for, series_additions_for
from .calendar import event_calendar, series_calendar, session_calendar
from .models import WebinarSeries
from .page_cache import LISTINGS, event_scope, places_scope, series_scope, whole_page
from .templatetags.page_meta import event_json_ld
from .times import zoned_ranges
from .translation import in_active_language

PAST_WEBINARS_PER_PAGE = 20


def _listings():
    return [LISTINGS]


def _event(slug, **_session):
    return [event_scope(slug)]


def _event_with_places(slug):
    return [event_scope(slug), places_scope(slug)]


def _series(slug):
    return [series_scope(slug)]


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
@whole_page(_listings)
def home(request):
    def upcoming():
        events = list(selectors.upcoming_events_for(request.user))
        context = {
            "conferences": [event for event in events if not event.is_online],
            "webinars": [event for event in events if event.is_online],
            "series_list": list(WebinarSeries.objects.order_by(in_active_language("title"))),
        }
        return page_cache.render_part(request, "events/includes/upcoming_events.html", context)

    part = page_cache.cached_part(request, "upcoming", [LISTINGS], upcoming)
    return page_cache.render_page(request, "events/home.html", {"upcoming": part})


@require_GET
@whole_page(_listings)
def past_events(request):
    def past():
        events = list(selectors.past_events_for(request.user))
        next_to_end = selectors.next_event_to_end(request.user)  # it joins the list when it ends
        context = {"events": events}
        return page_cache.render_part(
            request, "events/includes/past_event_list.html", context, built_from=next_to_end
        )

    part = page_cache.cached_part(request, "past", [LISTINGS], past)
    return page_cache.render_page(request, "events/past_events.html", {"past_events": part})


@require_GET
@whole_page(_event_with_places)
def event_detail(request, slug):
    own = page_cache.Reads(
        scopes=(event_scope(slug),),
        keys=(page_cache.object_key(selectors.event_object_name(slug)),),
        parts=(f"event:{slug}",),
    )
    with page_cache.reading(request, [own, *reads_for(request, slug)]):
        event = _event_or_404(slug, request.user)
        additions = additions_for(request, event)
        offer_url = next((addition.offer_url for addition in additions if addition.offer_url), "")
        context = {
            "event": event,
            # All of the page but the additions, which may be this visitor's own.
            "page": page_cache.cached_part(
                request, f"event:{slug}", [event_scope(slug)], lambda: _event_page(request, event, offer_url)
            ),
            "additions": [addition.render() for addition in additions],
        }
    built_from = [(addition.context, addition.html) for addition in additions]
    return page_cache.render_page(request, "events/event_detail.html", context, built_from=built_from)


def _event_page(request, event, offer_url):
    """The cached part of an event page: header, programme and schema.org data, for a kind of viewer."""
    zoned_times = zoned_ranges(event.start, event.end, [event.time_zone, *event.secondary_time_zones])
    sessions = selectors.programme_for(event, request.user, with_materials=True)
    days = selectors.programme_days(event, sessions)
    # Topics are a webinar's; a conference page keeps its query count.
    topics = list(event.topics.all()) if event.is_online else []
    context = {"event": event, "days": days, "zoned_times": zoned_times, "topics": topics}
    if event.is_past:  # what is left of it: the recordings and materials, gathered above the programme
        context["sessions_with_materials"] = selectors.with_materials(days)
    return {
        "header": page_cache.render_part(request, "events/includes/event_header.html", context),
        "body": page_cache.render_part(request, "events/includes/event_body.html", context),
        "structured_data": event_json_ld(event, days, offer_url),
        # Plain text for the <head>, escaped there; truncating costs as much as a cache round trip.
        "meta_description": Truncator(event.summary or event.title).chars(160),
        "og_description": Truncator(event.summary or event.subtitle).chars(200),
    }


@require_GET
@whole_page(_event)
def programme_print(request, slug):
    event = _event_or_404(slug, request.user)

    def programme():
        sessions = selectors.programme_for(event, request.user)
        context = {"event": event, "days": selectors.programme_days(event, sessions)}
        return page_cache.render_part(request, "events/includes/programme.html", context)

    context = {
        "event": event,
        "programme": page_cache.cached_part(request, f"print:{slug}", [event_scope(slug)], programme),
    }
    return page_cache.render_page(request, "events/programme_print.html", context)


@require_GET
@whole_page(_event)
def session_detail(request, slug, pk):
    event = _event_or_404(slug, request.user)
    session = selectors.session_for(event, pk, request.user, with_speakers=False)
    if session is None:
        raise Http404

    def details():
        selectors.add_speakers(session, request.user)
        selectors.add_materials([session])
        return page_cache.render_part(request, "events/includes/session_details.html", {"session": session})

    context = {
        "event": event,
        "session": session,
        "session_details": page_cache.cached_part(request, f"session:{pk}", [event_scope(slug)], details),
    }
    return page_cache.render_page(request, "events/session_detail.html", context)


# Not a cached page: a file, for whoever may see the session in full, and only for them.
@require_GET
def session_material(request, slug, pk, material):
    event = _event_or_404(slug, request.user)
    session = selectors.session_for(event, pk, request.user, with_speakers=False)
    found = selectors.material_file_for(session, material)
    if found is None:
        raise Http404  # the same answer whether it exists or may not be seen: nothing leaks
    try:
        file = found.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(file, as_attachment=True, filename=_download_name(found))
    # The visitor's own browser may keep it; no shared cache may, as it is not for everyone.
    response["Cache-Control"] = "private, max-age=3600"
    return response


def _download_name(material):
    """'opening-panel-slides.pdf': the material's title, in letters no browser or disk mistakes."""
    return f"{slugify(material.title)[:80] or 'material'}.{material.extension.lower() or 'bin'}"


@require_GET
@whole_page(_event)
def speakers(request, slug):
    event = _event_or_404(slug, request.user)

    def speaker_list():
        speakers = list(selectors.speakers_for(event, request.user))
        context = {"event": event, "speakers": speakers}
        return page_cache.render_part(request, "events/includes/speaker_list.html", context)

    context = {
        "event": event,
        "speaker_list": page_cache.cached_part(
            request, f"speakers:{slug}", [event_scope(slug)], speaker_list
        ),
    }
    return page_cache.render_page(request, "events/speakers.html", context)


@require_GET
@whole_page(_series)
def series_detail(request, slug):
    series = selectors.series_for(slug)
    if series is None:
        raise Http404
    if request.GET:
        # Searches, topics and later pages are built afresh: only the plain page is cached.
        part = _series_webinars(request, series)
    else:
        part = page_cache.cached_part(
            request, f"series:{slug}", [series_scope(slug)], lambda: _series_webinars(request, series)
        )
    additions = [addition.render() for addition in series_additions_for(request, series)]
    context = {"series": series, "webinars": part, "additions": additions}
    return page_cache.render_page(request, "events/series_detail.html", context)


def _series_webinars(request, series):
    """The series page's webinar lists, filtered and paged as the query string asks."""
    page = selectors.series_page_for(
        series, request.user, topic_slug=request.GET.get("topic", ""), query=request.GET.get("q", "")
    )
    # Past webinars pile up over the years: a page of them at a time keeps the page light.
    past = Paginator(page.past, PAST_WEBINARS_PER_PAGE).get_page(request.GET.get("page"))
    context = {"series": series, "page": page, "upcoming": page.upcoming, "past": past}
    # With the request: pagination links keep the query string, which is empty when cached.
    return page_cache.render_part(request, "events/includes/series_webinars.html", context, with_request=True)


@require_GET
@whole_page(_series)
def series_feed(request, slug):
    series = selectors.series_for(slug)
    if series is None:
        raise Http404
    webinars = selectors.series_feed_webinars(series, _feed_reader())
    return _feed_response(series_calendar(series, webinars, build_url=absolute_url))


@require_GET
@whole_page(_event)
def event_feed(request, slug):
    reader = _feed_reader()
    event = _event_or_404(slug, reader)
    sessions = selectors.programme_for(event, reader)
    return _feed_response(event_calendar(event, sessions, build_url=absolute_url, feed=True))


@require_GET
@whole_page(_event)
def event_ics(request, slug):
    event = _event_or_404(slug, request.user)

    def calendar():
        sessions = selectors.programme_for(event, request.user)
        return event_calendar(event, sessions, build_url=absolute_url)

    content = page_cache.cached_part(request, f"ics:{slug}", [event_scope(slug)], calendar)
    return _ics_response(content, event.slug)


@require_GET
@whole_page(_event)
def session_ics(request, slug, pk):
    event, session = _session_or_404(slug, pk, request.user)

    def calendar():
        return session_calendar(session, build_url=absolute_url)

    content = page_cache.cached_part(request, f"session-ics:{pk}", [event_scope(slug)], calendar)
    return _ics_response(content, f"{event.slug}-{slugify(session.title)[:50]}")
