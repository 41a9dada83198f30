"""Versions per scope, kept in the cache: what is cached under a scope's version is stale once it changes.

A scope names a set of rows a cached thing is built from ("event:<slug>", "listings").
Readers fetch the versions of the scopes they build from along with what they cached, in
one round trip (`fetch`), and keep what they build with those versions. Writers bump the
scopes of the rows they change (`bump`): now, and again once the transaction commits, so
a page built in between from the data not yet committed is stale too.

Models whose rows cached pages show derive from `VersionedModel` and give their manager a
`VersionedQuerySet`: every write Django offers then bumps the scopes of the rows it touches,
before and after the write (a row may move to another scope). Model.save() and delete() go
through the model; QuerySet.update(), delete(), bulk_create() and bulk_update() through the
queryset; the related managers of foreign keys and explicit many-to-many tables through
both. What they cannot see: raw SQL, the tables Django creates for a ManyToManyField without
`through` (connect `m2m_changed_receiver`), and other apps' models.

A page that knows what it will read asks for it all at once (`read_ahead`): within the block,
`fetch` and `read` answer from what that one round trip brought, each Redis round trip being a
sizeable share of a page built from cached parts.

If the cache is down, every read misses and every bump is lost; what was cached before
lives no longer than its timeout.
"""

import uuid
from contextlib import contextmanager
from contextvars import ContextVar

from django.core.cache import cache
from django.db import models, transaction

# Within a read_ahead block: {cache key: value, or _ABSENT}; versions under their version keys.
_read_ahead = ContextVar("versions_read_ahead", default=None)
_ABSENT = object()
# The version of every scope while the cache is down: nothing built under it is ever read back.
UNKNOWN = "none"


def version_key(scope):
    return f"version:{scope}"


def fetch(scopes, keys=()):
    """Return (the versions of `scopes` as a tuple, {key: value} of `keys` found), in one round trip.

    A scope without a version yet gets one. Inside `read_ahead`, from what it brought when it
    brought them all.
    """
    version_keys = [version_key(scope) for scope in scopes]
    ahead = _read_ahead.get()
    if ahead is not None and all(key in ahead for key in (*version_keys, *keys)):
        found = {key: ahead[key] for key in keys if ahead[key] is not _ABSENT}
        return tuple(ahead[key] for key in version_keys), found
    found = cache.get_many([*version_keys, *keys])
    missing = [key for key in version_keys if key not in found]
    if missing:
        for key in missing:
            cache.add(key, uuid.uuid4().hex, timeout=None)
        found.update(cache.get_many(missing))
    # UNKNOWN when the cache is down: nothing is found, and whatever is stored now is never read.
    versions = tuple(found.get(key, UNKNOWN) for key in version_keys)
    for key in version_keys:
        found.pop(key, None)
    return versions, found


def read(key):
    """`cache.get(key)`, answered by the enclosing `read_ahead` when it brought `key`."""
    ahead = _read_ahead.get()
    if ahead is not None and key in ahead:
        value = ahead[key]
        return None if value is _ABSENT else value
    return cache.get(key)


@contextmanager
def read_ahead(scopes=(), keys=()):
    """Fetch the versions of `scopes` and the values of `keys` in one round trip, for the block's reads.

    `fetch` and `read` within the block answer from them, so a page that names up front what
    its parts will read pays one round trip, not one per part. What the block writes to the
    cache is not seen by its later reads of the same key (they rebuild it): blocks are for
    reading pages, which write only what they missed. Blocks nest; the inner one adds to the outer.
    """
    scopes, keys = list(dict.fromkeys(scopes)), list(dict.fromkeys(keys))
    current, found = fetch(scopes, keys)
    ahead = dict(_read_ahead.get() or {})
    ahead.update(zip((version_key(scope) for scope in scopes), current, strict=True))
    ahead.update({key: found.get(key, _ABSENT) for key in keys})
    token = _read_ahead.set(ahead)
    try:
        yield
    finally:
        _read_ahead.reset(token)


def _set_new_versions(scopes):
    cache.set_many({version_key(scope): uuid.uuid4().hex for scope in scopes}, timeout=None)


def bump(scopes):
    """Give each of `scopes` a new version, now and again once the current transaction commits."""
    scopes = sorted(set(scopes))
    if not scopes:
        return
    _set_new_versions(scopes)
    transaction.on_commit(lambda: _set_new_versions(scopes))


