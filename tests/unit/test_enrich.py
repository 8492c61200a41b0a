"""Unit tests for service.enrich.stage, service.enrich.salience and the pure parts of service.enrich.ner."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence

import pytest
from hypothesis import given
from hypothesis import strategies as st

from service.enrich.aliases import AliasEntry, AliasTable
from service.enrich.canonical import TaggedSpan
from service.enrich.ner import focus_windows, recase_shouting, unfocus_spans
from service.enrich.salience import lead_end, salience
from service.enrich.stage import Enricher, propagate_repeats, split_into_chunks
from service.models import CleanArticle, Dateline, EntityType, Mention, Origin

NAMES: dict[str, EntityType] = {
    "Vladimir Putin": "PERSON",
    "Putin": "PERSON",
    "Moscow": "LOC",
    "World Health Organization": "ORG",
    "Kyiv": "LOC",
}


class FakeTagger:
    """Tags the literal names above; refuses texts longer than ``limit``."""

    model_version = "fake-1"

    def __init__(self, limit: int = 10_000) -> None:
        self.limit = limit
        self.calls: list[int] = []

    def tag(self, texts: Sequence[str]) -> list[list[TaggedSpan]]:
        self.calls.append(len(texts))
        pattern = re.compile("|".join(sorted(map(re.escape, NAMES), key=len, reverse=True)))
        out = []
        for text in texts:
            assert len(text) <= self.limit, "tagger got an oversized chunk"
            out.append([TaggedSpan(*m.span(), NAMES[m.group()]) for m in pattern.finditer(text)])
        return out


def article(body: str, title: str | None = None, id: str = "a1") -> CleanArticle:
    return CleanArticle(
        id=id,
        url="https://x.test/a",
        source="x",
        origin=Origin("raw", 0, 1),
        body=body,
        title=title,
    )


ALIASES = AliasTable([AliasEntry("Vladimir Putin", "PERSON", "Q7747")])


def test_enricher_fills_entities_in_order_with_body_offsets() -> None:
    """Articles keep their order; every mention indexes the body; the fake's version is kept."""
    enricher = Enricher(FakeTagger(), ALIASES)
    first = article("Vladimir Putin visited Moscow.\n\nPutin left Moscow.", id="1")
    second = article("Nothing to see here.", id="2")
    out = enricher([first, second])
    assert [a.id for a in out] == ["1", "2"]
    assert enricher.model_version == "fake-1"
    assert out[1].entities == ()
    names = {e.name: e for e in out[0].entities}
    assert set(names) == {"Vladimir Putin", "Moscow"}
    assert names["Vladimir Putin"].wikidata == "Q7747"
    assert names["Vladimir Putin"].count == 2
    for entity in out[0].entities:
        assert all(first.body[m.start : m.end] == m.text for m in entity.mentions)


def test_enricher_sorts_by_salience_and_title_counts() -> None:
    """An entity named in the title outranks an equally frequent one that is not."""
    body = "Moscow and Kyiv talked.\n\nLater Moscow and Kyiv agreed."
    out = Enricher(FakeTagger(), ALIASES)([article(body, title="Kyiv agrees")])[0]
    assert [e.name for e in out.entities] == ["Kyiv", "Moscow"]
    saliences = [e.salience for e in out.entities]
    assert saliences == sorted(saliences, reverse=True)
    assert all(0.0 <= s <= 1.0 for s in saliences)


def test_enricher_lists_a_title_only_entity_with_its_title_mention() -> None:
    """A name only in the title is listed with one title mention whose offsets index the title."""
    out = Enricher(FakeTagger(), ALIASES)([article("Moscow spoke.", title="Kyiv")])[0]
    assert [e.name for e in out.entities] == ["Moscow", "Kyiv"]
    kyiv = out.entities[1]
    assert kyiv.mentions == (Mention("Kyiv", 0, 4, "title"),) and kyiv.count == 0


