"""The text path: strip page chrome from plain text, one block a line.

Pure functions over strings. The body is the densest run of prose lines (a
maximum-sum span, as in Finn's Body Text Extraction, over lines instead of tags),
minus lines that the rules or the source's learned boilerplate mark, minus trailing
"also read / related / more" blocks and runs of link-like short lines, minus prose
islands (author box, promo, comments) that a run of chrome cuts off from the story,
minus second copies of repeated lines.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from service.rules import MAX_BLOCK_START_CHARS, SourceRules

_DATE_LINE = re.compile(
    r"date:?\s+(\d{4}-\d{2}-\d{2})(?:[T ]\d{2}:\d{2}(?::\d{2})?(?:Z|[+-]\d{2}:?\d{2})?)?\s+(\S.*)",
    re.IGNORECASE,
)
_CLOSERS = "\"'\u201d\u2019\u00bb)"  # quotes and brackets that may follow a full stop
_SENTENCE_ENDS = tuple(f".!?\u2026:;{_CLOSERS}]")  # a line ending in one of these is punctuated
_SENTENCE_INSIDE = re.compile(f"[.!?\u2026][{_CLOSERS}]?\\s+\\S")

GOOD_MIN_WORDS = 12  # a line this long with sentence punctuation is prose
LONG_MIN_WORDS = 25  # a line this long is prose whatever its punctuation
SHORT_MAX_WORDS = 5  # a line this short without punctuation is chrome unless in the body
LINK_RUN = 3  # this many short unpunctuated lines in a row are a link list


@dataclass(frozen=True, slots=True)
class TextCleaning:
    """What the text path found: the kept lines, and the header fields it parsed."""

    paragraphs: tuple[str, ...]
    title: str | None = None
    published_at: str | None = None
    dek: str | None = None


def split_lines(text: str) -> list[str]:
    """Return the non-empty lines of ``text`` with whitespace collapsed."""
    return [" ".join(line.split()) for line in text.splitlines() if line and not line.isspace()]


def _words(line: str) -> int:
    return line.count(" ") + 1  # lines come from split_lines: single spaces, no edges


def _is_prose(line: str, words: int) -> bool:
    if words >= LONG_MIN_WORDS:
        return True
    return words >= GOOD_MIN_WORDS and (
        line.endswith(_SENTENCE_ENDS) or _SENTENCE_INSIDE.search(line) is not None
    )


def _is_chrome_like(line: str, words: int) -> bool:
    return words <= SHORT_MAX_WORDS and not line.endswith(_SENTENCE_ENDS)


_TEASER_ENDS = (
    "...",
    "\u2026",
    "[...]",
    "\u2192",
    "\u00bb",
    ">>",
)  # truncated teasers, "more" arrows
CHROME_PENALTY = 5.0  # a short unpunctuated line costs this plus its length
MEDIUM_PENALTY = 0.0  # a line that is neither prose nor chrome costs this
CHROME_CHAR_WEIGHT = 1.0
LEARNED_PENALTY = -25.0  # a learned boilerplate line
DEK_MAX_WORDS = 40  # after a date line, a first line this short is the standfirst
EDGE_MIN_WORDS = 6  # a punctuated sentence this long next to the body is a short paragraph
GAP_LINES = 4  # this many non-prose lines in a row may separate the story from a widget
GAP_CHROME = 2  # ... when at least this many of them are lines the rules drop
DETACHED_SHARE = 0.25  # an edge segment with less prose than this share of the rest goes
TEASER_MAX_WORDS = 80  # a line ending in "..." or an arrow is a teaser only when shorter
CONTINUED_SHARE = 1.0  # prose after a block start this dense, relative to before, goes on
REPEAT_MIN_WORDS = 8  # a repeated line this long is a widget shown twice
_DATELINE = re.compile(r"^[A-Z][\w .,'()/-]{1,40}?(?::| -| \u2013| \u2014)\s")


def _is_teaser(line: str, words: int) -> bool:
    """A truncated teaser or a "more" arrow; a long paragraph ending in one is still prose."""
    return words < TEASER_MAX_WORDS and line.endswith(_TEASER_ENDS)


def _line_score(line: str, words: int, prose: bool) -> float:
    if _is_teaser(line, words):
        return -CHROME_PENALTY - CHROME_CHAR_WEIGHT * len(line)
    if prose:
        return float(len(line))
    if _is_chrome_like(line, words):
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


def parse_date_line(line: str) -> tuple[str, str] | None:
    """Return ``(YYYY-MM-DD, headline)`` from a ``date YYYY-MM-DD headline`` line, else None."""
    match = _DATE_LINE.fullmatch(line)
    return (match.group(1), match.group(2).strip()) if match else None


def best_sums(scores: Sequence[float]) -> tuple[list[float], list[float]]:
    """Return, for each ``i``, the best run sum within ``scores[:i]`` and within ``scores[i:]``.

    Both lists have ``len(scores) + 1`` entries; an empty run sums to zero.
    """
    n = len(scores)
    before, after = [0.0] * (n + 1), [0.0] * (n + 1)
    ending = starting = 0.0
    for i, score in enumerate(scores):
        ending = max(0.0, ending) + score
        before[i + 1] = max(before[i], ending)
    for i in range(n - 1, -1, -1):
        starting = max(0.0, starting) + scores[i]
        after[i] = max(after[i + 1], starting)
    return before, after


def _cut_trailing_block(
    lines: Sequence[str], prose: list[bool], scores: Sequence[float], rules: SourceRules
) -> tuple[int, set[int]]:
    """Return where the trailing block starts, and the sidebar lines before the body.

    A block-start line once half the prose is behind opens the trailing block (the
    rest is cut), unless a run of prose after it is as dense as CONTINUED_SHARE of the
    best run before it: then it was a link box inside the story. Otherwise (and before
    the body) it opens a sidebar that runs to the next prose line.
    """
    total = sum(len(line) for line, p in zip(lines, prose, strict=True) if p)
    best_before, best_after = best_sums(scores)
    sidebar: set[int] = set()
    before = 0
    skipping = False
    for i, line in enumerate(lines):
        if len(line) <= MAX_BLOCK_START_CHARS and rules.starts_block(line):
            if (
                before * 2 >= total
                and before > 0
                and best_after[i + 1] < CONTINUED_SHARE * best_before[i]
            ):
                return i, sidebar  # body under way: the rest is the trailing block
            skipping = True  # a sidebar or an in-story box: drop up to the next prose
        elif prose[i]:
            skipping = False
            before += len(line)
        if skipping:
            sidebar.add(i)
    return len(lines), sidebar


def _is_short_paragraph(line: str, words: int) -> bool:
    return words >= EDGE_MIN_WORDS and line.endswith(_SENTENCE_ENDS) and not _is_teaser(line, words)


def _widen(
    kept: Sequence[int],
    start: int,
    stop: int,
    lines: Sequence[str],
    words: Sequence[int],
    learned: Sequence[bool],
) -> tuple[int, int]:
    """Grow the densest span by one adjacent short, punctuated paragraph on each side.

    The maximum-sum span scores such lines zero, so it leaves out a standfirst or a
    short closing paragraph ("The FA said 85,000 fans attended.") at its edges.
    """
    for step in (-1, 1):
        edge = start - 1 if step < 0 else stop
        if 0 <= edge < len(kept):
            i = kept[edge]
            if _is_short_paragraph(lines[i], words[i]) and not learned[i]:
                start, stop = (edge, stop) if step < 0 else (start, edge + 1)
    return start, stop


def _trim_detached(
    span: Sequence[int], prose: Sequence[bool], lines: Sequence[str], dropped: Sequence[bool]
) -> tuple[int, int]:
    """Cut prose islands that a run of chrome separates from the main body.

    A run of GAP_LINES or more non-prose lines, at least one of them a line the rules
    drop (share, subscribe, copyright), splits the span into segments; an edge segment
    with less than DETACHED_SHARE of the other segments' prose is an author box, a promo
    or a comment section, not the story. Return the new ``(start, stop)`` within ``span``.
    """
    segments: list[list[int]] = []  # [first, stop, prose chars]
    weight, gap, chrome, seg_start = 0, 0, 0, 0
    for pos, i in enumerate(span):
        if prose[i]:
            if weight and gap >= GAP_LINES and chrome >= GAP_CHROME:
                segments.append([seg_start, pos - gap, weight])
                weight = 0
            if not weight:
                seg_start = pos
            gap, chrome = 0, 0
            weight += len(lines[i])
        else:
            gap += 1
            chrome += dropped[pos]
    if weight:
        segments.append([seg_start, len(span), weight])
    if len(segments) < 2:
        return 0, len(span)
    total = sum(w for _, _, w in segments)
    first, last = 0, len(segments) - 1
    while first < last:
        if segments[last][2] < DETACHED_SHARE * (total - segments[last][2]):
            total -= segments[last][2]
            last -= 1
        elif segments[first][2] < DETACHED_SHARE * (total - segments[first][2]):
            total -= segments[first][2]
            first += 1
        else:
            break
    return (segments[first][0] if first else 0), (
        segments[last][1] if last < len(segments) - 1 else len(span)
    )


def _drop_repeats(lines: list[str]) -> list[str]:
    """Keep only the first copy of each line of REPEAT_MIN_WORDS or more words.

    A story does not repeat a sentence verbatim; a later copy is a widget shown twice
    (author box, sticky promo, a teaser in two carousels).
    """
    seen: set[str] = set()
    kept: list[str] = []
    for line in lines:
        if line in seen:
            continue
        if line.count(" ") + 1 >= REPEAT_MIN_WORDS:
            seen.add(line)
        kept.append(line)
    return kept


def _drop_link_runs(lines: list[str], words: list[int]) -> list[int]:
    """Return the indexes of ``lines`` outside runs of LINK_RUN or more link-like lines.

    A run right after a line that ends in a colon ("The plan includes:") is the
    story's own list and stays.
    """
    chrome = [_is_chrome_like(line, n) for line, n in zip(lines, words, strict=True)]
    keep: list[int] = []
    i = 0
    while i < len(lines):
        j = i
        while j < len(lines) and chrome[j]:
            j += 1
        if j - i >= LINK_RUN and not (i > 0 and lines[i - 1].endswith(":")):
            i = j
            continue
        keep.extend(range(i, max(j, i + 1)))
        i = max(j, i + 1)
    return keep


def clean_lines(
    lines: Sequence[str], rules: SourceRules, is_learned: Callable[[str], bool] = lambda _: False
) -> TextCleaning:
    """Strip chrome from text lines (see :func:`split_lines`); never raises.

    ``is_learned`` says whether a line is the source's learned boilerplate. No prose
    left gives no paragraphs.
    """
    title = published_at = dek = None
    if lines and (parsed := parse_date_line(lines[0])):
        published_at, title = parsed
        lines = lines[1:]
    words = [line.count(" ") + 1 for line in lines]  # split_lines leaves single spaces
    prose = [_is_prose(line, n) for line, n in zip(lines, words, strict=True)]
    learned = [is_learned(line) for line in lines]
    scores = [
        LEARNED_PENALTY if gone else _line_score(line, n, p)
        for line, n, p, gone in zip(lines, words, prose, learned, strict=True)
    ]
    end, sidebar = _cut_trailing_block(lines, prose, scores, rules)
    kept = range(end)
    scores = scores[:end]
    for i in sidebar:  # a sidebar line is never body, whatever its length
        scores[i] = min(0.0, scores[i])
    start, stop = densest_span(scores)
    if stop > start:
        start, stop = _widen(kept, start, stop, lines, words, learned)
    span = kept[start:stop]
    dropped = [learned[i] or rules.drops(lines[i]) for i in span]
    first, stop = _trim_detached(span, prose, lines, dropped)
    body = [
        i
        for i, gone in zip(span[first:stop], dropped[first:stop], strict=True)
        if not gone and i not in sidebar
    ]
    body_lines = [lines[i] for i in body]
    body_lines = [body_lines[j] for j in _drop_link_runs(body_lines, [words[i] for i in body])]
    body_lines = _drop_repeats(body_lines)
    if (
        title is not None
        and len(body_lines) > 1
        and _words(body_lines[0]) <= DEK_MAX_WORDS
        and not _DATELINE.match(body_lines[0])  # "LONDON: ..." opens the story, it is no standfirst
    ):
        dek, body_lines = body_lines[0], body_lines[1:]
    return TextCleaning(tuple(body_lines), title=title, published_at=published_at, dek=dek)


def clean_text(
    text: str, rules: SourceRules, is_learned: Callable[[str], bool] = lambda _: False
) -> TextCleaning:
    """Strip chrome from plain text; see :func:`clean_lines`."""
    return clean_lines(split_lines(text), rules, is_learned)