class VersionedQuerySet(models.QuerySet):
    """A QuerySet whose writes bump the scopes of every row they touch (see the module docstring).

    Subclasses set `scope_lookups`, the values that say which scopes a row is shown in (as
    for values_list(), following relations), and `scopes_from(values)`, which turns one
    tuple of them into scope names. With no lookups, `scopes_from(())` names the scopes of
    every row.
    """

    scope_lookups = ()
    # Fields no cached page shows: an update() of these alone bumps nothing.
    unshown_fields = frozenset()
    # True when `scope_lookups` name the row's own fields and foreign keys only (no reverse or
    # many-to-many relation): the scopes of a row just written are then read from the instance
    # written, without a query (a registration POST's hot path).
    scopes_in_instance = False

    def scopes_from(self, values):
        raise NotImplementedError

    def scopes(self):
        """The scopes of the rows this queryset holds now: one query."""
        if not self.scope_lookups:
            return set(self.scopes_from(()))
        rows = self.order_by().values_list(*self.scope_lookups).distinct()
        return {scope for values in rows for scope in self.scopes_from(values)}

    def _scopes_of(self, pks):
        if not self.scope_lookups:
            return set(self.scopes_from(()))
        return self.model._default_manager.filter(pk__in=pks).scopes() if pks else set()

    def update(self, **kwargs):
        if kwargs.keys() <= self.unshown_fields:
            return super().update(**kwargs)
        pks = list(self.order_by().values_list("pk", flat=True)) if self.scope_lookups else []
        before = self._scopes_of(pks)
        count = super().update(**kwargs)
        bump(before | self._scopes_of(pks))
        return count

    update.alters_data = True

    def delete(self):
        before = self.scopes()
        deleted = super().delete()
        bump(before)
        return deleted

    delete.alters_data = True
    delete.queryset_only = True

    def scopes_of_instance(self, obj):
        """The scopes of `obj` as it was just written (see `scopes_in_instance`)."""
        return set(self.scopes_from(_values_of(obj, self.scope_lookups)))

    def bulk_create(self, objs, *args, **kwargs):
        objs = super().bulk_create(objs, *args, **kwargs)
        if all(obj.pk is not None for obj in objs) and not self.scopes_in_instance:
            bump(self._scopes_of([obj.pk for obj in objs]))
        else:  # the instances say their scopes, or (ignore_conflicts) which rows were written is unknown
            bump(scope for obj in objs for scope in self.scopes_of_instance(obj))
        return objs

    bulk_create.alters_data = True
    # bulk_update() writes with update(), batch by batch.


def _values_of(obj, lookups):
    """The values of `lookups` on an unsaved or unsure instance, following its foreign keys."""
    values = []
    for lookup in lookups:
        value = obj
        for name in lookup.split("__"):
            value = getattr(value, name, None) if value is not None else None
        values.append(value if not isinstance(value, models.Manager) else None)
    return tuple(values)


class VersionedModel(models.Model):
    """A model whose save() and delete() bump the scopes of the row, as it was and as it is.

    Its default manager must be a VersionedQuerySet's.
    """

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        before = set() if self._state.adding else self._scopes()
        super().save(*args, **kwargs)
        rows = type(self)._default_manager.get_queryset()
        after = rows.scopes_of_instance(self) if rows.scopes_in_instance else self._scopes()
        bump(before | after)

    save.alters_data = True

    def delete(self, *args, **kwargs):
        before = self._scopes()
        deleted = super().delete(*args, **kwargs)
        bump(before)
        return deleted

    delete.alters_data = True

    def _scopes(self):
        return type(self)._default_manager.filter(pk=self.pk).scopes()


def m2m_changed_receiver(sender, instance, action, model, pk_set, **kwargs):
    """Receiver of m2m_changed for a ManyToManyField's own table: bump the scopes of both sides.

    Such a table has no model of ours to route its writes through; this signal is the one hook.
    Before and after each change, so rows leaving and joining are both seen.
    """
    if action not in ("pre_add", "post_add", "pre_remove", "post_remove", "pre_clear", "post_clear"):
        return
    scopes = type(instance)._default_manager.filter(pk=instance.pk).scopes()
    if pk_set:
        scopes |= model._default_manager.filter(pk__in=pk_set).scopes()
    bump(scopes)
