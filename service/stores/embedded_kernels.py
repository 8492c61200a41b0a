"""Compiled inner loops of the embedded store (numba; see :mod:`service.fingerprint`).

* :func:`lookup_postings`: binary search of the sorted posting arrays for a probe's
  keys, with the posting counts and the slots of keys that are not "common".
* :func:`possible_matches`: the subset of candidate slots that can change a verdict:
  live entries that :func:`service.dedup.match_kind` would not call "unique", and
  entries with the probe's own origin (possible replays). It computes exactly what
  ``match_kind`` computes, so :func:`service.dedup.judge` over the survivors gives the
  verdict it would give over all candidates; the embedded store then builds Python
  entries for a handful of slots instead of every candidate.
* :func:`merge_sorted_in_place`: fold sorted new postings into the sorted arrays.
"""

from __future__ import annotations

import numba
import numpy as np
from numba import types

_MASK64 = np.uint64((1 << 64) - 1)
_U4 = types.uint32
_U8 = types.uint64
_I8 = types.int64


FENCE_STRIDE = 64
LONG_ID = 255  # the id form of ids kept outside the packed column


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


@numba.njit(
    types.Tuple((_I8[::1], _I8[::1]))(  # type: ignore[no-untyped-call]
        _U4[::1], _U4[::1], _U4[::1], _U4[::1], _I8[::1], _I8
    ),
    cache=True,
    nogil=True,
)
def lookup_postings(keys, slots, fences, wanted, recent_counts, limit):  # type: ignore[no-untyped-def]  # pragma: no cover
    """Return each wanted key's posting count and the slots of keys with fewer than ``limit``.

    ``keys``/``slots`` are the merged postings (sorted by key) and ``fences`` every
    ``FENCE_STRIDE``-th key (a small array that stays in cache: one binary search there,
    one in a block of keys); ``recent_counts`` are the counts of each wanted key among
    postings not merged yet (added to the counts).
    """
    counts = recent_counts.copy()
    starts = np.empty(len(wanted), np.int64)
    size = len(keys)
    found = 0
    for index in range(len(wanted)):
        key = wanted[index]
        fence = _lower_bound(fences, key, 0, len(fences))
        low = _lower_bound(
            keys, key, max((fence - 1) * FENCE_STRIDE + 1, 0), min(fence * FENCE_STRIDE, size)
        )
        stop = low
        while stop < size and keys[stop] == key:
            stop += 1
        starts[index] = low
        counts[index] += stop - low
        if counts[index] < limit:
            found += stop - low
    out = np.empty(found, np.int64)
    filled = 0
    for index in range(len(wanted)):
        if counts[index] < limit:
            position = starts[index]
            while position < size and keys[position] == wanted[index]:
                out[filled] = slots[position]
                filled += 1
                position += 1
    return counts, out


@numba.njit(cache=True, nogil=True)
def _member(values, value):  # type: ignore[no-untyped-def]  # pragma: no cover
    for other in values:  # noqa: SIM110 (a loop compiles; a generator in any() may not)
        if other == value:
            return True
    return False


@numba.njit(cache=True, nogil=True)
def _seen(values, index):  # type: ignore[no-untyped-def]  # pragma: no cover
    """Return True when ``values[index]`` occurs earlier in ``values``."""
    for earlier in range(index):  # noqa: SIM110
        if values[earlier] == values[index]:
            return True
    return False


@numba.njit(cache=True, nogil=True)
def _distinct_below(values, limit, ignored):  # type: ignore[no-untyped-def]  # pragma: no cover
    """Return how many distinct ``values`` are <= ``limit`` and not in ``ignored``."""
    count = 0
    for index in range(len(values)):
        value = np.uint64(values[index])
        if value <= limit and not _member(ignored, value) and not _seen(values, index):
            count += 1
    return count


@numba.njit(cache=True, nogil=True)
def _contained(stored, stored_full, probe, probe_full, ignored, min_containment, min_compared):  # type: ignore[no-untyped-def]  # pragma: no cover
    """Return True when :func:`service.fingerprint.containment` says "near"."""
    limit = _MASK64
    if len(stored) and not stored_full:
        limit = min(limit, np.uint64(stored[len(stored) - 1]))
    if len(probe) and not probe_full:
        limit = min(limit, probe[len(probe) - 1])
    left = _distinct_below(stored, limit, ignored)
    right = _distinct_below(probe, limit, ignored)
    if left == 0 or right == 0:
        return False
    common = 0
    for index in range(len(stored)):
        value = np.uint64(stored[index])
        if value <= limit and not _member(ignored, value) and not _seen(stored, index):
            for other in probe:
                if other == value:
                    common += 1
                    break
    if min(left, right) < min_compared:
        return False
    return common / left >= min_containment or common / right >= min_containment


@numba.njit(
    _I8[::1](
        _I8[::1], _U8[::1], _U8[::1], _U4[::1], types.uint8[::1], types.uint8[::1],
        types.uint16[::1], types.uint16[::1], types.int32[::1], types.int64[::1],
        types.Array(_U4, 2, "C"), types.Array(_U8, 2, "C"), _U8[::1], _I8, types.float64, _U8, _U8, _U8[::1], types.boolean, _U8[::1],
        _I8, _I8, _I8, _I8, types.float64, types.float64, _I8, _I8,
    ),
    cache=True,
    nogil=True,
)  # fmt: skip
def possible_matches(  # type: ignore[no-untyped-def]  # pragma: no cover
    candidates, url_keys, body_keys, seen_at, id_form, n_anchors, shingles, topic, partition,
    offset, anchors, ids, probe_id, probe_form, oldest, probe_url, probe_body, sketch, sketch_full, ignored,
    probe_shingles, probe_topic, probe_partition, probe_offset, min_size_ratio,
    min_containment, min_compared, stored_anchors,
):  # fmt: skip
    """Return the live candidate slots that match the probe or may be its own entry.

    ``ids`` are the packed id column as two 64-bit words a slot, ``probe_id`` and
    ``probe_form`` the probe's (see :func:`service.stores.embedded.pack_id`; ids too long
    to pack are compared in Python). The remaining arguments describe the probe and the
    policy; ``probe_topic`` is -1 when the probe's topic is not in the store;
    ``ignored`` holds the probe's common keys. Mirrors :func:`service.dedup.match_kind`
    and :func:`service.fingerprint.containment` step by step.
    """
    out = np.empty(len(candidates), np.int64)
    kept = 0
    for slot in candidates:
        if id_form[slot] == 0 or seen_at[slot] < oldest:
            continue
        if (
            topic[slot] == probe_topic
            and partition[slot] == probe_partition
            and offset[slot] == probe_offset
            and id_form[slot] == probe_form
            and (
                probe_form == LONG_ID
                or (ids[slot, 0] == probe_id[0] and ids[slot, 1] == probe_id[1])
            )
        ):
            out[kept] = slot  # possibly the probe's own entry: a replay
            kept += 1
            continue
        if (probe_url != 0 and url_keys[slot] == probe_url) or (
            probe_body != 0 and body_keys[slot] == probe_body
        ):
            out[kept] = slot
            kept += 1
            continue
        smaller = min(np.int64(shingles[slot]), probe_shingles)
        larger = max(np.int64(shingles[slot]), probe_shingles)
        if smaller == 0 or smaller < min_size_ratio * larger:
            continue
        if _contained(
            anchors[slot, : n_anchors[slot]],
            n_anchors[slot] < stored_anchors,
            sketch,
            sketch_full,
            ignored,
            min_containment,
            min_compared,
        ):
            out[kept] = slot
            kept += 1
    return out[:kept]
