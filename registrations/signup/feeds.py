"""Personal calendar feeds: one secret URL per user, holding what they registered for.

The feed is read by calendar apps, which carry no login: the token in the URL stands
for the user. What it holds follows the visibility rule for that user (events.access)
and the join-link rule (Registration.join_url).
"""

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Prefetch
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from events.access import affiliation_keys, affiliation_scopes, viewer_of
from events.calendar import entries_calendar, event_entry, session_entry
from events.models import Event, Session, SessionSpeaker
from events.page_cache import event_scope
from ewevents import versions
from registrations.models import CalendarFeedToken, Registration, new_manage_token
from registrations.scopes import address_scope, registrant_scope

from . import selectors

# Raise by one whenever what a personal feed holds or how it is written changes (this module,
# events.calendar's entries): every feed's ETag changes with it, so calendar apps that poll
# with If-None-Match get the new format instead of a 304 for the old one.
FEED_FORMAT = 1
# How long an ETag is kept for kept_feed_etag (its versions make it stale sooner).
FEED_ETAG_SECONDS = 10 * 60


def calendar_feed_for(user):
    """Return `user`'s CalendarFeedToken, creating it the first time it is asked for.

    Side effects: may insert a CalendarFeedToken row.
    """
    feed, _created = CalendarFeedToken.objects.get_or_create(user=user)
    return feed


@transaction.atomic
def reset_calendar_feed(*, user):
    """Give `user`'s personal feed a new secret; the old URL stops working at once.

    Side effects: creates or updates the user's CalendarFeedToken row.
    """
    feed, created = CalendarFeedToken.objects.select_for_update().get_or_create(user=user)
    if not created:
        feed.token = new_manage_token()
        feed.save(update_fields=["token"])
        # The old token's kept ETag goes stale: its polls are answered 404, not 304.
        versions.bump([registrant_scope(user.pk)])
    return feed


def feed_url(feed):
    """The absolute URL of the personal feed `feed`."""
    return settings.SITE_URL + reverse("registrations:personal_feed", kwargs={"token": feed.token})


def webcal_url(url):
    """`url` with the webcal scheme, which makes calendar apps offer to subscribe."""
    return "webcal://" + url.split("://", 1)[-1]


def feed_owner(token):
    """Return the active user whose personal feed has `token`, or None."""
    if not token:
        return None
    feed = CalendarFeedToken.objects.select_related("user").filter(token=token, user__is_active=True).first()
    return feed.user if feed else None


def _etag_key(token):
    # A digest of the token, which is the feed's only credential: the cache's keys never hold it.
    digest = hashlib.sha256(token.encode()).hexdigest()
    return f"registrations:feed-etag:{FEED_FORMAT}:{get_language()}:{digest}"


def kept_feed_etag(token):
    """Return the ETag `feed_etag` kept for the feed with `token`, if nothing it was built from changed.

    No query, two cache round trips: a calendar app polling an unchanged feed is answered 304
    from here (registrations.views.personal_feed). None when none is kept or it is stale.
    """
    kept = cache.get(_etag_key(token))
    if kept is None:
        return None
    scopes, built_under, etag = kept
    current, _found = versions.fetch(scopes)
    return etag if current == built_under and versions.UNKNOWN not in current else None


def feed_etag(user, *, token):
    """Return the weak ETag of `user`'s personal feed (`token`), not building it; None if unknown.

    From what the feed is built from: `user`'s active registrations with their events and
    chosen sessions (one query), the versions of those events' scopes, which every write to
    an event, its sessions, speakers or venue replaces (events.page_cache), and the kind of
    viewer `user` is (one cache round trip for both), the language and FEED_FORMAT. Weak:
    each build writes the moment it was made (DTSTAMP), the rest is the same. None while
    the cache is down: versions are then unknown, and so is whether anything changed.

    Kept for `kept_feed_etag` with the versions of all it read: the scopes of `user`'s
    registrations (by account and by verified address, read before them, so a write in
    between makes the ETag stale, ewevents.versions), which a new feed token also bumps; the
    events'; and the affiliation's, which any change of an email address bumps.
    """
    addresses = [row["address"] for row in selectors.verified_addresses(user)]
    own_scopes = [registrant_scope(user.pk), *(address_scope(address) for address in addresses)]
    own_versions, _found = versions.fetch(own_scopes)
    rows = selectors.active_registration_rows_of(user, "pk", "status", "event__slug", "sessions__pk")
    rows = sorted((pk, status, slug, session or 0) for pk, status, slug, session in rows)
    scopes = sorted({event_scope(slug) for _pk, _status, slug, _session in rows})
    with versions.read_ahead([*scopes, *affiliation_scopes()], affiliation_keys(user)):
        current, _found = versions.fetch([*scopes, *affiliation_scopes()])
        viewer = viewer_of(user)
    if versions.UNKNOWN in (*own_versions, *current):
        return None
    state = (FEED_FORMAT, get_language(), settings.SITE_URL, str(viewer), rows, current[: len(scopes)])
    etag = f'W/"{hashlib.md5(repr(state).encode(), usedforsecurity=False).hexdigest()}"'
    kept = ([*own_scopes, *scopes, *affiliation_scopes()], (*own_versions, *current), etag)
    cache.set(_etag_key(token), kept, FEED_ETAG_SECONDS)
    return etag


def feed_registrations_for(user):
    """Return `user`'s active registrations of events they may open, for their feed.

    Each carries `feed_sessions`: its chosen sessions `user` sees listed, with the
    event and, only on those `user` sees in full, speakers (`visible_speakers`).
    Four queries whatever the number of registrations and sessions.
    """
    sessions_in_full = Session.objects.visible_to(user, in_full=True)
    sessions = (
        Session.objects.visible_to(user)
        .select_related("event__venue")
        .prefetch_related(
            Prefetch(
                "session_speakers",
                queryset=SessionSpeaker.objects.filter(session__in=sessions_in_full).select_related(
                    "speaker"
                ),
                to_attr="visible_speakers",
            )
        )
        .order_by("start", "end", "pk")
    )
    return (
        selectors.registrations_of(user)
        .filter(status__in=Registration.ACTIVE_STATUSES, event__in=Event.objects.visible_to(user))
        .select_related("event__venue")
        .prefetch_related(Prefetch("sessions", queryset=sessions, to_attr="feed_sessions"))
        .order_by("event__start", "pk")
    )


def personal_calendar(user, *, build_url):
    """The iCalendar text of `user`'s personal feed.

    One entry per chosen session (the event itself where none was chosen or none is
    listed to `user`), with stable UIDs and the rows' SEQUENCE. Restricted sessions
    appear in full only for those who may see them; the join link only in the
    entries of confirmed registrations.
    """
    entries = {}
    for registration in feed_registrations_for(user):
        join_url = registration.join_url
        items = registration.feed_sessions or [registration.event]
        for item in items:
            key = (type(item).__name__, item.pk)
            # Two registrations of one event (by account and by address) list it once,
            # with the join link if either is confirmed.
            if key in entries and not join_url:
                continue
            if isinstance(item, Session):
                item.show_details = item.details_visible_to(user)
                if not item.show_details:
                    item.visible_speakers = []
                entries[key] = session_entry(item, build_url=build_url, join_url=join_url)
            else:
                entries[key] = event_entry(item, build_url=build_url, join_url=join_url)
    ordered = sorted(entries.values(), key=lambda entry: (entry.decoded("dtstart"), str(entry["uid"])))
    return entries_calendar(_("My events"), ordered)
