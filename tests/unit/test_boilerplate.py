"""Tests for service.boilerplate: per-source learned boilerplate lines."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from service.boilerplate import InMemoryLineStats, line_key

HEADER = [line_key("Menu"), line_key("Subscribe to the Daily Bugle")]


def test_line_learned_after_min_articles() -> None:
    """A line becomes boilerplate once min_articles distinct articles have it."""
    store = InMemoryLineStats(min_articles=3)
    assert store.observe("s", "a1", HEADER, 0.0).boilerplate == frozenset()
    assert store.observe("s", "a2", HEADER, 1.0).boilerplate == frozenset()
    third = store.observe("s", "a3", HEADER, 2.0)
    assert third.boilerplate == frozenset(HEADER)
    assert third.newly_learned == 2
    assert store.observe("s", "a4", HEADER, 3.0).newly_learned == 0


def test_replay_does_not_count_twice() -> None:
    """Replaying the same article never makes its own lines boilerplate."""
    store = InMemoryLineStats(min_articles=2)
    for _ in range(5):
        assert store.observe("s", "same", HEADER, 0.0).boilerplate == frozenset()


def test_sources_are_separate() -> None:
    """Lines seen in other sources do not count for this one."""
    store = InMemoryLineStats(min_articles=2)
    store.observe("a", "1", HEADER, 0.0)
    assert store.observe("b", "2", HEADER, 0.0).boilerplate == frozenset()


def test_ttl_expires_old_lines() -> None:
    """Lines not seen within the TTL window are forgotten."""
    store = InMemoryLineStats(min_articles=2, ttl_seconds=10.0)
    store.observe("s", "1", HEADER, 0.0)
    assert store.observe("s", "2", HEADER, 100.0).boilerplate == frozenset()
    assert store.line_count() == 2


def test_cap_per_source() -> None:
    """A source never holds more than max_lines_per_source lines."""
    store = InMemoryLineStats(max_lines_per_source=10)
    store.observe("s", "1", [line_key(f"line {i}") for i in range(100)], 0.0)
    assert store.line_count() == 10


def test_snapshot_round_trip() -> None:
    """A restored snapshot answers exactly like the original store."""
    store = InMemoryLineStats(min_articles=2)
    store.observe("s", "1", HEADER, 5.0)
    copy = InMemoryLineStats(min_articles=2)
    copy.restore(store.snapshot())
    assert copy.snapshot() == store.snapshot()
    assert copy.observe("s", "2", HEADER, 6.0).boilerplate == frozenset(HEADER)


@given(st.binary(max_size=200))
def test_restore_rejects_garbage(data: bytes) -> None:
    """Restoring arbitrary bytes either works or raises ValueError, nothing else."""
    store = InMemoryLineStats()
    with contextlib.suppress(ValueError):
        store.restore(data)


def test_restore_rejects_bad_rows() -> None:
    """A snapshot with malformed rows raises ValueError."""
    store = InMemoryLineStats()
    with pytest.raises(ValueError, match="not a line-stats snapshot"):
        store.restore(b'{"version":1,"sources":{"s":[["k","x",[]]]}}')


def test_line_key_ignores_case_and_punctuation() -> None:
    """Keys ignore case, spacing and punctuation but not words."""
    assert line_key("Sign up now!") == line_key("sign  up now")
    assert line_key("Sign up now") != line_key("Sign up later")
