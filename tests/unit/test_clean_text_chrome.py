"""Tests for service.clean.text: detached widgets, repeats and chrome vocabulary."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.clean.rules import load_rules, parse_rules
from service.clean.text import clean_text

RULES = load_rules().for_source("test")
STORY = [
    "The harbour authority said on Friday that the new ferry terminal would open in "
    "March, two years later than planned, because of rising steel prices.",
    '"We have waited long enough," said councillor Maria Lopes, who chairs the transport '
    "committee and has pressed for the terminal since the first plans were drawn up.",
    "Contractors blamed the delay on a shortage of welders and on storms that halted work "
    "on the breakwater for most of last winter, according to the authority's report.",
    "The terminal will handle up to 40 sailings a day once the second berth is finished, "
    "and the operator expects passenger numbers to double within five years of opening.",
]
AUTHOR_BOX = (
    "Jane Roe is a senior reporter who has covered transport, planning and local "
    "politics for the paper for more than a decade."
)


def test_author_box_behind_share_widget_is_cut() -> None:
    """A prose island after a run of share/subscribe chrome is not part of the story."""
    widget = ["Share", "Tweet", "Email", "0", "Subscribe", "Jane Roe", "Senior reporter"]
    text = "\n".join([*STORY, *widget, AUTHOR_BOX])
    assert clean_text(text, RULES).paragraphs == tuple(STORY)


def test_short_closing_paragraph_after_a_list_is_kept() -> None:
    """A closing paragraph after a plain list (no chrome lines) stays with the story."""
    items = [
        "Two berths for ferries of up to 200 metres",
        "A covered car deck with room for 600 cars",
        "A bus station with six bays and a taxi rank",
        "Secure bicycle parking for three hundred bicycles",
        "A cafe and waiting room on the upper floor",
    ]
    closing = "The authority will publish the final timetable for the first sailings in January."
    text = "\n".join([*STORY[:2], *items, closing])
    out = clean_text(text, RULES).paragraphs
    assert out[:2] == tuple(STORY[:2])
    assert out[-1] == closing


def test_repeated_promo_is_kept_once() -> None:
    """A long line shown twice (sticky promo, author box) is kept once; short repeats stay."""
    promo = "Our reporters cover the harbour, the ferries and the coast roads every day."
    text = "\n".join([STORY[0], promo, STORY[1], "Pros", STORY[2], promo, "Pros", STORY[3]])
    out = clean_text(text, RULES).paragraphs
    assert out.count(promo) == 1
    assert out.count("Pros") == 2
    assert all(p in out for p in STORY)


def test_identical_quotes_in_different_paragraphs_stay() -> None:
    """Lines that differ, even by little, are not repeats: both quotes stay."""
    first = '"It is a start," he said, adding that the funding would be reviewed in May.'
    second = '"It is a start," she said, adding that the funding would be reviewed in June.'
    text = "\n".join([STORY[0], first, STORY[1], second, STORY[2]])
    out = clean_text(text, RULES).paragraphs
    assert first in out and second in out


@pytest.mark.parametrize(
    "line",
    [
        "This article contains affiliate links that may earn us a commission.",
        "As an Amazon Associate we earn from qualifying purchases.",
        "If you buy through our links, we may earn a small commission at no cost to you.",
        "This is a paid placement. Our team approved it as an appropriate product.",
        "Necessary cookies are absolutely essential for the website to function properly.",
        "This cookie is set by GDPR Cookie Consent plugin to store the user consent.",
        "Read more: The best ferries in Europe",
        "» Learn More: How to pick a travel insurance plan",
        "Related: Port strike ends after two weeks",
        "The new berth under construction in May. Credit: Jane Roe",
        "Image from the March 2024 review",
        "Schedule Your Personalized Demo!",
        "Start a Free Trial",
        "Click to share on Mastodon (Opens in new window)",
        "Bluesky",
        "Save my name, email, and website in this browser for the next time I comment.",
        "Ferries queue at the new berth. Morsa Images/DigitalVision via Getty Images",
        "The breakwater after the storm. Photo: Jane Roe",
        "Above: The old terminal building, which will be demolished in the spring.",
        "The harbour at dawn, 1932. Gelatin silver print. Courtesy Harbour Museum.",
        "Loading...",
        "Loading prices for your region\u2026",
        "Learn more about the Harbour Studies MBA Program",
        "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor.",
    ],
)
def test_chrome_vocabulary_lines_are_dropped(line: str) -> None:
    """Affiliate disclosures, cookie notices, inline related links and CTAs are chrome."""
    assert RULES.drops(line)


@pytest.mark.parametrize(
    "line",
    [
        "Estate agents earn a commission of 1.5 percent on each sale, the report said.",
        '"Read more books," the minister told pupils at the school on Tuesday.',
        "The credit union said it would lend 2 million euros to the port.",
        "Bakers said the cookies are sold out by noon on most days.",
        "He showed reporters a photo of the damaged breakwater taken by a diver in May.",
        "The museum said the exhibition was made possible courtesy of a grant from the city.",
        "Loading the cars onto the ferry took three hours, the crew said...",
        "Learn more about the new timetable at the harbour office.",
        "Printers filled the proof with lorem ipsum, a scrambled passage of Cicero.",
    ],
)
def test_body_sentences_near_chrome_vocabulary_are_kept(line: str) -> None:
    """Sentences that merely mention commissions, reading, credit or cookies stay."""
    assert not RULES.drops(line)


@pytest.mark.parametrize(
    "line",
    [
        "About the AuthorJane Roe",
        "Written byJane Roe",
        "Leave a Reply Cancel reply",
        "March 3, 2025 at 4:15 pm",
        "Other popular Blogs",
        "End of Article",
        "You May Also Check:",
        "Written by",
        "About Jane Roe",
        "Your email address will not be published. Required fields are marked *",
        "Δ",
        "March 6, 2026",
        "December 18, 2025, 9:46 pm",
        "Did you enjoy this article? Buy me a coffee.",
        "Sources",
        "Republish this article",
        "More videos",
        "More Recipes",
        "You may also be interested in the following articles:",
        "Need more backpacking advice?",
        "Start Here",
    ],
)
def test_trailing_block_markers(line: str) -> None:
    """Author boxes, comment sections and further-reading headers open a trailing block."""
    assert RULES.starts_block(line)
    text = "\n".join([*STORY, line, AUTHOR_BOX])
    assert clean_text(text, RULES).paragraphs == tuple(STORY)


def test_rules_match_case_insensitively() -> None:
    """Upper- and mixed-case lines match the lower-case rules."""
    assert RULES.drops("SHARE ON FACEBOOK")
    assert RULES.starts_block("ALSO READ")
    assert RULES.starts_block("Also Read:")


def test_rules_with_upper_case_still_match_any_case() -> None:
    """A rule written with capitals (or \\S-style escapes) keeps case-insensitive matching."""
    doc = {
        "defaults": {
            "drop_lines": ["^Sponsored By \\S+$", "\\bPromo Code\\b"],
            "block_starts": ["Also Read"],
        }
    }
    rules = parse_rules(doc, Path("inline.toml")).for_source("x")
    assert rules.drops("sponsored by acme")
    assert rules.drops("Use PROMO CODE save10 at checkout")
    assert rules.starts_block("ALSO READ")
    assert not rules.drops("sponsored by")


@pytest.mark.parametrize(
    "line",
    [
        "More recipes will follow in the spring, the chef said.",
        "You may be interested in how the terminal was financed, he told the committee.",
        "Start here if you have never taken the ferry before.",
    ],
)
def test_body_sentences_like_block_markers_do_not_open_blocks(line: str) -> None:
    """Sentences that open like a further-reading header are story, not a block start."""
    assert not RULES.starts_block(line)


@pytest.mark.parametrize(
    "line",
    ["Book now", "Buy on Amazon", "View Deal", "Jump to Review", "Read the Review", "Learn More"],
)
def test_buttons_are_dropped_without_marking_chrome(line: str) -> None:
    """A button is dropped from the body, but it does not cut a list article into islands
    the way drop_lines chrome does: the short intro before the first button stays."""
    assert RULES.is_button(line)
    assert not RULES.drops(line)
    intro = "We tested six ferry routes this year, from the islands to the coast, and here is what we found on board."
    gap = [line, "Map", "Fares", line]
    text = "\n".join([intro, *gap, *STORY[:3], *gap, *STORY[3:]])
    assert clean_text(text, RULES).paragraphs == (intro, *STORY)


@pytest.mark.parametrize(
    "line",
    [
        "Book now, pay later, the operator told passengers.",
        "Learn more about the ferry at the harbour office.",
        "The deal was signed on Friday.",
    ],
)
def test_sentences_with_button_words_are_not_buttons(line: str) -> None:
    """A sentence that starts with a button's words is not a button."""
    assert not RULES.is_button(line)


def test_self_promotion_goes_on_first_sight_stories_about_apps_stay() -> None:
    """A one-off promo paragraph of a source never seen before is dropped from the body;
    story paragraphs that mention an app or a newsletter are kept."""
    app_story = (
        "The company said its app had 2 million downloads in the first month, and that its "
        "weekly newsletter now reaches 300,000 readers across the region."
    )
    promos = [
        "Find the latest smartphones on GadgetHub. Get gadget reviews & ratings, compare "
        "prices and specs.",
        "Download the GadgetHub app for the latest news on the go.",
        "Sign up for our Morning Briefing newsletter to get the day's top stories in your inbox.",
    ]
    text = "\n".join([STORY[0], STORY[1], promos[0], app_story, STORY[2], *promos[1:], STORY[3]])
    out = clean_text(text, load_rules().for_source("gadgethub.com")).paragraphs
    assert out == (STORY[0], STORY[1], app_story, STORY[2], STORY[3])
