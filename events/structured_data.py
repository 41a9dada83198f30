"""schema.org Event data (JSON-LD) for search engines: what an anonymous visitor may see, nothing more.

Built from what the event page already loaded, so it costs no query. A draft gets none; the
join link never appears (an online event's location is its public page); sessions appear only
when the visibility rule shows them in full to the public.
"""

import json

from django.contrib.auth.models import AnonymousUser
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.html import strip_tags
from django.utils.safestring import mark_safe

from .access import event_visible, session_details_visible
from .models import Event, EventPartner

ORGANISER = {"@type": "Organization", "name": "Electronics Watch", "url": "https://electronicswatch.org/"}

ATTENDANCE_MODES = {
    Event.Kind.CONFERENCE: "https://schema.org/OfflineEventAttendanceMode",
    Event.Kind.WEBINAR: "https://schema.org/OnlineEventAttendanceMode",
    Event.Kind.HYBRID: "https://schema.org/MixedEventAttendanceMode",
}

# What json_script escapes, so the data can't end its <script> element or open a comment.
_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def _place(venue):
    address = {"@type": "PostalAddress", "addressLocality": venue.city, "addressCountry": venue.country}
    if venue.address:
        address["streetAddress"] = " ".join(venue.address.split())
    return {"@type": "Place", "name": venue.name, "address": address}


def _locations(event, page_url):
    # The public page, never the join link: that is for registrants only.
    virtual = {"@type": "VirtualLocation", "url": page_url}
    if event.kind == Event.Kind.WEBINAR or event.venue is None:
        return virtual
    if event.kind == Event.Kind.HYBRID:
        return [_place(event.venue), virtual]
    return _place(event.venue)


def _organisers(event):
    hosts = []
    for partner in event.partners.all():
        if partner.role == EventPartner.Role.HOST:
            host = {"@type": "Organization", "name": partner.name}
            if partner.website:
                host["url"] = partner.website
            hosts.append(host)
    return hosts or ORGANISER


def event_data(event, sessions, *, build_url, offer_url=""):
    """Return the schema.org Event of `event` as a dict, or None when the public may not see it.

    `sessions` are the ones the page lists; only those the public sees in full are named.
    `build_url` turns a path into an absolute URL. `offer_url` is the path where people sign
    up, which the registrations app gives the event page (events.additions).
    """
    public = AnonymousUser()
    if not event_visible(event, public):
        return None
    tz = event.tz
    page_url = build_url(event.get_absolute_url())
    data = {
        "@context": "https://schema.org",
        "@type": "Event",
        "name": event.title,
        "description": strip_tags(event.summary or event.description or event.subtitle).strip(),
        "startDate": event.start.astimezone(tz).isoformat(),
        "endDate": event.end.astimezone(tz).isoformat(),
        "eventStatus": "https://schema.org/EventScheduled",
        "eventAttendanceMode": ATTENDANCE_MODES[event.kind],
        "location": _locations(event, page_url),
        "organizer": _organisers(event),
        "isAccessibleForFree": True,
        "offers": {"@type": "Offer", "price": 0, "priceCurrency": "EUR"},
        "inLanguage": event.language,
        "url": page_url,
    }
    if offer_url:
        data["offers"]["url"] = build_url(offer_url)
    sub_events = [
        {
            "@type": "Event",
            "name": session.title,
            "startDate": session.start.astimezone(tz).isoformat(),
            "endDate": session.end.astimezone(tz).isoformat(),
            "url": build_url(session.get_absolute_url()),
        }
        for session in sessions
        if session.is_attendable and session_details_visible(session, public)
    ]
    if sub_events:
        data["subEvent"] = sub_events
    return data


def json_ld_script(data):
    """Return `data` as a <script type="application/ld+json"> element, escaped like json_script.

    A data block, not a script: browsers never run it, so the Content-Security-Policy doesn't apply.
    """
    text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False).translate(_SCRIPT_ESCAPES)
    return mark_safe(f'<script type="application/ld+json">{text}</script>')  # noqa: S308 (escaped above)
