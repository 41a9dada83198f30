"""The cache aliases, and a Redis cache that treats an outage as a miss.

"default" holds what pages are built from; it may drop any entry to make room.
"abuse" holds the rate-limit and login counters and allauth's used two-factor codes:
a store of its own, so that no flood of pages can evict a count, shared by all workers
(Redis in production, a database table on the embedded default).

Both hold nothing the site cannot do without, so when Redis is down every read misses
and every write is dropped: pages, login and registration keep working, a little
slower, and the rate limits let people through. Sessions live in the database, not here.
"""

import logging
import time

from django.core.cache import caches
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from django.utils.connection import ConnectionProxy
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

ABUSE_ALIAS = "abuse"


def abuse_store():
    """The cache that keeps the counters of the limits (see the module docstring)."""
    return caches[ABUSE_ALIAS]


def keep_allauth_counters_in_abuse_store():
    """Point allauth's rate limits and its record of used TOTP codes at the abuse store.

    allauth reads `django.core.cache.cache` (the pages' cache) and has no setting for another
    alias, so its two modules' `cache` is rebound here, once, when the apps are ready.
    """
    from allauth.core.internal import ratelimit
    from allauth.mfa.totp.internal import auth

    # A proxy, like django.core.cache.cache: each thread gets its own client, and a test's
    # override of CACHES is followed.
    ratelimit.cache = auth.cache = ConnectionProxy(caches, ABUSE_ALIAS)


# Say so once a minute, not on every request while Redis is down.
_WARN_EVERY_SECONDS = 60
_last_warning = 0.0


def _outage(error):
    global _last_warning
    now = time.monotonic()
    if now - _last_warning >= _WARN_EVERY_SECONDS:
        _last_warning = now
        logger.warning("Cache unavailable (%s); serving without it.", type(error).__name__)


class _ReusedClients(RedisCacheClient):
    """Django's client builds a redis.Redis on every call; one per connection pool will do.

    A page makes several cache calls, so this saves a measurable share of a cached page.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class ForgivingRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = _ReusedClients

    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except RedisError as error:
            _outage(error)
            return default

    def get_many(self, keys, version=None):
        try:
            return super().get_many(keys, version)
        except RedisError as error:
            _outage(error)
            return {}

    def has_key(self, key, version=None):
        try:
            return super().has_key(key, version)
        except RedisError as error:
            _outage(error)
            return False

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().add(key, value, timeout, version)
        except RedisError as error:
            _outage(error)
            return True  # locks built on add() (allauth's rate limits) must let people through

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().set(key, value, timeout, version)
        except RedisError as error:
            _outage(error)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().set_many(data, timeout, version)
        except RedisError as error:
            _outage(error)
            return list(data)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().touch(key, timeout, version)
        except RedisError as error:
            _outage(error)
            return False

    def incr(self, key, delta=1, version=None):
        try:
            return super().incr(key, delta, version)
        except RedisError as error:
            _outage(error)
            return delta  # as if this were the first: limits let people through during an outage

    def delete(self, key, version=None):
        try:
            return super().delete(key, version)
        except RedisError as error:
            _outage(error)
            return False

    def delete_many(self, keys, version=None):
        try:
            return super().delete_many(keys, version)
        except RedisError as error:
            _outage(error)

    def clear(self):
        try:
            return super().clear()
        except RedisError as error:
            _outage(error)
            return False
