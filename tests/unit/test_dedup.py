"""The dedup stage: verdicts on articles, the judge, and the reference containment."""

from __future__ import annotations

import dataclasses

from service.dedup.fingerprint import containment
from service.dedup.stage import (
    Deduplicator,
    MatchPolicy,
    Probe,
    StoredEntry,
    entry_is_full,
    is_fuller_edition,
    judge,
    make_probe,
    match_kind,
)
from service.models import Origin
from service.stores.embedded.store import EmbeddedStore
from tests.store_contract import CHROME, NOW, article, body, probe

ORIGIN = Origin("raw", 0, 0)


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def entry(aid: str, source: Probe, seen_at: float = NOW, origin: Origin = ORIGIN) -> StoredEntry:
    """Return the stored form of a probe, as a store would keep it."""
    return StoredEntry(
        aid, origin, source.url_key, source.body_key, source.sketch[:16], source.shingles, seen_at
    )


def test_text_without_spaces_between_words_needs_more_containment() -> None:
    """Chinese, Japanese and Thai probes are marked unspaced and take the stricter bar."""
    chinese = dataclasses.replace(
        article("zh", "\u65b0\u534e\u793e\u5317\u4eac\u7535"), language="zh"
    )
    english = dataclasses.replace(article("en", body(1)), language="en")
    policy = MatchPolicy()
    assert make_probe(chinese).unspaced and not make_probe(english).unspaced
    assert policy.containment_for(make_probe(chinese)) == policy.min_containment_unspaced
    assert policy.containment_for(make_probe(english)) == policy.min_containment
    assert policy.min_containment_unspaced > policy.min_containment


def test_original_gets_its_own_cluster_and_fingerprint() -> None:
    """A first article is unique, its own cluster, with a 16-hex-digit fingerprint."""
    dedup = Deduplicator(EmbeddedStore.open(None), FakeClock(NOW))
    result = dedup(article("a", body(1)))
    assert result.dedup is not None
    assert (result.dedup.match, result.dedup.cluster_id, result.dedup.duplicate_of) == (
        "unique",
        "a",
        None,
    )
    assert len(result.dedup.fingerprint) == 16 and not result.is_duplicate


def test_copy_points_at_the_first_seen_article() -> None:
    """A later wire copy with chrome is a duplicate of the first-seen article."""
    dedup = Deduplicator(EmbeddedStore.open(None), FakeClock(NOW))
    dedup(article("wire", body(1)))
    copy = dedup(article("outlet", "BERLIN (AP) -\n\n" + body(1) + "\n\n" + CHROME))
    assert copy.is_duplicate and copy.dedup is not None
    assert (copy.dedup.duplicate_of, copy.dedup.cluster_id, copy.dedup.match) == (
        "wire",
        "wire",
        "near",
    )


def test_injected_clock_drives_the_ttl() -> None:
    """Moving the injected clock past the TTL makes a copy unique again."""
    clock = FakeClock(NOW)
    dedup = Deduplicator(EmbeddedStore.open(None, MatchPolicy(ttl_seconds=60)), clock)
    dedup(article("a", body(1)))
    clock.now += 61
    assert not dedup(article("b", body(1))).is_duplicate


def test_judge_prefers_the_replayed_own_entry() -> None:
    """A candidate with the probe's id and origin wins over a real earlier match."""
    item = probe("a", body(1))
    candidates = [entry("older", item, NOW - 10), entry("a", item)]
    verdict = judge(item, candidates, MatchPolicy())
    assert (verdict.match, verdict.cluster_id, verdict.replay) == ("unique", "a", True)


def test_judge_ranks_url_over_near_and_then_age() -> None:
    """The strongest match kind wins; among equals the earliest-seen entry wins."""
    item = probe("x", body(1), "https://e.com/s")
    same_url = entry("url", probe("u", body(2), "https://e.com/s"), NOW)
    near_old = entry("near_old", probe("n1", body(1)), NOW - 5)
    near_new = entry("near_new", probe("n2", body(1)), NOW - 1)
    assert judge(item, [near_new, same_url, near_old], MatchPolicy()).duplicate_of == "url"
    assert judge(item, [near_new, near_old], MatchPolicy()).duplicate_of == "near_old"


