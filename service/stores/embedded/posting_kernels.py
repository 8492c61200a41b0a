"""Compiled posting-list kernels of the embedded store (numba).

* :func:`lookup_postings`: binary search of the sorted posting arrays (through the
  fences) and of the recent-posting hash table for a probe's keys, with the posting
  counts and the slots of keys that are not "common".
* :func:`post_recent`: add one posting to the recent hash table.
* :func:`merge_recent_postings`: fold the recent postings into the sorted arrays.

:class:`service.stores.embedded.postings.Postings` owns the arrays; the check-and-insert
kernel of :mod:`service.stores.embedded.kernels` calls these inside one compiled call.
"""

from __future__ import annotations

import numba
import numpy as np
from numba import types

_U4 = types.uint32
_I4 = types.int32
_I8 = types.int64
_U4A = _U4[::1]
_I4A = _I4[::1]
_I8A = _I8[::1]

FENCE_STRIDE = 64
SIZE, DEAD, RECENT = 0, 1, 2  # Postings.state: merged postings, dead ones, recent ones
RECENT_TABLE_BITS = 16  # recent-posting hash table: 65,536 keys (two per recent posting)
_HASH_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)
POSTING_TYPES = (_U4A, _U4A, _U4A, _U4A, _U4A, _I4A, _U4A, _I4A, _I4A, _I8A)
# keys slots fences recent_keys recent_slots recent_next table_keys table_heads table_counts state


@numba.njit(_I8(_U4[::1], _U4, _I8, _I8), cache=True, nogil=True)
def _lower_bound(values, key, low, high):  # type: ignore[no-untyped-def]  # pragma: no cover
    """Return the first index in ``[low, high)`` of sorted ``values`` not below ``key``."""
    while low < high:
        middle = (low + high) >> 1
        if values[middle] < key:
            low = middle + 1
        else:
            high = middle
    return low


@numba.njit(_I8(_U4A, _I4A, _U4), cache=True, nogil=True)
def _table_position(table_keys, table_heads, key):  # type: ignore[no-untyped-def]  # pragma: no cover
    """Return where ``key`` is in the recent-posting table, or the empty place for it."""
    mask = len(table_keys) - 1
    position = np.int64((np.uint64(key) * _HASH_MULTIPLIER) >> np.uint64(64 - RECENT_TABLE_BITS))
    while table_heads[position] >= 0 and table_keys[position] != key:
        position = (position + 1) & mask
    return position


@numba.njit(types.void(*POSTING_TYPES, _U4, _U4), cache=True, nogil=True)
def post_recent(  # type: ignore[no-untyped-def]  # pragma: no cover
    keys, slots, fences, recent_keys, recent_slots, recent_next, table_keys, table_heads,
    table_counts, state, key, slot,
):  # fmt: skip
    """Add the posting ``key -> slot`` to the recent (not yet merged) postings.

    Recent postings are arrays in arrival order; each posting links to the previous
    one of its key, and the table holds each key's latest posting and count.
    """
    index = state[RECENT]
    position = _table_position(table_keys, table_heads, key)
    if table_heads[position] < 0:
        table_keys[position] = key
        table_counts[position] = 0
    recent_keys[index] = key
    recent_slots[index] = slot
    recent_next[index] = table_heads[position]
    table_heads[position] = index
    table_counts[position] += 1
    state[RECENT] = index + 1


@numba.njit(_I8A(_I8A), cache=True, nogil=True)
def _sorted_unique(values):  # type: ignore[no-untyped-def]  # pragma: no cover
    """Return the distinct ``values``, sorted, in place (insertion sort: a few hundred at most).

    Hand-written sorts here and in :func:`_radix_order` compile in a fraction of the
    time numba's generic ``np.sort``/``np.argsort`` take (cold starts).
    """
    kept = 0
    for index in range(len(values)):
        value = values[index]
        position = kept
        while position > 0 and values[position - 1] > value:
            position -= 1
        if position > 0 and values[position - 1] == value:
            continue
        for move in range(kept, position, -1):
            values[move] = values[move - 1]
        values[position] = value
        kept += 1
    return values[:kept]


