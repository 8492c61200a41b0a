"""Fingerprints of cleaned article bodies: an exact key and a bottom-k shingle sketch.

Method (chosen on ``bench/dedup.py`` evidence, see the module docstring of
:mod:`service.dedup` for the numbers):

* Text is lower-cased and split into words (letters and digits, any script).
  Paragraphs are the ``"\\n\\n"``-separated blocks of ``CleanArticle.body``.
* **Exact key**: 64-bit BLAKE2b of the word-hash sequence of the whole body, so case,
  punctuation and whitespace differences do not matter.
* **Sketch**: every word 3-gram *inside* one paragraph of at least
  ``MIN_PARAGRAPH_WORDS`` words is hashed to 32 bits; the sketch is the ``SKETCH_SIZE``
  smallest distinct hashes (a bottom-k sketch, Broder 1997). Short paragraphs are
  skipped because that is where headlines, datelines, bylines and outlet chrome
  ("Follow us on X", "Advertisement") live, and shingles never cross a paragraph
  boundary, so dropping a paragraph only removes that paragraph's shingles.

Bottom-k sketches, unlike MinHash signatures, estimate *containment* in both
directions (see :func:`containment`), which is what recognises a shortened edition.
All hashing is seedless and stable across processes and machines (the index is
persisted and shared through Redis), and vectorised with numpy.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

SHINGLE_WORDS = 3
MIN_PARAGRAPH_WORDS = 8
SKETCH_SIZE = 64

U64 = npt.NDArray[np.uint64]
_MASK64 = (1 << 64) - 1
_POWER_TABLE_SIZE = 1 << 18
_BASE = 0x9E3779B97F4A7C15
_BASE_INVERSE = pow(_BASE, -1, 1 << 64)


def _powers(base: int) -> U64:
    """Return ``base**i mod 2**64`` for ``i < _POWER_TABLE_SIZE``."""
    powers = np.full(_POWER_TABLE_SIZE, base, dtype=np.uint64)
    powers[0] = 1
    return np.cumprod(powers, dtype=np.uint64)


def _word_char_table() -> npt.NDArray[np.uint32]:
    """Return, per code point, its lower-case form, or 0 if not a word character.

    Code points beyond the BMP (emoji, rare scripts) all count as word characters.
    """
    table = np.zeros(0x10000, dtype=np.uint32)
    for codepoint in range(0x10000):
        char = chr(codepoint)
        if char.isalnum():
            lowered = char.lower()
            table[codepoint] = ord(lowered) if len(lowered) == 1 else codepoint
    return np.concatenate((table, np.arange(0x10000, 0x110000, dtype=np.uint32)))


_POWERS = _powers(_BASE)
_INVERSE_POWERS = _powers(_BASE_INVERSE)
_WORD_CHARS = _word_char_table()
_SHINGLE_MULTIPLIERS = (
    np.uint64(0x9FB21C651E98DF25),
    np.uint64(0xD6E8FEB86659FD93),
    np.uint64(0xA0761D6478BD642F),
)[:SHINGLE_WORDS]


@dataclass(frozen=True, slots=True)
class BodyFingerprint:
    """What dedup needs to know about one body.

    ``body_key`` is 0 for a body without words (never matched exactly); ``sketch`` is
    sorted ascending, at most ``SKETCH_SIZE`` long, and empty for a body without any
    paragraph long enough; ``shingles`` is the number of distinct shingles.
    """

    body_key: int
    sketch: tuple[int, ...]
    shingles: int


def _word_hashes(body: str) -> tuple[U64, npt.NDArray[np.intp]]:
    """Return a 64-bit polynomial hash per word, and each word's paragraph number.

    Paragraph numbers only tell words of one ``"\\n\\n"``-separated block from those
    of another (they count runs of two or more line breaks, so empty blocks take no
    number).
    """
    codepoints = np.frombuffer(body.encode("utf-32-le", "replace"), dtype=np.uint32)
    lowered = _WORD_CHARS[codepoints]
    word = lowered != 0
    starts = np.flatnonzero(word[1:] > word[:-1]) + 1
    if len(word) and word[0]:
        starts = np.concatenate(([0], starts))
    if len(starts) == 0:
        return np.zeros(0, dtype=np.uint64), starts
    if len(codepoints) <= _POWER_TABLE_SIZE:
        powers = _POWERS[: len(codepoints)]
    else:
        powers = _POWERS[np.arange(len(codepoints)) & (_POWER_TABLE_SIZE - 1)]
    # Sum of each word's characters times powers (mod 2**64): differences of a running sum
    # (non-word characters are 0, so a word's sum runs up to the next word's start).
    running = np.cumsum(lowered * powers, dtype=np.uint64)
    ends = np.empty_like(starts)
    ends[:-1] = starts[1:] - 1
    ends[-1] = len(codepoints) - 1
    before = np.where(starts > 0, running[starts - 1], np.uint64(0))
    sums = (running[ends] - before) * _INVERSE_POWERS[starts & (_POWER_TABLE_SIZE - 1)]
    newline = codepoints == 10
    breaks = np.zeros(len(codepoints), dtype=np.intp)
    breaks[1:-1] = newline[1:-1] & newline[2:] & ~newline[:-2]  # a run of >= 2 line breaks
    breaks[0] = len(codepoints) > 1 and newline[0] and newline[1]
    paragraph = np.cumsum(breaks)[starts]
    return sums, paragraph


def fingerprint_body(body: str) -> BodyFingerprint:
    """Return the exact key and shingle sketch of a cleaned body; never raises."""
    word_hashes, paragraph = _word_hashes(body)
    if len(word_hashes) == 0:
        return BodyFingerprint(0, (), 0)
    digest = hashlib.blake2b(word_hashes.tobytes(), digest_size=8).digest()
    body_key = int.from_bytes(digest) or 1
    if len(word_hashes) < SHINGLE_WORDS:
        return BodyFingerprint(body_key, (), 0)
    counts = np.bincount(paragraph)
    last = len(word_hashes) - SHINGLE_WORDS + 1
    combined = word_hashes[:last] * _SHINGLE_MULTIPLIERS[0]
    for index in range(1, SHINGLE_WORDS):
        combined = combined + word_hashes[index : index + last] * _SHINGLE_MULTIPLIERS[index]
    keep = (paragraph[:last] == paragraph[SHINGLE_WORDS - 1 :]) & (
        counts[paragraph[:last]] >= MIN_PARAGRAPH_WORDS
    )
    shingles = np.sort(combined[keep] >> np.uint64(32))
    if len(shingles) > 1:
        shingles = shingles[np.concatenate(([True], shingles[1:] != shingles[:-1]))]
    return BodyFingerprint(body_key, tuple(shingles[:SKETCH_SIZE].tolist()), len(shingles))


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