def test_size_ratio_keeps_a_short_story_out_of_a_roundup() -> None:
    """A short item fully contained in a much longer roundup is not its duplicate."""
    short = probe("short", "\n\n".join(body(1).split("\n\n")[:2]))
    roundup = probe("roundup", body(1) + "\n\n" + body(2) + "\n\n" + body(3))
    assert match_kind(entry("short", short), roundup, MatchPolicy()) == "unique"


def test_common_keys_are_not_evidence() -> None:
    """Hashes marked common (shared chrome) do not count towards containment."""
    item = probe("a", body(1))
    stored = entry("b", probe("b", body(1) + "\n\nextra words make the body differ a bit here"))
    assert match_kind(stored, item, MatchPolicy()) == "near"
    assert match_kind(stored, item, MatchPolicy(), frozenset(item.sketch)) == "unique"


def test_containment_sees_a_truncated_copy_in_both_directions() -> None:
    """A prefix is fully contained in its source; the source is partly in the prefix."""
    full = probe("f", body(1, paragraphs=20))
    prefix = probe("p", "\n\n".join(body(1, paragraphs=20).split("\n\n")[:10]))
    prefix_in_full = containment(full.sketch[:16], False, prefix.sketch, False)[1]
    full_in_prefix = containment(prefix.sketch[:16], False, full.sketch, False)[0]
    assert prefix_in_full == 1.0
    assert full_in_prefix == 1.0
    unrelated = probe("u", body(7, paragraphs=20))
    assert max(containment(full.sketch[:16], False, unrelated.sketch, False)[:2]) < 0.2


def test_containment_of_empty_sketches_compares_nothing() -> None:
    """Nothing to compare gives zero containment and zero compared."""
    assert containment((), True, (1, 2), True) == (0.0, 0.0, 0)


def _entry(anchors: tuple[int, ...], shingles: int) -> StoredEntry:
    return StoredEntry("e", Origin("raw", 0, 0), 1, 2, anchors, shingles, 0.0)


def _probe(sketch: tuple[int, ...], shingles: int) -> Probe:
    return Probe("p", Origin("raw", 0, 1), 3, 4, sketch, shingles, sketch_limit=64)


def test_an_entry_is_full_when_it_holds_every_shingle() -> None:
    """Full means as many anchors as shingles, whatever anchor count it was stored with."""
    assert entry_is_full(_entry(tuple(range(10)), 10))
    assert not entry_is_full(_entry(tuple(range(16)), 300))
    assert not entry_is_full(_entry(tuple(range(24)), 25))


def test_a_fuller_edition_holds_the_entry_and_is_half_made_of_it() -> None:
    """The whole story after its first half: fuller. A roundup quoting it, a shorter copy,
    or an article sharing too little with it: not."""
    policy = MatchPolicy()
    story = _entry(tuple(range(1, 11)), 10)
    assert is_fuller_edition(story, _probe(tuple(range(1, 21)), 20), policy)
    assert not is_fuller_edition(story, _probe(tuple(range(1, 26)), 25), policy)  # 40 % of it
    assert not is_fuller_edition(story, _probe(tuple(range(1, 10)), 9), policy)
    assert not is_fuller_edition(story, _probe((*range(1, 6), *range(50, 60)), 15), policy)
    common = frozenset(range(1, 8))  # template shingles are no evidence: 3 left to compare
    assert not is_fuller_edition(story, _probe(tuple(range(1, 21)), 20), policy, common)


def test_a_short_body_must_reach_the_short_bar() -> None:
    """Under short_shingles on either side the bar is at least min_containment_short;
    unspaced text keeps its own higher bar."""
    policy = MatchPolicy()
    short, long = _probe(tuple(range(20)), 20), _probe(tuple(range(64)), 500)
    assert policy.containment_bar(short, 500) == policy.min_containment_short
    assert policy.containment_bar(long, 20) == policy.min_containment_short
    assert policy.containment_bar(long, 500) == policy.min_containment
    unspaced = dataclasses.replace(short, unspaced=True)
    assert policy.containment_bar(unspaced, 20) == policy.min_containment_unspaced