@numba.njit(_I8A(_U4A, _I8), cache=True, nogil=True)
def _radix_order(values, count):  # type: ignore[no-untyped-def]  # pragma: no cover
    """Return the stable sorting order of ``values[:count]`` (two 16-bit counting passes)."""
    order = np.empty(count, np.int64)
    scratch = np.empty(count, np.int64)
    buckets = np.zeros(1 << 16, np.int64)
    for index in range(count):
        buckets[values[index] & 0xFFFF] += 1
    total = 0
    for bucket in range(1 << 16):
        total, buckets[bucket] = total + buckets[bucket], total
    for index in range(count):
        low = values[index] & 0xFFFF
        scratch[buckets[low]] = index
        buckets[low] += 1
    for bucket in range(1 << 16):
        buckets[bucket] = 0
    for index in range(count):
        buckets[values[index] >> 16] += 1
    total = 0
    for bucket in range(1 << 16):
        total, buckets[bucket] = total + buckets[bucket], total
    for index in range(count):
        high = values[scratch[index]] >> 16
        order[buckets[high]] = scratch[index]
        buckets[high] += 1
    return order


@numba.njit(
    types.Tuple((_I8A, _I8A))(*POSTING_TYPES, _U4A, _I8),  # type: ignore[no-untyped-call]
    cache=True,
    nogil=True,
)
def lookup_postings(  # type: ignore[no-untyped-def]  # pragma: no cover
    keys, slots, fences, recent_keys, recent_slots, recent_next, table_keys, table_heads,
    table_counts, state, wanted, limit,
):  # fmt: skip
    """Return each wanted key's posting count and the distinct sorted slots of keys below ``limit``.

    Merged postings (``keys``/``slots`` up to ``state[SIZE]``, sorted by key) are found
    by a binary search of ``fences`` (every ``FENCE_STRIDE``-th key, small enough to
    stay in cache) and then of one block of keys; recent ones through the table.
    """
    size = state[SIZE]
    wanted_count = len(wanted)
    counts = np.empty(wanted_count, np.int64)
    starts = np.empty(wanted_count, np.int64)
    heads = np.empty(wanted_count, np.int64)
    found = 0
    for index in range(wanted_count):
        key = wanted[index]
        fence = _lower_bound(fences, key, 0, len(fences))
        low = _lower_bound(
            keys, key, max((fence - 1) * FENCE_STRIDE + 1, 0), min(fence * FENCE_STRIDE, size)
        )
        stop = low
        while stop < size and keys[stop] == key:
            stop += 1
        position = _table_position(table_keys, table_heads, key)
        head = table_heads[position]
        starts[index] = low
        heads[index] = head
        counts[index] = stop - low + (table_counts[position] if head >= 0 else 0)
        if counts[index] < limit:
            found += counts[index]
    out = np.empty(found, np.int64)
    filled = 0
    for index in range(wanted_count):
        if counts[index] < limit:
            position = starts[index]
            while position < size and keys[position] == wanted[index]:
                out[filled] = slots[position]
                filled += 1
                position += 1
            recent = heads[index]
            while recent >= 0:
                out[filled] = recent_slots[recent]
                filled += 1
                recent = recent_next[recent]
    return counts, _sorted_unique(out)


@numba.njit(types.void(*POSTING_TYPES), cache=True, nogil=True)
def merge_recent_postings(  # type: ignore[no-untyped-def]  # pragma: no cover
    keys, slots, fences, recent_keys, recent_slots, recent_next, table_keys, table_heads,
    table_counts, state,
):  # fmt: skip
    """Fold the recent postings into the sorted arrays, in place (from the end).

    The arrays must have room for them. Equal keys keep arrival order (old ones first).
    """
    old = state[SIZE]
    new = state[RECENT]
    order = _radix_order(recent_keys, new)
    merged = old - 1
    index = new - 1
    target = old + new - 1
    while index >= 0:
        key = recent_keys[order[index]]
        if merged >= 0 and keys[merged] > key:
            keys[target] = keys[merged]
            slots[target] = slots[merged]
            merged -= 1
        else:
            keys[target] = key
            slots[target] = recent_slots[order[index]]
            index -= 1
        target -= 1
    state[SIZE] = old + new
    state[RECENT] = 0
    for position in range(len(table_heads)):
        table_heads[position] = -1
