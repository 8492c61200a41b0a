"""The embedded SeenStore: a compact in-process index, optionally persisted.

Entries live in numpy columns used as a ring of at most ``policy.max_entries`` slots
(the oldest is evicted when full; entries older than the TTL are evicted as time moves
on). Each entry is posted under its 6 smallest anchors and its URL key
(:mod:`service.stores.embedded_postings`, ~8 bytes a posting). Stale postings are only
candidates: :func:`service.dedup.judge` re-checks every match.

With a directory, every insert is appended to ``log.jsonl`` (made durable by
:meth:`EmbeddedStore.flush`, which the shell calls before committing offsets) and
compacted into ``snapshot.npz``; reopening replays both, so a restart forgets nothing.
Inserts lost by a crash before ``flush`` belong to uncommitted records, which Kafka
replays and which are then inserted again with the same verdicts.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from service.dedup import MatchPolicy, Probe, StoredEntry, Verdict, judge
from service.models import Origin
from service.stores.embedded_kernels import LONG_ID, possible_matches
from service.stores.embedded_log import StoreLog
from service.stores.embedded_postings import U32, Postings

_LOW32 = 0xFFFFFFFF
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
    if _UUID.fullmatch(article_id):
        return bytes.fromhex(article_id.replace("-", "")), UUID_ID
    if _HEX_ID.fullmatch(article_id):
        raw = bytes.fromhex(article_id)
        return raw, len(raw) + 3
    raw = article_id.encode()
    return (raw, 1) if len(raw) <= ID_BYTES and not raw.endswith(b"\0") else (b"", LONG_ID)


def unpack_id(raw: bytes, form: int) -> str:
    """Invert :func:`pack_id` for forms 1-19 (numpy drops trailing NUL bytes)."""
    if form == 1:
        return raw.decode()
    text = raw.ljust(ID_BYTES if form == UUID_ID else form - 3, b"\0").hex()
    if form == UUID_ID:
        return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"
    return text


class EmbeddedStore:
    """In-process :class:`service.dedup.SeenStore`; not thread-safe (one per process).

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
        self.seq = 0
        self.count = 0
        self.postings = Postings(size * (policy.posted_anchors + 2))

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
        """Return the verdict for ``probe`` and index it when it is a new original."""
        self.expire(now)
        candidates, common = self._candidates(probe, now)
        verdict = judge(probe, candidates, self.policy, common)
        if verdict.match == "unique" and not verdict.replay:
            entry = self._entry_of(probe, now)
            if self._log is not None:
                self._log.append(self.seq, entry)
            self.insert(entry)
        return verdict

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
    def _candidates(self, probe: Probe, now: float) -> tuple[list[StoredEntry], frozenset[int]]:
        """Return the live entries that can decide ``probe``'s verdict, and its common keys.

        Candidates are the entries sharing a key with ``probe``; a key posted by
        ``common_postings`` or more originals (a template or chrome shingle, or a 32-bit
        collision magnet) yields none. Of those, only entries that match the probe or
        share its origin are returned (:func:`possible_matches`): the others would be
        judged "unique" and cannot change the verdict.
        """
        policy = self.policy
        anchors = list(probe.sketch[: policy.lookup_anchors])
        keys = anchors + [k & _LOW32 for k in (probe.url_key, probe.body_key) if k]
        limit = policy.common_postings
        counts, slots = self.postings.lookup(keys, limit)
        common = frozenset(k for k in anchors if counts[k] >= limit)
        if not len(slots):
            return [], common
        cols, origin = self.columns, probe.origin
        topic = self.topics.index(origin.topic) if origin.topic in self.topics else -1
        packed_id, id_form = pack_id(probe.article_id)
        id_words = np.frombuffer(packed_id.ljust(ID_BYTES, b"\0"), np.uint64).copy()
        chosen = possible_matches(
            slots, cols["url_key"], cols["body_key"], cols["seen_at"], cols["id_form"],
            cols["n_anchors"], cols["shingles"], cols["topic"], cols["partition"],
            cols["offset"], self.anchors, self._id_words, id_words, id_form,
            now - policy.ttl_seconds, np.uint64(probe.url_key),
            np.uint64(probe.body_key), np.array(probe.sketch, np.uint64), probe.sketch_full,
            np.array(sorted(common), np.uint64), probe.shingles, topic, origin.partition,
            origin.offset, policy.min_size_ratio, policy.min_containment,
            policy.min_compared, policy.stored_anchors,
        )  # fmt: skip
        return self._live_entries(chosen), common

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
            shingles=min(probe.shingles, 65535),
            seen_at=float(int(now)),
        )

    def insert(self, entry: StoredEntry) -> None:
        """Index ``entry`` unconditionally, evicting the oldest entry when full."""
        slot = self.seq % self.policy.max_entries
        packed_id, id_form = pack_id(entry.article_id)
        if self.columns["id_form"][slot]:
            self._evict(slot)
        topic = entry.origin.topic
        if topic not in self.topics:
            self.topics.append(topic)
        cols = self.columns
        cols["url_key"][slot] = entry.url_key
        cols["body_key"][slot] = entry.body_key
        cols["shingles"][slot] = entry.shingles
        cols["seen_at"][slot] = int(entry.seen_at)
        cols["id_form"][slot] = id_form
        cols["topic"][slot] = self.topics.index(topic)
        cols["partition"][slot] = entry.origin.partition
        cols["offset"][slot] = entry.origin.offset
        cols["n_anchors"][slot] = len(entry.anchors)
        self.anchors[slot, : len(entry.anchors)] = entry.anchors
        self.ids[slot] = packed_id
        if id_form == LONG_ID:
            self.long_ids[slot] = entry.article_id
        merge_due = self.postings.add(self.posted_keys(entry), slot)
        self.seq += 1
        self.count += 1
        if merge_due:
            self.merge_recent()

    def posted_keys(self, entry: StoredEntry) -> list[int]:
        """Return the keys ``entry`` is indexed under (body key only for tiny sketches)."""
        keys = [*entry.anchors[: self.policy.posted_anchors], entry.url_key & _LOW32]
        if len(entry.anchors) < self.policy.posted_anchors:
            keys.append(entry.body_key & _LOW32)
        return keys

    def expire(self, now: float) -> None:
        """Evict entries seen before ``now - ttl``."""
        oldest = now - self.policy.ttl_seconds
        while self.count:
            tail = (self.seq - self.count) % self.policy.max_entries
            if self.columns["seen_at"][tail] >= oldest:
                return
            # Entries are in time order from the tail: evict a run at once (after downtime
            # this can be millions), never past the end of the ring or the live entries.
            stop = min(tail + self.count, self.policy.max_entries)
            fresh = self.columns["seen_at"][tail:stop] >= oldest
            run = int(fresh.argmax()) if fresh.any() else stop - tail
            self._evict_run(tail, tail + run)

    def _evict_run(self, start: int, stop: int) -> None:
        cols = self.columns
        posted = np.minimum(cols["n_anchors"][start:stop], self.policy.posted_anchors)
        self.postings.dead += int(posted.sum(dtype=np.int64)) + (stop - start)
        cols["id_form"][start:stop] = 0
        for slot in [s for s in self.long_ids if start <= s < stop]:
            del self.long_ids[slot]
        self.count -= stop - start

    def _evict(self, slot: int) -> None:
        if self.columns["id_form"][slot]:
            self.columns["id_form"][slot] = 0
            self.long_ids.pop(slot, None)
            posted = min(int(self.columns["n_anchors"][slot]), self.policy.posted_anchors)
            self.postings.dead += posted + 1
        self.count -= 1

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
