"""Line features for the text path: prose or chrome, and the score of a line.

Pure functions over the lines :func:`split_lines` returns (single spaces, no edges),
hard-wrapped paragraphs rejoined (:func:`join_wrapped`).
A prose line scores its length, a short unpunctuated line or a teaser costs its
length, and the body is the maximum-sum run of those scores (:func:`densest_span`,
as in Finn's Body Text Extraction, over lines instead of tags).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_CLOSERS = "\"'\u201d\u2019\u00bb)"  # quotes and brackets that may follow a full stop
_CJK_STOPS = "\u3002\uff01\uff1f\uff0e\uff61\uff1a\uff1b"  # ideographic and full-width stops
_CJK_CLOSERS = "\u300d\u300f\uff09\u3011\u3015"  # corner and full-width brackets
SENTENCE_ENDS = tuple(f".!?\u2026:;{_CLOSERS}]{_CJK_STOPS}{_CJK_CLOSERS}")  # ends a punctuated line
_SENTENCE_INSIDE = re.compile(
    f"[.!?\u2026][{_CLOSERS}]?\\s+\\S|[\u3002\uff01\uff1f][{_CJK_CLOSERS}{_CLOSERS}]?\\S"
)  # a sentence ends inside the line: before a space, or before anything in CJK text
# Scripts written without spaces between words: Han, kana (Chinese, Japanese) and the
# Brahmic scripts of South-East Asia (Thai, Lao, Myanmar, Khmer; their letters, not the
# combining vowel and tone marks). Their characters count as a fraction of a word.
_UNSPACED_CJK = re.compile(
    "[\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]"
)
_UNSPACED_SEA = re.compile(
    "[\u0e01-\u0e30\u0e32\u0e33\u0e40-\u0e46\u0e81-\u0eb0\u0eb2\u0eb3\u0ebd-\u0ec6"
    "\u1000-\u102a\u1780-\u17b3]"
)
CJK_CHARS_PER_WORD = 2  # Chinese words average 1.5-2 characters; Japanese mixes in kana
SEA_LETTERS_PER_WORD = 3  # a Thai word averages 3-4 letters besides its marks

GOOD_MIN_WORDS = 12  # a line this long with sentence punctuation is prose
LONG_MIN_WORDS = 25  # a line this long is prose whatever its punctuation
SHORT_MAX_WORDS = 5  # a line this short without punctuation is chrome unless in the body
TEASER_MAX_WORDS = 80  # a line ending in "..." or an arrow is a teaser only when shorter
WRAP_MIN_WORDS = 8  # a line this long, unpunctuated, that the next line continues is wrapped
EDGE_MIN_WORDS = 6  # a punctuated sentence this long next to the body is a short paragraph
CHROME_PENALTY = 5.0  # a short unpunctuated line costs this plus its length
MEDIUM_PENALTY = 0.0  # a line that is neither prose nor chrome costs this
CHROME_CHAR_WEIGHT = 1.0

_TEASER_ENDS = (
    "...",
    "\u2026",
    "[...]",
    "\u2192",
    "\u00bb",
    ">>",
)  # truncated teasers, "more" arrows


_INVISIBLE = str.maketrans(dict.fromkeys((0x00AD, 0x200B, 0xFEFF)))  # SHY, ZWSP, BOM
_EDGE_JOINER = re.compile("(?<!\\S)[\u200c\u200d]+|[\u200c\u200d]+(?!\\S)")


def split_lines(text: str) -> list[str]:
    """Return the non-empty lines of ``text`` with whitespace collapsed, text untouched.

    Lines end at real line breaks only: ``\\n``, ``\\r\\n``, ``\\r``, and U+2029
    PARAGRAPH SEPARATOR, a paragraph break by definition (word processors and some
    CMSs export paragraphs with it). The other characters ``str.splitlines`` breaks on
    (U+0085 NEL, U+2028 LINE SEPARATOR, ``\\x0b``, ``\\x0c``, ``\\x1c``-``\\x1e``) turn
    up inside sentences - a cp1252 ellipsis read as Latin-1, a soft return, a page
    break in a PDF dump - so they are whitespace, as ``str.split`` has them: one space,
    and the sentence stays whole.

    Every other character is kept as it is (no Unicode normalisation): joiners inside a
    word (Persian ZWNJ, emoji ZWJ sequences), combining marks, variation selectors and
    bidi marks carry meaning. Removed on purpose, as the HTML path removes them: the
    soft hyphen, ZERO WIDTH SPACE and BOM/ZWNBSP (U+FEFF), invisible hints that change
    nothing a reader sees but split words for search and entity matching, and a ZWJ or
    ZWNJ at a word's edge, which joins nothing.
    """
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\u2029" in text:
        text = text.replace("\u2029", "\n")
    if "\u00ad" in text or "\u200b" in text or "\ufeff" in text:
        text = text.translate(_INVISIBLE)
    lines = [" ".join(line.split()) for line in text.split("\n") if line and not line.isspace()]
    if "\u200c" not in text and "\u200d" not in text:
        return lines
    return [line for line in map(_without_edge_joiners, lines) if line]


def _without_edge_joiners(line: str) -> str:
    """Drop the ZWJ/ZWNJ of a collapsed line that stand at a word's edge."""
    if "\u200c" not in line and "\u200d" not in line:
        return line
    return " ".join(_EDGE_JOINER.sub("", line).split())