def test_enricher_batches_all_articles_in_one_tagger_call() -> None:
    """Bodies and titles of a batch go to the tagger together, a title in its body's text."""
    tagger = FakeTagger()
    Enricher(tagger, ALIASES)([article("Moscow.", title="Kyiv"), article("Kyiv.")])
    assert tagger.calls == [2]


def test_long_body_is_chunked_not_truncated() -> None:
    """A body longer than the chunk size is tagged whole, with offsets into the full body."""
    paragraph = "Plain words without names fill this paragraph up. " * 4
    body = "\n\n".join([paragraph] * 60 + ["Putin arrived in Moscow at last."])
    tagger = FakeTagger(limit=1_000)
    out = Enricher(tagger, ALIASES, max_chunk_chars=1_000)([article(body)])[0]
    assert len(body) > 10_000
    moscow = next(e for e in out.entities if e.name == "Moscow")
    assert moscow.mentions == (Mention("Moscow", body.rindex("Moscow"), len(body) - 9),)
    assert tagger.calls[0] > 10


@given(st.text(max_size=300), st.integers(1, 40))
def test_split_into_chunks_round_trips(text: str, limit: int) -> None:
    """Chunks are bounded, their offsets are right, and together they are the text."""
    chunks = split_into_chunks(text, limit)
    assert "".join(c for _, c in chunks) == text
    for offset, chunk in chunks:
        assert len(chunk) <= limit
        assert text[offset : offset + len(chunk)] == chunk


def test_split_into_chunks_prefers_paragraph_breaks() -> None:
    """Chunks end after a blank line when one fits."""
    text = "aaaa bbbb\n\ncccc dddd"
    assert split_into_chunks(text, 14) == [(0, "aaaa bbbb\n\n"), (11, "cccc dddd")]


def test_propagate_repeats_tags_untagged_repeats_but_not_months() -> None:
    """A tagged name (and a person's surname) is tagged where it recurs; 'May' is not."""
    text = "Theresa May met Ann Smith in Leeds. Smith and May went to Leeds in May."
    spans = [
        TaggedSpan(0, 11, "PERSON"),
        TaggedSpan(16, 25, "PERSON"),
        TaggedSpan(29, 34, "LOC"),
    ]
    added = propagate_repeats(text, spans)
    surfaces = [(text[s.start : s.end], s.type) for s in added]
    assert surfaces == [
        ("Theresa May", "PERSON"),
        ("Ann Smith", "PERSON"),
        ("Leeds", "LOC"),
        ("Smith", "PERSON"),
        ("Leeds", "LOC"),
    ]


def test_salience_formula() -> None:
    """Title 0.3 + lead 0.2 + 0.4*count/max + 0.1*(1 - first/len), rounded to 4 places."""
    mentions = [Mention("X", 0, 1), Mention("X", 50, 51)]
    assert salience(mentions, in_title=True, lead_end=10, body_len=100, max_count=4) == 0.8
    late = [Mention("Y", 50, 51)]
    assert salience(late, in_title=False, lead_end=10, body_len=100, max_count=4) == 0.15
    with pytest.raises(ValueError, match="mentions"):
        salience([], in_title=False, lead_end=0, body_len=1, max_count=1)


def test_lead_grows_until_long_enough() -> None:
    """A short first paragraph (a dateline) does not make the whole lead."""
    body = "LONDON\n\n" + "x" * 250 + "\n\nlater"
    assert lead_end(body) == len("LONDON\n\n") + 250 + 2


def test_recase_shouting_uses_the_text_own_casing() -> None:
    """Shouted lines take the body's spelling of each word; other lines are untouched."""
    text = "JAPAN WIN AT THE UN\n\nJapan had a win at the UN in Tokyo."
    assert recase_shouting(text, keep_upper={"UN"}) == (
        "Japan win at the UN\n\nJapan had a win at the UN in Tokyo."
    )


