"""Who sees what: the one home of the visibility rule.

Every output (pages, calendar files, emails, exports) asks these functions,
directly or through ``Session.objects.visible_to`` and
``Session.details_visible_to``. Nothing else reads ``Session.visibility``.
"""

from enum import StrEnum

from allauth.account.models import EmailAddress
from django.core.cache import cache
from django.db.models import Q

from .models import Event, Organisation, Session

_CACHE_ATTR = "_ewevents_audience"


class Audience(StrEnum):
    PUBLIC = "public"
    AFFILIATE = "affiliate"
    STAFF = "staff"


# The rule itself. For each audience: the session visibilities it sees listed
# (title and time) and those it sees in full (description, speakers, links).
_LISTED = {
    Audience.PUBLIC: {Session.Visibility.PUBLIC, Session.Visibility.AFFILIATES},
    Audience.AFFILIATE: set(Session.Visibility),
    Audience.STAFF: set(Session.Visibility),
}
_IN_FULL = {
    Audience.PUBLIC: {Session.Visibility.PUBLIC},
    Audience.AFFILIATE: set(Session.Visibility),
    Audience.STAFF: set(Session.Visibility),
}


AFFILIATION_VERSION_KEY = "events:affiliation-version"
AFFILIATION_SECONDS = 10 * 60


def is_affiliate(user):
    """Return whether `user` belongs to an active affiliate or monitoring-partner organisation.

    Membership counts, and so does a verified email address on one of the
    organisation's domains. An unverified address never does.

    The answer is cached per user and per affiliation version, which any change to an
    organisation, its domains, a membership or an email address replaces (see
    `connect_signals`): a person who loses their membership loses access on their next request.
    """
    if not getattr(user, "is_authenticated", False):
        return False
    from .page_cache import content_version

    key = f"events:affiliate:{user.pk}"
    found = cache.get_many([AFFILIATION_VERSION_KEY, key])  # one round trip for both
    version = found.get(AFFILIATION_VERSION_KEY) or content_version(AFFILIATION_VERSION_KEY)
    cached = found.get(key)
    if cached is not None and cached[0] == version:
        return cached[1]
    answer = _is_affiliate(user)
    cache.set(key, (version, answer), AFFILIATION_SECONDS)
    return answer


def affiliation_changed(**_kwargs):
    from .page_cache import new_version

    new_version(AFFILIATION_VERSION_KEY)


def connect_signals():
    from django.db.models.signals import post_delete, post_save

    from .models import Membership, OrganisationDomain

    for model in (Organisation, OrganisationDomain, Membership, EmailAddress):
        uid = f"events.access.affiliation.{model.__name__}"
        post_save.connect(affiliation_changed, sender=model, dispatch_uid=f"{uid}.save")
        post_delete.connect(affiliation_changed, sender=model, dispatch_uid=f"{uid}.delete")


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


def audience_of(user):
    """Return the audience `user` belongs to, computed once per user object."""
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    if getattr(user, "is_staff", False) and user.is_active:
        audience = Audience.STAFF
    elif is_affiliate(user):
        audience = Audience.AFFILIATE
    else:
        audience = Audience.PUBLIC
    if getattr(user, "is_authenticated", False):
        setattr(user, _CACHE_ATTR, audience)
    return audience


def forget_audience(user):
    """Drop the cached audience, after a membership or email change in the same request."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def sees_drafts(user):
    return audience_of(user) is Audience.STAFF


def session_visibilities(user, *, in_full=False):
    """Return the session visibilities `user` sees listed, or with `in_full`, in full."""
    table = _IN_FULL if in_full else _LISTED
    return table[audience_of(user)]


def event_visible(event, user):
    return event.status == Event.Status.PUBLISHED or sees_drafts(user)


def session_listed(session, user):
    return event_visible(session.event, user) and session.visibility in session_visibilities(user)


def session_details_visible(session, user):
    return event_visible(session.event, user) and session.visibility in session_visibilities(
        user, in_full=True
    )
