"""Compiled inner loops of the embedded store (numba; see :mod:`service.dedup.fingerprint`).

* :func:`check_and_insert`: expire, look up (through
  :mod:`service.stores.embedded.posting_kernels`), judge and insert in one call. Of the
  candidates it keeps those that can change a verdict: live entries that
  :func:`service.dedup.stage.match_kind` would not call "unique", and entries with the
  probe's own origin (possible replays). It computes exactly what ``match_kind``
  computes, so :func:`service.dedup.stage.judge` over the survivors gives the verdict it
  would give over all candidates; the embedded store then builds Python entries for a
  handful of slots instead of every candidate.
* :func:`insert_entry`, :func:`refresh_entry` and :func:`expire_entries`: the ring of
  columns.
"""

from __future__ import annotations

import numba
import numpy as np
from numba import types

from service.stores.embedded.posting_kernels import (
    DEAD,
    POSTING_TYPES,
    RECENT,
    lookup_postings,
    post_recent,
)

_MASK64 = np.uint64((1 << 64) - 1)
_U4 = types.uint32
_U8 = types.uint64
_I8 = types.int64


LONG_ID = 255  # the id form of ids kept outside the packed column


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
    """Return True when :func:`service.dedup.fingerprint.containment` says "near"."""
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


# -- the whole check-and-insert path --------------------------------------------------
# Integer state shared with Python (int64 arrays, so compiled code can update it).
SEQ, COUNT = 0, 1  # EmbeddedStore.state: inserts so far, entries in the ring
# ``out`` of check_and_insert/insert_entry/expire_entries: what Python still has to do.
INSERTED, REPLAY, MATCH, UNDECIDED = 0, 1, 2, 3  # out[OUT_CODE]
OUT_CODE, OUT_KIND, OUT_SLOT, OUT_MERGE, OUT_FOUND, OUT_COMMON = 0, 1, 2, 3, 4, 5
OUT_RANGES = 6  # the number of evicted slot ranges; (start, stop) pairs follow
OUT_SIZE = 16
# Integer and float policy arrays passed to check_and_insert.
MAX_ENTRIES, STORED_K, POSTED_K, LOOKUP_K, LIMIT, MIN_COMPARED, MERGE_AT, SHORT = range(8)
TTL, MIN_SIZE_RATIO, MIN_CONTAINMENT, MIN_CONTAINMENT_SHORT = range(4)
_LOW32 = np.uint64(0xFFFFFFFF)
_I4 = types.int32
_U8A = _U8[::1]
_U4A = _U4[::1]
_I4A = _I4[::1]
_I8A = _I8[::1]
_U1A = types.uint8[::1]
_COLUMN_TYPES = (
    _U8A, _U8A, types.uint16[::1], _U4A, _U1A, types.uint16[::1], _I4A, _I8A, _U1A,
    types.Array(_U4, 2, "C"), types.Array(_U8, 2, "C"), _I8A,
)  # fmt: skip  # url_key body_key shingles seen_at id_form topic partition offset n_anchors anchors ids state


@numba.njit(cache=True, nogil=True)
def _record_range(out, start, stop):  # type: ignore[no-untyped-def]  # pragma: no cover
    ranges = out[OUT_RANGES]
    if OUT_RANGES + 2 * ranges + 2 < len(out):
        out[OUT_RANGES + 1 + 2 * ranges] = start
        out[OUT_RANGES + 2 + 2 * ranges] = stop
        out[OUT_RANGES] = ranges + 1


@numba.njit(
    types.void(_U4A, _U1A, _U1A, _I8A, _I8A, types.float64, _I8, _I8, _I8A),
    cache=True,
    nogil=True,
)
def expire_entries(  # type: ignore[no-untyped-def]  # pragma: no cover
    seen_at, id_form, n_anchors, state, posting_state, oldest, max_entries, posted, out
):
    """Evict the entries seen before ``oldest`` (runs from the ring's tail); record the ranges."""
    while state[COUNT] > 0:
        count = state[COUNT]
        tail = (state[SEQ] - count) % max_entries
        if seen_at[tail] >= oldest:
            return
        stop = min(tail + count, max_entries)
        run = tail + 1
        while run < stop and seen_at[run] < oldest:
            run += 1
        dead = 0
        for slot in range(tail, run):
            dead += min(np.int64(n_anchors[slot]), posted)
            id_form[slot] = 0
        posting_state[DEAD] += dead + (run - tail)
        state[COUNT] -= run - tail
        _record_range(out, tail, run)


