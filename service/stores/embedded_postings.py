"""Postings of the embedded store: a 32-bit key -> slot multimap in ~8 bytes a posting.

Postings live in two sorted numpy arrays (keys, slots) plus a dict of recent
additions that is merged in batches, in place: the arrays are allocated for the
store's maximum up front (pages become resident only when written), so merging never
reallocates and never fragments the heap. Removing an entry does not touch its postings:
they are counted as dead and purged in one pass when they reach a quarter of all
postings, with a caller-supplied test of which postings still belong to a live entry.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np
import numpy.typing as npt

from service.stores.embedded_kernels import FENCE_STRIDE, lookup_postings

MERGE_EVERY = 32_768
PURGE_CHUNK = 1 << 20
U32 = npt.NDArray[np.uint32]
I64 = npt.NDArray[np.int64]
StillValid = Callable[[U32, U32], npt.NDArray[np.bool_]]


class Postings:
    """The key -> slot multimap; not thread-safe."""

    def __init__(self, capacity: int) -> None:
        self._keys: U32 = np.zeros(capacity, np.uint32)
        self._slots: U32 = np.zeros(capacity, np.uint32)
        self.size = 0
        self.dead = 0
        self._recent: dict[int, list[int]] = {}
        self._recent_size = 0
        self._fences: U32 = np.zeros(0, np.uint32)  # every FENCE_STRIDE-th merged key

    @property
    def keys(self) -> U32:
        """Return the merged keys, sorted (a view)."""
        return self._keys[: self.size]

    @property
    def slots(self) -> U32:
        """Return the merged slots, in key order (a view)."""
        return self._slots[: self.size]

    def load(self, keys: U32, slots: U32, dead: int) -> None:
        """Replace the merged postings (snapshot restore)."""
        self.size = len(keys)
        if self.size > len(self._keys):
            self._keys, self._slots = np.zeros(self.size, np.uint32), np.zeros(self.size, np.uint32)
        self._keys[: self.size], self._slots[: self.size], self.dead = keys, slots, dead
        self._fences = self.keys[::FENCE_STRIDE].copy()

    @property
    def nbytes(self) -> int:
        """Return the approximate bytes in use (8 per posting, ~64 per recent one)."""
        return 8 * self.size + 64 * self._recent_size

    def add(self, keys: Iterable[int], slot: int) -> bool:
        """Post ``slot`` under each key; return True when a merge is due."""
        for key in keys:
            self._recent.setdefault(key, []).append(slot)
            self._recent_size += 1
        return self._recent_size >= MERGE_EVERY

    def lookup(self, keys: list[int], limit: int) -> tuple[dict[int, int], I64]:
        """Return the posting count of each key and the slots of keys with < ``limit``.

        The slots are distinct and sorted.
        """
        recent = self._recent
        recent_counts = np.array([len(recent.get(key, ())) for key in keys], np.int64)
        counts, slots = lookup_postings(
            self.keys, self.slots, self._fences, np.array(keys, np.uint32), recent_counts, limit
        )
        counted = dict(zip(keys, counts.tolist(), strict=True))
        more = [
            slot
            for key in counted
            if key in recent and counted[key] < limit
            for slot in recent[key]
        ]
        if more:
            slots = np.concatenate((slots, np.array(more, np.int64)))
        found: I64 = np.unique(slots)
        return counted, found

    def merge(self, still_valid: StillValid) -> None:
        """Fold recent additions into the arrays; purge if a quarter is dead."""
        if self._recent:
            keys = np.array([k for k, v in self._recent.items() for _ in v], np.uint32)
            slots = np.array([s for v in self._recent.values() for s in v], np.uint32)
            order = np.argsort(keys, kind="stable")
            self._merge_in_place(keys[order], slots[order])
            self._recent, self._recent_size = {}, 0
        if self.dead * 4 > len(self.keys):
            keep = np.zeros(len(self.keys), np.bool_)
            for start in range(0, len(keep), PURGE_CHUNK):
                stop = start + PURGE_CHUNK
                keep[start:stop] = still_valid(self.keys[start:stop], self.slots[start:stop])
            kept = int(keep.sum())
            self._keys[:kept], self._slots[:kept] = self.keys[keep], self.slots[keep]
            self.size, self.dead = kept, 0
        self._fences = self.keys[::FENCE_STRIDE].copy()

    def _merge_in_place(self, keys: U32, slots: U32) -> None:
        """Insert sorted ``keys``/``slots``, shifting old runs right from the end."""
        old, new = self.size, len(keys)
        if old + new > len(self._keys):
            capacity = 2 * (old + new)
            grown_keys, grown_slots = np.zeros(capacity, np.uint32), np.zeros(capacity, np.uint32)
            grown_keys[:old], grown_slots[:old] = self.keys, self.slots
            self._keys, self._slots = grown_keys, grown_slots
        where = np.searchsorted(self.keys, keys, "right").tolist()
        end = old
        for index in range(new - 1, -1, -1):
            start = where[index]
            if start < end:
                shift = index + 1
                self._keys[start + shift : end + shift] = self._keys[start:end]
                self._slots[start + shift : end + shift] = self._slots[start:end]
            end = start
        target = np.asarray(where) + np.arange(new)
        self._keys[target], self._slots[target] = keys, slots
        self.size = old + new
