"""Fingerprints of cleaned article bodies: an exact key and a bottom-k shingle sketch.

Method (chosen on ``bench/dedup.py`` evidence, see the module docstring of
:mod:`service.dedup.stage` for the numbers):

* Text is lower-cased and split into words (letters and digits, any script). In scripts
  written without spaces (Han, kana, Thai, Lao, Myanmar, Khmer) every character is a word
  of its own, so shingles there are character 3-grams. The exact key of a body in those
  scripts therefore changed in the release that made them words, while ``KEY_VERSION``
  stayed 2: every other body keeps its key, and refusing every persisted index for it
  would cost more than the one-off miss of an exact copy in those scripts whose original
  was indexed before the upgrade.
  Paragraphs are the ``"\\n\\n"``-separated blocks of ``CleanArticle.body``.
* **Exact key**: a 64-bit hash of the word-hash sequence of the whole body (each word
  hash is folded in with the MurmurHash3 64-bit finalizer, a bijective full-avalanche
  mix, and the word count at the end), so case, punctuation and whitespace differences do
  not matter. Until ``KEY_VERSION`` 2 it was BLAKE2b of the same sequence (computed in
  Python, ~35 us an article); stores keep the version with their data, because keys are
  persisted.
* **Sketch**: every word 3-gram *inside* one paragraph of at least
  ``MIN_PARAGRAPH_WORDS`` words is hashed to 32 bits; the sketch is the ``SKETCH_SIZE``
  smallest distinct hashes (a bottom-k sketch, Broder 1997). Short paragraphs are
  skipped because that is where headlines, datelines, bylines and outlet chrome
  ("Follow us on X", "Advertisement") live, and shingles never cross a paragraph
  boundary, so dropping a paragraph only removes that paragraph's shingles.

Bottom-k sketches, unlike MinHash signatures, estimate *containment* in both
directions (see :func:`containment`), which is what recognises a shortened edition.
All hashing is seedless and stable across processes and machines (the index is
persisted and shared through Redis). Compiled code (numba, ``cache=True``: the
machine code is kept on disk, under ``NUMBA_CACHE_DIR`` when set, so a restart loads
it instead of compiling) reads the string's own storage (no encoding), lower-cases,
splits, hashes words and shingles and keeps the bottom-k; it computes exactly what the
first, numpy-vectorised implementation did (prefix sums of per-character terms).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numba
import numpy as np
import numpy.typing as npt
from numba import types
from numba.cpython.unicode import deref_uint8, deref_uint16, deref_uint32

KEY_VERSION = 2  # of the exact key's definition; persisted stores refuse other versions
SHINGLE_WORDS = 3
MIN_PARAGRAPH_WORDS = 8
SKETCH_SIZE = 64

_MASK64 = (1 << 64) - 1
# A word starting at code point s hashes to sum(char_p * BASE**(p % W - s % W)) mod 2**64
# over its positions p, with W = 2**_POWER_BITS (the power table size of the first, numpy
# implementation): BASE**i for the i-th character, except in a word that crosses a
# multiple of W. Kept as it was, since fingerprints are persisted.
_POWER_BITS = 18
_BASE = 0x9E3779B97F4A7C15
_BASE_INVERSE = pow(_BASE, -1, 1 << 64)
_LOW_BITS = 9  # power tables: BASE**e = LOW[e & 511] * HIGH[e >> 9]
_SHINGLE_MULTIPLIERS = (0x9FB21C651E98DF25, 0xD6E8FEB86659FD93, 0xA0761D6478BD642F)
_SLOT_MULTIPLIER = 0x9E3779B97F4A7C15
_KEY_SEED = 0x243F6A8885A308D3
_FMIX_MULTIPLIERS = (0xFF51AFD7ED558CCD, 0xC4CEB9FE1A85EC53)


_SOLO_FLAG = 1 << 31  # in the character table: a word of its own (see _SOLO_RANGES)
# Scripts written without spaces between words: every Han or kana character (Chinese,
# Japanese) and every Thai, Lao, Myanmar or Khmer letter is a word of its own, so a
# shingle there is three characters (character n-grams, the usual unit for these
# scripts) instead of a whole space-free sentence. Beyond the BMP: CJK extensions B-H.
_SOLO_RANGES = (
    (0x0E01, 0x0E30), (0x0E32, 0x0E33), (0x0E40, 0x0E46), (0x0E81, 0x0EB0), (0x0EB2, 0x0EB3),
    (0x0EBD, 0x0EC6), (0x1000, 0x102A), (0x1780, 0x17B3),
    (0x3040, 0x30FF), (0x31F0, 0x31FF), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF),
)  # fmt: skip
_SOLO_ASTRAL = (0x20000, 0x3134F)


def _word_char_table() -> npt.NDArray[np.uint32]:
    """Return, per BMP code point, its lower-case form, or 0 if not a word character.

    A character that is a word on its own (:data:`_SOLO_RANGES`) also has
    ``_SOLO_FLAG`` set. Code points beyond the BMP (emoji, rare scripts) all count as
    word characters and are their own lower-case form.
    """
    table = np.zeros(0x10000, dtype=np.uint32)
    for codepoint in range(0x10000):
        char = chr(codepoint)
        if char.isalnum():
            lowered = char.lower()
            table[codepoint] = ord(lowered) if len(lowered) == 1 else codepoint
    for first, last in _SOLO_RANGES:
        block = table[first : last + 1]
        block[block != 0] |= np.uint32(_SOLO_FLAG)
    return table


_WORD_CHARS = _word_char_table()


def _power_tables() -> tuple[npt.NDArray[np.uint64], ...]:
    """Return ``BASE**e`` and ``BASE**-e`` for ``e < W`` as low and high factor tables.

    ``BASE**e = low[e % 2**_LOW_BITS] * high[e >> _LOW_BITS]`` (mod 2**64): 2 x 512
    entries each instead of ``W``.
    """
    tables = []
    for base in (_BASE, _BASE_INVERSE):
        low = [pow(base, e, 1 << 64) for e in range(1 << _LOW_BITS)]
        step = pow(base, 1 << _LOW_BITS, 1 << 64)
        high = [pow(step, e, 1 << 64) for e in range(1 << (_POWER_BITS - _LOW_BITS))]
        tables += [np.array(low, np.uint64), np.array(high, np.uint64)]
    return tuple(tables)


_POWER_TABLES = _power_tables()  # powers low, high; inverses low, high


@dataclass(frozen=True, slots=True)
class BodyFingerprint:
    """What dedup needs to know about one body.

    ``body_key`` is 0 for a body without words (never matched exactly), never 0 otherwise;
    ``sketch`` is
    sorted ascending, at most ``SKETCH_SIZE`` long, and empty for a body without any
    paragraph long enough; ``shingles`` is the number of distinct shingles.
    """

    body_key: int
    sketch: tuple[int, ...]
    shingles: int


# Compiled kernels (numba): explicit signatures compile (or load from the on-disk cache,
# see NUMBA_CACHE_DIR) at import, not during the first article.
_U64 = types.uint64
_KERNEL_SIGNATURE = types.Tuple((_U64, _U64[::1], types.int64))(  # type: ignore[no-untyped-call]
    types.unicode_type, types.uint32[::1], _U64[::1], _U64[::1], _U64[::1], _U64[::1]
)


@numba.njit(_U64(_U64), cache=True, nogil=True)
def _fmix(value):  # type: ignore[no-untyped-def]  # pragma: no cover
    """Return MurmurHash3's 64-bit finalizer of ``value`` (a bijection with full avalanche)."""
    value ^= value >> np.uint64(33)
    value *= np.uint64(_FMIX_MULTIPLIERS[0])
    value ^= value >> np.uint64(33)
    value *= np.uint64(_FMIX_MULTIPLIERS[1])
    value ^= value >> np.uint64(33)
    return value


