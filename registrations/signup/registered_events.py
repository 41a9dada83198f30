"""The events a user holds an active registration for (by account), kept in the cache per user.

Every event page a logged-in visitor opens asks whether they are registered for it, for the
registration box; most are not, and this answers without a query. A registered visitor's box
shows their registration's status and manage link, kept here too. Kept under the version of
the account's registrant scope (registrations.scopes), which every write of their
registrations bumps (RegistrationQuerySet), so no write can leave it stale.
"""

from typing import NamedTuple

from events import page_cache
from registrations.models import Registration
from registrations.scopes import registrant_scope


class OwnRegistration(NamedTuple):
    """What an event page shows of the visitor's own registration: its status and manage link."""

    status: str
    manage_token: str

    def get_status_display(self):
        return Registration.Status(self.status).label


def _name(user_id):
    return f"registered-events:{user_id}"


def reads(user):
    """The scopes and cache keys `own_registrations(user)` reads, for pages that read ahead."""
    if not getattr(user, "is_authenticated", False):
        return (), ()
    return (registrant_scope(user.pk),), (page_cache.object_key(_name(user.pk)),)


def own_registrations(user):
    """Return {event pk: OwnRegistration} of `user`'s active registrations (the newest per event)."""
    if not getattr(user, "is_authenticated", False):
        return {}

    def load():
        rows = (
            Registration.objects.filter(user=user, status__in=Registration.ACTIVE_STATUSES)
            .order_by("created", "pk")
            .values_list("event_id", "status", "manage_token")
        )
        return {event_id: OwnRegistration(status, token) for event_id, status, token in rows}

    return page_cache.cached_object(_name(user.pk), [registrant_scope(user.pk)], load)


def registered_event_ids(user):
    """Return the pks of the events `user` has an active registration for; empty for anonymous visitors."""
    return frozenset(own_registrations(user))
