"""Line features for a learned keep/drop decision on the text path (an experiment).

The rules (service/clean/text.py) find the story region and strip the site's chrome;
what they leave is often thin prose after the story (FAQs, testimonials, teaser cards,
bios). This module gives each body line the rules chose a feature vector
(:func:`line_features`) for a model to decide; bench/train_lines.py trains and
cross-fits it. It lives in bench/ because the model did not beat the rules on held-out
pages (see docs/benchmarks.md), so the service does not use it.

The rules' choice of body lines comes from :func:`service.clean.text.select_body`, the
same function ``clean_lines`` uses.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

from service.clean.text import Selection
from service.clean.text_lines import (
    SENTENCE_ENDS,
    is_teaser,
)

_STOPWORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "but",
        "of",
        "to",
        "in",
        "on",
        "at",
        "for",
        "with",
        "by",
        "from",
        "as",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "has",
        "have",
        "had",
        "it",
        "its",
        "this",
        "that",
        "these",
        "those",
        "he",
        "she",
        "they",
        "his",
        "her",
        "their",
        "said",
        "says",
        "will",
        "would",
        "not",
        "no",
        "than",
        "then",
        "there",
        "which",
        "who",
        "whom",
        "when",
        "while",
        "after",
        "before",
        "over",
        "into",
        "about",
        "also",
    ]
)
_PERSONAL = frozenset(["i", "i'm", "my", "me", "we", "we're", "our", "us", "you", "you're", "your"])
_QUOTES = frozenset('"\u201c\u201d\u00ab\u00bb')
_MARKS = frozenset("\u00a9\u00ae\u2122@#\u2605")  # (c) (r) tm @ # star
LOCAL = 3  # the window (lines each side) of the local features

FEATURES = (
    "log_words",
    "prose",
    "sentence_end",
    "question",
    "colon",
    "teaser",
    "short",
    "position",
    "mass_before",
    "mass_after",
    "gap_before",
    "gap_after",
    "near_dropped",
    "digits",
    "capitalised",
    "stopwords",
    "personal",
    "quote",
    "pipe",
    "relative_size",
    "prev_prose",
    "next_prose",
    "prev_question",
    "next_question",
    "prev_log_words",
    "next_log_words",
    "first",
    "last",
    "repeats",
    "word_chars",
    "commas",
    "marks",
    "local_prose",
    "local_log_words",
    "page_log_lines",
    "page_short_share",
    "page_prose_share",
)
SHORT_WORDS = 5
NEAR_CAP = 8  # distances to a dropped line are capped at this many lines


def _own(line: str, words: int) -> list[float]:
    """The features of a line on its own (see FEATURES)."""
    tokens = line.lower().split()
    n = max(1, words)
    chars = max(1, len(line))
    return [
        math.log1p(words),
        0.0,  # prose: filled in by the caller
        float(line.endswith(SENTENCE_ENDS)),
        float(line.endswith("?")),
        float(line.endswith(":")),
        float(is_teaser(line, words)),
        float(words <= SHORT_WORDS),
        sum(ch.isdigit() for ch in line) / chars,
        sum(1 for t in line.split() if t[:1].isupper()) / n,
        sum(1 for t in tokens if t in _STOPWORDS) / n,
        sum(1 for t in tokens if t.strip(".,!?;:\"'") in _PERSONAL) / n,
        float(any(ch in _QUOTES for ch in line)),
        float("|" in line or "\u2022" in line),
        sum(ch.isalnum() or ch == " " for ch in line) / chars,
        line.count(",") / n,
        float(any(ch in _MARKS for ch in line)),
    ]


def _distances(flags: Sequence[bool]) -> list[int]:
    """For each position, the distance to the nearest set flag (NEAR_CAP when none is near)."""
    n = len(flags)
    out = [NEAR_CAP] * n
    last = -NEAR_CAP
    for i in range(n):
        if flags[i]:
            last = i
        out[i] = min(NEAR_CAP, i - last)
    last = n + NEAR_CAP
    for i in range(n - 1, -1, -1):
        if flags[i]:
            last = i
        out[i] = min(out[i], last - i)
    return out


def line_features(sel: Selection) -> list[list[float]]:
    """Return the feature vector (in FEATURES order) of each body line of ``sel``."""
    body = sel.body
    m = len(body)
    if not m:
        return []
    lines, words, prose = sel.lines, sel.words, sel.prose
    own = [_own(lines[i], words[i]) for i in body]
    sizes = [len(lines[i]) for i in body]
    total = max(1, sum(sizes))
    biggest = max(1, max(sizes))
    near = _distances(sel.dropped)
    counts = Counter(lines[i] for i in body)
    prose_run = [0.0]
    words_run = [0.0]
    for k, i in enumerate(body):
        prose_run.append(prose_run[-1] + prose[i])
        words_run.append(words_run[-1] + own[k][0])
    offset = sel.span.start
    page = [math.log(m), sum(o[6] for o in own) / m, prose_run[-1] / m]
    rows: list[list[float]] = []
    before = 0
    for k, i in enumerate(body):
        o = own[k]
        prev_i = body[k - 1] if k else sel.span.start - 1
        next_i = body[k + 1] if k + 1 < m else sel.span.stop
        pos = i - offset
        rows.append(
            [
                o[0],
                float(prose[i]),
                *o[2:7],
                k / max(1, m - 1),
                before / total,
                (total - before - sizes[k]) / total,
                math.log1p(i - prev_i - 1),
                math.log1p(next_i - i - 1),
                near[pos] / NEAR_CAP if 0 <= pos < len(near) else 1.0,
                *o[7:13],
                sizes[k] / biggest,
                float(prose[body[k - 1]]) if k else 0.0,
                float(prose[body[k + 1]]) if k + 1 < m else 0.0,
                own[k - 1][3] if k else 0.0,
                own[k + 1][3] if k + 1 < m else 0.0,
                own[k - 1][0] if k else 0.0,
                own[k + 1][0] if k + 1 < m else 0.0,
                float(k == 0),
                float(k == m - 1),
                math.log(counts[lines[i]]),
                o[13],
                o[14],
                o[15],
                (prose_run[hi := min(m, k + LOCAL + 1)] - prose_run[lo := max(0, k - LOCAL)])
                / (hi - lo),
                (words_run[hi] - words_run[lo]) / (hi - lo),
                *page,
            ]
        )
        before += sizes[k]
    return rows
