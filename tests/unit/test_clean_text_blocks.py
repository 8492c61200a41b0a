"""Tests for service.clean.text: trailing blocks versus link boxes inside the story."""

from __future__ import annotations

from service.clean.rules import load_rules
from service.clean.text import clean_text
from service.clean.text_blocks import opens_author_box, opens_comments
from service.clean.text_lines import best_sums

RULES = load_rules().for_source("test")
STORY = [
    "The harbour authority said on Friday that the new ferry terminal would open in "
    "March, two years later than planned, because of rising steel prices across Europe.",
    '"We have waited long enough," said councillor Maria Lopes, who chairs the transport '
    "committee and has pressed for the terminal since the first plans were drawn up.",
    "Contractors blamed the delay on a shortage of welders and on storms that halted work "
    "on the breakwater for most of last winter, according to the authority's report.",
    "The terminal will handle up to 40 sailings a day once the second berth is finished, "
    "and the operator expects passenger numbers to double within five years of opening.",
    "Local businesses welcomed the news but said the council should now fix the roads "
    "that lead to the port, which flood at high tide several times every winter.",
    "The regional government has promised a further 12 million euros for the access "
    "roads, although the money depends on the budget being passed in the autumn.",
]
TEASERS = [
    "Port strike ends after two weeks",
    "New bridge to open in spring",
    "Ferry fares to rise by five percent",
]


def test_best_sums() -> None:
    """The best run before each index and from each index on (empty runs sum to zero)."""
    before, after = best_sums([3.0, -5.0, 4.0, 1.0, -9.0])
    assert before == [0.0, 3.0, 3.0, 4.0, 5.0, 5.0]
    assert after == [5.0, 5.0, 5.0, 1.0, 0.0, 0.0]


def test_link_box_inside_the_story_does_not_cut_it() -> None:
    """A 'Related' box with prose after it as dense as before is a box, not the end.

    Half the prose is behind the box, but the run after it outweighs the best run
    before it (which a photo credit and an advert interrupt): the story goes on.
    """
    text = "\n".join(
        [*STORY[:2], "Photo: Jane Roe", "Advertisement", STORY[2], "Related", *TEASERS, *STORY[3:]]
    )
    assert clean_text(text, RULES).paragraphs == tuple(STORY)


def test_related_block_after_the_story_is_cut() -> None:
    """A 'Related' block followed by teasers and one short blurb is the trailing block."""
    blurb = (
        "Dock workers returned on Monday after the union accepted a pay offer from the "
        "operators, ending the longest strike at the port in thirty years."
    )
    text = "\n".join([*STORY, "Related", *TEASERS, blurb])
    assert clean_text(text, RULES).paragraphs == tuple(STORY)


def test_long_paragraph_ending_in_an_arrow_is_prose() -> None:
    """A long paragraph that ends in a 'more' arrow (a mail view link) is still the body."""
    letter = " ".join(STORY) + " Read in browser \u00bb"
    text = "\n".join(["Home", "Posts", letter, "Home", "Privacy policy"])
    assert clean_text(text, RULES).paragraphs == (letter,)


def test_short_teaser_ending_in_an_ellipsis_is_chrome() -> None:
    """A short line that trails off is a teaser and stays out of the body."""
    teaser = "Ferry operator warns that fares could rise sharply next year as fuel..."
    text = "\n".join([*STORY, teaser, *TEASERS])
    assert clean_text(text, RULES).paragraphs == tuple(STORY)


def test_list_introduced_by_a_colon_is_kept() -> None:
    """Short items after a line ending in a colon are the story's list, not links."""
    intro = "The new terminal will offer passengers the following facilities from March:"
    items = ["Two berths", "A covered car deck", "A bus station", "Bicycle parking"]
    text = "\n".join([*STORY[:3], intro, *items, *STORY[3:]])
    assert clean_text(text, RULES).paragraphs == (*STORY[:3], intro, *items, *STORY[3:])


def test_link_list_inside_the_body_is_dropped() -> None:
    """The same short lines with no colon line before them are a link list."""
    links = ["Two berths", "A covered car deck", "A bus station", "Bicycle parking"]
    text = "\n".join([*STORY[:3], *links, *STORY[3:]])
    assert clean_text(text, RULES).paragraphs == tuple(STORY)


COMMENTS = [
    "I took the old ferry every week for twenty years and I cannot believe it has taken "
    "this long to build a proper terminal, but I am glad it is finally happening.",
    "Reply",
    "The steel prices were known when the contract was signed, so the council should "
    "have planned for them instead of blaming the market two years after the fact.",
    "Reply",
    "Does anyone know whether the new berth will be able to take the larger freight "
    "ferries, or only the passenger boats that run to the islands in the summer?",
]


def test_comment_section_after_the_story_is_cut() -> None:
    """A comments heading once the story is under way ends it, even when the comments
    outweigh the story (and so would pass for more story)."""
    for heading in ("12 Comments", "3 thoughts on \u201cFerry terminal delayed\u201d"):
        text = "\n".join([*STORY, heading, *COMMENTS, *COMMENTS, *COMMENTS])
        assert clean_text(text, RULES).paragraphs == tuple(STORY)
    assert opens_comments("Leave a Reply Cancel reply")
    assert opens_comments("Comments (4)")
    assert opens_comments("Maria Lopes says:")  # a comment's byline
    assert opens_comments("by ferryfan ( 1311177 ) writes:")


def test_comment_headings_before_the_story_and_comment_sentences_stay() -> None:
    """A 'Comments' link above the story cuts nothing; a sentence about comments is story."""
    sentence = "The council said 12 comments on the plan were received before the deadline."
    text = "\n".join(["Comments", *STORY[:3], sentence, *STORY[3:]])
    assert clean_text(text, RULES).paragraphs == (*STORY[:3], sentence, *STORY[3:])
    assert not opens_comments(sentence)
    assert not opens_comments("Comments?")
    assert not opens_comments("Response:")
    assert not opens_comments("She says:")  # a quote follows in the story
    assert not opens_comments("As the harbour master writes:")


