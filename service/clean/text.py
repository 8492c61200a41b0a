"""The text path: strip page chrome from plain text, one block a line.

Pure functions over strings. Hard-wrapped paragraphs are rejoined first (a paragraph
comes out as one line). The body is the densest run of prose lines (see
:mod:`service.clean.text_lines`; when the rules drop prose lines in it, such as a long
cookie notice or disclaimer, the run is chosen again with those counting for nothing),
minus lines that the rules or the source's learned
boilerplate mark, minus trailing "also read / related / more" blocks and runs of
link-like short lines, minus prose islands (author box, promo, comments) that a run
of chrome cuts off from the story, minus second copies of repeated lines and
testimonial blocks (see :mod:`service.clean.text_blocks`), minus call-to-action buttons.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from functools import partial

from service.clean.frontmatter import is_headline
from service.clean.rules import SourceRules
from service.clean.text_blocks import (
    cut_trailing_block,
    drop_link_runs,
    drop_testimonials,
    first_copies,
    trim_detached,
    widen,
)
from service.clean.text_lines import (
    SENTENCE_ENDS,
    densest_span,
    is_prose,
    join_wrapped,
    line_score,
    split_lines,
    word_count,
)
from service.clean.text_tables import find_tables, has_chrome, tables_to_keep

__all__ = [
    "Selection",
    "TextCleaning",
    "clean_lines",
    "clean_text",
    "densest_span",
    "parse_date_line",
    "select_body",
    "split_lines",
]

_DATE_LINE = re.compile(
    r"date:?\s+(\d{4}-\d{2}-\d{2})(?:[T ]\d{2}:\d{2}(?::\d{2})?(?:Z|[+-]\d{2}:?\d{2})?)?\s+(\S.*)",
    re.IGNORECASE,
)
_DATELINE = re.compile(r"^[A-Z][\w .,'()/-]{1,40}?(?::| -| \u2013| \u2014)\s")

LEARNED_PENALTY = -25.0  # a learned boilerplate line
DEK_MAX_WORDS = 40  # after a date line, a first line this short is the standfirst


@dataclass(frozen=True, slots=True)
class TextCleaning:
    """What the text path found: the kept lines, and the header fields it parsed."""

    paragraphs: tuple[str, ...]
    title: str | None = None
    published_at: str | None = None
    dek: str | None = None


def parse_date_line(line: str) -> tuple[str, str] | None:
    """Return ``(YYYY-MM-DD, headline)`` from a ``date YYYY-MM-DD headline`` line, else None."""
    match = _DATE_LINE.fullmatch(line)
    return (match.group(1), match.group(2).strip()) if match else None


@dataclass(frozen=True, slots=True)
class Selection:
    """The rules' choice on one page: the body lines, and the features they were chosen by.

    ``lines`` are the page's lines after any leading date line, hard-wrapped paragraphs
    rejoined (:func:`~service.clean.text_lines.join_wrapped`); ``body`` indexes them;
    ``dropped`` marks the lines of ``span`` (the widened densest span) that rules or
    learned boilerplate drop.
    """

    lines: Sequence[str]
    words: Sequence[int]
    prose: Sequence[bool]
    body: tuple[int, ...]
    span: range
    dropped: Sequence[bool]
    title: str | None = None
    published_at: str | None = None


def select_body(
    lines: Sequence[str], rules: SourceRules, is_learned: Callable[[str], bool] = lambda _: False
) -> Selection:
    """Choose the body lines of a page (see :func:`clean_lines`); never raises."""
    title = published_at = None
    if lines and (parsed := parse_date_line(lines[0])):
        published_at, title = parsed
        lines = lines[1:]
    lines, learned = join_wrapped(lines, [is_learned(line) for line in lines])
    words = [word_count(line) for line in lines]
    prose = [is_prose(line, n) for line, n in zip(lines, words, strict=True)]
    scores = [
        LEARNED_PENALTY if gone else line_score(line, n, p)
        for line, n, p, gone in zip(lines, words, prose, learned, strict=True)
    ]
    end, sidebar = cut_trailing_block(lines, prose, scores, rules)
    if not has_chrome(lines[:end], words[:end], learned[:end], rules):
        span = _inner(learned[:end])  # a story and nothing else: no span to look for
        dropped = [False for _ in span]  # the source's phrases inside a story are story
        body = list(span)
    else:
        span, dropped, body = _densest_body(
            lines, words, prose, scores, learned, end, sidebar, rules
        )
        body = [body[j] for j in drop_link_runs([lines[i] for i in body], [words[i] for i in body])]
    body = [body[j] for j in first_copies([lines[i] for i in body])]
    body = [i for i in body if not rules.is_button(lines[i])]
    body = [body[j] for j in drop_testimonials([lines[i] for i in body], [words[i] for i in body])]
    body = _with_tables(lines, words, body, end, learned, sidebar, rules)
    return Selection(lines, words, prose, tuple(body), span, dropped, title, published_at)


def _densest_body(
    lines: Sequence[str],
    words: Sequence[int],
    prose: Sequence[bool],
    scores: list[float],
    learned: Sequence[bool],
    end: int,
    sidebar: Collection[int],
    rules: SourceRules,
) -> tuple[range, list[bool], list[int]]:
    """Return the span, its dropped marks and the body lines of a page with chrome."""
    kept = range(end)
    scores = scores[:end]
    for i in sidebar:  # a sidebar line is never body, whatever its length
        scores[i] = min(0.0, scores[i])
    start, stop = densest_span(scores)
    ruled = {i: rules.drops(lines[i]) for i in range(start, stop) if prose[i]}
    if any(ruled.values()):  # prose the rules drop (a cookie notice) is no evidence:
        for i, gone in ruled.items():  # choose again without it
            if gone:
                scores[i] = 0.0
        start, stop = densest_span(scores)
    if stop > start:
        start, stop = widen(kept, start, stop, lines, words, learned)
    span = kept[start:stop]
    dropped = [learned[i] or (ruled[i] if i in ruled else rules.drops(lines[i])) for i in span]
    first, stop = trim_detached(span, prose, lines, dropped)
    body = [
        i
        for i, gone in zip(span[first:stop], dropped[first:stop], strict=True)
        if not gone and i not in sidebar
    ]
    return span, dropped, body


def _inner(learned: Sequence[bool]) -> range:
    """Return every line but the learned ones that lead or trail the text (a sign-off)."""
    marks = list(learned)
    first = next((i for i, gone in enumerate(marks) if not gone), len(marks))
    last = next((i for i in range(len(marks) - 1, -1, -1) if not marks[i]), -1)
    return range(first, last + 1)


def _with_tables(
    lines: Sequence[str],
    words: Sequence[int],
    body: list[int],
    end: int,
    learned: Sequence[bool],
    sidebar: Collection[int],
    rules: SourceRules,
) -> list[int]:
    """Add the data tables that touch the body (all tables when there is no body)."""

    def usable(i: int) -> bool:
        return not learned[i] and i not in sidebar and not rules.drops(lines[i])

    def anything(i: int) -> bool:
        return True

    near = tables_to_keep(find_tables(lines[:end], words[:end], anything), body)
    if not near:  # the rules are only asked about lines that could be in a table
        return body
    kept: set[int] = set(body)
    for start, stop in _runs(near):
        found = find_tables(lines[start:stop], words[start:stop], partial(_shifted, usable, start))
        kept.update(start + i for i in tables_to_keep(found, [i - start for i in body]))
    return sorted(kept)


def _shifted(usable: Callable[[int], bool], offset: int, i: int) -> bool:
    return usable(offset + i)


def _runs(indexes: Sequence[int]) -> list[tuple[int, int]]:
    """Return the ``(start, stop)`` runs of consecutive numbers in sorted ``indexes``."""
    runs: list[tuple[int, int]] = []
    for i in indexes:
        if runs and runs[-1][1] == i:
            runs[-1] = (runs[-1][0], i + 1)
        else:
            runs.append((i, i + 1))
    return runs


def clean_lines(
    lines: Sequence[str],
    rules: SourceRules,
    is_learned: Callable[[str], bool] = lambda _: False,
    *,
    find_headline: bool = False,
) -> TextCleaning:
    """Strip chrome from text lines (see :func:`split_lines`); never raises.

    ``is_learned`` says whether a line is the source's learned boilerplate. A kept
    paragraph is an input line, or consecutive input lines of one hard-wrapped
    paragraph joined by a space. No prose left gives no paragraphs. With
    ``find_headline``, a first line right before the body that reads as a headline
    becomes the title.
    """
    chosen = select_body(lines, rules, is_learned)
    title, dek = chosen.title, None
    body_lines = [chosen.lines[i] for i in chosen.body]
    if (
        title is not None
        and len(body_lines) > 1
        and word_count(body_lines[0]) <= DEK_MAX_WORDS
        and not _DATELINE.match(body_lines[0])  # "LONDON: ..." opens the story, it is no standfirst
    ):
        dek, body_lines = body_lines[0], body_lines[1:]
    elif title is None and find_headline and _leads_with_headline(chosen, rules):
        title = chosen.lines[0]
        if chosen.body[:1] == (0,):
            body_lines = body_lines[1:]
    return TextCleaning(tuple(body_lines), title=title, published_at=chosen.published_at, dek=dek)


def _leads_with_headline(chosen: Selection, rules: SourceRules) -> bool:
    """Say whether the first line heads the body: a headline right before it, or its first
    line when that is unpunctuated headline-shaped text over a longer sentence."""
    if not chosen.lines or not is_headline(chosen.lines[0]) or rules.drops(chosen.lines[0]):
        return False
    if chosen.body[:1] == (1,):
        return True
    first = chosen.lines[0]
    return (
        chosen.body[:2] == (0, 1)
        and not first.endswith(SENTENCE_ENDS)
        and chosen.prose[1]
        and chosen.words[0] < chosen.words[1]
    )


def clean_text(
    text: str, rules: SourceRules, is_learned: Callable[[str], bool] = lambda _: False
) -> TextCleaning:
    """Strip chrome from plain text; see :func:`clean_lines`."""
    return clean_lines(split_lines(text), rules, is_learned)
