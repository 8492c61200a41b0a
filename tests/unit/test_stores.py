"""The embedded store: the shared contract in memory and on disk, plus persistence."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from service.dedup.stage import MatchPolicy, Probe
from service.stores.embedded.postings import Postings
from service.stores.embedded.store import EmbeddedStore
from tests.store_contract import NOW, MakeStore, StoreContract, body, probe


class TestEmbeddedInMemory(StoreContract):
    """The contract, memory only."""

    @pytest.fixture
    def make_store(self) -> MakeStore:
        return lambda policy=None: EmbeddedStore.open(None, policy)


class TestEmbeddedOnDisk(StoreContract):
    """The contract, persisted to a temporary directory."""

    @pytest.fixture
    def make_store(self, tmp_path: Path) -> MakeStore:
        return lambda policy=None: EmbeddedStore.open(tmp_path / "state", policy)


def test_restart_after_close_forgets_nothing(tmp_path: Path) -> None:
    """Entries survive close and reopen (snapshot path)."""
    store = EmbeddedStore.open(tmp_path)
    store.check_and_insert(probe("a", body(1)), NOW)
    store.close()
    reopened = EmbeddedStore.open(tmp_path)
    assert reopened.entries() == 1
    assert reopened.check_and_insert(probe("b", body(1)), NOW).duplicate_of == "a"


def test_crash_after_flush_keeps_flushed_entries(tmp_path: Path) -> None:
    """Entries flushed to the log but never snapshotted are restored after a crash."""
    store = EmbeddedStore.open(tmp_path)
    store.check_and_insert(probe("a", body(1), offset=7), NOW)
    store.flush()
    store.check_and_insert(probe("b", body(2), offset=8), NOW)
    reopened = EmbeddedStore.open(tmp_path)
    assert reopened.entries() == 1
    replayed = reopened.check_and_insert(probe("a", body(1), offset=7), NOW + 1)
    assert (replayed.match, replayed.replay) == ("unique", True)
    assert reopened.check_and_insert(probe("b", body(2), offset=8), NOW + 1).match == "unique"


def test_snapshot_plus_log_restore_and_torn_line(tmp_path: Path) -> None:
    """A snapshot, later log lines and a torn last line restore to the same index."""
    store = EmbeddedStore.open(tmp_path)
    store.check_and_insert(probe("a", body(1)), NOW)
    store.close()
    store = EmbeddedStore.open(tmp_path)
    store.check_and_insert(probe("b", body(2)), NOW + 1)
    store.flush()
    with (tmp_path / "log.jsonl").open("a") as log:
        log.write('[5,"torn')
    reopened = EmbeddedStore.open(tmp_path)
    assert reopened.entries() == 2
    assert reopened.check_and_insert(probe("c", body(2)), NOW + 2).duplicate_of == "b"


def _cut_story() -> tuple[Probe, Probe, Probe]:
    """Return the first 7 of 10 paragraphs, the whole story and its last 5."""
    paragraphs = body(1).split("\n\n")
    return (
        probe("head", "\n\n".join(paragraphs[:7]), offset=1),
        probe("full", body(1), offset=2),
        probe("tail", "\n\n".join(paragraphs[5:]), offset=3),
    )


@pytest.mark.parametrize("close", [False, True])
def test_an_entry_refreshed_by_a_fuller_edition_is_restored(tmp_path: Path, close: bool) -> None:
    """The new anchors of a refreshed entry survive a crash after flush (log) and a
    close (snapshot): the copy cut elsewhere still joins the story after the restart."""
    head, full, tail = _cut_story()
    store = EmbeddedStore.open(tmp_path)
    store.check_and_insert(head, NOW)
    assert store.check_and_insert(full, NOW + 1).duplicate_of == "head"
    if close:
        store.close()
    else:
        store.flush()
    reopened = EmbeddedStore.open(tmp_path)
    verdict = reopened.check_and_insert(tail, NOW + 2)
    assert (verdict.match, verdict.duplicate_of) == ("near", "head")


def test_a_snapshot_with_fewer_anchors_an_entry_loads(tmp_path: Path) -> None:
    """A store written with 16 anchors an entry opens with more: entries keep theirs."""
    store = EmbeddedStore.open(tmp_path, MatchPolicy(stored_anchors=16))
    store.check_and_insert(probe("a", body(1)), NOW)
    store.close()
    reopened = EmbeddedStore.open(tmp_path)
    assert reopened.policy.stored_anchors > 16 and reopened.entries() == 1
    paragraphs = body(1).split("\n\n")
    copy = reopened.check_and_insert(probe("b", "\n\n".join(paragraphs[:7])), NOW + 1)
    assert (copy.match, copy.duplicate_of) == ("near", "a")
    other = reopened.check_and_insert(probe("c", body(2)), NOW + 2)
    assert other.match == "unique"


def test_corrupt_log_line_in_the_middle_raises(tmp_path: Path) -> None:
    """A bad log line that is not the last one is an error, not silently skipped."""
    EmbeddedStore.open(tmp_path).close()
    (tmp_path / "log.jsonl").write_text('not json\n[0,"a"]\n[1,"b"]\n')
    with pytest.raises(ValueError, match="Expecting value"):
        EmbeddedStore.open(tmp_path)


def test_postings_survive_merge_and_purge() -> None:
    """Merged and purged postings still find live entries and forget evicted ones."""
    store = EmbeddedStore.open(None, MatchPolicy(max_entries=3))
    for number in range(1, 6):
        store.check_and_insert(probe(f"a{number}", body(number)), NOW + number)
    store.merge_recent()
    store.postings.dead = len(store.postings.keys)
    store.merge_recent()
    assert store.entries() == 3
    assert store.check_and_insert(probe("x", body(5)), NOW + 9).duplicate_of == "a5"
    assert store.check_and_insert(probe("y", body(1)), NOW + 9).match == "unique"


def test_long_article_ids_widen_the_id_column() -> None:
    """An id longer than any before is stored and returned intact."""
    store = EmbeddedStore.open(None)
    long_id = "x" * 100
    store.check_and_insert(probe(long_id, body(1)), NOW)
    store.check_and_insert(probe("short", body(2)), NOW)
    assert store.check_and_insert(probe("c", body(1)), NOW).duplicate_of == long_id


def test_hex_ids_round_trip_through_packed_storage(tmp_path: Path) -> None:
    """Hex ids (with trailing zero bytes) and UTF-8 ids come back unchanged after restart."""
    hex_id = "ab" * 14 + "0000"
    store = EmbeddedStore.open(tmp_path)
    store.check_and_insert(probe(hex_id, body(1)), NOW)
    store.check_and_insert(probe("Zürich-7", body(2)), NOW)
    store.close()
    reopened = EmbeddedStore.open(tmp_path)
    assert reopened.check_and_insert(probe("x", body(1)), NOW).duplicate_of == hex_id
    assert reopened.check_and_insert(probe("y", body(2)), NOW).duplicate_of == "Zürich-7"


def test_in_place_merges_keep_postings_sorted_and_complete() -> None:
    """Several batches merged in place give the sorted multiset of all postings."""
    postings = Postings(capacity=8)
    added: list[tuple[int, int]] = []
    for batch in range(4):
        pairs = [
            ((slot * 7919 + batch * 31) % 50, slot) for slot in range(batch * 10, batch * 10 + 10)
        ]
        for key, slot in pairs:
            postings.add([key], slot)
        added += pairs
        postings.merge(lambda keys, slots: np.ones(len(keys), np.bool_))
    assert postings.keys.tolist() == sorted(key for key, _ in added)
    assert sorted(zip(postings.keys.tolist(), postings.slots.tolist(), strict=True)) == sorted(
        added
    )
    counts, slots = postings.lookup([added[0][0], 999], limit=8)
    assert counts[999] == 0 and added[0][1] in slots


def test_uuid_and_long_ids_round_trip(tmp_path: Path) -> None:
    """UUIDs (packed) and ids longer than 16 bytes come back unchanged after restart."""
    uuid = "123e4567-e89b-12d3-a456-426614174000"
    long_id = "source:" + "x" * 60
    store = EmbeddedStore.open(tmp_path)
    store.check_and_insert(probe(uuid, body(1)), NOW)
    store.check_and_insert(probe(long_id, body(2)), NOW)
    store.close()
    reopened = EmbeddedStore.open(tmp_path)
    assert reopened.check_and_insert(probe("x", body(1)), NOW).duplicate_of == uuid
    assert reopened.check_and_insert(probe("y", body(2)), NOW).duplicate_of == long_id


def test_snapshot_with_another_max_entries_is_refused(tmp_path: Path) -> None:
    """Reopening with a different max_entries raises instead of mixing up slots."""
    store = EmbeddedStore.open(tmp_path, MatchPolicy(max_entries=10))
    store.check_and_insert(probe("a", body(1)), NOW)
    store.close()
    with pytest.raises(ValueError, match="max_entries"):
        EmbeddedStore.open(tmp_path, MatchPolicy(max_entries=20))


def test_mass_expiry_across_the_ring_end() -> None:
    """Expiry evicts a long run that wraps around the ring end, and nothing fresher."""
    store = EmbeddedStore.open(None, MatchPolicy(max_entries=5, ttl_seconds=100))
    for number in range(7):
        store.check_and_insert(probe(f"a{number}", body(number + 1)), NOW + number)
    assert store.entries() == 5
    store.expire(NOW + 105.5)
    assert store.entries() == 1
    assert store.check_and_insert(probe("x", body(7)), NOW + 105.5).duplicate_of == "a6"
    assert store.check_and_insert(probe("y", body(5)), NOW + 105.5).match == "unique"


def test_state_of_another_format_is_refused(tmp_path: Path) -> None:
    """State written before the current exact keys (no or another format) is never read."""
    store = EmbeddedStore.open(tmp_path / "new")
    store.check_and_insert(probe("a", body(1)), NOW)
    store.close()
    assert (tmp_path / "new" / "format").read_text() == "cleanwire-dedup 2\n"
    assert EmbeddedStore.open(tmp_path / "new").entries() == 1
    old = tmp_path / "old"  # version 1 had no format file
    old.mkdir()
    (old / "log.jsonl").write_text('[0,"a","raw",0,0,1,2,[3,4],9,1800000000.0]\n')
    with pytest.raises(ValueError, match="before format 2"):
        EmbeddedStore.open(old)
    (tmp_path / "new" / "format").write_text("cleanwire-dedup 3\n")
    with pytest.raises(ValueError, match="format 'cleanwire-dedup 3'"):
        EmbeddedStore.open(tmp_path / "new")


def test_snapshot_without_the_format_is_refused(tmp_path: Path) -> None:
    """A version-1 snapshot (no format entry) raises instead of loading old exact keys."""
    store = EmbeddedStore.open(tmp_path)
    store.check_and_insert(probe("a", body(1)), NOW)
    store.close()
    with np.load(tmp_path / "snapshot.npz") as data:
        arrays = {name: data[name] for name in data.files if name != "format"}
    np.savez(tmp_path / "snapshot.npz", allow_pickle=False, **arrays)
    with pytest.raises(ValueError, match="format 1, not 2"):
        EmbeddedStore.open(tmp_path)
