"""Tests for service.clean.learned: per-source learned boilerplate lines."""

from __future__ import annotations

import contextlib
import json
import tracemalloc

import pytest
from hypothesis import given
from hypothesis import strategies as st

from service.clean.learned import InMemoryLineStats, line_key

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
    """Over max_lines_per_source lines, a source drops its oldest down to 7/8 of the bound."""
    store = InMemoryLineStats(min_articles=2, max_lines_per_source=80)
    old = [line_key(f"old line {i}") for i in range(60)]
    new = [line_key(f"new line {i}") for i in range(40)]
    store.observe("s", "1", old, 0.0)
    store.observe("s", "2", new, 1.0)
    assert store.line_count() == 70
    assert store.observe("s", "3", new, 2.0).boilerplate == frozenset(new)  # all 40 kept
    assert len(store.observe("s", "4", old, 3.0).boilerplate) == 30  # 30 of 60 dropped


def test_memory_per_line_is_small() -> None:
    """A full source of 20,000 lines takes under 40 bytes a line."""
    store = InMemoryLineStats()
    tracemalloc.start()
    try:
        for n in range(500):
            store.observe("s", f"a{n}", [line_key(f"line {n} {i}") for i in range(40)], float(n))
        held, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert store.line_count() == 20_000
    assert held / 20_000 < 40


def test_reads_a_version_1_snapshot() -> None:
    """A JSON snapshot written before the array store still restores with its counts."""
    rows = [[line_key("Menu"), 5.0, ["a1", "a2"]], [line_key("Body"), 5.0, ["a1"]]]
    store = InMemoryLineStats(min_articles=3)
    store.restore(json.dumps({"version": 1, "sources": {"s": rows}}).encode())
    seen = store.observe("s", "a3", [line_key("Menu"), line_key("Body")], 6.0)
    assert seen.boilerplate == frozenset({line_key("Menu")})
    assert store.observe("s", "a1", [line_key("Body")], 7.0).boilerplate == frozenset()  # a1 again


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
    with pytest.raises(ValueError, match="not a line-stats snapshot"):
        store.restore(b"PK\x03\x04 truncated zip")


def test_line_key_ignores_case_and_punctuation() -> None:
    """Keys ignore case, spacing and punctuation but not words."""
    assert line_key("Sign up now!") == line_key("sign  up now")
    assert line_key("Sign up now") != line_key("Sign up later")
