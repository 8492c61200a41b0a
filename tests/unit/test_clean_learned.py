"""Learned boilerplate never eats the story: re-sends and updates keep their paragraphs."""

from __future__ import annotations

from service.clean.learned import InMemoryLineStats
from service.clean.rules import load_rules
from service.clean.stage import Cleaner, learned_lines_to_strip
from service.clean.text import clean_text
from service.models import CleanArticle, Origin, RawArticle

P = [
    f"Paragraph {i} of the story reports what the minister said about the budget and the schools plan in detail."
    for i in range(5)
]


def test_short_learned_lines_are_stripped_anywhere() -> None:
    """A short learned line (navigation, share line) goes even between paragraphs."""
    lines = ["Home | World | Sport", P[0], "Share on Facebook", P[1]]
    strip = learned_lines_to_strip(lines, [True, False, True, False])
    assert strip == {"Home | World | Sport", "Share on Facebook"}


def test_long_learned_footer_after_the_story_is_stripped() -> None:
    """A long learned line after the last unlearned paragraph is a footer."""
    footer = "The Courier is published by Courier Media Group and is a member of the regional press council."
    lines = [P[0], P[1], P[2], footer]
    assert learned_lines_to_strip(lines, [False, False, False, True]) == {footer}


def test_fully_learned_resend_keeps_everything_long() -> None:
    """When every long line is learned (the same story sent again), no paragraph is stripped."""
    assert learned_lines_to_strip(P, [True] * len(P)) == frozenset()


def test_updated_story_keeps_its_unchanged_paragraphs() -> None:
    """An update sharing a third or more of its paragraphs with an earlier story keeps them all."""
    learned = [True, False, True, False, True]
    assert learned_lines_to_strip(P, learned) == frozenset()


def test_update_sharing_exactly_a_third_keeps_its_tail() -> None:
    """Exactly a third is "a third or more": an update of six paragraphs whose last two are
    unchanged (learned from earlier versions) keeps them; a float share of 0.34 stripped them."""
    lines = [*P, P[0].replace("Paragraph 0", "Paragraph 5")]
    assert learned_lines_to_strip(lines, [False] * 4 + [True, True]) == frozenset()
    assert learned_lines_to_strip(lines, [False] * 5 + [True]) == {lines[5]}


def test_three_rescrapes_of_one_url_are_not_emptied() -> None:
    """Re-scraping one article three times (same source) never turns its body into boilerplate."""
    cleaner = Cleaner(load_rules(), InMemoryLineStats(min_articles=3))
    text = "\n".join(["Menu", *P, "Subscribe to our newsletter"])
    for n in range(4):
        raw = RawArticle(
            id=f"r{n}",
            url=f"https://x.example/a?utm={n}",
            source="x.example",
            origin=Origin("t", 0, n),
            text=text,
        )
        out = cleaner(raw)
        assert isinstance(out, CleanArticle)
        assert all(p in out.body for p in P)


def test_standfirst_and_short_closing_paragraph_are_kept() -> None:
    """After a date line the standfirst becomes the dek, a dateline paragraph stays in the body,
    and a short closing sentence before 'also read' is kept."""
    text = "\n".join(
        [
            "date 2025-05-17 Rovers win the cup in extra time",
            "A late header settled a tense final at Wembley.",
            "LONDON: Rovers beat City 2-1 after extra time on Saturday to lift the cup for the first time in 40 years.",
            '"I have waited my whole life for this," captain Sam Okafor said after the match on Saturday.',
            "The Football Association said more than 85,000 fans attended.",
            "also read",
            "City sign striker from Porto",
        ]
    )
    out = clean_text(text, load_rules().for_source("herald.example"))
    assert out.dek == "A late header settled a tense final at Wembley."
    assert out.paragraphs[0].startswith("LONDON: Rovers beat City")
    assert out.paragraphs[-1] == "The Football Association said more than 85,000 fans attended."
    assert out.title == "Rovers win the cup in extra time" and out.published_at == "2025-05-17"


def test_dateline_first_paragraph_is_not_taken_for_a_standfirst() -> None:
    """With no standfirst, the first paragraph opening with a dateline stays in the body."""
    text = "\n".join(
        [
            "date 2025-05-17 Port strike ends",
            "ROTTERDAM: Dock workers returned to work on Tuesday after unions accepted a two-year pay deal.",
            "The port authority said ships queued off the coast would be handled within days, officials said.",
        ]
    )
    out = clean_text(text, load_rules().for_source("x"))
    assert out.dek is None
    assert out.paragraphs[0].startswith("ROTTERDAM:")