@numba.njit(
    _I8(
        *_COLUMN_TYPES, *POSTING_TYPES, _U8, _U8, _U8A, _I8, _I8, _I8, _U8, _U8, _I8, _I8,
        _I8, _I8, _I8, _I8, _I8A,
    ),
    cache=True,
    nogil=True,
)  # fmt: skip
def insert_entry(  # type: ignore[no-untyped-def]  # pragma: no cover
    url_keys, body_keys, shingles, seen_at, id_form, topic, partition, offset, n_anchors,
    anchors, ids, state, keys, slots, fences, recent_keys, recent_slots, recent_next,
    table_keys, table_heads, table_counts, posting_state, url_key, body_key, entry_anchors,
    entry_shingles, entry_seen, form, id_low, id_high, entry_topic, entry_partition,
    entry_offset, max_entries, posted, merge_every, out,
):  # fmt: skip
    """Write an entry into the next ring slot (evicting its occupant) and post it; return the slot.

    Posted under its first ``posted`` anchors and the low 32 bits of its URL key, and
    of its body key when it has fewer anchors than that. ``out[OUT_MERGE]`` is set when
    the recent postings are due for a merge.
    """
    slot = state[SEQ] % max_entries
    if id_form[slot] != 0:
        id_form[slot] = 0
        posting_state[DEAD] += min(np.int64(n_anchors[slot]), posted) + 1
        state[COUNT] -= 1
        _record_range(out, slot, slot + 1)
    count = len(entry_anchors)
    url_keys[slot] = url_key
    body_keys[slot] = body_key
    shingles[slot] = entry_shingles
    seen_at[slot] = entry_seen
    id_form[slot] = form
    topic[slot] = entry_topic
    partition[slot] = entry_partition
    offset[slot] = entry_offset
    n_anchors[slot] = count
    for index in range(count):
        anchors[slot, index] = entry_anchors[index]
    ids[slot, 0] = id_low
    ids[slot, 1] = id_high
    posting = (keys, slots, fences, recent_keys, recent_slots, recent_next)
    table = (table_keys, table_heads, table_counts, posting_state)
    for index in range(min(count, posted)):
        post_recent(*posting, *table, np.uint32(entry_anchors[index]), np.uint32(slot))
    post_recent(*posting, *table, np.uint32(url_key & _LOW32), np.uint32(slot))
    if count < posted:
        post_recent(*posting, *table, np.uint32(body_key & _LOW32), np.uint32(slot))
    state[SEQ] += 1
    state[COUNT] += 1
    out[OUT_MERGE] = 1 if posting_state[RECENT] >= merge_every else 0
    return slot


