"""Unit tests for service.enrich.canonical and service.enrich.aliases (pure canonicalisation)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from service.enrich.aliases import AliasEntry, AliasTable, load_shipped_aliases, normalise_key
from service.enrich.canonical import (
    TaggedSpan,
    find_acronym_definitions,
    resolve_entities,
    resolve_name,
    tidy_span,
    tidy_spans,
)
from service.errors import ConfigError
from service.models import EntityType

EMPTY = AliasTable()


def span_of(text: str, surface: str, kind: EntityType, nth: int = 0) -> TaggedSpan:
    start = -1
    for _ in range(nth + 1):
        start = text.index(surface, start + 1)
    return TaggedSpan(start, start + len(surface), kind)


def tidied(text: str, kind: EntityType = "PERSON") -> str | None:
    span = tidy_span(text, TaggedSpan(0, len(text), kind))
    return None if span is None else text[span.start : span.end]


@pytest.mark.parametrize(
    ("raw", "kind", "expected"),
    [
        ("Vladimir Putin's", "PERSON", "Vladimir Putin"),
        ("Putin\u2019s", "PERSON", "Putin"),
        ("President Putin", "PERSON", "Putin"),
        ("Prime Minister Boris Johnson", "PERSON", "Boris Johnson"),
        ("Mr. Smith", "PERSON", "Smith"),
        ("the World Health Organization (WHO", "ORG", "World Health Organization"),
        ("the United States", "LOC", "United States"),
        ("U.S.", "LOC", "U.S."),
        ("Acme Inc.", "ORG", "Acme Inc."),
        ("Paris.", "LOC", "Paris"),
        ("Durham 114", "ORG", "Durham"),
        ("Interfax news agency", "ORG", "Interfax"),
        ("Robert Pires 46th", "PERSON", "Robert Pires"),
        ("August Chicago NAPM", "ORG", "Chicago NAPM"),
        ("Sept. Treasury", "ORG", "Treasury"),
        ("August Strindberg", "PERSON", "August Strindberg"),
        ("March", "MISC", "March"),
        ('"Reuters",', "ORG", "Reuters"),
        ("al-Qaeda", "ORG", "al-Qaeda"),
        ("SOCCER", "ORG", None),
        ("Motor Racing", "ORG", None),
        ("GMT", "ORG", None),
        ("RBI", "ORG", None),
        ("« Nos", "MISC", None),
        ("Their", "ORG", None),
        ("Notre Dame", "ORG", "Notre Dame"),
    ],
)
def test_tidy_span_trims_to_the_name(raw: str, kind: EntityType, expected: str | None) -> None:
    """Boundaries lose articles, honorifics, possessives, brackets, numbers, ordinals,
    punctuation, and a leading month before another name (not a person's first name); a
    sport's name, a time zone, a table heading or a sentence's opening determiner is no
    entity at all."""
    assert tidied(raw, kind) == expected


def test_tidy_span_keeps_honorific_for_non_person() -> None:
    """Only person spans lose a leading title word ("King Abdullah Port" stays whole)."""
    assert tidied("King Abdullah Port", "LOC") == "King Abdullah Port"


def test_tidy_span_rejects_spans_without_letters_or_digits() -> None:
    """A span of punctuation only is not an entity."""
    assert tidied(" -- ", "ORG") is None


def test_tidy_spans_splits_at_line_breaks_and_spaced_dashes() -> None:
    """Names never run across paragraphs or a 'SECTION - headline' dash."""
    text = "PITTSBURGH\n\nSAN FRANCISCO - Giants"
    pieces = tidy_spans(text, [TaggedSpan(0, len(text), "LOC")])
    assert [text[p.start : p.end] for p in pieces] == ["PITTSBURGH", "SAN FRANCISCO", "Giants"]


@given(st.text(max_size=60), st.data())
def test_tidy_spans_stay_inside_the_original_span(text: str, data: st.DataObject) -> None:
    """Tidied pieces are non-empty, inside the input span and contain a letter or digit."""
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, len(text)))
    for piece in tidy_spans(text, [TaggedSpan(start, end, "PERSON")]):
        assert start <= piece.start < piece.end <= end
        assert any(ch.isalnum() for ch in text[piece.start : piece.end])


def test_acronym_definition_needs_matching_initials() -> None:
    """'(WHO)' after 'World Health Organization' defines it; '(Reuters)' defines nothing."""
    text = "The World Health Organization (WHO) and Acme Corp (Reuters) met."
    spans = [span_of(text, "World Health Organization", "ORG"), span_of(text, "Acme Corp", "ORG")]
    found = find_acronym_definitions(text, spans)
    assert list(found) == ["WHO"]
    assert text[found["WHO"].start : found["WHO"].end] == "World Health Organization"


def test_surname_and_titled_mentions_link_to_full_name() -> None:
    """'Putin' and 'President Putin' become mentions of 'Vladimir Putin'."""
    text = "Vladimir Putin spoke. President Putin's aide said Putin left."
    spans = [
        span_of(text, "Vladimir Putin", "PERSON"),
        span_of(text, "President Putin's", "PERSON"),
        span_of(text, "Putin", "ORG", nth=2),
    ]
    [entity] = resolve_entities(text, spans, EMPTY)
    assert entity.name == "Vladimir Putin"
    assert entity.type == "PERSON"
    assert [m.text for m in entity.mentions] == ["Vladimir Putin", "Putin", "Putin"]
    assert all(text[m.start : m.end] == m.text for m in entity.mentions)


def test_a_shouted_surname_links_to_the_full_name() -> None:
    """A headline's 'SHEARER' is a mention of the body's 'Alan Shearer'; a short shouted
    word ('LEE') is not linked, since it may be an acronym."""
    text = "SOCCER - SHEARER AND LEE NAMED\n\nAlan Shearer and Jason Lee were named."
    spans = [
        span_of(text, "SHEARER", "PERSON"),
        span_of(text, "LEE", "PERSON"),
        span_of(text, "Alan Shearer", "PERSON"),
        span_of(text, "Jason Lee", "PERSON"),
    ]
    entities = {e.name: e for e in resolve_entities(text, spans, EMPTY)}
    assert [m.text for m in entities["Alan Shearer"].mentions] == ["SHEARER", "Alan Shearer"]
    assert [m.text for m in entities["LEE"].mentions] == ["LEE"]
    assert resolve_name("SHEARER", "PERSON", list(entities.values()), EMPTY) == "Alan Shearer"


def test_people_sharing_a_surname_stay_apart() -> None:
    """Hillary and Bill Clinton are two entities; a bare 'Clinton' goes to the latest one."""
    text = "Hillary Clinton met voters. Bill Clinton joined later. Clinton spoke."
    spans = [
        span_of(text, "Hillary Clinton", "PERSON"),
        span_of(text, "Bill Clinton", "PERSON"),
        span_of(text, "Clinton", "PERSON", nth=2),
    ]
    entities = {e.name: e for e in resolve_entities(text, spans, EMPTY)}
    assert set(entities) == {"Hillary Clinton", "Bill Clinton"}
    assert [m.text for m in entities["Hillary Clinton"].mentions] == ["Hillary Clinton"]
    assert [m.text for m in entities["Bill Clinton"].mentions] == ["Bill Clinton", "Clinton"]


def test_acronym_merges_with_its_expansion() -> None:
    """'WHO' mentions, tagged or not, join 'World Health Organization'."""
    text = "The World Health Organization (WHO) warned. Later WHO said more."
    spans = [span_of(text, "World Health Organization", "ORG"), span_of(text, "WHO", "ORG", 1)]
    [entity] = resolve_entities(text, spans, EMPTY)
    assert entity.name == "World Health Organization"
    assert [(m.text, m.start) for m in entity.mentions] == [
        ("World Health Organization", 4),
        ("WHO", 31),
        ("WHO", 50),
    ]


TABLE = AliasTable(
    [
        AliasEntry("United States", "LOC", "Q30", ("U.S.", "US", "America")),
        AliasEntry("Vladimir Putin", "PERSON", "Q7747", ("Putin",)),
        AliasEntry("Jordan", "LOC", "Q810"),
    ]
)


def test_alias_table_gives_canonical_name_and_qid() -> None:
    """'U.S.' and 'US' (even tagged ORG) resolve to 'United States' with its QID."""
    text = "The U.S. said US troops would stay."
    spans = [span_of(text, "U.S.", "LOC"), span_of(text, "US", "ORG")]
    [entity] = resolve_entities(text, spans, TABLE)
    assert (entity.name, entity.type, entity.wikidata) == ("United States", "LOC", "Q30")
    assert entity.mentions[0].text == "U.S."


def test_alias_table_never_turns_a_person_into_a_place() -> None:
    """A person tagged 'Jordan' does not get the country's QID."""
    text = "Michael Jordan scored. Jordan smiled."
    spans = [span_of(text, "Michael Jordan", "PERSON"), span_of(text, "Jordan", "PERSON", 1)]
    [entity] = resolve_entities(text, spans, TABLE)
    assert (entity.name, entity.wikidata) == ("Michael Jordan", None)


def test_resolve_name_links_title_mentions() -> None:
    """A title's 'Putin' resolves to the body's full name; unknown names stay as written."""
    text = "Vladimir Putin spoke."
    entities = resolve_entities(text, [span_of(text, "Vladimir Putin", "PERSON")], EMPTY)
    assert resolve_name("Putin", "PERSON", entities, EMPTY) == "Vladimir Putin"
    assert resolve_name("America", "LOC", entities, TABLE) == "United States"
    assert resolve_name("Ruritania", "LOC", entities, TABLE) == "Ruritania"


def test_normalise_key_ignores_case_dots_and_article() -> None:
    """'The U.S.' and 'us' share a key; spacing is collapsed."""
    assert normalise_key("The U.S.") == normalise_key("us") == "us"
    assert normalise_key("World  Health\nOrganization") == "world health organization"


def test_alias_table_rejects_malformed_documents() -> None:
    """A row without a type, or with an unknown type, is a ConfigError."""
    with pytest.raises(ConfigError):
        AliasTable.from_json({"entities": [{"name": "X"}]})
    with pytest.raises(ConfigError):
        AliasTable.from_json({"entities": [{"name": "X", "type": "CITY"}]})


def test_shipped_alias_table_is_consistent() -> None:
    """The shipped table loads, has unique QIDs, and resolves common alternative names."""
    table = load_shipped_aliases()
    qids = [e.wikidata for e in table if e.wikidata]
    assert len(qids) == len(set(qids)) > 100
    assert all(q.startswith("Q") and q[1:].isdigit() for q in qids)
    uk = table.lookup("Britain", "LOC")
    assert uk is not None and (uk.name, uk.wikidata) == ("United Kingdom", "Q145")
    who = table.lookup("WHO", "ORG")
    assert who is not None and who.wikidata == "Q7817"
