"""Postings of the embedded store: a 32-bit key -> slot multimap in ~8 bytes a posting.

Postings live in two sorted numpy arrays (keys, slots) plus recent additions that are
merged in batches, in place: the arrays are allocated for the store's maximum up front
(pages become resident only when written), so merging never reallocates and never
fragments the heap. Recent postings are fixed arrays in arrival order with a small
hash table (key -> latest posting and count), so compiled code adds and finds them
(:mod:`service.stores.embedded.kernels`). Removing an entry does not touch its
postings: they are counted as dead and purged in one pass when they reach a quarter of
all postings, with a caller-supplied test of which postings still belong to a live entry.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np
import numpy.typing as npt

from service.stores.embedded.posting_kernels import (
    DEAD,
    FENCE_STRIDE,
    RECENT,
    RECENT_TABLE_BITS,
    SIZE,
    lookup_postings,
    merge_recent_postings,
    post_recent,
)

MERGE_EVERY = 32_768
RECENT_CAPACITY = MERGE_EVERY + 64  # an insert posts at most stored_anchors + 2 keys
PURGE_CHUNK = 1 << 20
U32 = npt.NDArray[np.uint32]
I32 = npt.NDArray[np.int32]
I64 = npt.NDArray[np.int64]
StillValid = Callable[[U32, U32], npt.NDArray[np.bool_]]


class Postings:
    """The key -> slot multimap; not thread-safe."""

    def __init__(self, capacity: int) -> None:
        self._keys: U32 = np.zeros(capacity, np.uint32)
        self._slots: U32 = np.zeros(capacity, np.uint32)
        self.state: I64 = np.zeros(3, np.int64)  # SIZE, DEAD, RECENT (shared with kernels)
        self._fences: U32 = np.zeros(0, np.uint32)  # every FENCE_STRIDE-th merged key
        self._recent_keys: U32 = np.zeros(RECENT_CAPACITY, np.uint32)
        self._recent_slots: U32 = np.zeros(RECENT_CAPACITY, np.uint32)
        self._recent_next: I32 = np.zeros(RECENT_CAPACITY, np.int32)
        self._table_keys: U32 = np.zeros(1 << RECENT_TABLE_BITS, np.uint32)
        self._table_heads: I32 = np.full(1 << RECENT_TABLE_BITS, -1, np.int32)
        self._table_counts: I32 = np.zeros(1 << RECENT_TABLE_BITS, np.int32)

    @property
    def size(self) -> int:
        """Return the number of merged postings."""
        return int(self.state[SIZE])

    @property
    def dead(self) -> int:
        """Return the number of postings (merged or recent) of evicted entries."""
        return int(self.state[DEAD])

    @dead.setter
    def dead(self, value: int) -> None:
        self.state[DEAD] = value

    @property
    def recent(self) -> int:
        """Return the number of postings not merged yet."""
        return int(self.state[RECENT])

    @property
    def keys(self) -> U32:
        """Return the merged keys, sorted (a view)."""
        return self._keys[: self.size]

    @property
    def slots(self) -> U32:
        """Return the merged slots, in key order (a view)."""
        return self._slots[: self.size]

    def arrays(self) -> tuple[U32, U32, U32, U32, U32, I32, U32, I32, I32, I64]:
        """Return the arrays the kernels take, in their order."""
        return (
            self._keys, self._slots, self._fences, self._recent_keys, self._recent_slots,
            self._recent_next, self._table_keys, self._table_heads, self._table_counts,
            self.state,
        )  # fmt: skip

    def load(self, keys: U32, slots: U32, dead: int) -> None:
        """Replace the merged postings (snapshot restore; nothing recent)."""
        size = len(keys)
        if size > len(self._keys):
            self._keys, self._slots = np.zeros(size, np.uint32), np.zeros(size, np.uint32)
        self._keys[:size], self._slots[:size] = keys, slots
        self.state[:] = (size, dead, 0)
        self._table_heads[:] = -1
        self._fences = self.keys[::FENCE_STRIDE].copy()

    @property
    def nbytes(self) -> int:
        """Return the approximate bytes in use (8 per posting plus the recent buffers)."""
        recent = self._recent_keys.nbytes + self._recent_slots.nbytes + self._recent_next.nbytes
        table = self._table_keys.nbytes + self._table_heads.nbytes + self._table_counts.nbytes
        return 8 * self.size + recent + table

    def add(self, keys: Iterable[int], slot: int) -> bool:
        """Post ``slot`` under each key; return True when a merge is due."""
        for key in keys:
            post_recent(*self.arrays(), key, slot)
        return self.recent >= MERGE_EVERY

    def lookup(self, keys: list[int], limit: int) -> tuple[dict[int, int], I64]:
        """Return the posting count of each key and the slots of keys with < ``limit``.

        The slots are distinct and sorted.
        """
        counts, slots = lookup_postings(*self.arrays(), np.array(keys, np.uint32), limit)
        return dict(zip(keys, counts.tolist(), strict=True)), slots

    def merge(self, still_valid: StillValid) -> None:
        """Fold recent additions into the arrays; purge if a quarter is dead."""
        if self.recent:
            needed = self.size + self.recent
            if needed > len(self._keys):
                capacity = 2 * needed
                grown_keys, grown_slots = (
                    np.zeros(capacity, np.uint32),
                    np.zeros(capacity, np.uint32),
                )
                grown_keys[: self.size], grown_slots[: self.size] = self.keys, self.slots
                self._keys, self._slots = grown_keys, grown_slots
            merge_recent_postings(*self.arrays())
        if self.dead * 4 > self.size:
            keep = np.zeros(self.size, np.bool_)
            for start in range(0, len(keep), PURGE_CHUNK):
                stop = start + PURGE_CHUNK
                keep[start:stop] = still_valid(self.keys[start:stop], self.slots[start:stop])
            kept = int(keep.sum())
            self._keys[:kept], self._slots[:kept] = self.keys[keep], self.slots[keep]
            self.state[SIZE], self.state[DEAD] = kept, 0
        self._fences = self.keys[::FENCE_STRIDE].copy()
