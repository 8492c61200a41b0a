"""People the layout of a sports results table gives away (pure, no I/O).

Wire services file results as tables: scorecards, finishing orders, line-ups, scorers. A
general-purpose tagger trained on prose misses most names there ("Aamir Sohail c Croft b
Gough 0": no entity) or mistypes them ("1. Tanja Damaske (Germany) 66.60 metres": ORG).
These layouts name people, and every mention of such a name in the article becomes
PERSON (one sense per article). The layouts:

- a cricket batting line: ``Saeed Anwar c Stewart b Gough 33``, ``R. Ponting not out 46``
  (batsman, fielder and bowler);
- bowling figures: ``Gough 8-0-39-3``;
- a competitor with a country in brackets, at the start of a line or after a rank or
  seed: ``8. Natalya Golodnova (Russia) 1.85``, ``Pete Sampras (U.S.) beat ...``; the
  name has two words or more and no word the tagger reads as a place, so a club with
  its country ("Bayern Munich (Germany)") stays a club;
- a line-up: four or more ``number - name`` items on a line
  (``5 - Laurent Blanc, 8 - Marcel Desailly (12 - Franck Leboeuf 46th)``);
- a scorer with the minute: ``Jan Allan Mueller (60th minute)``, ``Sabri Lamouchi 87th``;
- an initialled name with a figure: ``K. Spiring 130 not out``, ``P. DeFreitas 4-70``.

Scorecards, bowling figures and competitors with a country count without sports words
when two rows or more show the layout (one row is enough in a sports story); line-ups
(four items on one line) always; scorers only in a sports story; initialled names in a
sports story or beside one of the other layouts. A country is never made a person.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from service.enrich.canonical import TaggedSpan
from service.enrich.orgs import NOT_TEAM, is_sports_text, retype_mentions

_PWORD = r"(?<![\w.'\u2019-])[A-Z][\w'\u2019]*\.?(?:-[\w'\u2019]+)*(?![\w-])"
_PARTICLE = r"(?:de|da|di|do|du|van|von|der|den|le|la|bin|ibn|al|el|dos|das)"
PERSON = rf"{_PWORD}(?:[ ](?:{_PARTICLE}[ ]){{0,2}}{_PWORD}){{0,3}}"
"""A person's name: capitalised words or initials ("R. Ponting"), with particles."""
_P = PERSON
_SP = r"[ \t]+"
_BATTING = re.compile(
    rf"^[ \t]*(?P<bat>{_P}){_SP}(?:"
    rf"c{_SP}(?P<fielder>{_P}){_SP}b{_SP}(?P<b1>{_P})"
    rf"|c{_SP}(?:&|and){_SP}b{_SP}(?P<b2>{_P})"
    rf"|lbw{_SP}b{_SP}(?P<b3>{_P})"
    rf"|st{_SP}(?P<keeper>{_P}){_SP}b{_SP}(?P<b4>{_P})"
    rf"|hit{_SP}wicket{_SP}b{_SP}(?P<b5>{_P})"
    rf"|b{_SP}(?P<b6>{_P})"
    rf"|run{_SP}out|not{_SP}out|retired{_SP}(?:hurt|out)"
    rf"){_SP}\d{{1,3}}[ \t]*$",
    re.MULTILINE,
)
_BOWLING = re.compile(rf"(?P<n>{_P})[ ]+\d{{1,2}}(?:\.\d)?-\d{{1,2}}-\d{{1,3}}-\d{{1,2}}(?![\d-])")
_HAS_BOWLING = re.compile(r"\d-\d{1,3}-\d{1,2}(?![\d-])")
_WITH_COUNTRY = re.compile(
    rf"(?:^[ \t]*(?:\d{{1,3}}[.=]?[ \t]*(?:-[ \t]*)?)?|\b(?:beat|bt|vs?\.?|and)[ ]+"
    rf"(?:\d{{1,3}}[ ]*-[ ]*)?)(?P<n>{_P})[ ]*\([ ]?(?P<c>[A-Z][\w.' -]{{1,30}}?)[ ]?\)",
    re.MULTILINE,
)
_LINEUP_ITEM = re.compile(rf"(?<![\w.-])\d{{1,2}}[ ]?-[ ]?(?P<n>{_P})")
_MINUTE = r"\d{1,3}(?:st|nd|rd|th)"
_SCORER = re.compile(rf"(?P<n>{_P})[ ]+(?:\([ ]?{_MINUTE}(?:[ ]minute)?\b|{_MINUTE}\b)")
_HAS_MINUTE = re.compile(rf"\b{_MINUTE}\b")
_COUNTRY_CODE = re.compile(r"(?:[A-Z]\.){2,3}|[A-Z]{3}")  # U.S., U.A.E., GER
_INITIALLED = re.compile(
    r"(?<![\w.'\u2019-])(?P<n>[A-Z]\.(?:[ ]?[A-Z]\.){0,2}[ ]?[A-Z][\w'\u2019]+(?:-[A-Z][\w'\u2019]+)?)"
    r"[ ]+\d"
)


def people_names(
    text: str, spans: Sequence[TaggedSpan], is_country: Callable[[str], bool]
) -> set[str]:
    """Return the names the results tables of a sports story in ``text`` show to be people."""
    sports = is_sports_text(text)
    places = {text[s.start : s.end] for s in spans if s.type == "LOC"}

    def person(name: str | None) -> bool:
        if not name or is_country(name):
            return False
        words = name.split()
        return words[0] not in NOT_TEAM and any(c.isalpha() and c.islower() for c in name)

    def table(matches: list[str]) -> set[str]:  # rows of one layout: two or more decide
        return {n for n in matches if person(n)} if len(matches) >= 2 or sports else set()

    batting = [n for m in _BATTING.finditer(text) for n in m.groupdict().values() if n]
    found = table(batting)
    if _HAS_BOWLING.search(text):
        found |= table([m.group("n") for m in _BOWLING.finditer(text)])
    competitors = []
    for match in _WITH_COUNTRY.finditer(text):
        name, country = match.group("n"), match.group("c").strip()
        words = name.split()
        if (is_country(country) or _COUNTRY_CODE.fullmatch(country)) and (
            len(words) >= 2 and not any(w in places for w in words)
        ):
            competitors.append(name)
    found |= table(competitors)
    for line in text.splitlines():
        items = [m.group("n") for m in _LINEUP_ITEM.finditer(line)] if " - " in line else []
        if len(items) >= 4:
            found.update(n for n in items if person(n))
    if sports and _HAS_MINUTE.search(text):
        found.update(m.group("n") for m in _SCORER.finditer(text) if person(m.group("n")))
    if sports or found:
        found.update(m.group("n") for m in _INITIALLED.finditer(text) if person(m.group("n")))
    return found


def mark_people(
    text: str, spans: Sequence[TaggedSpan], is_country: Callable[[str], bool]
) -> tuple[list[TaggedSpan], frozenset[str]]:
    """Return ``spans`` with every mention of a name :func:`people_names` finds PERSON,
    and those names: a table names a person by surname alone ("c Vaas b Chandana"), and
    its layout is the evidence a bare surname in prose lacks."""
    names = people_names(text, spans, is_country)
    if not names:
        return list(spans), frozenset()
    return retype_mentions(text, spans, names, "PERSON"), frozenset(names)
