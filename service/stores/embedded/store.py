"""The embedded SeenStore: a compact in-process index, optionally persisted.

Entries live in numpy columns used as a ring of at most ``policy.max_entries`` slots
(the oldest is evicted when full; entries older than the TTL are evicted as time moves
on). Each entry is posted under its 6 smallest anchors and its URL key
(:mod:`service.stores.embedded.postings`, ~8 bytes a posting). Stale postings are only
candidates: :func:`service.dedup.stage.judge` re-checks every match.

With a directory, every insert is appended to ``log.jsonl`` (made durable by
:meth:`EmbeddedStore.flush`, which the shell calls before committing offsets) and
compacted into ``snapshot.npz``; reopening replays both, so a restart forgets nothing.
Inserts lost by a crash before ``flush`` belong to uncommitted records, which Kafka
replays and which are then inserted again with the same verdicts.
"""

from __future__ import annotations

import re
from array import array
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from service.dedup.stage import (
    SHINGLES_CAP,
    MatchKind,
    MatchPolicy,
    Probe,
    StoredEntry,
    Verdict,
    is_fuller_edition,
    judge,
)
from service.models import Origin
from service.stores.embedded.kernels import (
    COUNT,
    INSERTED,
    LIMIT,
    LONG_ID,
    LOOKUP_K,
    MATCH,
    MAX_ENTRIES,
    MERGE_AT,
    MIN_COMPARED,
    MIN_CONTAINMENT,
    MIN_CONTAINMENT_SHORT,
    MIN_SIZE_RATIO,
    OUT_CODE,
    OUT_COMMON,
    OUT_FOUND,
    OUT_KIND,
    OUT_MERGE,
    OUT_RANGES,
    OUT_SIZE,
    POSTED_K,
    REPLAY,
    SEQ,
    SHORT,
    STORED_K,
    TTL,
    expire_entries,
    insert_entry,
    refresh_entry,
)
from service.stores.embedded.kernels import check_and_insert as check_and_insert_kernel
from service.stores.embedded.log import StoreLog
from service.stores.embedded.postings import MERGE_EVERY, U32, Postings

_LOW32 = 0xFFFFFFFF
_KINDS: tuple[MatchKind, ...] = ("url", "exact", "near")
_Array = npt.NDArray[Any]
_Columns = tuple[
    _Array, _Array, _Array, _Array, _Array, _Array, _Array, _Array, _Array, _Array, _Array, _Array
]
_HEX_ID = re.compile(r"(?:[0-9a-f]{2}){1,16}")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
ID_BYTES = 16
UUID_ID = 2
_COLUMNS: dict[str, Any] = {
    "url_key": np.uint64,
    "body_key": np.uint64,
    "shingles": np.uint16,
    "seen_at": np.uint32,
    "id_form": np.uint8,
    "topic": np.uint16,
    "partition": np.int32,
    "offset": np.int64,
    "n_anchors": np.uint8,
}


def pack_id(article_id: str) -> tuple[bytes, int]:
    """Return an id's stored bytes and form: 1 UTF-8, 2 UUID, 3 + n n hex bytes, 255 long."""
    if len(article_id) == 36 and _UUID.fullmatch(article_id):
        return bytes.fromhex(article_id.replace("-", "")), UUID_ID
    if _HEX_ID.fullmatch(article_id):
        raw = bytes.fromhex(article_id)
        return raw, len(raw) + 3
    raw = article_id.encode()
    return (raw, 1) if len(raw) <= ID_BYTES and not raw.endswith(b"\0") else (b"", LONG_ID)


def _id_words(packed_id: bytes) -> tuple[int, int]:
    """Return a packed id as the two 64-bit words of its column row."""
    padded = packed_id.ljust(ID_BYTES, b"\0")
    return int.from_bytes(padded[:8], "little"), int.from_bytes(padded[8:], "little")


def unpack_id(raw: bytes, form: int) -> str:
    """Invert :func:`pack_id` for forms 1-19 (numpy drops trailing NUL bytes)."""
    if form == 1:
        return raw.decode()
    text = raw.ljust(ID_BYTES if form == UUID_ID else form - 3, b"\0").hex()
    if form == UUID_ID:
        return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"
    return text


