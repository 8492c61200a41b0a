"""The behaviour every SeenStore backend must show; subclassed per backend.

A subclass provides the ``make_store`` fixture: a callable taking an optional
MatchPolicy and returning an empty store.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import replace

from service.dedup.stage import MatchPolicy, Probe, SeenStore, make_probe
from service.models import CleanArticle, Origin

MakeStore = Callable[..., SeenStore]
NOW = 1_800_000_000.0
WORDS = [
    "council",
    "harbour",
    "budget",
    "river",
    "station",
    "engineers",
    "voted",
    "expand",
    "tram",
    "line",
    "winter",
    "storm",
    "flooded",
    "village",
    "mayor",
    "promised",
    "repairs",
    "museum",
    "reopened",
    "painting",
    "stolen",
    "police",
    "recovered",
    "farmers",
    "protest",
    "prices",
    "grain",
    "export",
    "minister",
    "announced",
    "plan",
    "school",
    "teachers",
    "strike",
    "pay",
    "talks",
    "hospital",
    "nurses",
    "shortage",
    "union",
    "agreed",
    "deal",
    "bridge",
    "closed",
    "traffic",
    "diverted",
    "ferry",
    "service",
    "cancelled",
    "airport",
    "runway",
    "extended",
]
CHROME = "Sign up for the Daily Gazette newsletter to get every story in your inbox each morning"


def body(seed: int, paragraphs: int = 10) -> str:
    """Return a deterministic article body of ``paragraphs`` 25-word paragraphs."""
    rng = random.Random(seed)
    return "\n\n".join(" ".join(rng.choices(WORDS, k=25)) for _ in range(paragraphs))


def article(aid: str, text: str, url: str | None = None, offset: int = 0) -> CleanArticle:
    """Return a cleaned article from topic raw, partition 0."""
    return CleanArticle(
        id=aid,
        url=url or f"https://example.com/{aid}",
        source="example.com",
        origin=Origin("raw", 0, offset),
        body=text,
    )


def probe(aid: str, text: str, url: str | None = None, offset: int = 0) -> Probe:
    """Return the probe of a literal article."""
    return make_probe(article(aid, text, url, offset))


class StoreContract:
    """Tests shared by every backend."""

    def test_first_article_is_unique_and_indexed(self, make_store: MakeStore) -> None:
        """A new article is unique, is its own cluster, and is counted."""
        store = make_store()
        verdict = store.check_and_insert(probe("a", body(1)), NOW)
        assert (verdict.match, verdict.cluster_id, verdict.duplicate_of) == ("unique", "a", None)
        assert store.entries() == 1
        assert store.size_bytes() > 0

    def test_same_canonical_url_is_url_duplicate(self, make_store: MakeStore) -> None:
        """A re-scrape of the same URL with tracking parameters is a url duplicate."""
        store = make_store()
        store.check_and_insert(probe("a", body(1), "https://Example.com/x/"), NOW)
        verdict = store.check_and_insert(
            probe("b", body(2), "https://example.com/x?utm_source=t&fbclid=1#top"), NOW + 1
        )
        assert (verdict.match, verdict.duplicate_of, verdict.cluster_id) == ("url", "a", "a")

    def test_same_normalised_body_is_exact_duplicate(self, make_store: MakeStore) -> None:
        """The same body with other case and punctuation is an exact duplicate."""
        store = make_store()
        store.check_and_insert(probe("a", "Storm hits the harbour town."), NOW)
        verdict = store.check_and_insert(probe("b", "STORM hits the harbour town!!"), NOW)
        assert (verdict.match, verdict.duplicate_of) == ("exact", "a")

    def test_truncated_copy_is_near_duplicate(self, make_store: MakeStore) -> None:
        """A copy keeping the first 70 % of paragraphs plus chrome is a near duplicate."""
        store = make_store()
        store.check_and_insert(probe("a", body(1)), NOW)
        paragraphs = body(1).split("\n\n")
        copy = "\n\n".join(["Storm news", "LONDON (Wire) -", *paragraphs[:7], CHROME])
        verdict = store.check_and_insert(probe("b", copy), NOW)
        assert (verdict.match, verdict.duplicate_of) == ("near", "a")

    def test_truncated_copy_first_then_full_original(self, make_store: MakeStore) -> None:
        """The full article arriving after its shortened edition joins its cluster."""
        store = make_store()
        shortened = "\n\n".join(body(1).split("\n\n")[:7])
        store.check_and_insert(probe("short", shortened), NOW)
        verdict = store.check_and_insert(probe("full", body(1)), NOW)
        assert (verdict.match, verdict.duplicate_of) == ("near", "short")

    def test_lightly_edited_copy_is_near_duplicate(self, make_store: MakeStore) -> None:
        """A copy with 4 % of its words replaced is a near duplicate."""
        store = make_store()
        store.check_and_insert(probe("a", body(1)), NOW)
        words = body(1).split(" ")
        edited = " ".join("edited" if i % 25 == 3 else w for i, w in enumerate(words))
        verdict = store.check_and_insert(probe("b", edited), NOW)
        assert (verdict.match, verdict.duplicate_of) == ("near", "a")

    def test_unspaced_text_must_reach_its_own_containment(self, make_store: MakeStore) -> None:
        """The same edited copy is near for spaced text and unique for text shingled by
        characters when the latter's threshold is above its containment."""
        words = body(1).split(" ")
        edited = " ".join("edited" if i % 25 == 3 else w for i, w in enumerate(words))
        for unspaced, expected in ((False, "near"), (True, "unique")):
            store = make_store(MatchPolicy(min_containment_unspaced=0.99))
            store.check_and_insert(replace(probe("a", body(1)), unspaced=unspaced), NOW)
            verdict = store.check_and_insert(replace(probe("b", edited), unspaced=unspaced), NOW)
            assert verdict.match == expected, unspaced

    def test_different_articles_sharing_chrome_stay_apart(self, make_store: MakeStore) -> None:
        """Two different articles of one outlet with the same chrome are both unique."""
        store = make_store()
        first = store.check_and_insert(probe("a", body(1) + "\n\n" + CHROME), NOW)
        second = store.check_and_insert(probe("b", body(2) + "\n\n" + CHROME), NOW)
        assert (first.match, second.match) == ("unique", "unique")
        assert store.entries() == 2

    def test_duplicates_are_not_indexed(self, make_store: MakeStore) -> None:
        """A duplicate does not add an entry; its cluster stays the original's."""
        store = make_store()
        store.check_and_insert(probe("a", body(1)), NOW)
        store.check_and_insert(probe("b", body(1)), NOW)
        third = store.check_and_insert(probe("c", body(1)), NOW)
        assert store.entries() == 1
        assert third.duplicate_of == "a"

    def test_a_copy_cut_elsewhere_joins_through_the_full_edition(
        self, make_store: MakeStore
    ) -> None:
        """The first 7 of 10 paragraphs arrive first, then the full story, then the last 5.

        The two cut copies share 2 paragraphs and stay apart on their own; the full story
        is a fuller edition of the indexed one, so the entry takes its anchors and the last
        copy joins the cluster. Replays get their first verdicts back.
        """
        store = make_store()
        paragraphs = body(1).split("\n\n")
        head = probe("head", "\n\n".join(paragraphs[:7]), offset=1)
        full = probe("full", body(1), offset=2)
        tail = probe("tail", "\n\n".join(paragraphs[5:]), offset=3)
        assert store.check_and_insert(head, NOW).match == "unique"
        first_full = store.check_and_insert(full, NOW + 1)
        assert (first_full.match, first_full.duplicate_of) == ("near", "head")
        first_tail = store.check_and_insert(tail, NOW + 2)
        assert (first_tail.match, first_tail.duplicate_of) == ("near", "head")
        assert store.entries() == 1
        for item, first in ((full, first_full), (tail, first_tail)):
            again = store.check_and_insert(item, NOW + 3)
            assert replace(again, replay=False) == replace(first, replay=False)
        assert store.check_and_insert(head, NOW + 4).replay

    def test_without_a_full_edition_copies_cut_elsewhere_stay_apart(
        self, make_store: MakeStore
    ) -> None:
        """The same two cut copies with no full story between them: two clusters."""
        store = make_store()
        paragraphs = body(1).split("\n\n")
        store.check_and_insert(probe("head", "\n\n".join(paragraphs[:7]), offset=1), NOW)
        tail = store.check_and_insert(probe("tail", "\n\n".join(paragraphs[5:]), offset=3), NOW)
        assert (tail.match, tail.cluster_id) == ("unique", "tail")

    def test_a_roundup_quoting_a_story_leaves_its_entry_alone(self, make_store: MakeStore) -> None:
        """A longer article only half made of the story matches it but is no fuller edition:
        a later article sharing only the roundup's other stories stays apart."""
        store = make_store()
        story = body(1, paragraphs=6).split("\n\n")
        others = body(2, paragraphs=8).split("\n\n")
        store.check_and_insert(probe("story", "\n\n".join(story), offset=1), NOW)
        roundup = store.check_and_insert(probe("roundup", "\n\n".join(story + others)), NOW)
        assert (roundup.match, roundup.duplicate_of) == ("near", "story")
        later = store.check_and_insert(probe("other", "\n\n".join(others), offset=3), NOW)
        assert later.match == "unique"

    def test_short_reports_written_to_one_template_stay_apart(self, make_store: MakeStore) -> None:
        """Two one-paragraph results differing in teams, group and city share 62.5 % of
        their shingles: apart. A corrected re-send of the first shares 79 %: a duplicate."""
        store = make_store()
        first = (
            "Portugal beat Norway 3-0 (halftime 1-0) in a World Cup European group nine "
            "qualifier in Lisbon on Saturday, with two goals from their captain."
        )
        other = (
            "Sweden beat Latvia 3-0 (halftime 1-0) in a World Cup European group four "
            "qualifier in Stockholm on Saturday, with two goals from their captain."
        )
        resend = (
            "Portugal beat Norway 3-0 (halftime 1-0) in their World Cup European group nine "
            "qualifier in Lisbon on Saturday, with two goals from the captain."
        )
        assert store.check_and_insert(probe("first", first, offset=1), NOW).match == "unique"
        assert store.check_and_insert(probe("other", other, offset=2), NOW).match == "unique"
        verdict = store.check_and_insert(probe("resend", resend, offset=3), NOW)
        assert (verdict.match, verdict.duplicate_of) == ("near", "first")

    def test_replayed_original_finds_its_own_entry(self, make_store: MakeStore) -> None:
        """Replaying an original (same id and origin) is unique again, not its own copy."""
        store = make_store()
        first = store.check_and_insert(probe("a", body(1), offset=41), NOW)
        again = store.check_and_insert(probe("a", body(1), offset=41), NOW + 5)
        assert (again.match, again.duplicate_of, again.cluster_id) == ("unique", None, "a")
        assert again.replay and not first.replay
        assert store.entries() == 1

    def test_replayed_duplicate_gets_the_same_verdict(self, make_store: MakeStore) -> None:
        """Replaying a duplicate record yields the same duplicate verdict."""
        store = make_store()
        store.check_and_insert(probe("a", body(1), offset=1), NOW)
        first = store.check_and_insert(probe("b", body(1), offset=2), NOW)
        again = store.check_and_insert(probe("b", body(1), offset=2), NOW + 5)
        assert (first.match, first.duplicate_of) == (again.match, again.duplicate_of)
        assert again.duplicate_of == "a"

    def test_abandoned_attempts_leave_one_original_per_story(self, make_store: MakeStore) -> None:
        """Verdicts of records whose transaction aborted after the store was written.

        The original (partition 0) is indexed and its transaction aborts; an edited copy on
        partition 1 is judged against that entry and commits; both are then replayed. The
        verdicts that commit last name one original: the replayed record finds its own entry.
        """
        store = make_store()
        words = body(1).split(" ")
        copy = " ".join("edited" if i % 25 == 3 else w for i, w in enumerate(words))
        original = replace(probe("a", body(1)), origin=Origin("raw", 0, 5))
        edited = replace(probe("b", copy), origin=Origin("raw", 1, 9))
        aborted = store.check_and_insert(original, NOW)
        committed_copy = store.check_and_insert(edited, NOW + 1)
        replayed = store.check_and_insert(original, NOW + 2)
        replayed_copy = store.check_and_insert(edited, NOW + 3)
        assert (aborted.match, replayed.match, replayed.replay) == ("unique", "unique", True)
        assert committed_copy.duplicate_of == replayed_copy.duplicate_of == "a"
        assert store.entries() == 1

    def test_same_id_at_another_offset_is_a_duplicate(self, make_store: MakeStore) -> None:
        """The same article published twice (new origin) is caught as a duplicate."""
        store = make_store()
        store.check_and_insert(probe("a", body(1), offset=1), NOW)
        again = store.check_and_insert(probe("a", body(1), offset=9), NOW)
        assert (again.match, again.duplicate_of) == ("url", "a")

    def test_entries_expire_after_the_ttl(self, make_store: MakeStore) -> None:
        """An article older than the TTL window no longer catches its copies."""
        store = make_store(MatchPolicy(ttl_seconds=100))
        store.check_and_insert(probe("a", body(1)), NOW)
        inside = store.check_and_insert(probe("b", body(1)), NOW + 99)
        outside = store.check_and_insert(probe("c", body(1)), NOW + 101)
        assert (inside.match, outside.match) == ("exact", "unique")
        assert outside.cluster_id == "c"

    def test_oldest_entry_is_evicted_at_the_cap(self, make_store: MakeStore) -> None:
        """With max_entries=2 a third original evicts the first."""
        store = make_store(MatchPolicy(max_entries=2))
        for number, aid in enumerate(("a", "b", "c")):
            store.check_and_insert(probe(aid, body(number + 1)), NOW + number)
        assert store.entries() == 2
        assert store.check_and_insert(probe("a2", body(1)), NOW + 5).match == "unique"
        assert store.check_and_insert(probe("c2", body(3)), NOW + 5).duplicate_of == "c"

    def test_earliest_original_wins_among_matches(self, make_store: MakeStore) -> None:
        """When two originals match, the earlier-seen one is the cluster."""
        store = make_store()
        store.check_and_insert(probe("old", body(1), "https://example.com/story"), NOW)
        store.check_and_insert(probe("new", body(2)), NOW + 1)
        both = "\n\n".join([body(2), "https://example.com/story"])
        verdict = store.check_and_insert(probe("x", both, "https://example.com/story"), NOW + 2)
        assert (verdict.match, verdict.duplicate_of) == ("url", "old")

    def test_store_agrees_with_reference_judge(self, make_store: MakeStore) -> None:
        """A mixed stream gets identical verdicts from this backend and the reference."""
        from service.stores.embedded.store import EmbeddedStore

        store, reference = make_store(), EmbeddedStore.open(None)
        paragraphs = [p for seed in range(1, 6) for p in body(seed).split("\n\n")]
        for number in range(40):
            rng = random.Random(number)
            text = "\n\n".join(rng.sample(paragraphs, rng.randint(3, 12)))
            item = probe(f"id{number}", text, offset=number)
            ours = store.check_and_insert(item, NOW + number)
            expected = reference.check_and_insert(item, NOW + number)
            assert replace(ours, replay=False) == replace(expected, replay=False), number
