"""Tests for service.clean.text_tables and the text path on wire copy with data."""

from __future__ import annotations

import pytest

from service.clean.rules import load_rules
from service.clean.stage import Cleaner
from service.clean.text_tables import find_tables, is_row
from service.models import CleanArticle, Origin, RawArticle

LEAD = "Results of South Korean professional soccer games played on Thursday ."
ROWS = ["Pohang 3 Ulsan 2 ( halftime 1-0 )", "Puchon 1 Chonan 1", "Anyang 0 Suwon 2"]
STANDINGS = [
    "W D L G/F G/A P",
    "Puchon 3 1 0 6 1 10",
    "Chonan 3 0 1 13 10 9",
    "Pohang 2 1 1 11 10 7",
]
STORY = [
    "Leicestershire beat Somerset by an innings and 39 runs in two days to take over at the "
    "head of the county championship on Friday .",
    "Their stay on top may be short-lived as title rivals Essex , Derbyshire and Surrey all "
    "closed in on victory .",
]


@pytest.mark.parametrize(
    "line",
    ["LG 2 OB 0", "NEW YORK 74 59 .556 -", "1. Michelle Freeman ( Jamaica ) 12.71", "Brent $71.20"],
)
def test_figures_make_rows(line: str) -> None:
    """A short line with a result, a time or a price is a data row."""
    assert is_row(line, line.count(" ") + 1)


@pytest.mark.parametrize(
    "line",
    [
        "Posted Dec 4, 2026",
        "5 min read",
        "12 Comments",
        "Page 2 of 3",
        "(c) 2026 Example",
        "42",
        STORY[0],
    ],
)
def test_chrome_counters_dates_and_sentences_are_no_rows(line: str) -> None:
    """Dates, read times, comment counts, pages, copyrights, lone numbers and sentences are no rows."""
    assert not is_row(line, line.count(" ") + 1)


def test_a_table_is_rows_with_their_headings() -> None:
    """Headings between rows belong to the table; a heading after the last row does not."""
    lines = ["EASTERN DIVISION", *STANDINGS, "CENTRAL DIVISION", *STANDINGS[1:], "More news"]
    words = [line.count(" ") + 1 for line in lines]
    assert find_tables(lines, words, lambda i: True) == [range(0, len(lines) - 1)]


def _clean(text: str) -> CleanArticle:
    raw = RawArticle(
        id="w",
        url="https://wire.example/1",
        source="wire.example",
        origin=Origin("raw", 0, 1),
        text=text,
    )
    out = Cleaner(load_rules())(raw)
    assert isinstance(out, CleanArticle)
    return out


def test_results_sheet_is_kept_whole() -> None:
    """A story that is only a results table keeps every row, one a line, and its front matter."""
    out = _clean(
        "\n".join(["SOCCER - SOUTH KOREAN RESULTS .", "SEOUL 1996-08-30", LEAD, *ROWS, *STANDINGS])
    )
    assert out.title == "SOCCER - SOUTH KOREAN RESULTS ."
    assert out.dateline is not None and out.dateline.place_canonical == "Seoul"
    assert out.published_at == "1996-08-30T00:00:00Z" and out.published_at_raw == "1996-08-30"
    assert out.body.split("\n\n") == [LEAD, *ROWS, *STANDINGS]


def test_table_after_the_story_is_kept_but_page_chrome_goes() -> None:
    """On a page with chrome, the table touching the story stays and the menu and footer go."""
    menu = ["Home", "World", "Sport", "Sign in"]
    footer = ["Share on Facebook", "Copyright 2026 Example News Ltd. All rights reserved."]
    out = _clean("\n".join([*menu, *STORY, "Standings :", *STANDINGS, *footer]))
    assert out.body.split("\n\n") == [*STORY, "Standings :", *STANDINGS]


def test_unpunctuated_first_line_over_the_story_is_the_headline() -> None:
    """A wire story with no dateline: its unpunctuated first line is the title, not body."""
    headline = "Harbour council approves new ferry terminal after long dispute"
    out = _clean("\n".join([headline, *STORY]))
    assert out.title == headline
    assert out.body.split("\n\n") == STORY
