"""Unit tests for service.enrich.orgs: teams, companies and media the text gives away are ORG."""

from __future__ import annotations

from service.enrich.canonical import TaggedSpan
from service.enrich.orgs import company_names, is_sports_text, mark_organisations, team_names

COUNTRIES = frozenset({"romania", "lithuania", "england", "brazil"})


def is_country(name: str) -> bool:
    return name.casefold() in COUNTRIES


def typed(text: str, spans: list[TaggedSpan]) -> dict[str, str]:
    return {text[s.start : s.end]: s.type for s in spans}


def test_result_lines_make_teams_of_places_and_unknown_names() -> None:
    text = "Results of English league matches on Saturday:\nGrimsby 0 Portsmouth 1\nRuch 2 Petofi 1 (halftime 1-0)\n"
    spans = [TaggedSpan(text.index("Grimsby"), text.index("Grimsby") + 7, "LOC")]
    marked = typed(text, mark_organisations(text, spans, is_country))
    assert marked == {"Grimsby": "ORG", "Portsmouth": "ORG", "Ruch": "ORG", "Petofi": "ORG"}


def test_national_sides_keep_the_place_type() -> None:
    text = "Romania 2 Lithuania 1\nSteaua 3 Dinamo 3\n"
    assert team_names(text, [], is_country) == {"Steaua", "Dinamo"}


def test_fixture_and_standings_lines() -> None:
    text = (
        "Baseball standings after Thursday's games:\n"
        "SAN FRANCISCO AT NEW YORK\n"
        "HOUSTON 72 63 .533 -\n"
        "Haitai 64 2 43 .596 -\n"
        "Ssangbangwool 59 2 49 .545 5 1/2\n"
    )
    assert team_names(text, [], is_country) == {
        "SAN FRANCISCO", "NEW YORK", "HOUSTON", "Haitai", "Ssangbangwool",
    }  # fmt: skip


def test_a_table_of_cities_outside_sport_stays_places() -> None:
    text = "Temperatures at noon:\nLondon 12 14 10 cloudy\nParis 15 17 11\nMadrid 22 25 19\n"
    assert not is_sports_text(text)
    spans = [TaggedSpan(text.index("London"), text.index("London") + 6, "LOC")]
    assert mark_organisations(text, spans, is_country) == spans


def test_sentences_in_a_sports_story_and_every_mention_follows() -> None:
    text = (
        "Cricket: Leicestershire beat Somerset by an innings in the county championship.\n"
        "Essex, Derbyshire and Somerset all closed in on victory.\n"
        "Essex reached 372 against Yorkshire at Headingley.\n"
    )
    spans = [  # listed with Somerset, a team, Essex and Derbyshire are teams too
        TaggedSpan(text.index("Somerset"), text.index("Somerset") + 8, "LOC"),
        TaggedSpan(text.index("Headingley"), text.index("Headingley") + 10, "LOC"),
    ]
    marked = mark_organisations(text, spans, is_country)
    by_surface = typed(text, marked)
    for team in ("Leicestershire", "Somerset", "Yorkshire", "Essex", "Derbyshire"):
        assert by_surface[team] == "ORG", team
    assert by_surface["Headingley"] == "LOC"  # the ground is a place
    assert sum(1 for s in marked if text[s.start : s.end] == "Essex") == 2


def test_who_a_player_scored_for_and_a_win_over_are_teams() -> None:
    text = (
        "Baseball: Jim Thome homered for Cleveland in the seventh inning.\n"
        "It was Toronto's fifth straight victory over the Blue Jays' rivals, and Texas's "
        "lead over Seattle grew to six games. England scored for Brazil's delight.\n"
    )
    spans = [
        TaggedSpan(text.index(p), text.index(p) + len(p), "LOC")
        for p in ("Cleveland", "Seattle", "England")
    ]
    by_surface = typed(text, mark_organisations(text, spans, is_country))
    assert by_surface["Cleveland"] == by_surface["Seattle"] == "ORG"
    # a possessive is no part of the name, and national sides keep the place's type
    assert team_names(text, spans, is_country) == {"Cleveland", "Blue Jays", "Seattle"}
    assert by_surface["England"] == "LOC"


