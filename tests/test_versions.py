"""Scope versions and reading ahead (ewevents/versions.py)."""

import pytest
from django.core.cache import cache

from ewevents import versions

pytestmark = pytest.mark.django_db


def test_a_scope_named_twice_gets_its_one_version_both_times():
    versions.bump(["event:a"])

    current, _found = versions.fetch(["event:a", "places:a", "event:a"])

    assert current[0] == current[2] != "none"
    assert current[1] != "none"


def test_reads_within_a_read_ahead_are_answered_from_its_one_round_trip(monkeypatch):
    cache.set("part", "cached part")
    versions.bump(["event:a"])
    expected = versions.fetch(["event:a"], ["part"])

    with versions.read_ahead(["event:a", "event:a"], ["part", "absent"]):
        monkeypatch.setattr(cache, "get_many", lambda *a, **k: pytest.fail("a second round trip"))
        monkeypatch.setattr(cache, "get", lambda *a, **k: pytest.fail("a second round trip"))
        assert versions.fetch(["event:a"], ["part"]) == expected
        assert versions.read("part") == "cached part"
        assert versions.read("absent") is None
    monkeypatch.undo()

    # Outside the block, reads go to the cache again and see what changed.
    versions.bump(["event:a"])
    assert versions.fetch(["event:a"])[0] != expected[0]
