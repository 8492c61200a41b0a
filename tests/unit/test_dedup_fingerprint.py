"""Body fingerprints: exact keys, shingle sketches, robustness to any input."""

from __future__ import annotations

from collections import Counter

from hypothesis import given
from hypothesis import strategies as st

from service.dedup import fingerprint
from service.dedup.fingerprint import SKETCH_SIZE, BodyFingerprint, fingerprint_body, url_key
from tests.store_contract import body


def test_exact_key_ignores_case_punctuation_and_spacing() -> None:
    """Bodies that differ only in case, punctuation and whitespace share the exact key."""
    first = fingerprint_body("The Mayor said: “Repairs start Monday.”\n\nFine.")
    second = fingerprint_body("the mayor said repairs start monday fine")
    assert first.body_key == second.body_key != 0


def test_compiled_kernels_hold_no_process_addresses() -> None:
    """The kernels can be cached on disk: their machine code embeds no object address of
    this process (numba would refuse to cache it, warn, and compile again at each start)."""
    for text in ("latin words", "caf\u00e9 \u2014 dash", "\U0001f600 emoji"):
        fingerprint_body(text)  # one string of each storage kind
    kernel = fingerprint._fingerprint_kernel  # compiled, or loaded from the disk cache
    assert kernel.overloads
    for compiled in kernel.overloads.values():
        assert not compiled.library.has_dynamic_globals


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


# Fingerprints are persisted and shared (embedded snapshots, Redis): the sketches were
# computed by the first (numpy) implementation and must never change; the exact keys are
# those of KEY_VERSION 2 (a change needs a new version: stores refuse other versions).
MIXED = (
    "Breaking: Storm hits the PORT\n\nThe mayor said “repairs start Monday”, and the harbour "
    "(Ünïcödé-Straße 12) stays shut until the cranes are checked again.\n\n\nМэр города "  # noqa: RUF001
    "пообещал начать ремонт моста в понедельник утром 😀 после шторма\n\nFollow us"
)
MIXED_SKETCH = (
    202805097, 277401198, 301968521, 612484035, 614211751, 658340001, 663420763, 802459510,
    867917966, 917625612, 1085487504, 1696335214, 2145429385, 2415582526, 2730047299,
    2730278498, 2788943808, 2797217202, 2846630414, 2905254483, 3036250914, 3044014573,
    3062120120, 3169805118, 3597059029, 3863791506, 3873274728, 3936343155,
)  # fmt: skip


def test_fingerprint_values_are_pinned() -> None:
    """Exact key, sketch and shingle count of a mixed-script body stay as first computed."""
    assert fingerprint_body(MIXED) == BodyFingerprint(0x4BE947BECB3E8DF8, MIXED_SKETCH, 28)


def test_fingerprint_values_of_a_long_body_are_pinned() -> None:
    """A 69-shingle body keeps its key, count and 64 smallest hashes (the sketch bound)."""
    result = fingerprint_body(body(1, paragraphs=3))
    assert (result.body_key, result.shingles, len(result.sketch)) == (0xFBF6819888B8580A, 69, 64)
    assert result.sketch[:4] == (30972059, 174450416, 181029023, 202813343)
    assert result.sketch[-3:] == (3838540090, 3860835620, 3981373898)


def test_fingerprint_of_a_word_across_the_power_table_wrap_is_pinned() -> None:
    """Bodies over 2**18 code points: a word crossing position 2**18 keeps its hash."""
    text = "q " * (2**17 - 2) + (
        "Crossingword ends after the power table wraps around, and the paragraph goes on for a while"
    )
    result = fingerprint_body(text)
    assert (result.body_key, result.shingles) == (0x7428414233A49FF8, 17)
    assert result.sketch[:3] == (208762987, 456322001, 485473408)
    assert result.sketch[-2:] == (4123689090, 4149871459)


def fmix64(value: int) -> int:
    """MurmurHash3's 64-bit finalizer, in plain Python."""
    mask = (1 << 64) - 1
    value ^= value >> 33
    value = value * 0xFF51AFD7ED558CCD & mask
    value ^= value >> 33
    value = value * 0xC4CEB9FE1A85EC53 & mask
    return value ^ value >> 33