class EmbeddedStore:
    """In-process :class:`service.dedup.stage.SeenStore`; not thread-safe (one per process).

    Ids are stored in 16 bytes when they fit: lower-case hex (the schema's default id
    is 32 hex digits) and UUIDs as raw bytes, short ids as UTF-8; longer ids go to a
    dict. Columns are allocated for ``max_entries`` up front but only touched pages
    become resident.
    """

    def __init__(self, policy: MatchPolicy, log: StoreLog | None = None) -> None:
        self.policy = policy
        self._log = log
        size = policy.max_entries
        # np.zeros maps pages lazily: resident memory grows with the entries written.
        self.columns: dict[str, npt.NDArray[Any]] = {
            name: np.zeros(size, dtype) for name, dtype in _COLUMNS.items()
        }
        self.anchors = np.zeros((size, policy.stored_anchors), np.uint32)
        self.ids = np.zeros(size, f"S{ID_BYTES}")
        self._id_words = self.ids.view(np.uint64).reshape(size, 2)  # for compiled code
        self.long_ids: dict[int, str] = {}
        self.topics: list[str] = []
        self.state = np.zeros(2, np.int64)  # SEQ, COUNT (shared with compiled code)
        self.postings = Postings(size * (policy.posted_anchors + 2))
        self._out = np.zeros(OUT_SIZE, np.int64)
        self._found = np.zeros((policy.lookup_anchors + 2) * policy.common_postings, np.int64)
        self._common = np.zeros(policy.lookup_anchors, np.uint64)
        ints = np.zeros(8, np.int64)
        ints[[MAX_ENTRIES, STORED_K, POSTED_K, LOOKUP_K, LIMIT, MIN_COMPARED, SHORT]] = (
            policy.max_entries, policy.stored_anchors, policy.posted_anchors,
            policy.lookup_anchors, policy.common_postings, policy.min_compared,
            policy.short_shingles,
        )  # fmt: skip
        ints[MERGE_AT] = MERGE_EVERY
        self._ints = ints
        self._floats = np.zeros(4, np.float64)
        self._floats[[TTL, MIN_SIZE_RATIO, MIN_CONTAINMENT]] = (
            policy.ttl_seconds, policy.min_size_ratio, policy.min_containment,
        )  # fmt: skip

    @property
    def seq(self) -> int:
        """Return the number of inserts so far (the next slot is ``seq % max_entries``)."""
        return int(self.state[SEQ])

    @seq.setter
    def seq(self, value: int) -> None:
        self.state[SEQ] = value

    @property
    def count(self) -> int:
        """Return the number of entries in the ring (expired ones until evicted)."""
        return int(self.state[COUNT])

    @count.setter
    def count(self, value: int) -> None:
        self.state[COUNT] = value

    def _column_arrays(self) -> _Columns:
        """Return the columns in the order the kernels take them."""
        cols = self.columns
        return (
            cols["url_key"], cols["body_key"], cols["shingles"], cols["seen_at"],
            cols["id_form"], cols["topic"], cols["partition"], cols["offset"],
            cols["n_anchors"], self.anchors, self._id_words, self.state,
        )  # fmt: skip

    @classmethod
    def open(cls, directory: str | Path | None, policy: MatchPolicy | None = None) -> EmbeddedStore:
        """Open the store persisted in ``directory`` (created if missing); None = memory only.

        Raises OSError when the directory cannot be used, ValueError on a corrupt snapshot.
        """
        policy = policy or MatchPolicy()
        if directory is None:
            return cls(policy)
        log = StoreLog(Path(directory))
        store = cls(policy, log)
        log.restore(store)
        return store

    # -- SeenStore ---------------------------------------------------------------
    def check_and_insert(self, probe: Probe, now: float) -> Verdict:
        """Return the verdict for ``probe`` and index it when it is a new original.

        One compiled call (:func:`check_and_insert_kernel`) expires, looks up, judges and
        inserts; Python picks the smallest id among entries tied for the best match and
        runs :func:`service.dedup.stage.judge` when an id too long to pack may be the probe's.
        """
        origin, out = probe.origin, self._out
        bar = self.policy.containment_for(probe)
        self._floats[MIN_CONTAINMENT] = bar
        self._floats[MIN_CONTAINMENT_SHORT] = max(bar, self.policy.min_containment_short)
        topics = self.topics
        topic = topics.index(origin.topic) if origin.topic in topics else -1
        packed_id, id_form = pack_id(probe.article_id)
        id_low, id_high = _id_words(packed_id)
        check_and_insert_kernel(
            *self._column_arrays(), *self.postings.arrays(), probe.url_key, probe.body_key,
            np.frombuffer(array("Q", probe.sketch), np.uint64), probe.sketch_full,
            probe.shingles, topic, len(topics) if topic < 0 else topic, origin.partition,
            origin.offset, id_low, id_high, id_form, now, self._ints, self._floats, out,
            self._found, self._common,
        )  # fmt: skip
        self._forget_long_ids(out)
        code = out[OUT_CODE]
        if code == INSERTED:
            self._inserted(probe.article_id, id_form, origin.topic, topic < 0)
            if self._log is not None:
                self._log.append(self.seq - 1, self._entry_of(probe, now))
            return Verdict("unique", probe.article_id)
        if code == REPLAY:
            return Verdict("unique", probe.article_id, replay=True)
        common = frozenset(self._common[: out[OUT_COMMON]].tolist())
        if code == MATCH:
            slot, best = min(
                ((slot, self._id_at(slot)) for slot in self._found[: out[OUT_FOUND]].tolist()),
                key=lambda found: found[1],
            )
            kind = _KINDS[out[OUT_KIND]]
            if kind == "near":
                [entry] = self._live_entries(np.array([slot], np.int64))
                self._refresh_if_fuller(slot, entry, probe, common)
            return Verdict(kind, best, best)
        slots = self._found[: out[OUT_FOUND]]
        entries = self._live_entries(slots)
        verdict = judge(probe, entries, self.policy, common)
        if verdict.match == "unique" and not verdict.replay:
            entry = self._entry_of(probe, now)
            if self._log is not None:
                self._log.append(self.seq, entry)
            self.insert(entry)
        elif verdict.match == "near":
            for slot, entry in zip(slots.tolist(), entries, strict=True):
                if entry.article_id == verdict.cluster_id:
                    self._refresh_if_fuller(slot, entry, probe, common)
                    break
        return verdict

    def _refresh_if_fuller(
        self, slot: int, entry: StoredEntry, probe: Probe, common: frozenset[int]
    ) -> None:
        """Keep ``probe``'s anchors under ``entry`` when it is a fuller edition of the story."""
        if not is_fuller_edition(entry, probe, self.policy, common):
            return
        anchors = probe.sketch[: self.policy.stored_anchors]
        shingles = min(probe.shingles, SHINGLES_CAP)
        if self._log is not None:
            self._log.append_refresh(slot, entry.article_id, anchors, shingles)
        self.refresh(slot, anchors, shingles)

    def refresh(self, slot: int, anchors: tuple[int, ...], shingles: int) -> None:
        """Give the entry in ``slot`` new anchors and shingle count (see is_fuller_edition)."""
        out = self._out
        out[:] = 0
        refresh_entry(
            *self._column_arrays(), *self.postings.arrays(), slot,
            np.array(anchors[: self.policy.stored_anchors], np.uint64), min(shingles, SHINGLES_CAP),
            self.policy.posted_anchors, MERGE_EVERY, out,
        )  # fmt: skip
        if out[OUT_MERGE]:
            self.merge_recent()

    def holds(self, slot: int, article_id: str) -> bool:
        """Return whether ``slot`` holds a live entry with ``article_id``."""
        in_ring = 0 <= slot < self.used_slots()
        return (
            in_ring and int(self.columns["id_form"][slot]) != 0 and self._id_at(slot) == article_id
        )

    def entries(self) -> int:
        """Return the number of indexed originals (expired ones until evicted)."""
        return self.count

    def size_bytes(self) -> int:
        """Return the bytes of the used part of the index (Python overheads excluded)."""
        per_slot = sum(c.itemsize for c in self.columns.values())
        per_slot += self.anchors.itemsize * self.anchors.shape[1] + self.ids.itemsize
        long_ids = 100 * len(self.long_ids)
        return per_slot * self.used_slots() + self.postings.nbytes + long_ids

    def flush(self) -> None:
        """Make every insert so far durable (no-op without a directory)."""
        if self._log is not None:
            self._log.flush(self)

    def close(self) -> None:
        """Flush, write a snapshot and release the directory."""
        if self._log is not None:
            self._log.close(self)

    # -- index ---------------------------------------------------------------------
    def _live_entries(self, index: npt.NDArray[np.int64]) -> list[StoredEntry]:
        """Return the entries in the (live) slots ``index``."""
        if not len(index):
            return []
        cols = self.columns
        rows = zip(
            index.tolist(),
            cols["id_form"][index].tolist(),
            self.ids[index].tolist(),
            cols["topic"][index].tolist(),
            cols["partition"][index].tolist(),
            cols["offset"][index].tolist(),
            cols["url_key"][index].tolist(),
            cols["body_key"][index].tolist(),
            cols["n_anchors"][index].tolist(),
            cols["shingles"][index].tolist(),
            cols["seen_at"][index].tolist(),
            self.anchors[index].tolist(),
            strict=True,
        )
        return [
            StoredEntry(
                article_id=self.long_ids[slot] if form == LONG_ID else unpack_id(raw, form),
                origin=Origin(self.topics[topic], partition, offset),
                url_key=url_key,
                body_key=body_key,
                anchors=tuple(anchors[:n_anchors]),
                shingles=shingles,
                seen_at=float(seen_at),
            )
            for (
                slot, form, raw, topic, partition, offset, url_key, body_key, n_anchors,
                shingles, seen_at, anchors,
            ) in rows
        ]  # fmt: skip

    def _entry_of(self, probe: Probe, now: float) -> StoredEntry:
        return StoredEntry(
            article_id=probe.article_id,
            origin=probe.origin,
            url_key=probe.url_key,
            body_key=probe.body_key,
            anchors=probe.sketch[: self.policy.stored_anchors],
            shingles=min(probe.shingles, SHINGLES_CAP),
            seen_at=float(int(now)),
        )

    def insert(self, entry: StoredEntry) -> None:
        """Index ``entry`` unconditionally, evicting the oldest entry when full."""
        packed_id, id_form = pack_id(entry.article_id)
        id_low, id_high = _id_words(packed_id)
        topics, out = self.topics, self._out
        topic = topics.index(entry.origin.topic) if entry.origin.topic in topics else -1
        out[:] = 0
        insert_entry(
            *self._column_arrays(), *self.postings.arrays(), entry.url_key, entry.body_key,
            np.array(entry.anchors[: self.policy.stored_anchors], np.uint64),
            min(entry.shingles, SHINGLES_CAP), int(entry.seen_at),
            id_form, id_low, id_high, len(topics) if topic < 0 else topic,
            entry.origin.partition, entry.origin.offset, self.policy.max_entries,
            self.policy.posted_anchors, MERGE_EVERY, out,
        )  # fmt: skip
        self._forget_long_ids(out)
        self._inserted(entry.article_id, id_form, entry.origin.topic, topic < 0)

    def _inserted(self, article_id: str, id_form: int, topic: str, new_topic: bool) -> None:
        """Finish an insert done by compiled code: long id, new topic, merge when due."""
        if id_form == LONG_ID:
            self.long_ids[(self.seq - 1) % self.policy.max_entries] = article_id
        if new_topic:
            self.topics.append(topic)
        if self._out[OUT_MERGE]:
            self.merge_recent()

    def _forget_long_ids(self, out: npt.NDArray[np.int64]) -> None:
        """Drop the long ids of the slot ranges evicted by the last compiled call."""
        if not self.long_ids:
            return
        for number in range(int(out[OUT_RANGES])):
            start, stop = (
                int(v) for v in out[OUT_RANGES + 1 + 2 * number : OUT_RANGES + 3 + 2 * number]
            )
            if stop - start < len(self.long_ids):
                for slot in range(start, stop):
                    self.long_ids.pop(slot, None)
            else:
                for slot in [s for s in self.long_ids if start <= s < stop]:
                    del self.long_ids[slot]

    def posted_keys(self, entry: StoredEntry) -> list[int]:
        """Return the keys ``entry`` is indexed under (body key only for tiny sketches)."""
        keys = [*entry.anchors[: self.policy.posted_anchors], entry.url_key & _LOW32]
        if len(entry.anchors) < self.policy.posted_anchors:
            keys.append(entry.body_key & _LOW32)
        return keys

    def expire(self, now: float) -> None:
        """Evict entries seen before ``now - ttl`` (runs from the ring's tail)."""
        out = self._out
        out[:] = 0
        expire_entries(
            self.columns["seen_at"], self.columns["id_form"], self.columns["n_anchors"],
            self.state, self.postings.state, now - self.policy.ttl_seconds,
            self.policy.max_entries, self.policy.posted_anchors, out,
        )  # fmt: skip
        self._forget_long_ids(out)

    def _id_at(self, slot: int) -> str:
        form = int(self.columns["id_form"][slot])
        return self.long_ids[slot] if form == LONG_ID else unpack_id(self.ids[slot], form)

    def used_slots(self) -> int:
        """Return how many slots have ever been written (a prefix of the columns)."""
        return min(self.seq, self.policy.max_entries)

    def merge_recent(self) -> None:
        """Fold recent postings into the sorted arrays (and purge dead ones when due)."""
        self.postings.merge(self._still_valid)

    def _still_valid(self, keys: U32, slots: U32) -> npt.NDArray[np.bool_]:
        cols, posted = self.columns, self.policy.posted_anchors
        hit = (self.anchors[slots, :posted] == keys[:, None]).any(axis=1)
        hit |= (cols["url_key"][slots] & _LOW32).astype(np.uint32) == keys
        hit |= (cols["body_key"][slots] & _LOW32).astype(np.uint32) == keys
        valid: npt.NDArray[np.bool_] = hit & (cols["id_form"][slots] != 0)
        return valid