def join_wrapped(lines: Sequence[str], keep: Sequence[bool]) -> tuple[list[str], list[bool]]:
    """Rejoin paragraphs hard-wrapped over several lines (plain-text mail, ``<pre>`` dumps).

    A line of WRAP_MIN_WORDS or more that ends without sentence punctuation, followed
    by a line that starts in lower case, is one paragraph with it. Lines marked in
    ``keep`` (learned boilerplate) are never joined. Return the lines and their marks.
    """
    joined: dict[int, int] = {}  # a line that goes on the paragraph before: its words so far
    for i in [i for i in range(1, len(lines)) if lines[i][0].islower()]:
        prev = lines[i - 1]
        words = joined.get(i - 1) or word_count(prev)
        if (
            words >= WRAP_MIN_WORDS
            and not keep[i]
            and not keep[i - 1]
            and not prev.endswith(SENTENCE_ENDS)
        ):
            joined[i] = words + word_count(lines[i])
    if not joined:
        return list(lines), list(keep)
    out: list[str] = []
    marks: list[bool] = []
    for i, line in enumerate(lines):
        if i in joined:
            out[-1] += " " + line
        else:
            out.append(line)
            marks.append(keep[i])
    return out, marks


def word_count(line: str) -> int:
    """Return the number of words of a line from :func:`split_lines` (single spaces, no edges).

    In scripts written without spaces (Chinese, Japanese, Thai, ...) a space-separated
    token is a phrase or a whole sentence, so their characters are counted as words
    too: ``CJK_CHARS_PER_WORD`` Han or kana characters, or ``SEA_LETTERS_PER_WORD``
    Thai, Lao, Myanmar or Khmer letters, make one. A CJK sentence of 40 characters
    counts 20 words, as its English translation would.
    """
    words = line.count(" ") + 1
    if line.isascii():
        return words
    cjk = len(_UNSPACED_CJK.findall(line))
    sea = len(_UNSPACED_SEA.findall(line))
    return words + cjk // CJK_CHARS_PER_WORD + sea // SEA_LETTERS_PER_WORD


def is_prose(line: str, words: int) -> bool:
    """A long line, or a fairly long one with sentence punctuation, is prose."""
    if words >= LONG_MIN_WORDS:
        return True
    return words >= GOOD_MIN_WORDS and (
        line.endswith(SENTENCE_ENDS) or _SENTENCE_INSIDE.search(line) is not None
    )


def is_chrome_like(line: str, words: int) -> bool:
    """A short line without sentence punctuation (a link, a label) looks like chrome."""
    return words <= SHORT_MAX_WORDS and not line.endswith(SENTENCE_ENDS)


def is_teaser(line: str, words: int) -> bool:
    """A truncated teaser or a "more" arrow; a long paragraph ending in one is still prose."""
    return words < TEASER_MAX_WORDS and line.endswith(_TEASER_ENDS)


def is_short_paragraph(line: str, words: int) -> bool:
    """A punctuated sentence of EDGE_MIN_WORDS or more that is no teaser."""
    return words >= EDGE_MIN_WORDS and line.endswith(SENTENCE_ENDS) and not is_teaser(line, words)


def line_score(line: str, words: int, prose: bool) -> float:
    """Score a line for the densest span: prose counts for, chrome and teasers against.

    (:func:`is_teaser` and :func:`is_chrome_like` inlined: this runs on every line.)
    """
    teaser_end = line.endswith(_TEASER_ENDS)
    if prose and not (teaser_end and words < TEASER_MAX_WORDS):
        return float(len(line))
    if teaser_end or (words <= SHORT_MAX_WORDS and not line.endswith(SENTENCE_ENDS)):
        return -CHROME_PENALTY - CHROME_CHAR_WEIGHT * len(line)
    return -MEDIUM_PENALTY


def densest_span(scores: Sequence[float]) -> tuple[int, int]:
    """Return ``(start, stop)`` of the maximum-sum run of ``scores`` (empty: ``(0, 0)``)."""
    best, best_span = 0.0, (0, 0)
    running, start = 0.0, 0
    for i, score in enumerate(scores):
        if running <= 0:
            running, start = 0.0, i
        running += score
        if running > best:
            best, best_span = running, (start, i + 1)
    return best_span


def best_sums(scores: Sequence[float]) -> tuple[list[float], list[float]]:
    """Return, for each ``i``, the best run sum within ``scores[:i]`` and within ``scores[i:]``.

    Both lists have ``len(scores) + 1`` entries; an empty run sums to zero.
    """
    n = len(scores)
    before, after = [0.0] * (n + 1), [0.0] * (n + 1)
    run = best = 0.0
    for i, score in enumerate(scores):
        run = run + score if run > 0.0 else score
        if run > best:
            best = run
        before[i + 1] = best
    run = best = 0.0
    for i in range(n - 1, -1, -1):
        run = run + scores[i] if run > 0.0 else scores[i]
        if run > best:
            best = run
        after[i] = best
    return before, after
