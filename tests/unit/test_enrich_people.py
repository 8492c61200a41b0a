"""Unit tests for service.enrich.people: names in results tables are people."""

from __future__ import annotations

from service.enrich.canonical import TaggedSpan
from service.enrich.people import mark_people, people_names

COUNTRIES = frozenset({"germany", "norway", "russia", "pakistan", "england", "france", "spain"})


def is_country(name: str) -> bool:
    return name.casefold() in COUNTRIES


def typed(text: str, spans: list[TaggedSpan]) -> dict[str, str]:
    return {text[s.start : s.end]: s.type for s in spans}


def span(text: str, surface: str, kind: str) -> TaggedSpan:
    start = text.index(surface)
    return TaggedSpan(start, start + len(surface), kind)  # type: ignore[arg-type]


def test_cricket_scorecard_names_batsmen_fielders_and_bowlers() -> None:
    text = (
        "Pakistan first innings\n"
        "Saeed Anwar c Stewart b Gough 33\n"
        "Aamir Sohail lbw b Mullally 0\n"
        "Inzamam-ul-Haq not out 46\n"
        "Bowling: Gough 8-0-39-3, Mullally 6-0-30-1\n"
    )
    assert people_names(text, [], is_country) == {
        "Saeed Anwar", "Stewart", "Gough", "Aamir Sohail", "Mullally", "Inzamam-ul-Haq",
    }  # fmt: skip


def test_ranked_competitors_with_a_country_are_people_even_when_tagged_org() -> None:
    text = (
        "Women's javelin\n"
        "1. Tanja Damaske (Germany) 66.60 metres\n"
        "2. Trine Hattestad (Norway) 65.12\n"
    )
    spans = [span(text, "Tanja Damaske", "ORG")]
    marked = typed(text, mark_people(text, spans, is_country)[0])
    assert marked == {"Tanja Damaske": "PERSON", "Trine Hattestad": "PERSON"}


def test_a_club_with_its_country_stays_a_club() -> None:
    text = "Soccer - UEFA Cup draw:\n1. Bayern Munich (Germany) v Valencia (Spain)\n2. Karl Heinz (Germany)\n"
    spans = [span(text, "Munich", "LOC")]
    assert people_names(text, spans, is_country) == {"Karl Heinz"}


def test_one_row_with_a_country_is_not_a_table_outside_sport() -> None:
    text = "The envoy, Jean Dupont (France) said talks would resume.\n"
    assert people_names(text, [], is_country) == set()


def test_line_up_and_scorers() -> None:
    text = (
        "France - 16 - Bernard Lama; 2 - Lilian Thuram (14 - Sabri Lamouchi 87th), "
        "5 - Laurent Blanc, 8 - Marcel Desailly\n"
        "Scorers: Spain - Fernando Hierro (60th minute)\n"
        "The soccer match was played in Paris.\n"
    )
    found = people_names(text, [], is_country)
    assert {"Bernard Lama", "Lilian Thuram", "Sabri Lamouchi", "Laurent Blanc"} <= found
    assert {"Marcel Desailly", "Fernando Hierro"} <= found
    assert "France" not in found and "Spain" not in found


def test_every_mention_follows_and_a_longer_name_is_kept() -> None:
    text = (
        "Cricket scores:\nR. Ponting not out 46\nS. Waugh b Vaas 22\nPonting's century came late."
    )
    spans = [span(text, "Ponting's century", "MISC")]
    marked = typed(text, mark_people(text, spans, is_country)[0])
    assert marked["R. Ponting"] == "PERSON"
    assert marked["S. Waugh"] == "PERSON" and marked["Vaas"] == "PERSON"
    assert marked["Ponting's century"] == "MISC"  # a longer span holding the name stays


def test_a_tagged_span_holding_two_names_is_not_one_name() -> None:
    """The tagger's "J. Gillespie st Kaluwitharana" is a batsman and the keeper who
    stumped him: each is a person of its own, and both names are returned."""
    text = "Australia\nJ. Gillespie st Kaluwitharana b Chandana 6\nD. Fleming c Vaas b Chandana 3\n"
    spans = [span(text, "J. Gillespie st Kaluwitharana", "PERSON")]
    marked, names = mark_people(text, spans, is_country)
    assert typed(text, marked) == {
        "J. Gillespie": "PERSON", "Kaluwitharana": "PERSON", "Chandana": "PERSON",
        "D. Fleming": "PERSON", "Vaas": "PERSON",
    }  # fmt: skip
    assert names == {"J. Gillespie", "Kaluwitharana", "Chandana", "D. Fleming", "Vaas"}


def test_prose_without_tables_is_left_alone() -> None:
    text = "Shares of Siemens rose 2-1 in early trade, and Bonn said 33 people were hurt.\n"
    spans = [span(text, "Siemens", "ORG"), span(text, "Bonn", "LOC")]
    assert mark_people(text, spans, is_country) == (spans, frozenset())
