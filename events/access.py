"""Who sees what: the one home of the visibility rule.

Every output (pages, calendar files, emails, exports) asks this module, directly or
through ``Session.objects.visible_to`` and ``Session.details_visible_to``. The values of
``Session.visibility`` and ``Event.status`` are defined here, and nothing else compares
them: ``SessionQuerySet.visible_to`` filters with the values this module returns, and
``Session.details_visible_to`` and ``Session.is_restricted`` ask the functions below.

Imports no model of the programme (events.models imports this module), only the
organisations that make people affiliates.
"""

from enum import StrEnum

from allauth.account.models import EmailAddress
from django.core.cache import cache
from django.db.models import Q

from ewevents import versions

from .organisations import AFFILIATION, Organisation

_CACHE_ATTR = "_ewevents_viewer"

# Session.visibility: who a session is for.
PUBLIC = "public"
AFFILIATES = "affiliates"  # affiliates only; title and time shown publicly
HIDDEN = "hidden"  # affiliates only; not listed publicly
# Event.status: drafts are for staff.
DRAFT = "draft"
PUBLISHED = "published"


class Viewer(StrEnum):
    PUBLIC = "public"
    AFFILIATE = "affiliate"
    STAFF = "staff"


# The rule itself. For each kind of viewer: the session visibilities it sees listed
# (title and time) and those it sees in full (description, speakers, links).
_LISTED = {
    Viewer.PUBLIC: frozenset({PUBLIC, AFFILIATES}),
    Viewer.AFFILIATE: frozenset({PUBLIC, AFFILIATES, HIDDEN}),
    Viewer.STAFF: frozenset({PUBLIC, AFFILIATES, HIDDEN}),
}
_IN_FULL = {
    Viewer.PUBLIC: frozenset({PUBLIC}),
    Viewer.AFFILIATE: frozenset({PUBLIC, AFFILIATES, HIDDEN}),
    Viewer.STAFF: frozenset({PUBLIC, AFFILIATES, HIDDEN}),
}


AFFILIATION_SECONDS = 10 * 60


def is_affiliate(user):
    """Return whether `user` belongs to an active affiliate or monitoring-partner organisation.

    Membership counts, and so does a verified email address on one of the
    organisation's domains. An unverified address never does.

    The answer is cached per user and per version of the affiliation scope, which any write
    to an organisation, its domains or a membership (events.organisations), or to an email
    address (`affiliation_changed`), replaces: a person who loses their membership loses
    access on their next request.
    """
    if not getattr(user, "is_authenticated", False):
        return False
    key = _affiliation_key(user)
    (version,), found = versions.fetch([AFFILIATION], [key])  # one round trip for both
    cached = found.get(key)
    if cached is not None and cached[0] == version:
        return cached[1]
    answer = _is_affiliate(user)
    cache.set(key, (version, answer), AFFILIATION_SECONDS)
    return answer


def _affiliation_key(user):
    return f"events:affiliate:{user.pk}"


def affiliation_scopes():
    """The scopes `is_affiliate` reads, for pages that read ahead (events.page_cache.reading)."""
    return [AFFILIATION]


def affiliation_keys(user):
    """The cache keys `is_affiliate(user)` reads: none when the answer needs none."""
    if not getattr(user, "is_authenticated", False) or (user.is_staff and user.is_active):
        return []
    return [_affiliation_key(user)]


def affiliation_changed(**_kwargs):
    """Receiver of allauth's EmailAddress post_save and post_delete.

    A signal, because the model is allauth's: its writes don't pass through our querysets,
    and a verified address on an organisation's domain makes its owner an affiliate.
    """
    versions.bump([AFFILIATION])


def _is_affiliate(user):
    domains = [
        email.rsplit("@", 1)[-1].lower()
        for email in EmailAddress.objects.filter(user=user, verified=True).values_list("email", flat=True)
    ]
    return (
        Organisation.objects.filter(is_active=True)
        .filter(Q(memberships__user=user) | Q(domains__domain__in=domains))
        .exists()
    )


def viewer_of(user):
    """Return the kind of viewer `user` is for the visibility rule, computed once per user object."""
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    if getattr(user, "is_staff", False) and user.is_active:
        viewer = Viewer.STAFF
    elif is_affiliate(user):
        viewer = Viewer.AFFILIATE
    else:
        viewer = Viewer.PUBLIC
    if getattr(user, "is_authenticated", False):
        setattr(user, _CACHE_ATTR, viewer)
    return viewer


def sees_drafts(user):
    return viewer_of(user) is Viewer.STAFF


def session_visibilities(user, *, in_full=False):
    """Return the session visibilities `user` sees listed, or with `in_full`, in full."""
    table = _IN_FULL if in_full else _LISTED
    return table[viewer_of(user)]


def event_visible(event, user):
    return event.status == PUBLISHED or sees_drafts(user)


def session_details_visible(session, user):
    return event_visible(session.event, user) and session.visibility in session_visibilities(
        user, in_full=True
    )


def is_restricted(session):
    """Whether `session` is for affiliates: the public may not see it in full."""
    return session.visibility not in _IN_FULL[Viewer.PUBLIC]