def test_recase_shouting_lowers_headline_words_the_story_never_writes() -> None:
    """With a story to vote, a long shouted line's unseen words go lower case; a dateline's
    place (a short line) and a story in capitals throughout keep the capitalised guess."""
    story = (
        " ".join(a + b for a in "bcdfghj" for b in "aeiouy") + " Mitchell beat Bailey in Berlin."
    )
    text = f"MITCHELL DEFEATS BAILEY IN BERLIN\n\nMONTE CARLO 1996-08-30\n\n{story}"
    head, dateline, _ = recase_shouting(text).split("\n\n")
    assert head == "Mitchell defeats Bailey in Berlin"
    assert dateline == "Monte Carlo 1996-08-30"
    loud = "MITCHELL DEFEATS BAILEY IN BERLIN\n\nMITCHELL WON THE RACE"
    assert recase_shouting(loud).split("\n\n")[0] == "Mitchell Defeats Bailey in Berlin"


@given(st.text(max_size=200))
def test_recase_shouting_preserves_length(text: str) -> None:
    """Re-casing changes only letter case, never the length, so offsets stay valid."""
    recased = recase_shouting(text)
    assert len(recased) == len(text)
    assert all(a == b or a.casefold() == b.casefold() for a, b in zip(recased, text, strict=True))


def test_focus_windows_skip_sentence_initial_function_words() -> None:
    """'The', 'He', 'But' open no window; a name they start is still reached, and 'US' is kept."""
    text = "The cat sat on the mat. He said so. But the US and The Hague differ on many things"
    windows = focus_windows(text, 1)
    assert [text[a:b] for a, b in windows] == ["the US and The Hague differ"]


def test_focus_windows_keep_capitalised_words_with_context() -> None:
    """Only words near a capitalised word are tagged; spans map back to full-text offsets."""
    text = "the cat sat on the mat while Putin spoke of many small things today"
    windows = focus_windows(text, 1)
    assert [text[a:b] for a, b in windows] == ["while Putin spoke"]
    focused = "\n".join(text[a:b] for a, b in windows)
    start = focused.index("Putin")
    [back] = unfocus_spans([TaggedSpan(start, start + 5, "PERSON")], windows)
    assert text[back.start : back.end] == "Putin"


class ListTagger:
    """Returns pre-drawn spans (clipped to each text) whatever the text says."""

    model_version = "list-1"

    def __init__(self, spans: list[TaggedSpan]) -> None:
        self.spans = spans

    def tag(self, texts: Sequence[str]) -> list[list[TaggedSpan]]:
        return [[s for s in self.spans if s.end <= len(t)] for t in texts]


@given(
    st.text(alphabet="Ab .'\n-(", max_size=120),
    st.lists(
        st.tuples(st.integers(0, 120), st.integers(1, 12), st.sampled_from(list(NAMES.values()))),
        max_size=8,
    ),
)
def test_enricher_output_is_well_formed_for_any_input(
    body: str, raw: list[tuple[int, int, EntityType]]
) -> None:
    """Whatever the tagger says, mentions index their field and saliences lie in [0, 1]."""
    spans = [TaggedSpan(a, a + n, k) for a, n, k in raw]
    title = body[:20]
    [out] = Enricher(ListTagger(spans), ALIASES)([article(body, title=title)])
    body_entities = [e.salience for e in out.entities if e.count]
    assert body_entities == sorted(body_entities, reverse=True)
    assert all(0.0 <= e.salience <= 1.0 for e in out.entities)
    fields = {"body": body, "title": title}
    for entity in out.entities:
        assert entity.mentions and entity.count == sum(m.field == "body" for m in entity.mentions)
        assert all(fields[m.field][m.start : m.end] == m.text for m in entity.mentions)


def test_bare_single_word_person_is_left_out_unless_asked_for() -> None:
    """A lone 'Putin' with no full name or alias entry is not tagged by default."""
    body = "Putin spoke in Moscow."
    default = Enricher(FakeTagger(), AliasTable())([article(body)])[0]
    assert [e.name for e in default.entities] == ["Moscow"]
    kept = Enricher(FakeTagger(), AliasTable(), single_word_people=True)([article(body)])[0]
    assert {e.name for e in kept.entities} == {"Putin", "Moscow"}
    aliased = AliasTable([AliasEntry("Vladimir Putin", "PERSON", "Q7747", ("Putin",))])
    linked = Enricher(FakeTagger(), aliased)([article(body)])[0]
    assert {e.name for e in linked.entities} == {"Vladimir Putin", "Moscow"}


