"""Tests for service.clean.frontmatter: headlines, bylines and datelines lifted into fields."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from service.clean.frontmatter import (
    canonical_place,
    lift_from_body,
    read_byline,
    read_dateline_line,
    read_front_matter,
    repeats_title,
    split_dateline_lead,
)
from service.models import Dateline

STORY = "The council voted on Tuesday to fund the new harbour, ending a long dispute."


@pytest.mark.parametrize(
    ("line", "place", "date", "agency"),
    [
        ("ROME 1996-12-06", "ROME", "1996-12-06", None),
        ("HONG KONG 1996-08-30", "HONG KONG", "1996-08-30", None),
        ("MILWAUKEE , Wisconsin 1996-08-29", "MILWAUKEE , Wisconsin", "1996-08-29", None),
        ("LONDON, May 3 (Agency)", "LONDON", "May 3", "Agency"),
    ],
)
def test_dateline_line_is_read(line: str, place: str, date: str, agency: str | None) -> None:
    """A PLACE DATE line (or PLACE, DATE (AGENCY)) is a dateline with its parts as written."""
    found = read_dateline_line(line)
    assert found is not None
    assert (found.place, found.date, found.agency) == (place, date, agency)


@pytest.mark.parametrize(
    "line", ["AMERICAN LEAGUE", "NEW YORK 74 59 .556 -", "W L PCT GB", "Results of the games"]
)
def test_headings_and_rows_are_no_datelines(line: str) -> None:
    """A bare place, a table row or a heading is not a dateline line."""
    assert read_dateline_line(line) is None


@pytest.mark.parametrize(
    ("paragraph", "text", "place"),
    [
        ("GENEVA (Wirepress) - The UN said on Friday it would.", "GENEVA (Wirepress) -", "GENEVA"),
        ("LONDON, May 3 (Agency) - Shares fell.", "LONDON, May 3 (Agency) -", "LONDON"),
        ("Moscow: The Kremlin said on Monday.", "Moscow:", "Moscow"),
        ("LONDON: Prices rose.", "LONDON:", "LONDON"),
        (
            "WASHINGTON, Dec. 4, 2026 (AP) -- The Senate voted.",
            "WASHINGTON, Dec. 4, 2026 (AP) --",
            "WASHINGTON",
        ),
    ],
)
def test_dateline_lead_is_split_off(paragraph: str, text: str, place: str) -> None:
    """A dateline that leads a paragraph is split off; the sentence after it is kept whole."""
    found = split_dateline_lead(paragraph)
    assert found is not None
    dateline, rest = found
    assert (dateline.text, dateline.place) == (text, place)
    assert paragraph == f"{text} {rest}"


@pytest.mark.parametrize(
    "paragraph",
    [
        "UPDATE: The company said it would cut jobs.",
        "EXCLUSIVE - The minister resigned.",
        "CRICKET - LEICESTERSHIRE TAKE OVER AT TOP .",
        "The minister said: we are ready.",
        "Apple said on Monday it would.",
    ],
)
def test_lines_that_only_look_like_datelines_stay(paragraph: str) -> None:
    """A kicker label, a shouted headline or a sentence with a colon is no dateline."""
    assert split_dateline_lead(paragraph) is None


def test_byline_names_the_author() -> None:
    """'By Jane Roe, Wirepress' names Jane Roe; 'By the way' is no byline."""
    assert read_byline("By Jane Roe, Wirepress") == "Jane Roe"
    assert read_byline("BY Jane Roe and John Doe") == "Jane Roe and John Doe"
    assert read_byline("By the way, this is a sentence.") is None


def test_canonical_place_title_cases_shouted_words() -> None:
    """Shouted words go to title case and commas are tidied; mixed case stays."""
    assert canonical_place("MILWAUKEE , Wisconsin") == "Milwaukee, Wisconsin"
    assert canonical_place("NEW YORK") == "New York"
    assert canonical_place("Rio de Janeiro") == "Rio de Janeiro"


def test_wire_front_matter_becomes_fields() -> None:
    """Headline, bare-name byline and PLACE DATE line are lifted; the story is left whole."""
    lines = ["SOCCER - SHEARER NAMED AS CAPTAIN .", "Adrian Warner", "LONDON 1996-08-30", STORY]
    front, rest = read_front_matter(lines, None)
    assert front.title == lines[0]
    assert front.author == "Adrian Warner"
    assert front.dateline is not None and front.dateline.iso_date == "1996-08-30"
    assert rest == [STORY]


def test_first_line_repeating_the_title_goes() -> None:
    """With a title on the event, a first line repeating it is removed, not re-titled."""
    front, rest = read_front_matter(["Harbour plan approved", STORY], "Harbour plan approved")
    assert front.title is None and rest == [STORY]


def test_first_line_without_front_matter_after_it_stays() -> None:
    """A first line not followed by a byline or dateline is left for the body selection."""
    front, rest = read_front_matter(["Home", STORY], None)
    assert front.title is None and rest == ["Home", STORY]


def test_body_never_repeats_title_or_dek() -> None:
    """Leading paragraphs repeating the title and dek go; a dateline lead is split off."""
    front, _ = read_front_matter([], "Harbour plan approved")
    front = type(front)("Harbour plan approved")
    lifted, body = lift_from_body(
        ["Harbour plan approved", "The dek line.", f"LAGOS (Wirepress) - {STORY}", STORY],
        front,
        "The dek line.",
    )
    assert body == [STORY, STORY]
    assert lifted.dateline == Dateline("LAGOS (Wirepress) -", "LAGOS", "Lagos", None, "Wirepress")


def test_a_lone_paragraph_equal_to_the_title_is_kept() -> None:
    """The body is never emptied to avoid a repeat of the title."""
    front = type(read_front_matter([], None)[0])("Short story")
    assert lift_from_body(["Short story"], front, None)[1] == ["Short story"]


@given(st.text(max_size=200))
def test_lead_split_never_loses_text(paragraph: str) -> None:
    """Whatever the input, a split dateline plus the rest gives back the paragraph."""
    found = split_dateline_lead(paragraph)
    if found is not None:
        dateline, rest = found
        assert paragraph == f"{dateline.text} {rest}" or paragraph.startswith(dateline.text)
        assert rest in paragraph


@pytest.mark.parametrize(
    ("line", "title", "repeats"),
    [
        ("Rovers win the cup", "Rovers win the cup | Herald Sport", True),
        ("Rovers win the cup", "Rovers win the cup - Herald", True),
        ("How many watts does a PC use?", "How many watts does a PC use? | Eco Shop", True),
        ("Rovers win", "Rovers win the cup", False),
        (
            "Rovers win the cup",
            "Rovers win the cup | a very long tail that is another headline entirely",
            False,
        ),
    ],
)
def test_a_title_with_the_site_name_is_still_repeated(line: str, title: str, repeats: bool) -> None:
    """A first paragraph equal to the title less a short site suffix repeats the title."""
    assert repeats_title(line, title) is repeats
