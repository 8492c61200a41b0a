"""The dedup stage: exact and near-duplicate detection over a shared SeenStore.

Exact: the canonical URL (:func:`service.dedup.urls.canonical_url`) or the normalised body
(:func:`service.dedup.fingerprint.fingerprint_body`) was seen before.

Near: bottom-k sketches of word 3-gram shingles (character 3-grams in Chinese, Japanese and
Thai text; see :mod:`service.dedup.fingerprint`) and a
two-way *containment* test. An original is stored with its ``stored_anchors`` (24)
smallest shingle hashes and posted under its ``posted_anchors`` (6) smallest plus its
URL key; a probe looks up its ``lookup_anchors`` (32) smallest and compares its 64-hash
sketch with each candidate's anchors, below the smaller sketch maximum, where membership
in both sets is exact. A pair is a near-duplicate when either side is estimated >= 60 %
(76 % in text without spaces) contained in the other, on >= 6 compared hashes, and the
smaller body has >= 30 % of the shingles of the larger (a short item quoted inside a
roundup stays apart). Hashes posted by >= 8 different originals are template/chrome
shingles: they yield no candidates and do not count as evidence. Short paragraphs (< 8
words: headlines, datelines, chrome lines) are not shingled at all.

Evidence (``bench/dedup.py``, WCXB dev gold texts, ~2,500-article stream with
verbatim, re-scraped, re-headlined, 2-5 % edited, paragraph-dropped, 70 %-truncated
and combined copies, outlet chrome on every article): pair P=1.000 R=0.999, all 525
exact copies caught, no false exact merge; datasketch MinHashLSH (128 perm., 0.8) on
the same shingles: P=1.000 R=0.579 (it finds 28 of 252 truncated copies). Sweeps: 12
stored anchors let chrome-heavy short pages merge (P 0.84-0.99); containment 0.5 also
cost precision, 0.67 cost recall. SimHash (Manku 2007) estimates cosine/Jaccard of
the whole sets and so has MinHash's blind spot for shortened editions. 24 anchors rather
than 16 and the unspaced bar of 0.76 come from ``bench/dedup_cjk.py``: 16 hashes cannot
tell a template pair sharing 75 % of its shingles from a copy keeping 80 %.

Only originals are indexed (a duplicate points at the original that is already there),
so ``cluster_id`` and ``duplicate_of`` are always the first-seen article's id. A
near-duplicate that is a fuller edition of its entry's story gives the entry its anchors
and size (:func:`is_fuller_edition`), so copies cut elsewhere still find the story.
Replay safety: an entry records its article id and Kafka origin; a probe that finds an
entry with its own id *and* origin gets the same verdict as the first time ("unique").
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Literal, Protocol

from service.dedup.fingerprint import containment, fingerprint_body, url_key
from service.dedup.urls import canonical_url
from service.models import CleanArticle, DedupInfo, Origin

MatchKind = Literal["unique", "url", "exact", "near"]
DAY_SECONDS = 86_400.0
_RANK: dict[MatchKind, int] = {"url": 0, "exact": 1, "near": 2, "unique": 3}
UNSPACED_LANGUAGES = frozenset({"zh", "ja", "th", "lo", "km", "my"})
"""ISO 639-1 codes of languages written without spaces between words."""


@dataclass(frozen=True, slots=True)
class MatchPolicy:
    """Tuning of the index and the near-duplicate test (defaults chosen by the bench)."""

    stored_anchors: int = 24
    posted_anchors: int = 6
    lookup_anchors: int = 32
    min_containment: float = 0.6
    min_containment_unspaced: float = 0.76
    min_compared: int = 6
    short_shingles: int = 32
    min_containment_short: float = 0.65
    fuller_min_share: float = 0.5
    min_size_ratio: float = 0.3
    common_postings: int = 8
    ttl_seconds: float = 7 * DAY_SECONDS
    max_entries: int = 5_000_000

    def containment_for(self, probe: Probe) -> float:
        """Return the containment ``probe`` must reach to be a near-duplicate.

        Text written without spaces between words (Chinese, Japanese, Thai) is shingled
        by characters: three characters are about two words, not three, so unrelated
        stories in one house's wording share far more shingles than in spaced text
        (37-75 % between two earthquake reports). Such text must reach
        ``min_containment_unspaced`` (``python bench/dedup_cjk.py``).
        """
        return self.min_containment_unspaced if probe.unspaced else self.min_containment

    def containment_bar(self, probe: Probe, entry_shingles: int) -> float:
        """Return the containment ``probe`` must reach against an entry of that size.

        When the smaller body has fewer than ``short_shingles`` shingles, it is at least
        ``min_containment_short``: every shingle of a short body is compared, and
        one-paragraph reports written to one template (a result, a brief) share 60 % of
        their word 3-grams, only the teams, the score and the group differing
        (``python bench/wiretext.py``), where a corrected re-send keeps two thirds or more.
        """
        bar = self.containment_for(probe)
        if min(probe.shingles, entry_shingles) < self.short_shingles:
            return max(bar, self.min_containment_short)
        return bar


SHINGLES_CAP = 65535
"""Stores keep an entry's shingle count in 16 bits."""