@numba.njit(
    types.void(*_COLUMN_TYPES, *POSTING_TYPES, _I8, _U8A, _I8, _I8, _I8, _I8A),
    cache=True,
    nogil=True,
)  # fmt: skip
def refresh_entry(  # type: ignore[no-untyped-def]  # pragma: no cover
    url_keys, body_keys, shingles, seen_at, id_form, topic, partition, offset, n_anchors,
    anchors, ids, state, keys, slots, fences, recent_keys, recent_slots, recent_next,
    table_keys, table_heads, table_counts, posting_state, slot, entry_anchors,
    entry_shingles, posted, merge_every, out,
):  # fmt: skip
    """Give the entry in ``slot`` new anchors and a new shingle count (a fuller edition).

    Its new first ``posted`` anchors are posted; postings of anchors it no longer has are
    counted dead (they are purged with the others, and lookups re-check every posting).
    ``out[OUT_MERGE]`` is set when the recent postings are due for a merge.
    """
    old_posted = min(np.int64(n_anchors[slot]), posted)
    count = len(entry_anchors)
    new_posted = min(count, posted)
    posting = (keys, slots, fences, recent_keys, recent_slots, recent_next)
    table = (table_keys, table_heads, table_counts, posting_state)
    dead = 0
    for index in range(old_posted):
        if not _member(entry_anchors[:new_posted], np.uint64(anchors[slot, index])):
            dead += 1
    for index in range(new_posted):
        already = False
        for other in range(old_posted):
            if np.uint64(anchors[slot, other]) == entry_anchors[index]:
                already = True
                break
        if not already:
            post_recent(*posting, *table, np.uint32(entry_anchors[index]), np.uint32(slot))
    for index in range(anchors.shape[1]):
        anchors[slot, index] = np.uint32(entry_anchors[index]) if index < count else np.uint32(0)
    n_anchors[slot] = count
    shingles[slot] = entry_shingles
    posting_state[DEAD] += dead
    out[OUT_MERGE] = 1 if posting_state[RECENT] >= merge_every else 0


