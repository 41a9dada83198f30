"""The events a user holds an active registration for (by account), kept in the cache per user.

Every event page a logged-in visitor opens asks whether they are registered for it, for the
registration box; most are not, and this answers without a query. Saving or deleting one of
their registrations drops the answer, now and once the change is committed.
"""

from django.core.cache import cache
from django.db import transaction

from ewevents import versions
from registrations.models import Registration

SECONDS = 10 * 60


def _key(user_id):
    return f"registrations:registered-events:{user_id}"


def keys_for(user):
    """The cache keys `registered_event_ids(user)` reads, for pages that read ahead (ewevents.versions)."""
    return [_key(user.pk)] if getattr(user, "is_authenticated", False) else []


def registered_event_ids(user):
    """Return the pks of the events `user` has an active registration for; empty for anonymous visitors."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    key = _key(user.pk)
    ids = versions.read(key)
    if ids is None:
        ids = frozenset(
            Registration.objects.filter(user=user, status__in=Registration.ACTIVE_STATUSES).values_list(
                "event_id", flat=True
            )
        )
        cache.set(key, ids, SECONDS)
    return ids


def forget_users(user_ids):
    """Drop the cached answers of the accounts `user_ids`, now and once the change is committed."""
    keys = [_key(user_id) for user_id in user_ids]
    if keys:
        cache.delete_many(keys)
        transaction.on_commit(lambda: cache.delete_many(keys))


def forget(sender, instance, **kwargs):
    """Receiver of Registration's post_save and post_delete."""
    if instance.user_id is not None:
        forget_users([instance.user_id])