# Han, kana, Thai, Lao, Myanmar and Khmer letters: each is a word of its own.
SOLO = [
    (0x0E01, 0x0E30), (0x0E32, 0x0E33), (0x0E40, 0x0E46), (0x0E81, 0x0EB0), (0x0EB2, 0x0EB3),
    (0x0EBD, 0x0EC6), (0x1000, 0x102A), (0x1780, 0x17B3), (0x3040, 0x30FF), (0x31F0, 0x31FF),
    (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x3134F),
]  # fmt: skip


def reference_fingerprint(text: str) -> BodyFingerprint:
    """The method of :mod:`service.dedup.fingerprint`, spelled out in slow, plain Python."""
    base, wrap, mask = 0x9E3779B97F4A7C15, 1 << 18, (1 << 64) - 1
    codepoints = list(memoryview(text.encode("utf-32-le", "replace")).cast("I"))
    words: list[tuple[int, int]] = []  # (hash, paragraph)
    paragraph, start, total, first, solo_before = 0, -1, 0, 0, False
    for position, codepoint in enumerate([*codepoints, 0]):
        after = codepoints[position + 1] if position + 1 < len(codepoints) else 0
        before = codepoints[position - 1] if position else 0
        paragraph += codepoint == after == 10 != before
        char = chr(codepoint)
        lowered = char.lower() if char.isalnum() or codepoint >= 0x10000 else ""
        letter = (ord(lowered) if len(lowered) == 1 else codepoint) if lowered else 0
        solo = bool(letter) and any(low <= codepoint <= high for low, high in SOLO)
        if letter and start >= 0 and (solo or solo_before):  # a word of its own starts or ends
            words.append((total * pow(base, -(start % wrap), 1 << 64) & mask, first))
            start = -1
        solo_before = solo
        if letter and start < 0:
            start, total, first = position, 0, paragraph
        if letter:
            total += letter * pow(base, position % wrap, 1 << 64)
        elif start >= 0:
            words.append((total * pow(base, -(start % wrap), 1 << 64) & mask, first))
            start = -1
    if not words:
        return BodyFingerprint(0, (), 0)
    key = 0x243F6A8885A308D3
    for value in [value for value, _ in words] + [len(words)]:
        key = fmix64(key ^ value)
    key = key or 1
    sizes = Counter(number for _, number in words)
    multipliers = (0x9FB21C651E98DF25, 0xD6E8FEB86659FD93, 0xA0761D6478BD642F)
    shingles = {
        (sum(m * value for m, (value, _) in zip(multipliers, words[i : i + 3], strict=True)) & mask)
        >> 32
        for i in range(len(words) - 2)
        if words[i][1] == words[i + 2][1] and sizes[words[i][1]] >= 8
    }
    return BodyFingerprint(key, tuple(sorted(shingles)[:SKETCH_SIZE]), len(shingles))


PIECES = [*"abcXYZ019 .,", "É", "ß", "İ", "ǅ", "Σ", "ﬁ", "٣", "中", "😀", "𝐀", "\ud800", "\r"]  # noqa: RUF001
PIECES += ["\n", "\n\n", "\u3000", "storm", "hits", "the", "port", "\u0e01", "\u0e48", "\u30ab"]
PIECES += ["\u3002", "\U00020000", "\u0e50"]  # ideographic full stop, CJK ext. B, Thai digit


@given(st.lists(st.sampled_from(PIECES), max_size=300).map("".join))
def test_fingerprint_matches_the_plain_python_reference(text: str) -> None:
    """The compiled kernel computes exactly what the reference spells out."""
    assert fingerprint_body(text) == reference_fingerprint(text)


def test_reference_agrees_on_the_pinned_bodies() -> None:
    """The reference reproduces the pinned literals too (so it is the method, not a copy)."""
    assert reference_fingerprint(MIXED) == fingerprint_body(MIXED)
    assert reference_fingerprint(body(2, paragraphs=4)) == fingerprint_body(body(2, paragraphs=4))