def test_front_matter_mentions_name_their_field() -> None:
    """Title, dek, dateline and author mentions index their own field; the body's stay in it."""
    base = article("Putin met officials in Moscow.", title="Kyiv talks")
    dated = dataclasses.replace(
        base,
        dek="Vladimir Putin spoke.",
        author="Jane Roe",
        dateline=Dateline("MOSCOW (Wirepress) -", "MOSCOW", "Moscow", None, "Wirepress"),
    )
    tagger = FakeTagger()
    out = Enricher(tagger, ALIASES)([dated])[0]
    assert tagger.calls == [1]  # title, dek and body as one text
    fields = {"body": dated.body, "title": dated.title, "dek": dated.dek, "author": dated.author}
    fields["dateline"] = dated.dateline.text  # type: ignore[union-attr]
    found = {(e.name, m.field, m.text) for e in out.entities for m in e.mentions}
    assert ("Moscow", "dateline", "MOSCOW") in found
    assert ("Vladimir Putin", "dek", "Vladimir Putin") in found
    assert ("Kyiv", "title", "Kyiv") in found
    assert ("Jane Roe", "author", "Jane Roe") in found
    for entity in out.entities:
        for m in entity.mentions:
            assert fields[m.field][m.start : m.end] == m.text


def test_article_over_budget_is_returned_untagged_and_marked() -> None:
    """An article past the character or word budget gets no entities, a flag, and no model call."""
    tagger = FakeTagger()
    long_chars = article("Moscow. " + "x" * 300, id="chars")
    many_words = article("Moscow " + "a " * 60, id="words")  # 127 characters, 61 words
    short = article("Putin visited Kyiv and Moscow.", id="ok")
    out = Enricher(tagger, ALIASES, max_chars=200)([long_chars, short, many_words])
    assert [a.id for a in out] == ["chars", "ok", "words"]
    assert [(a.entities, a.enrich_skipped) for a in (out[0], out[2])] == [((), "over_budget")] * 2
    assert out[1].enrich_skipped is None and {e.name for e in out[1].entities} == {"Kyiv", "Moscow"}
    assert tagger.calls == [1]  # only the article within budget reached the model


def test_articles_go_to_their_languages_model_or_to_none() -> None:
    """An article in a language with no model is skipped whole; an unknown language goes to
    the first configured one; each tagged article names the model that tagged it."""
    enricher = Enricher(FakeTagger(), ALIASES, languages=("en",))
    english = dataclasses.replace(article("Vladimir Putin visited Moscow.", id="en"), language="en")
    german = dataclasses.replace(article("Vladimir Putin besuchte Moskau.", id="de"), language="de")
    unknown = article("Vladimir Putin visited Moscow.", id="unknown")
    out = enricher([german, english, unknown])
    assert [a.id for a in out] == ["de", "en", "unknown"]
    assert out[0].entities == () and out[0].enrich_skipped == "language"
    assert out[0].enrich_model == "none (de)"
    for tagged in out[1:]:
        assert tagged.enrich_model == "fake-1" and tagged.enrich_skipped is None
        assert {e.name for e in tagged.entities} >= {"Vladimir Putin", "Moscow"}


def test_an_uncertain_language_goes_to_the_default_model() -> None:
    """A guess below the routing confidence (a table of names and figures read as French) is
    tagged by the first language's model rather than left without entities."""
    enricher = Enricher(FakeTagger(), ALIASES, languages=("en",))
    table = dataclasses.replace(
        article("Vladimir Putin 1,200,000 Moscow 09/05/96"), language="fr", language_confidence=0.52
    )
    sure = dataclasses.replace(table, id="sure", language_confidence=0.97)
    uncertain, certain = enricher([table, sure])
    assert uncertain.enrich_model == "fake-1" and uncertain.entities
    assert certain.enrich_skipped == "language" and certain.entities == ()
