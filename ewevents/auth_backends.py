"""Authentication backends that keep what the session check needs of a logged-in user in the cache.

Every request by someone logged in loads their user to check the session; on a page served
from the cache that query is a good share of the work. So for USER_SECONDS the cache keeps
the user's CACHED_FIELDS and its session hash (the HMAC of the password hash that Django's
session check compares, and that the session holds too), never the password hash or the
rest of the row. The user rebuilt from them has the other fields deferred: read, they are
loaded from the database; saved, only the loaded fields are written. The copy is dropped as
soon as the row is saved or deleted (a new password, deactivation, staff status, the last
login), so a change counts from the next request. Should the cache be unreachable at the
moment of a change, an old copy can live on for USER_SECONDS at most.
"""

from allauth.account.auth_backends import AuthenticationBackend
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.db import transaction

USER_SECONDS = 60

# What the session check (is_active) and the pages (status, menu, affiliation by address) read.
CACHED_FIELDS = (
    "id",
    "username",
    "email",
    "first_name",
    "last_name",
    "is_active",
    "is_staff",
    "is_superuser",
)


def _key(user_id):
    return f"auth:user:{user_id}"


def _cached_copy(user):
    return {
        "fields": {name: getattr(user, name) for name in CACHED_FIELDS},
        "session_hash": user.get_session_auth_hash(),
    }


def _rebuilt(copy):
    """The user of a cached copy: its CACHED_FIELDS loaded, the rest deferred."""
    model = get_user_model()
    # from_db takes the values in the model's order of fields.
    names = [field.attname for field in model._meta.concrete_fields if field.attname in copy["fields"]]
    user = model.from_db("default", names, [copy["fields"][name] for name in names])
    computed = user.get_session_auth_hash

    def get_session_auth_hash():
        # The cached hash while the password is not loaded; once it is (a new one set), its own.
        return copy["session_hash"] if "password" not in user.__dict__ else computed()

    user.get_session_auth_hash = get_session_auth_hash
    return user


class CachedUserMixin:
    def get_user(self, user_id):
        key = _key(user_id)
        copy = cache.get(key)
        if isinstance(copy, dict):  # not a whole user, as kept before: that is loaded again
            user = _rebuilt(copy)
        else:
            user = super().get_user(user_id)
            if user is not None:
                cache.set(key, _cached_copy(user), USER_SECONDS)
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
