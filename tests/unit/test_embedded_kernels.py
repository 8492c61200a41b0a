"""The embedded store's compiled candidate filter gives the verdicts of the Python judge."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from service.dedup import MatchPolicy, Probe, StoredEntry, judge
from service.models import Origin
from service.stores.embedded import EmbeddedStore

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
