# ruff: noqa: RUF001 - Persian, Arabic and Hebrew text is the point of these tests
"""Faithful text: cleaning keeps lines whole and meaningful Unicode byte for byte.

Line structure comes from real line breaks only (``\\n``, ``\\r\\n``, ``\\r``, U+2029);
joiners inside words, combining marks, variation selectors and right-to-left text come
out of both paths exactly as they went in. Removed on purpose: soft hyphen, ZERO WIDTH
SPACE, U+FEFF, and a ZWJ/ZWNJ at a word's edge (it joins nothing).
"""

from __future__ import annotations

import hashlib
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.clean.html import clean_html, restore_words
from service.clean.learned import InMemoryLineStats, line_key
from service.clean.rules import load_rules
from service.clean.stage import Cleaner
from service.clean.text import clean_text
from service.clean.text_lines import split_lines
from service.models import CleanArticle, Origin, RawArticle

RULES = load_rules().for_source("test")
BEFORE = (
    "The harbour authority said on Friday that the new ferry terminal would open in "
    "March, two years later than planned, because of rising steel prices."
)
AFTER = (
    "Contractors blamed the delay on a shortage of welders and on storms that halted "
    "work on the breakwater for most of last winter, according to the authority."
)

PERSIAN_ZWNJ = (
    "وزیر گفت رئیس\u200cجمهور برنامه\u200cهای جدید دولت را برای اقتصاد کشور به زودی "
    "اعلام خواهد کرد و مردم می\u200cتوانند درباره آن نظر بدهند."
)
EMOJI_ZWJ = (
    "Developers sent the \U0001f469\u200d\U0001f4bb emoji more than any other this year, "
    "and the \U0001f468\u200d\U0001f469\u200d\U0001f467 family came second, the company said."
)
COMBINING_ACCENT = (
    "The cafe\u0301 on the corner, run by Rene\u0301e Dubois, served coffee to the "
    "minister and his aides every morning before the cabinet met."
)
ARABIC_RTL = (
    "قال الوزير إن الحكومة ستعلن عن خطة جديدة للاقتصاد خلال الأسبوع المقبل، "
    "وإن المواطنين سيتمكنون من إبداء آرائهم فيها."
)
ARABIC_DIACRITICS = (
    "وَقَالَ الْوَزِيرُ إِنَّ الْحُكُومَةَ سَتُعْلِنُ عَنْ خُطَّةٍ جَدِيدَةٍ لِلِاقْتِصَادِ "
    "خِلَالَ الْأُسْبُوعِ الْمُقْبِلِ فِي مُؤْتَمَرٍ صَحَفِيٍّ."
)  # shadda before the vowel sign: NFC would reorder them
HEBREW_RTL_MARKS = (
    "אמר השר כי הממשלה תציג בשבוע הבא תוכנית חדשה לכלכלה של \u200fC++\u200f, "
    "וכי האזרחים יוכלו להביע את דעתם עליה בדיון פתוח."
)
VARIATION_AND_FLAG = (
    "Fans waved \u2764\ufe0f signs and \U0001f3f4\U000e0067\U000e0062\U000e0073\U000e0063"
    "\U000e0074\U000e007f flags as the team came home to a crowd of thousands on Sunday."
)
MEANINGFUL = [
    PERSIAN_ZWNJ,
    EMOJI_ZWJ,
    COMBINING_ACCENT,
    ARABIC_RTL,
    ARABIC_DIACRITICS,
    HEBREW_RTL_MARKS,
    VARIATION_AND_FLAG,
]
NO_BREAKS = ["\u0085", "\u2028", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e"]


def _html(*paragraphs: str) -> str:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return f"<html><head><title>t</title></head><body><article>{body}</article></body></html>"


def _clean(**content: str) -> str:
    raw = RawArticle(
        id="a", url="https://x.example/a", source="x.example", origin=Origin("t", 0, 0), **content
    )
    out = Cleaner(load_rules())(raw)
    assert isinstance(out, CleanArticle)
    return out.body


@pytest.mark.parametrize("separator", NO_BREAKS)
def test_separator_inside_a_sentence_keeps_it_whole(separator: str) -> None:
    """NEL, LINE SEPARATOR, \\x0b, \\x0c and \\x1c-\\x1e are spaces, not line breaks."""
    sentence = f"The minister said{separator} the plan would cut waiting times by half."
    assert split_lines(sentence) == ["The minister said the plan would cut waiting times by half."]
    text = "\n".join([BEFORE, f"The minister said{separator} {AFTER}"])
    assert clean_text(text, RULES).paragraphs == (BEFORE, f"The minister said {AFTER}")


def test_real_line_breaks_split_lines() -> None:
    """\\n, \\r\\n, \\r and U+2029 PARAGRAPH SEPARATOR end a line; blank lines go."""
    text = "one\ntwo\r\nthree\rfour\u2029five\n\n \t\nsix"
    assert split_lines(text) == ["one", "two", "three", "four", "five", "six"]


def test_invisible_hints_go_edge_joiners_go() -> None:
    """Soft hyphen, ZWSP and BOM are removed; a joiner at a word's edge joins nothing."""
    text = "\ufeffBundes\u00adregierung and zero\u200bwidth \u200dnews \u200c x\u200d\n\u200d\n"
    assert split_lines(text) == ["Bundesregierung and zerowidth news x"]


@pytest.mark.parametrize("paragraph", MEANINGFUL)
def test_text_path_keeps_meaningful_unicode(paragraph: str) -> None:
    """Joiners, combining marks, bidi marks and RTL text survive the text path exactly."""
    out = clean_text("\n".join([BEFORE, paragraph, AFTER]), RULES).paragraphs
    assert paragraph in out
    assert paragraph.encode("utf-8") == out[out.index(paragraph)].encode("utf-8")


@pytest.mark.parametrize("paragraph", MEANINGFUL)
def test_html_path_keeps_meaningful_unicode(paragraph: str) -> None:
    """trafilatura deletes joiners and NFC-normalises; the HTML path puts them back."""
    out = clean_html(_html(BEFORE, paragraph, AFTER), RULES).paragraphs
    assert out == (BEFORE, paragraph, AFTER)


@pytest.mark.parametrize("paragraph", MEANINGFUL)
def test_both_paths_through_the_cleaner(paragraph: str) -> None:
    """The clean stage gives the same bytes from the HTML and from the text."""
    assert paragraph in _clean(html=_html(BEFORE, paragraph, AFTER)).split("\n\n")
    assert paragraph in _clean(text="\n".join([BEFORE, paragraph, AFTER])).split("\n\n")


def test_restore_leaves_ambiguous_words_as_extracted() -> None:
    """A form two page words share (or the page also has as it is) is not guessed."""
    page = ["cafe\u0301 and café", "a\u200db and a\u200cb"]
    assert restore_words(["café", "ab"], page) == ["café", "ab"]
    assert restore_words(["x\u200dy"], ["x\u200dy z"]) == ["x\u200dy"]
    assert restore_words(["xy z"], ["x\u200dy z"]) == ["x\u200dy z"]


def test_restore_drops_controls_and_private_use() -> None:
    """Control and private-use (icon font) characters stay deleted, as trafilatura has it."""
    page = ["\ue801Share this and \x80word\u200dpair"]
    assert restore_words(["Share this and wordpair"], page) == ["Share this and word\u200dpair"]


_LETTERS = "بپتثجچحخدرزسشصطعغفقکگلمنوهی"  # Persian letters: no page word is one by chance
_INSIDE = ["\u200c", "\u200d", "\u0651", "\u064e", "\u0301", "\ufe0f", "\u200f", "\u200e"]
_word = st.builds(
    lambda head, parts: head + "".join(mark + letter for mark, letter in parts),
    st.sampled_from(_LETTERS),
    st.lists(
        st.tuples(st.sampled_from([*_INSIDE, ""]), st.sampled_from(_LETTERS)),
        min_size=1,
        max_size=5,
    ),
)


@settings(max_examples=40, deadline=None)
@given(st.lists(_word, min_size=3, max_size=12, unique=True))
def test_html_and_text_paths_keep_marked_words(words: list[str]) -> None:
    """Any paragraph of words with inner joiners, marks and bidi marks comes out as is,
    on both paths, as long as no two of its words look alike once normalised."""
    forms = [unicodedata.normalize("NFC", "".join(c for c in w if c.isprintable())) for w in words]
    if len(set(forms)) < len(forms):
        return  # two words trafilatura makes the same: which is which cannot be told
    paragraph = " ".join(words) + "."
    assert clean_html(_html(BEFORE, paragraph, AFTER), RULES).paragraphs[1] == paragraph
    assert paragraph in clean_text("\n".join([BEFORE, paragraph, AFTER]), RULES).paragraphs


@given(
    st.lists(st.text(alphabet="abc\u00e9\u0301\u05d0\u200c\u2764\ufe0f", min_size=1), min_size=1),
    st.lists(st.sampled_from([" ", *NO_BREAKS]), min_size=1),
)
def test_split_lines_never_breaks_on_other_separators(words: list[str], seps: list[str]) -> None:
    """Whatever non-break separators stand between words, the words make one line."""
    words = [w for w in (w.strip("\u200c") for w in words) if w]  # an edge ZWNJ goes
    text = "".join(w + seps[i % len(seps)] for i, w in enumerate(words))
    assert split_lines(text) == ([" ".join(words)] if words else [])


def test_line_key_normalises_the_key_only() -> None:
    """A learned-line key is of the visible text (no invisible characters, NFC); ASCII
    lines key as they always did, so stored learned lines stay valid."""
    assert line_key("رئیس\u200cجمهور گفت") == line_key("رئیس جمهور گفت")  # half-space
    assert line_key("cafe\u0301 du port") == line_key("café du port")
    assert line_key("Bundes\u00adregierung") == line_key("Bundesregierung")
    old = hashlib.blake2b(b"sign up now", digest_size=8).hexdigest()
    assert line_key("Sign up now!") == old


def test_learned_footer_goes_story_text_stays_byte_for_byte() -> None:
    """A footer learned in either normal form is stripped; the story's own joiners and
    marks come through the learned-line filter untouched."""
    cleaner = Cleaner(load_rules(), InMemoryLineStats(min_articles=2))
    footers = [  # one footer, its accents precomposed on some pages and not on others
        "Le Caf\u00e9 du Port est \u00e9dit\u00e9 par la Soci\u00e9t\u00e9 des \u00c9ditions "
        "du Littoral, 12 rue de la Mer, Brest.",
        "Le Cafe\u0301 du Port est e\u0301dite\u0301 par la Socie\u0301te\u0301 des E\u0301ditions "
        "du Littoral, 12 rue de la Mer, Brest.",
    ]
    for n in range(4):
        story = f"{PERSIAN_ZWNJ} شماره {n}"
        accent = f"{COMBINING_ACCENT} It was day {n}."
        raw = RawArticle(
            id=f"a{n}",
            url=f"https://x.example/{n}",
            source="x.example",
            origin=Origin("t", 0, n),
            text="\n".join([f"{BEFORE} ({n})", story, accent, AFTER[: 40 + n], footers[n % 2]]),
            fetched_at=f"2026-01-0{n + 1}T10:00:00Z",
        )
        out = cleaner(raw)
        assert isinstance(out, CleanArticle)
        paragraphs = out.body.split("\n\n")
        assert story in paragraphs and accent in paragraphs
        if n >= 1:  # the second article has the other variant: the same key
            assert not any(footer in out.body for footer in footers)
