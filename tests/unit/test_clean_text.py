"""Tests for service.clean_text: the plain-text boilerplate stripper."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from service.clean_text import clean_text, densest_span, parse_date_line, split_lines
from service.rules import load_rules

RULES = load_rules().for_source("test")
PROSE = (
    "The harbour authority said on Friday that the new ferry terminal would open in "
    "March, two years later than planned, because of rising steel prices."
)


def test_parse_date_line() -> None:
    """A leading date line gives the ISO date and the headline; other lines give None."""
    assert parse_date_line("date 2020-11-09 Talks resume") == ("2020-11-09", "Talks resume")
    assert parse_date_line("Talks resume on 2020-11-09") is None


def test_densest_span() -> None:
    """The maximum-sum run is found; all-negative scores give an empty span."""
    assert densest_span([-5, 3, 4, -1, 2, -20, 6]) == (1, 5)
    assert densest_span([-1.0, -2.0]) == (0, 0)


def test_navigation_run_before_body_is_dropped() -> None:
    """Menu lines before the body and a link list after it are removed."""
    text = "\n".join(["Home", "News", "Sport", "Weather", PROSE, PROSE.upper(), "A", "B", "C"])
    assert clean_text(text, RULES).paragraphs == (PROSE, PROSE.upper())


def test_sidebar_block_before_body_does_not_cut_body() -> None:
    """A 'Trending' sidebar before the body drops its headlines but keeps the body."""
    text = "\n".join(["Trending", "Star quits band", "Storm hits coast", PROSE, PROSE.lower()])
    assert clean_text(text, RULES).paragraphs == (PROSE, PROSE.lower())


@given(st.text(max_size=2000))
def test_output_lines_come_from_input(text: str) -> None:
    """Cleaning never raises and only keeps (whitespace-normalised) input lines."""
    result = clean_text(text, RULES)
    assert set(result.paragraphs) <= set(split_lines(text))
