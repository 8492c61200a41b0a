"""Data in the story: results tables, standings, scoreboards, price lists, one row a line.

Pure functions over a page's lines. A row is a short line that carries a figure that is
no date, time or counter of the page's chrome (``Pohang 3 Ulsan 2``, ``1. Michelle
Freeman ( Jamaica ) 12.71``, ``Brent crude $71.20``). A table is a run of such rows,
with the short headings and labels between them (``EASTERN DIVISION``, ``W L PCT GB``).
A table that touches the story, or any table of a page with no prose at all (a results
sheet), is content, and its lines are kept in their order, one row a line.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from service.clean.rules import MAX_BLOCK_START_CHARS, SourceRules
from service.clean.text_blocks import LINK_RUN, opens_comments
from service.clean.text_lines import is_chrome_like, is_prose, is_teaser

ROW_MAX_WORDS = 40  # a longer line with figures is prose, not a row
HEADING_MAX_WORDS = 12  # a short line between rows is a heading, label or wrapped row
MIN_ROWS = 2  # a table has at least this many rows
ROW_SHARE = 0.4  # ... and at least this share of its lines are rows

_NOT_DATA = re.compile(
    r"(?:\b|(?=[+(]))(?:\d{1,2}:\d{2}(?::\d{2})?\s*(?:[ap]\.?m\.?)?|\d{4}-\d{2}-\d{2}(?:T[\d:.+Z-]+)?"
    r"|\d{1,2}(?:st|nd|rd|th)?\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)\w*\.?(?:,?\s+\d{4})?"
    r"|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)\w*\.?\s+\d{1,2}(?:st|nd|rd|th)?(?:,?\s+\d{4})?"
    r"|\d+\s*(?:min(?:ute)?s?|hours?|hrs?|days?|weeks?|months?|years?)\s+(?:read|ago)"
    r"|\d+\s*(?:comments?|replies|shares?|likes?|views?|photos?|images?|videos?|items?)"
    r"|(?:page|part|step|chapter|slide|episode|season)\s+\d+(?:\s+of\s+\d+)?"
    r"|(?:\u00a9|\(c\)|copyright)\s*\d{4}(?:\s*[-\u2013]\s*\d{4})?"
    r"|\d{4}\s*[-\u2013]\s*\d{4}"
    r"|\+\d{1,3}[\d ()-]{6,}\d|\(\s?\d{3}\s?\)\s?\d{3}[ -]?\d{4}|\b\d{3}[ -]\d{3}[ -]\d{4}\b)",
    re.IGNORECASE,
)
_FIGURE = re.compile(r"\d")


def is_row(line: str, words: int) -> bool:
    """Say whether ``line`` is a data row: a short line, no sentence, with a figure that is no date.

    Dates, times, "5 min read", "12 comments", "Page 2 of 3", copyright years and
    phone numbers are the page's chrome, not data; a lone number is a counter.
    """
    if words < 2 or words > ROW_MAX_WORDS or not _FIGURE.search(line) or is_prose(line, words):
        return False
    return _FIGURE.search(_NOT_DATA.sub(" ", line)) is not None


def find_tables(
    lines: Sequence[str], words: Sequence[int], usable: Callable[[int], bool]
) -> list[range]:
    """Return the tables of a page as ranges of line indexes, in order.

    A table is a maximal run of usable lines each of which is a row or a heading
    (HEADING_MAX_WORDS or fewer words, or ending in a colon), holding MIN_ROWS rows
    or more, ROW_SHARE of its lines at least; headings at its edges are kept only
    when they end in a colon or lead into it (no trailing headings).
    """
    rows = [
        usable(i) and is_row(line, n) for i, (line, n) in enumerate(zip(lines, words, strict=True))
    ]
    tables: list[range] = []
    i = 0
    while i < len(lines):
        if not rows[i] and not _is_heading(lines, words, usable, i):
            i += 1
            continue
        start = i
        while i < len(lines) and (rows[i] or _is_heading(lines, words, usable, i)):
            i += 1
        stop = i
        while stop > start and not rows[stop - 1]:  # a trailing heading heads what follows
            stop -= 1
        count = sum(rows[start:stop])
        if count >= MIN_ROWS and count >= ROW_SHARE * (stop - start):
            tables.append(range(start, stop))
    return tables


def _is_heading(
    lines: Sequence[str], words: Sequence[int], usable: Callable[[int], bool], i: int
) -> bool:
    line, n = lines[i], words[i]
    return usable(i) and (n <= HEADING_MAX_WORDS or line.endswith(":")) and not is_prose(line, n)


def tables_to_keep(tables: Sequence[range], body: Sequence[int]) -> list[int]:
    """Return the lines of the tables that touch the body, or of all tables if it is empty.

    A table touches the body when it overlaps it or starts right after a body line or
    ends right before one.
    """
    if not body:
        return [i for table in tables for i in table]
    members = set(body)
    keep: list[int] = []
    for table in tables:
        if any(i in members or i - 1 in members or i + 1 in members for i in table):
            keep.extend(table)
    return keep


def has_chrome(
    lines: Sequence[str], words: Sequence[int], learned: Sequence[bool], rules: SourceRules
) -> bool:
    """Say whether a text shows any page chrome, or is a story and nothing else.

    Chrome is a line the rules drop, a button, a block start ("Related", "Also read"),
    a comments heading, a teaser, or a run of LINK_RUN short unpunctuated lines (a
    menu) not broken by two data rows in a row (a table). Learned boilerplate is not counted: it is removed on its
    own. Wire copy and a scraper's clean text have none of these.
    """
    rows = [is_row(line, n) for line, n in zip(lines, words, strict=True)]
    run = 0
    for i, (line, n, gone) in enumerate(zip(lines, words, learned, strict=True)):
        if gone:
            continue
        if (
            rules.drops(line)
            or rules.is_button(line)
            or (len(line) <= MAX_BLOCK_START_CHARS and rules.starts_block(line))
            or opens_comments(line)
            or is_teaser(line, n)
        ):
            return True
        in_table = rows[i] and ((i > 0 and rows[i - 1]) or (i + 1 < len(rows) and rows[i + 1]))
        run = 0 if in_table or not is_chrome_like(line, n) else run + 1
        if run >= LINK_RUN:
            return True
    return False