@numba.njit(
    types.void(
        *_COLUMN_TYPES, *POSTING_TYPES, _U8, _U8, _U8A, types.boolean, _I8, _I8, _I8, _I8,
        _I8, _U8, _U8, _I8, types.float64, _I8A, types.Array(types.float64, 1, "C"), _I8A,
        _I8A, _U8A,
    ),
    cache=True,
    nogil=True,
)  # fmt: skip
def check_and_insert(  # type: ignore[no-untyped-def]  # pragma: no cover
    url_keys, body_keys, shingles, seen_at, id_form, topic, partition, offset, n_anchors,
    anchors, ids, state, keys, slots, fences, recent_keys, recent_slots, recent_next,
    table_keys, table_heads, table_counts, posting_state, probe_url, probe_body, sketch,
    sketch_full, probe_shingles, probe_topic, new_topic, probe_partition, probe_offset,
    id_low, id_high, probe_form, now, ints, floats, out, found, common_out,
):  # fmt: skip
    """Expire, look up, judge and (for a new original) insert one probe in one call.

    Mirrors :meth:`service.stores.embedded.store.EmbeddedStore.expire`, the posting lookup,
    :func:`service.dedup.stage.judge` over the live candidates and the insert. ``out[OUT_CODE]``:

    * INSERTED: a new original, now in slot ``out[OUT_SLOT]``;
    * REPLAY: a live entry with the probe's id and origin exists (nothing inserted);
    * MATCH: the best match kind (``out[OUT_KIND]``: 0 url, 1 exact, 2 near); the first
      ``out[OUT_FOUND]`` of ``found`` are the entries tied for best (same kind and
      ``seen_at``), and Python picks the smallest id among them;
    * UNDECIDED: a candidate with the probe's origin has an id too long to pack, so
      Python runs ``judge`` over the ``found`` slots.

    The first ``out[OUT_COMMON]`` of ``common_out`` are the probe's common keys (anchors
    posted ``LIMIT`` times or more, which do not count as evidence). An entry holds every
    shingle of its body when it has as many anchors as shingles.

    ``found`` must hold ``(LOOKUP_K + 2) * (LIMIT - 1)`` slots (every key yielding
    candidates has fewer than ``LIMIT``), ``common_out`` ``LOOKUP_K`` keys. Evicted slot
    ranges are recorded in ``out`` (Python forgets their long ids). Nothing is returned:
    results are written into the arrays, which is cheaper than boxing new ones.
    """
    for index in range(len(out)):
        out[index] = 0
    max_entries = ints[MAX_ENTRIES]
    stored_k = ints[STORED_K]
    posted = ints[POSTED_K]
    limit = ints[LIMIT]
    oldest = now - floats[TTL]
    expire_entries(
        seen_at, id_form, n_anchors, state, posting_state, oldest, max_entries, posted, out
    )
    looked_up = min(len(sketch), ints[LOOKUP_K])
    wanted = np.empty(looked_up + (probe_url != 0) + (probe_body != 0), np.uint32)
    for index in range(looked_up):
        wanted[index] = np.uint32(sketch[index])
    extra = looked_up
    if probe_url != 0:
        wanted[extra] = np.uint32(probe_url & _LOW32)
        extra += 1
    if probe_body != 0:
        wanted[extra] = np.uint32(probe_body & _LOW32)
    postings = (keys, slots, fences, recent_keys, recent_slots, recent_next)
    table = (table_keys, table_heads, table_counts, posting_state)
    counts, candidates = lookup_postings(*postings, *table, wanted, limit)
    common_count = 0
    for index in range(looked_up):
        if counts[index] >= limit:
            common_count += 1
    common = np.empty(common_count, np.uint64)
    common_count = 0
    for index in range(looked_up):
        if counts[index] >= limit:
            common[common_count] = sketch[index]
            common_count += 1
    for index in range(len(common)):
        common_out[index] = common[index]
    out[OUT_COMMON] = len(common)
    chosen = np.empty(len(candidates), np.int64)
    kinds = np.empty(len(candidates), np.int64)
    kept = 0
    undecided = False
    for slot in candidates:
        if id_form[slot] == 0 or seen_at[slot] < oldest:
            continue
        if (
            topic[slot] == probe_topic
            and partition[slot] == probe_partition
            and offset[slot] == probe_offset
            and id_form[slot] == probe_form
        ):
            if probe_form != LONG_ID:
                if ids[slot, 0] == id_low and ids[slot, 1] == id_high:
                    out[OUT_CODE] = REPLAY
                    return
            else:
                undecided = True  # its id may be the probe's: judge() decides
                chosen[kept] = slot
                kinds[kept] = 3
                kept += 1
                continue
        if probe_url != 0 and url_keys[slot] == probe_url:
            kind = 0
        elif probe_body != 0 and body_keys[slot] == probe_body:
            kind = 1
        else:
            smaller = min(np.int64(shingles[slot]), probe_shingles)
            larger = max(np.int64(shingles[slot]), probe_shingles)
            if smaller == 0 or smaller < floats[MIN_SIZE_RATIO] * larger:
                continue
            bar = (
                floats[MIN_CONTAINMENT_SHORT] if smaller < ints[SHORT] else floats[MIN_CONTAINMENT]
            )
            if not _contained(
                anchors[slot, : n_anchors[slot]],
                np.int64(n_anchors[slot]) >= np.int64(shingles[slot]),
                sketch,
                sketch_full,
                common,
                bar,
                ints[MIN_COMPARED],
            ):
                continue
            kind = 2
        chosen[kept] = slot
        kinds[kept] = kind
        kept += 1
    if undecided:
        out[OUT_CODE] = UNDECIDED
        for index in range(kept):  # loops, not slice assignments: these compile faster
            found[index] = chosen[index]
        out[OUT_FOUND] = kept
        return
    if kept:
        best_kind = 3
        best_seen = np.uint32(0)
        for index in range(kept):
            seen = seen_at[chosen[index]]
            if kinds[index] < best_kind or (kinds[index] == best_kind and seen < best_seen):
                best_kind = kinds[index]
                best_seen = seen
        tied = 0
        for index in range(kept):
            if kinds[index] == best_kind and seen_at[chosen[index]] == best_seen:
                found[tied] = chosen[index]
                tied += 1
        out[OUT_CODE] = MATCH
        out[OUT_KIND] = best_kind
        out[OUT_FOUND] = tied
        return
    stored = min(len(sketch), stored_k)
    out[OUT_SLOT] = insert_entry(
        url_keys, body_keys, shingles, seen_at, id_form, topic, partition, offset, n_anchors,
        anchors, ids, state, *postings, *table, probe_url, probe_body, sketch[:stored],
        min(probe_shingles, 65535), np.int64(now), probe_form, id_low, id_high, new_topic,
        probe_partition, probe_offset, max_entries, posted, ints[MERGE_AT], out,
    )  # fmt: skip
    out[OUT_CODE] = INSERTED
