"""Authentication backends that keep a logged-in visitor's user row in the cache between requests.

Every request by someone logged in loads their user to check the session; on a page served
from the cache that query is a good share of the work. The user is kept for USER_SECONDS
and dropped as soon as its row is saved or deleted (a new password, deactivation, staff
status, the last login), so a change counts from the next request. Should the cache be
unreachable at the moment of a change, an old copy can live on for USER_SECONDS at most.

The copy holds the password hash, which the session check needs; the cache is private to
the site, like the sessions it also holds.
"""

from allauth.account.auth_backends import AuthenticationBackend
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.db import transaction

USER_SECONDS = 60


def _key(user_id):
    return f"auth:user:{user_id}"


class CachedUserMixin:
    def get_user(self, user_id):
        key = _key(user_id)
        user = cache.get(key)
        if user is None:
            user = super().get_user(user_id)
            if user is not None:
                cache.set(key, user, USER_SECONDS)
        return user if user is not None and self.user_can_authenticate(user) else None


class CachedModelBackend(CachedUserMixin, ModelBackend):
    pass


class CachedAuthenticationBackend(CachedUserMixin, AuthenticationBackend):
    pass


def forget_user(sender, instance, **kwargs):
    """Receiver of post_save and post_delete of the user model: drop the cached copy, now and after commit."""
    key = _key(instance.pk)
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))