@dataclass(frozen=True, slots=True)
class Probe:
    """One article's dedup keys: what a store looks up and, if it is new, inserts."""

    article_id: str
    origin: Origin
    url_key: int
    body_key: int
    sketch: tuple[int, ...]
    shingles: int
    sketch_limit: int
    unspaced: bool = False  # written without spaces between words: shingled by characters

    @property
    def sketch_full(self) -> bool:
        """Return True when the sketch holds every shingle of the body."""
        return len(self.sketch) < self.sketch_limit


@dataclass(frozen=True, slots=True)
class StoredEntry:
    """An indexed original as a store keeps it (``anchors`` = its smallest hashes)."""

    article_id: str
    origin: Origin
    url_key: int
    body_key: int
    anchors: tuple[int, ...]
    shingles: int
    seen_at: float


@dataclass(frozen=True, slots=True)
class Verdict:
    """A store's answer: ``duplicate_of`` is None for originals; ``replay`` = own entry found."""

    match: MatchKind
    cluster_id: str
    duplicate_of: str | None = None
    replay: bool = False


class SeenStore(Protocol):
    """Index of originals seen within the TTL window, shared by the dedup stage.

    ``check_and_insert`` is atomic: it finds the best match for ``probe`` among live
    entries (see :func:`judge`) and inserts the probe as a new original when there is
    none. A probe finding its own entry (same id and origin) is not inserted again.
    Infrastructure failures propagate. ``entries``/``size_bytes`` feed metrics;
    ``flush`` makes inserts durable and is called before offsets are committed.
    """

    def check_and_insert(self, probe: Probe, now: float) -> Verdict: ...

    def entries(self) -> int: ...

    def size_bytes(self) -> int: ...

    def flush(self) -> None: ...

    def close(self) -> None: ...


def match_kind(
    entry: StoredEntry, probe: Probe, policy: MatchPolicy, common: frozenset[int] = frozenset()
) -> MatchKind:
    """Return how ``probe`` duplicates ``entry`` ("unique" when it does not).

    Hashes in ``common`` (shingles posted by many different originals: templates,
    shared chrome) are left out of the containment estimate.
    """
    if probe.url_key and entry.url_key == probe.url_key:
        return "url"
    if probe.body_key and entry.body_key == probe.body_key:
        return "exact"
    smaller, larger = sorted((entry.shingles, probe.shingles))
    if smaller == 0 or smaller < policy.min_size_ratio * larger:
        return "unique"
    entry_in_probe, probe_in_entry, compared = containment(
        entry.anchors, entry_is_full(entry), probe.sketch, probe.sketch_full, common
    )
    if compared >= policy.min_compared and (
        max(entry_in_probe, probe_in_entry) >= policy.containment_bar(probe, entry.shingles)
    ):
        return "near"
    return "unique"


