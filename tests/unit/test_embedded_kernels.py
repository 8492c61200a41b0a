"""The embedded store's compiled path gives the verdicts of the Python judge."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from service.dedup.stage import MatchPolicy, Probe, StoredEntry, Verdict, judge
from service.models import Origin
from service.stores.embedded.postings import Postings
from service.stores.embedded.store import EmbeddedStore

NOW = 1_800_000_000.0
HASHES = st.integers(0, 40)  # a small range, so that sketches overlap often
SKETCHES = st.lists(HASHES, max_size=70, unique=True).map(lambda v: tuple(sorted(v)))


@st.composite
def entries(draw: st.DrawFn, number: int) -> StoredEntry:
    return StoredEntry(
        article_id=f"e{number}",
        origin=Origin(draw(st.sampled_from(["raw", "other"])), 0, draw(st.integers(0, 2))),
        url_key=draw(st.integers(0, 3)),
        body_key=draw(st.integers(0, 3)),
        anchors=draw(SKETCHES)[:16],
        shingles=draw(st.integers(0, 120)),
        seen_at=NOW - draw(st.sampled_from([0.0, 10.0, 8 * 86_400.0])),
    )


@st.composite
def probes(draw: st.DrawFn) -> Probe:
    sketch = draw(SKETCHES)
    return Probe(
        article_id=draw(st.sampled_from(["p", "e0", "e1"])),
        origin=Origin(draw(st.sampled_from(["raw", "new"])), 0, draw(st.integers(0, 2))),
        url_key=draw(st.integers(0, 3)),
        body_key=draw(st.integers(0, 3)),
        sketch=sketch[:64],
        shingles=max(draw(st.integers(0, 120)), len(sketch)),
        sketch_limit=64,
    )


@settings(max_examples=300)
@given(st.integers(1, 4).flatmap(lambda n: st.tuples(*(entries(i) for i in range(n)))), probes())
def test_store_verdict_equals_the_python_judge(
    stored: tuple[StoredEntry, ...], probe: Probe
) -> None:
    """Whatever the entries, the store answers what judge() says over the live candidates."""
    policy = MatchPolicy(common_postings=3)
    store = EmbeddedStore(policy)
    for entry in stored:
        store.insert(entry)
    # Postings are counted as posted (an entry may post one key twice; expired entries'
    # postings count until purged); candidates are the live entries behind rarer keys.
    live = [e for e in stored if e.seen_at >= NOW - policy.ttl_seconds]
    keys = set(probe.sketch[: policy.lookup_anchors]) | {probe.url_key, probe.body_key} - {0}
    posted = [(key, entry) for entry in stored for key in store.posted_keys(entry)]
    counts = {key: sum(k == key for k, _ in posted) for key in keys}
    common = frozenset(k for k in probe.sketch[: policy.lookup_anchors] if counts[k] >= 3)
    candidates = {e.article_id: e for k, e in posted if k in keys and counts[k] < 3 and e in live}
    expected = judge(probe, list(candidates.values()), policy, common)
    assert store.check_and_insert(probe, NOW) == expected


def test_merged_postings_keep_arrival_order_within_a_key() -> None:
    """The compiled merge is stable: equal keys keep old postings first, then arrival order."""
    postings = Postings(capacity=4)
    for slot, key in enumerate([7, 3, 7, 70_000, 3, 7]):
        postings.add([key], slot)
    postings.merge(lambda keys, slots: np.ones(len(keys), np.bool_))
    for slot, key in [(6, 7), (7, 3), (8, 65_539)]:
        postings.add([key], slot)
    postings.merge(lambda keys, slots: np.ones(len(keys), np.bool_))
    assert list(zip(postings.keys.tolist(), postings.slots.tolist(), strict=True)) == [
        (3, 1), (3, 4), (3, 7), (7, 0), (7, 2), (7, 5), (7, 6), (65_539, 8), (70_000, 3),
    ]  # fmt: skip
    counts, slots = postings.lookup([7, 3, 5], limit=4)
    assert counts == {7: 4, 3: 3, 5: 0}
    assert slots.tolist() == [1, 4, 7]


def test_long_ids_are_forgotten_with_their_entries_and_judged_in_python() -> None:
    """Ids too long to pack: a same-origin probe is a replay only with the same id."""
    policy = MatchPolicy(max_entries=3, ttl_seconds=100)
    store = EmbeddedStore(policy)
    long_a, long_b = "feed:" + "a" * 40, "feed:" + "b" * 40
    sketch = tuple(range(1_000, 1_064))
    first = Probe(long_a, Origin("raw", 0, 5), 11, 12, sketch, 900, 64)
    assert store.check_and_insert(first, NOW) == Verdict("unique", long_a)
    again = store.check_and_insert(first, NOW + 1)
    assert (again.match, again.replay) == ("unique", True)
    other = Probe(long_b, Origin("raw", 0, 5), 21, 12, sketch, 900, 64)
    assert store.check_and_insert(other, NOW + 2) == Verdict("exact", long_a, long_a)
    for number in range(3):  # the ring (3 slots) evicts the long id's entry
        store.check_and_insert(
            Probe(f"x{number}", Origin("raw", 1, number), 30 + number, 40 + number, (), 0, 64),
            NOW + 3,
        )
    assert store.long_ids == {}
    store.check_and_insert(first, NOW + 4)
    assert list(store.long_ids.values()) == [long_a]
    store.expire(NOW + 200)
    assert store.long_ids == {} and store.entries() == 0