@numba.njit(types.void(_U64[::1], _U64, types.int64), cache=True, nogil=True)
def _sift_down(heap, value, size):  # type: ignore[no-untyped-def]  # pragma: no cover
    """Put ``value`` at the root of the max-heap ``heap[:size]`` and sift it down."""
    parent = 0
    while True:
        child = 2 * parent + 1
        if child >= size:
            break
        if child + 1 < size and heap[child + 1] > heap[child]:
            child += 1
        if heap[child] <= value:
            break
        heap[parent] = heap[child]
        parent = child
    heap[parent] = value


@numba.njit(
    types.Tuple((_U64[::1], types.int64))(  # type: ignore[no-untyped-call]
        _U64[::1], types.int64[::1], types.int64
    ),
    cache=True,
    nogil=True,
)
def _bottom_k(hashes, paragraphs, words):  # type: ignore[no-untyped-def]  # pragma: no cover
    """Return the ``SKETCH_SIZE`` smallest distinct shingle hashes (sorted), and how many.

    A shingle is ``SHINGLE_WORDS`` consecutive words of one paragraph of at least
    ``MIN_PARAGRAPH_WORDS`` words (``paragraphs`` is non-decreasing); its hash is the
    top 32 bits of a multiply-add of the word hashes.
    """
    bits = 4
    while (1 << bits) < 2 * words:
        bits += 1
    shift = np.uint64(64 - bits)
    seen = np.zeros(1 << bits, np.uint64)  # open addressing: hash + 1, 0 = empty
    mask = np.uint64((1 << bits) - 1)
    one = np.uint64(1)  # uint64 with an int64 literal would be float64
    heap = np.empty(SKETCH_SIZE, np.uint64)  # max-heap of the smallest distinct hashes
    size = 0
    distinct = 0
    first = np.uint64(_SHINGLE_MULTIPLIERS[0])
    second = np.uint64(_SHINGLE_MULTIPLIERS[1])
    third = np.uint64(_SHINGLE_MULTIPLIERS[2])
    run = 0
    while run < words:
        end = run + 1
        while end < words and paragraphs[end] == paragraphs[run]:
            end += 1
        if end - run >= MIN_PARAGRAPH_WORDS:
            for index in range(run, end - SHINGLE_WORDS + 1):
                value = (
                    hashes[index] * first + hashes[index + 1] * second + hashes[index + 2] * third
                ) >> np.uint64(32)
                slot = (value * np.uint64(_SLOT_MULTIPLIER)) >> shift
                while seen[slot] != 0 and seen[slot] != value + one:
                    slot = (slot + one) & mask
                if seen[slot] != 0:
                    continue
                seen[slot] = value + one
                distinct += 1
                if size < SKETCH_SIZE:
                    child = size  # sift up
                    size += 1
                    while child > 0 and heap[(child - 1) // 2] < value:
                        heap[child] = heap[(child - 1) // 2]
                        child = (child - 1) // 2
                    heap[child] = value
                elif value < heap[0]:
                    _sift_down(heap, value, size)  # replaces the root
        run = end
    for end in range(size - 1, 0, -1):  # heap sort: np.sort takes seconds to compile
        value = heap[end]
        heap[end] = heap[0]
        _sift_down(heap, value, end)
    return heap[:size], distinct


@numba.njit(inline="always")
def _read(text, kind, index):  # type: ignore[no-untyped-def]  # pragma: no cover
    """Return the code point at ``index`` of a string stored ``kind`` bytes a character.

    ``kind`` is the same for every character of a string, so the branch is always
    predicted. A reader passed in as a function would save it, but numba then embeds the
    reader's address in the compiled code and refuses to cache it.
    """
    if kind == 1:
        return np.uint32(deref_uint8(text._data, index))  # type: ignore[call-arg]
    if kind == 2:
        return np.uint32(deref_uint16(text._data, index))  # type: ignore[call-arg]
    return np.uint32(deref_uint32(text._data, index))  # type: ignore[call-arg]


@numba.njit(cache=True, nogil=True)
def _scan(text, kind, table, powers_low, powers_high, bounds, marks):  # type: ignore[no-untyped-def]  # pragma: no cover
    """Return the number of words of ``text``; fill their bounds, positions and paragraphs.

    No branch depends on Latin text (a branch per word boundary mispredicts often): for
    every character the running sum of ``lowered * BASE**(position % W)`` goes to
    ``bounds[k]`` and ``paragraph << 32 | position`` to ``marks[k]``, where ``k`` counts
    the word/non-word transitions so far, so entries ``2i`` and ``2i + 1`` are where
    word ``i`` starts and ends. A character flagged as a word of its own (Han, kana,
    Thai ...) next to another word character adds an end and a start at its edge
    (``bounds`` and ``marks`` hold ``2 * len(text) + 2`` entries for that). ``kind`` is
    the string's storage kind (bytes a character).
    """
    n = len(text)
    wrap = (1 << _POWER_BITS) - 1
    low_mask = (1 << _LOW_BITS) - 1
    total = np.uint64(0)
    previous = np.int64(0)
    previous_solo = np.int64(0)
    newlines = np.int64(0)
    paragraph = np.int64(0)
    transitions = np.int64(0)
    for position in range(n):
        codepoint = _read(text, kind, position)
        if codepoint >= 0x10000:
            entry = np.uint64(codepoint)
            solo = np.int64(_SOLO_ASTRAL[0] <= codepoint <= _SOLO_ASTRAL[1])
        else:
            entry = np.uint64(table[codepoint])
            solo = np.int64(entry >> np.uint64(31))
        lowered = entry & np.uint64(_SOLO_FLAG - 1)
        word = np.int64(lowered != 0)
        bounds[transitions] = total
        marks[transitions] = (paragraph << 32) | position
        transitions += word ^ previous
        if word & previous & (solo | previous_solo):  # end the word before, start one here
            transitions += 1
            bounds[transitions] = total
            marks[transitions] = (paragraph << 32) | position
            transitions += 1
        exponent = position & wrap
        total += lowered * (powers_low[exponent & low_mask] * powers_high[exponent >> _LOW_BITS])
        newlines = newlines + 1 if codepoint == 10 else np.int64(0)
        paragraph += newlines == 2  # the second line break of a run
        previous = word
        previous_solo = solo & word
    bounds[transitions] = total
    marks[transitions] = (paragraph << 32) | n
    transitions += previous
    return transitions >> 1


@numba.njit(_KERNEL_SIGNATURE, cache=True, nogil=True)
def _fingerprint_kernel(text, table, powers_low, powers_high, inverses_low, inverses_high):  # type: ignore[no-untyped-def]  # pragma: no cover
    """Return the exact key, the sorted sketch and the distinct shingle count.

    Reads the string's own storage (no encoding): :func:`_scan` for lower-casing through
    ``table``, word boundaries, prefix sums of the polynomial hash and paragraph numbers
    (a paragraph break is a run of two or more line breaks); then each word's hash is its
    prefix-sum difference times ``BASE**-(start % W)``, folded into the exact key, and
    :func:`_bottom_k` keeps the sketch.
    """
    n = len(text)
    bounds = np.empty(2 * n + 2, np.uint64)
    marks = np.empty(2 * n + 2, np.int64)
    words = _scan(text, text._kind, table, powers_low, powers_high, bounds, marks)
    wrap = (1 << _POWER_BITS) - 1
    low_mask = (1 << _LOW_BITS) - 1
    hashes = np.empty(words, np.uint64)
    paragraphs = np.empty(words, np.int64)
    key = np.uint64(_KEY_SEED)
    for index in range(words):
        mark = marks[2 * index]
        start = mark & wrap
        inverse = inverses_low[start & low_mask] * inverses_high[start >> _LOW_BITS]
        total = (bounds[2 * index + 1] - bounds[2 * index]) * inverse
        hashes[index] = total
        paragraphs[index] = mark >> 32
        key = _fmix(key ^ total)
    if words == 0:
        return np.uint64(0), hashes, 0
    key = _fmix(key ^ np.uint64(words))
    sketch, distinct = _bottom_k(hashes, paragraphs, words)
    return (key if key != 0 else np.uint64(1)), sketch, distinct


def fingerprint_body(body: str) -> BodyFingerprint:
    """Return the exact key and shingle sketch of a cleaned body; never raises."""
    key, sketch, shingles = _fingerprint_kernel(body, _WORD_CHARS, *_POWER_TABLES)
    return BodyFingerprint(int(key), tuple(sketch.tolist()), int(shingles))


def url_key(canonical: str) -> int:
    """Return a non-zero 64-bit key for a canonical URL, or 0 for an empty one."""
    if not canonical:
        return 0
    digest = hashlib.blake2b(canonical.encode("utf-8", "replace"), digest_size=8).digest()
    return int.from_bytes(digest) or 1


def containment(
    stored: tuple[int, ...],
    stored_full: bool,
    probe: tuple[int, ...],
    probe_full: bool,
    ignored: frozenset[int] = frozenset(),
) -> tuple[float, float, int]:
    """Estimate how much of each of two shingle sets the other contains.

    ``stored`` and ``probe`` are bottom-k sketches (sorted ascending); ``*_full`` says
    the sketch holds every shingle of its set. Only hashes up to the smaller of the two
    sketch maxima are compared, where membership in both sets is known exactly, and
    hashes in ``ignored`` are skipped.
    Return ``(stored_in_probe, probe_in_stored, compared)`` where ``compared`` is the
    smaller of the two sample sizes (0 when nothing could be compared).
    """
    limit = min(
        stored[-1] if stored and not stored_full else _MASK64,
        probe[-1] if probe and not probe_full else _MASK64,
    )
    left = {value for value in stored if value <= limit} - ignored
    right = {value for value in probe if value <= limit} - ignored
    if not left or not right:
        return 0.0, 0.0, 0
    common = len(left & right)
    return common / len(left), common / len(right), min(len(left), len(right))