def entry_is_full(entry: StoredEntry) -> bool:
    """Return whether ``entry``'s anchors are every shingle of its body.

    True when it has no more shingles than anchors, whatever the number of anchors
    entries were stored with when it was written.
    """
    return len(entry.anchors) >= entry.shingles


def is_fuller_edition(
    entry: StoredEntry, probe: Probe, policy: MatchPolicy, common: frozenset[int] = frozenset()
) -> bool:
    """Return whether ``probe``, a near-duplicate of ``entry``, is a fuller edition of it.

    A fuller edition holds the entry (the entry is contained in it as much as a duplicate
    must be, :meth:`MatchPolicy.containment_bar`), has more shingles, and is at least ``fuller_min_share`` made of the
    entry's (so one step cannot turn a story into a roundup that quotes it). The store then
    keeps the probe's anchors and shingle count under the entry's id: only the first-seen
    article of a story is indexed, and when that was a cut copy, a later copy cut elsewhere
    shares too little with it, though both are contained in the full story.
    """
    if min(probe.shingles, SHINGLES_CAP) <= entry.shingles:
        return False
    entry_in_probe, probe_in_entry, compared = containment(
        entry.anchors, entry_is_full(entry), probe.sketch, probe.sketch_full, common
    )
    return (
        compared >= policy.min_compared
        and entry_in_probe >= policy.containment_bar(probe, entry.shingles)
        and probe_in_entry >= policy.fuller_min_share
    )


def judge(
    probe: Probe,
    candidates: Sequence[StoredEntry],
    policy: MatchPolicy,
    common: frozenset[int] = frozenset(),
) -> Verdict:
    """Return the verdict for ``probe`` against live candidate entries.

    ``common`` holds the probe's lookup keys posted by at least ``policy.common_postings``
    originals; they do not count as evidence of a near-duplicate.

    A candidate with the probe's own id and origin (a replay) wins: "unique". Otherwise
    the strongest match kind wins (url, exact, near), then the earliest-seen entry,
    then the smallest id (so every backend picks the same one).
    """
    best: tuple[int, float, str] | None = None
    for entry in candidates:
        if entry.article_id == probe.article_id and entry.origin == probe.origin:
            return Verdict("unique", entry.article_id, replay=True)
        kind = match_kind(entry, probe, policy, common)
        rank = (_RANK[kind], entry.seen_at, entry.article_id)
        if kind != "unique" and (best is None or rank < best):
            best = rank
    if best is None:
        return Verdict("unique", probe.article_id)
    kinds: dict[int, MatchKind] = {v: k for k, v in _RANK.items()}
    return Verdict(kinds[best[0]], best[2], best[2])


def make_probe(article: CleanArticle, sketch_limit: int = 64) -> Probe:
    """Return the dedup keys of a cleaned article; never raises."""
    body = fingerprint_body(article.body)
    url = canonical_url(article.canonical_url or article.url)
    return Probe(
        article_id=article.id,
        origin=article.origin,
        url_key=url_key(url),
        body_key=body.body_key,
        sketch=body.sketch[:sketch_limit],
        shingles=body.shingles,
        sketch_limit=sketch_limit,
        unspaced=article.language in UNSPACED_LANGUAGES,
    )


class Deduplicator:
    """The dedup stage: annotate each article with a :class:`DedupInfo` verdict.

    Redelivery-safe: a replayed record (same id and origin) gets its first verdict
    back. Store failures propagate so the shell can crash and replay.
    """

    def __init__(self, store: SeenStore, clock: Callable[[], float]) -> None:
        self._store = store
        self._clock = clock

    def __call__(self, article: CleanArticle) -> CleanArticle:
        """Return ``article`` with ``dedup`` filled in."""
        probe = make_probe(article)
        verdict = self._store.check_and_insert(probe, self._clock())
        info = DedupInfo(
            fingerprint=f"{probe.body_key:016x}",
            cluster_id=verdict.cluster_id,
            duplicate_of=verdict.duplicate_of,
            match=verdict.match,
        )
        return replace(article, dedup=info)