def test_people_who_beat_each_other_stay_people() -> None:
    text = "Tennis: Pete Sampras beat Magnus Larsson in the final of the tournament.\n"
    spans = [
        TaggedSpan(8, 20, "PERSON"),
        TaggedSpan(text.index("Magnus"), text.index("Magnus") + 14, "PERSON"),
    ]
    assert mark_organisations(text, spans, is_country) == spans


def test_the_dateline_city_is_where_the_story_was_filed() -> None:
    text = "SEATTLE 1996-08-30\nBaseball results:\nSEATTLE 9 Baltimore 6\nBoston 2 Texas 1\n"
    marked = mark_organisations(text, [], is_country)
    starts = [s.start for s in marked if text[s.start : s.end] == "SEATTLE"]
    assert starts == [text.index("SEATTLE 9")]


def test_a_longer_name_around_a_team_is_kept() -> None:
    text = "Surrey 312 Kent 280\nSurrey County Cricket Club said the pitch was fine.\n"
    club = text.index("Surrey County")
    spans = [TaggedSpan(club, club + len("Surrey County Cricket Club"), "ORG")]
    marked = mark_organisations(text, spans, is_country)
    assert spans[0] in marked
    assert sum(1 for s in marked if text[s.start : s.end] == "Surrey") == 1


def test_a_tagged_span_across_a_score_is_not_a_longer_name() -> None:
    """The tagger's "Newport 29 Caerphilly 10" or "Crystal Palace 4" is a table cell and
    its figures, not a name holding the teams: each team becomes its own ORG."""
    text = "Newport 29 Caerphilly 10\nSwansea 49 Cardiff 23\nCrystal Palace 4 1 2 1 4 3 5\n"
    cells = ("Newport 29 Caerphilly 10", "Cardiff 23", "Crystal Palace 4")
    kinds = ("ORG", "MISC", "LOC")
    spans = [
        TaggedSpan(text.index(c), text.index(c) + len(c), k)
        for c, k in zip(cells, kinds, strict=True)
    ]
    marked = typed(text, mark_organisations(text, spans, is_country))
    assert marked == {
        "Newport": "ORG", "Caerphilly": "ORG", "Swansea": "ORG", "Cardiff": "ORG",
        "Crystal Palace": "ORG",
    }  # fmt: skip


def test_a_legal_form_names_a_company_and_its_bare_name() -> None:
    text = (
        "Homegate Hospitality Inc. said on Friday it would buy six hotels.\n"
        "Homegate shares rose 5 percent. American Express Co also reported.\n"
        "Shares of St. Louis-based Mercantile Bancorp Inc. fell.\n"
    )
    names = company_names(text, [], is_country)
    assert {"Homegate Hospitality Inc.", "Homegate Hospitality", "Homegate"} <= names
    assert "American" not in names  # a generic first word names many things
    assert "Mercantile Bancorp" in names
    assert not any("Louis" in n for n in names)  # "-based" is where it sits, not its name


def test_describing_nouns_and_own_words() -> None:
    text = (
        "The Yugoslav news agency Tanjug reported the talks. The daily Zycie Warszawy said "
        "the same.\nComelf said its output doubled.\n"
    )
    spans = [TaggedSpan(text.index("Zycie"), text.index("Zycie") + 14, "PERSON")]
    marked = typed(text, mark_organisations(text, spans, is_country))
    assert marked == {"Tanjug": "ORG", "Zycie Warszawy": "ORG", "Comelf": "ORG"}


def test_weak_cues_leave_people_and_places_alone() -> None:
    text = "Washington said its patience was running out. Smith said its cost was high.\n"
    spans = [
        TaggedSpan(0, 10, "LOC"),
        TaggedSpan(text.index("Smith"), text.index("Smith") + 5, "PERSON"),
    ]
    assert mark_organisations(text, spans, is_country) == spans
    assert company_names("Brazil said its exports rose.", [], is_country) == set()
