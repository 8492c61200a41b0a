"""Tests for service.clean.text: the plain-text boilerplate stripper."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from service.clean.rules import load_rules
from service.clean.text import clean_text, densest_span, parse_date_line, split_lines
from service.clean.text_lines import join_wrapped

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


def _from_lines(paragraph: str, lines: list[str]) -> bool:
    """Whether ``paragraph`` is consecutive ``lines`` joined by single spaces."""
    for i, line in enumerate(lines):
        if paragraph.startswith(line):
            joined = line
            for nxt in lines[i + 1 :]:
                if len(joined) >= len(paragraph):
                    break
                joined += " " + nxt
            if joined == paragraph:
                return True
    return False


@given(st.text(max_size=2000))
def test_output_lines_come_from_input(text: str) -> None:
    """Cleaning never raises and only keeps (whitespace-normalised) input lines, or runs
    of them joined (a hard-wrapped paragraph)."""
    lines = split_lines(text)
    result = clean_text(text, RULES)
    assert all(_from_lines(p, lines) for p in result.paragraphs)
    if not any(line[0].islower() for line in lines):
        assert set(result.paragraphs) <= set(lines)


def test_hard_wrapped_paragraphs_are_rejoined() -> None:
    """A paragraph wrapped over lines that go on in lower case comes out as one line."""
    wrapped = [
        "The harbour authority said on Friday that the new ferry terminal",
        "would open in March, two years later than planned, because of",
        "rising steel prices.",
        "Contractors blamed the delay on a shortage of welders and on storms",
        "that halted work on the breakwater for most of last winter.",
    ]
    out = clean_text("\n".join(["Home", *wrapped, "Share"]), RULES).paragraphs
    assert out == (" ".join(wrapped[:3]), " ".join(wrapped[3:]))


def test_lines_that_end_a_sentence_or_are_short_are_not_joined() -> None:
    """A punctuated line, or a short label, before a lower-case line stays on its own."""
    lines = [
        PROSE,
        "ferries will run every hour from the first week, the operator added in a statement.",
        "Timetable changes",
        "and fares will be published in January, the authority said in its report.",
    ]
    joined, marks = join_wrapped(lines, [False] * len(lines))
    assert joined == lines
    assert marks == [False] * len(lines)


def test_learned_lines_are_never_joined() -> None:
    """A learned boilerplate line keeps its own line, so it can still be dropped."""
    lines = ["Sign up for our free weekly newsletter about the ferries and", "the harbour"]
    assert join_wrapped(lines, [False, True]) == (lines, [False, True])
    assert join_wrapped(lines, [False, False]) == ([" ".join(lines)], [False])


def test_prose_the_rules_drop_does_not_draw_the_body() -> None:
    """A long cookie notice is no evidence of the body: the story is chosen, not it."""
    notice = [
        f"We use cookies to personalise content and ads, to provide social media features "
        f"and to analyse our traffic, and we share information about your use of our site "
        f"with our partners (notice part {n})."
        for n in range(4)
    ]
    menu = ["Home", "News", "Sport", "Weather", "Travel", "Culture", "Podcasts", "Video"]
    text = "\n".join([*notice, *menu * 5, PROSE, PROSE.lower()])
    assert all(RULES.drops(line) for line in notice)
    assert clean_text(text, RULES).paragraphs == (PROSE, PROSE.lower())
