"""The fault suite's generator asks only what the service can deliver in any arrival order.

The oracle (``tests/faults/oracle.py``) expects exactly one article of each story on the clean
topic. Whatever order the partitions interleave in, that holds only if the detector catches
every copy whichever member of its story it sees first. Seed 29 broke that: its edited copy
``s27902-e2`` had 14 of 266 words replaced (216 of 254 shingles shared with the story, true
containment 0.85), but the 16 stored anchors estimated 9/16 = 0.56, under the 0.6 threshold,
in both directions and against every other member. The copy was therefore a new original in
every order, with or without faults, and the fault run failed with two clean articles of one
story (a detector recall miss, not a delivery fault).
"""

from __future__ import annotations

import hashlib
import itertools

import pytest

from service.clean.rules import load_rules
from service.clean.stage import Cleaner
from service.dedup.stage import MatchPolicy, Probe, make_probe
from service.models import CleanArticle, Origin
from service.parse import Parser
from service.stores.embedded.store import EmbeddedStore
from tests.faults.events import generate

NOW = 1_800_000_000.0


Stream = tuple[list[tuple[bytes, bytes]], dict[str, bytes], dict[str, list[str]]]


@pytest.fixture(scope="module")
def seed_29() -> Stream:
    events, expected = generate(50_000, 29)
    return events, {k.decode(): v for k, v in events}, expected.clusters


def _probe(value: bytes, cleaner: Cleaner) -> Probe:
    cleaned = cleaner(Parser()(value, Origin("raw", 0, 0)))
    assert isinstance(cleaned, CleanArticle)
    return make_probe(cleaned)


def _misses(members: list[str], values: dict[str, bytes], cleaner: Cleaner) -> list[str]:
    """Return "first -> second" for each ordered pair where the store calls ``second`` new."""
    probes = {aid: _probe(values[aid], cleaner) for aid in members}
    missed = []
    for first, second in itertools.permutations(members, 2):
        store = EmbeddedStore(MatchPolicy(max_entries=4))
        store.check_and_insert(probes[first], NOW)
        if store.check_and_insert(probes[second], NOW + 1).match == "unique":
            missed.append(f"{first} -> {second}")
    return missed


def test_seed_29_edited_copy_is_caught_whichever_member_comes_first(seed_29: Stream) -> None:
    """The story of the seed-29 failure: every member is a duplicate of every other."""
    _, values, clusters = seed_29
    assert clusters["s27902"] == ["s27902", "s27902-r0", "s27902-e1", "s27902-e2"]
    assert _misses(clusters["s27902"], values, Cleaner(load_rules())) == []


def test_every_story_with_an_edited_copy_is_one_cluster_in_any_order(seed_29: Stream) -> None:
    """No story of a full-size run leaves its outcome to the arrival order.

    Through the real clean stage; the story itself stands for its verbatim and re-scraped
    copies (same paragraphs, another title and URL: the first test sees them caught).
    """
    _, values, clusters = seed_29
    cleaner = Cleaner(load_rules())
    edited = [
        [aid for aid in members if aid == story or "-e" in aid]
        for story, members in clusters.items()
        if any("-e" in aid for aid in members)
    ]
    assert len(edited) > 3_000
    missed = [m for members in edited for m in _misses(members, values, cleaner)]
    assert missed == []


def _digest(events: list[tuple[bytes, bytes]]) -> str:
    h = hashlib.sha256()
    for key, value in events:
        if key != b"s27902-e2":
            h.update(key + b"\0" + value + b"\0")
    return h.hexdigest()[:16]


def test_streams_change_only_where_a_copy_was_redrawn(seed_29: Stream) -> None:
    """Runs stay comparable across the change: every other event is what it was before."""
    assert _digest(seed_29[0]) == "3e6601f8b3348d0a"
    assert _digest(generate(4_000, 1)[0]) == "cad0af91519b8611"
