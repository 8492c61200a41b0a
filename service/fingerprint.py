"""Fingerprints of cleaned article bodies: an exact key and a bottom-k shingle sketch.

Method (chosen on ``bench/dedup.py`` evidence, see the module docstring of
:mod:`service.dedup` for the numbers):

* Text is lower-cased and split into words (letters and digits, any script).
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
persisted and shared through Redis). One compiled pass (numba, ``cache=True``: the
machine code is kept on disk, under ``NUMBA_CACHE_DIR`` when set, so a restart loads
it instead of compiling) lower-cases, splits, hashes words and shingles and keeps the
bottom-k; it computes exactly what the first, numpy-vectorised implementation did.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numba
import numpy as np
import numpy.typing as npt
from numba import types

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
_SHINGLE_MULTIPLIERS = (0x9FB21C651E98DF25, 0xD6E8FEB86659FD93, 0xA0761D6478BD642F)
_SLOT_MULTIPLIER = 0x9E3779B97F4A7C15
_KEY_SEED = 0x243F6A8885A308D3
_FMIX_MULTIPLIERS = (0xFF51AFD7ED558CCD, 0xC4CEB9FE1A85EC53)


def _word_char_table() -> npt.NDArray[np.uint32]:
    """Return, per BMP code point, its lower-case form, or 0 if not a word character.

    Code points beyond the BMP (emoji, rare scripts) all count as word characters and
    are their own lower-case form.
    """
    table = np.zeros(0x10000, dtype=np.uint32)
    for codepoint in range(0x10000):
        char = chr(codepoint)
        if char.isalnum():
            lowered = char.lower()
            table[codepoint] = ord(lowered) if len(lowered) == 1 else codepoint
    return table


_WORD_CHARS = _word_char_table()


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
    types.Array(types.uint32, 1, "C", readonly=True), types.uint32[::1]
)


@numba.njit(_U64(_U64, types.int64), cache=True, nogil=True)
def _power(base, exponent):  # type: ignore[no-untyped-def]  # pragma: no cover
    """Return ``base**exponent mod 2**64``."""
    result = np.uint64(1)
    while exponent:
        if exponent & 1:
            result *= base
        base *= base
        exponent >>= 1
    return result


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


@numba.njit(_KERNEL_SIGNATURE, cache=True, nogil=True)
def _fingerprint_kernel(codepoints, table):  # type: ignore[no-untyped-def]  # pragma: no cover
    """Return the exact key, the sorted sketch and the distinct shingle count.

    One pass over the UTF-32 code points: lower-casing through ``table``, word
    boundaries, polynomial word hashes folded into the exact key, and paragraph numbers
    (a paragraph break is a run of two or more line breaks), then :func:`_bottom_k`.
    """
    n = len(codepoints)
    base = np.uint64(_BASE)
    inverse = np.uint64(_BASE_INVERSE)
    wrap = (1 << _POWER_BITS) - 1
    hashes = np.empty(n // 2 + 1, np.uint64)
    paragraphs = np.empty(n // 2 + 1, np.int64)
    words = 0
    paragraph = 0
    word_paragraph = 0
    start = 0
    in_word = False
    total = np.uint64(0)
    power = np.uint64(1)
    key = np.uint64(_KEY_SEED)
    for position in range(n):
        codepoint = codepoints[position]
        if (
            codepoint == 10
            and position + 1 < n
            and codepoints[position + 1] == 10
            and (position == 0 or codepoints[position - 1] != 10)
        ):
            paragraph += 1
        lowered = codepoint if codepoint >= 0x10000 else table[codepoint]
        if lowered != 0:
            if not in_word:
                in_word = True
                start = position
                word_paragraph = paragraph
                total = np.uint64(0)
                power = np.uint64(1)
            elif position & wrap == 0:
                power = _power(inverse, start & wrap)
            total += np.uint64(lowered) * power
            power *= base
        elif in_word:
            in_word = False
            hashes[words] = total
            paragraphs[words] = word_paragraph
            words += 1
            key = _fmix(key ^ total)
    if in_word:
        hashes[words] = total
        paragraphs[words] = word_paragraph
        words += 1
        key = _fmix(key ^ total)
    if words == 0:
        return np.uint64(0), hashes[:0], 0
    key = _fmix(key ^ np.uint64(words))
    sketch, distinct = _bottom_k(hashes, paragraphs, words)
    return (key if key != 0 else np.uint64(1)), sketch, distinct


def fingerprint_body(body: str) -> BodyFingerprint:
    """Return the exact key and shingle sketch of a cleaned body; never raises."""
    codepoints = np.frombuffer(body.encode("utf-32-le", "replace"), dtype=np.uint32)
    key, sketch, shingles = _fingerprint_kernel(codepoints, _WORD_CHARS)
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