def test_equal_sections_between_chrome_runs_all_stay() -> None:
    """Sections of a list article that chrome runs separate are all kept when none of
    them is much smaller than the largest (only a small edge island is detached)."""
    chrome = ["Share", "Tweet", "Email", "Advertisement"]
    text = "\n".join([line for paragraph in STORY for line in (paragraph, *chrome)][: -len(chrome)])
    assert clean_text(text, RULES).paragraphs == tuple(STORY)


REVIEWS = [
    "The new ferry is clean and the crew are friendly, we will travel again next summer.",
    "Dawn H.",
    "Booking was easy and the boat left exactly on time, even in the winter storms.",
    "Miranda E. R.",
    "Great value for a family of five, and the children loved the upper deck views.",
    "Carl J.",
]


def test_signed_testimonials_are_dropped() -> None:
    """Three or more reviews signed 'Firstname L.' are a testimonial block."""
    text = "\n".join([*STORY[:3], *REVIEWS, *STORY[3:]])
    assert clean_text(text, RULES).paragraphs == tuple(STORY)


def test_a_quote_signed_once_or_twice_stays() -> None:
    """Two signed quotes are not a testimonial block: the story may quote readers."""
    text = "\n".join([*STORY[:3], *REVIEWS[:4], *STORY[3:]])
    assert clean_text(text, RULES).paragraphs == (*STORY[:3], *REVIEWS[:4], *STORY[3:])


def test_first_person_bio_heads_an_author_box() -> None:
    """A name over "I'm <first name>, ..." is an author introducing themselves."""
    bio = "I'm Jane, and I have taken the ferry to the islands every summer since I was a child."
    assert opens_author_box(["Jane Roe", bio], 0)
    assert opens_author_box(["Jane Roe", "Travel writer", bio], 0)
    text = "\n".join([*STORY, "Jane Roe", bio])
    assert clean_text(text, RULES).paragraphs == tuple(STORY)


def test_first_person_sentence_under_another_name_is_no_author_box() -> None:
    """'I'm told ...' under a name is a quote in the story, not a bio."""
    line = "I'm told the terminal will open in March, the harbour master said on Friday."
    assert not opens_author_box(["Jane Roe", line], 0)


PROMO = [
    "Our newsletter brings you the best of the harbour, the ferries and the coast every "
    "Friday morning, with tips from our reporters and offers from local businesses.",
    "Thousands of readers already rely on it to plan their weekends on the islands, and "
    "it costs nothing: you can unsubscribe at any time with a single click.",
]


def test_trailing_island_behind_chrome_is_cut_but_a_leading_one_stays() -> None:
    """Behind a chrome run, a trailing island with a third of the story's prose is a promo
    and goes; before the story, an island that size is its intro and stays."""
    chrome = ["Share", "Tweet", "Email", "Print"]
    after = clean_text("\n".join([*STORY, *chrome, *PROMO]), RULES).paragraphs
    assert after == tuple(STORY)
    before = clean_text("\n".join([*PROMO, *chrome, *STORY]), RULES).paragraphs
    assert before == (*PROMO, *STORY)


def test_fact_box_of_field_value_pairs_is_kept() -> None:
    """Short 'Field: value' lines are the story's fact box, not a link list."""
    facts = ["Location: Harbour Road", "Berths: 2", "Opening: March", "Cost: 40 million euros"]
    text = "\n".join([*STORY[:3], *facts, *STORY[3:]])
    assert clean_text(text, RULES).paragraphs == (*STORY[:3], *facts, *STORY[3:])


def test_links_with_a_colon_inside_are_still_a_link_list() -> None:
    """A run of links where few lines are 'Field: value' pairs is still dropped."""
    links = ["Ferry news", "Port strike: day 3", "Timetables", "Fares and passes"]
    text = "\n".join([*STORY[:3], *links, *STORY[3:]])
    assert clean_text(text, RULES).paragraphs == tuple(STORY)


def test_list_under_a_pros_heading_is_kept() -> None:
    """'Pros' or 'Ingredients' over short items heads the story's list, not links."""
    for head in ("Pros", "Ingredients"):
        items = [head, "Quiet engines", "Large car deck", "Cheap fares"]
        text = "\n".join([*STORY[:3], *items, *STORY[3:]])
        assert clean_text(text, RULES).paragraphs == (*STORY[:3], *items, *STORY[3:])
    links = ["Products", "Quiet engines", "Large car deck", "Cheap fares"]
    text = "\n".join([*STORY[:3], *links, *STORY[3:]])
    assert clean_text(text, RULES).paragraphs == tuple(STORY)


def test_phrase_list_under_a_heading_is_kept() -> None:
    """Sentence-case phrases under a heading or a question are the story's list."""
    head = "What does the new terminal offer?"
    items = ["Two covered berths", "A heated waiting room", "Secure bicycle parking"]
    text = "\n".join([*STORY[:3], head, *items, *STORY[3:]])
    assert clean_text(text, RULES).paragraphs == (*STORY[:3], head, *items, *STORY[3:])


def test_title_case_links_under_a_heading_are_dropped() -> None:
    """Title Case links under a heading are still a link list."""
    head = "Popular in Travel"
    links = ["Ferry Fares Rise", "New Bridge Opens", "Island Guide"]
    text = "\n".join([*STORY[:3], head, *links, *STORY[3:]])
    assert clean_text(text, RULES).paragraphs == tuple(STORY)
