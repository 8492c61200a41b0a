"""Body fingerprints: exact keys, shingle sketches, robustness to any input."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from service.fingerprint import SKETCH_SIZE, fingerprint_body, url_key
from tests.store_contract import body


def test_exact_key_ignores_case_punctuation_and_spacing() -> None:
    """Bodies that differ only in case, punctuation and whitespace share the exact key."""
    first = fingerprint_body("The Mayor said: “Repairs start Monday.”\n\nFine.")
    second = fingerprint_body("the mayor said repairs start monday fine")
    assert first.body_key == second.body_key != 0


def test_exact_key_changes_with_one_word() -> None:
    """Changing one word changes the exact key."""
    assert (
        fingerprint_body("storm hits the port").body_key
        != fingerprint_body("storm hits the town").body_key
    )


def test_empty_body_has_no_keys() -> None:
    """A body without words has exact key 0 and an empty sketch."""
    assert fingerprint_body(" \n\n -- ").body_key == 0
    assert fingerprint_body("").sketch == ()


def test_short_paragraphs_do_not_shape_the_sketch() -> None:
    """Headlines, datelines and chrome lines (short paragraphs) leave the sketch alone."""
    text = body(1)
    dressed = "Breaking news\n\nAdvertisement\n\n" + text + "\n\nFollow us on Mastodon"
    assert fingerprint_body(dressed).sketch == fingerprint_body(text).sketch


def test_dropping_a_paragraph_only_removes_its_shingles() -> None:
    """Shingles never span paragraphs: a dropped paragraph adds no new shingle."""
    paragraphs = [" ".join(p.split()[:12]) for p in body(1, paragraphs=3).split("\n\n")]
    whole = fingerprint_body("\n\n".join(paragraphs))
    dropped = fingerprint_body("\n\n".join([paragraphs[0], paragraphs[2]]))
    assert set(dropped.sketch) <= set(whole.sketch)
    assert dropped.shingles < whole.shingles


def test_paragraphs_are_split_by_runs_of_line_breaks_only() -> None:
    """Three or four line breaks split like two; one line break, or CRLF, does not."""
    one, two = (" ".join(p.split()[:10]) for p in body(2, paragraphs=2).split("\n\n"))
    split = fingerprint_body(f"{one}\n\n{two}")
    for gap in ("\n\n\n", "\n\n\n\n", "\n \n\n"):
        assert fingerprint_body(f"{one}{gap}{two}") == split
    for joined in (f"{one}\n{two}", f"{one}\r\n\r\n{two}", f"{one} {two}"):
        together = fingerprint_body(joined)
        assert together.body_key == split.body_key
        assert together.shingles == split.shingles + 2  # two shingles span the join


def test_non_latin_text_is_shingled() -> None:
    """Words in other scripts are words: a Cyrillic paragraph gets a sketch."""
    text = "Мэр города пообещал начать ремонт моста в понедельник утром после шторма"
    assert len(fingerprint_body(text).sketch) == fingerprint_body(text).shingles > 0


def test_url_key_is_zero_only_for_empty_urls() -> None:
    """An empty URL has key 0; others a stable non-zero key."""
    assert url_key("") == 0
    assert url_key("https://e.com/a") == url_key("https://e.com/a") != 0


@given(st.text())
def test_fingerprint_never_raises_and_sketch_is_sorted_unique(text: str) -> None:
    """Any text fingerprints; the sketch is sorted, distinct, 32-bit, bounded."""
    result = fingerprint_body(text)
    assert list(result.sketch) == sorted(set(result.sketch))
    assert len(result.sketch) == min(result.shingles, SKETCH_SIZE)
    assert all(0 <= value < 2**32 for value in result.sketch)
    assert fingerprint_body(text) == result
