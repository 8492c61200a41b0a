"""Organisations the layout or the wording gives away (pure, no I/O).

A general-purpose tagger reads "Leeds", "Surrey" or "NEW YORK" as places wherever they
appear, misses the club names of a results table altogether ("Ruch 2 Petofi 1"), and takes
a company it has never seen for a person ("Pirelli"). This module finds organisations
where the text says what they are, and types every mention of them in the article ORG
(one sense per article).

Teams, from the layout of a sports story:

- a result line: ``Grimsby 0 Portsmouth 1``, ``Pohang 3 Ulsan 2 (halftime 1-0)``;
- a fixture line: ``SAN FRANCISCO AT NEW YORK``, ``Arsenal v Chelsea``;
- a standings row: ``Hajduk 4 2 0 2 5 3 6``, ``HOUSTON 72 63 .533 -``;
- a sentence: ``Glamorgan beat Durham by 141 runs``, ``a match against Yorkshire``, and a
  list that names a team (``Essex, Derbyshire and Somerset``).

Result and fixture lines count anywhere; the rest only in a sports story (two or more
distinct sports words, or two result lines), so a table of cities and temperatures stays
a table of places. A country's name is never made a team: national sides keep the place's
type, as news annotation conventions do (CoNLL-2003 among them).

Companies and media, from the wording:

- a legal-form suffix: ``Homegate Hospitality Inc``, ``Pirelli SpA`` (and then the bare
  ``Homegate``, ``Pirelli`` elsewhere in the article);
- a describing noun before the name: ``the news agency Tanjug``, ``the daily Zycie
  Warszawy``, ``carrier El Al``;
- an organisation's own words: ``Comelf said its output ...``, ``Cofinec's shares``.

A suffix or a describing noun decides alone. The weaker cues (a sentence of a sports
story, "said its", "shares") never retype a name the tagger read as a person or a place:
in tennis the ones who beat each other are people, and "Washington said its" is a
government speaking through its capital.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterable, Sequence

from service.enrich.canonical import TaggedSpan, without_possessive
from service.models import EntityType

_WORD = r"(?<![\w.'\u2019-])[A-Z][\w.'\u2019&]*(?:-[A-Z][\w.'\u2019&]*)*(?![\w-])"
_JOINER = r"(?:'s|\u2019s|of|de|del|da|do|la|le|du|van|von|&)"
_SUFFIX = r"(?:\s?\(\s?[A-Z][\w.]{0,3}\s?\))"
NAME = rf"{_WORD}(?:[ ](?:{_JOINER}[ ])?{_WORD}){{0,5}}{_SUFFIX}?"
"""A team name: capitalised words, with joiners ("Heriot's F.P.", "Queen of the South" is
not matched whole) and an optional short bracketed tag ("Mladost (BJ)")."""
_SCORE = r"\d{1,3}"
_RESULT_LINE = re.compile(
    rf"^[ \t]*(?P<a>{NAME})[ ]+{_SCORE}[ ]+(?P<b>{NAME})[ ]+{_SCORE}"
    rf"(?:[ ]*\([^()\n]{{0,40}}\))?[ \t.]*$",
    re.MULTILINE,
)
_FIXTURE_LINE = re.compile(
    rf"^[ \t]*(?P<a>{NAME})[ ]+(?:AT|at|v|vs|v\.|vs\.)[ ]+(?P<b>{NAME})[ \t.]*$", re.MULTILINE
)
_STAT = r"(?:\d{1,3}(?:\s1/2)?|\.\d{3}|-)"
_STANDINGS_ROW = re.compile(
    rf"^[ \t]*(?:\d{{1,2}}\.?[ ]+)?(?P<a>{NAME})(?:[ ]+{_STAT}){{3,}}[ \t]*$", re.MULTILINE
)
_BEAT_VERB = (
    r"(?:beat|beats|defeated|defeat|drew[ ]with|draw[ ]with|lost[ ]to|thrashed|edged|"
    r"overcame|routed|upset|held)"
)
_BEAT = re.compile(rf"(?P<a>{NAME})[ ]+{_BEAT_VERB}[ ]+(?P<b>{NAME})")
_HAS_BEAT = re.compile(rf"[ ]{_BEAT_VERB}[ ]")
_AGAINST = re.compile(
    rf"(?:\b(?:against|versus|vs\.?|v|played[ ]for|plays[ ]for|signed[ ]for|signed[ ]from|"
    rf"joined|coach[ ]of|manager[ ]of|captain[ ]of|(?:homered|scored|pitched)[ ]for|"
    rf"(?:victory|win|lead|advantage)[ ]over(?:[ ]the)?)|(?<![\w.])v\.)[ ]+(?P<a>{NAME})"
)
_INNINGS = re.compile(
    rf"(?:^|:[ ]|,[ ]|;[ ])(?P<a>{NAME})[ ]+\d{{1,3}}(?:-\d{{1,2}})?(?=[ ](?:and[ ]\d|\(|for[ ]\d)"
    rf"|[ ]?[,;]|[ ]*$)",
    re.MULTILINE,
)
_LIST = re.compile(rf"{NAME}(?:[ ]?,[ ]{NAME}){{0,8}}[ ]?,?[ ](?:and|or)[ ]{NAME}")
_LEGAL_FORM = (
    r"(?:Inc|Corp|Corporation|Co|Ltd|Limited|Plc|PLC|plc|AG|SA|S\.A\.|SpA|S\.p\.A\.|NV|N\.V\.|"
    r"BV|GmbH|AB|ASA|Oyj|Bhd|Holdings|LLC|LLP)"
)
_COMPANY = rf"{_WORD}(?:[ ](?:&[ ])?{_WORD}){{0,5}}"
_SUFFIXED = re.compile(rf"(?P<a>{_COMPANY})[ ]{_LEGAL_FORM}(?![\w])\.?")
_HAS_LEGAL_FORM = re.compile(rf"[ ]{_LEGAL_FORM}(?![\w])")
_DESCRIBING_NOUNS = (
    "company firm maker manufacturer producer carrier airline insurer retailer brokerage "
    "conglomerate agency newspaper daily weekly magazine broadcaster"
)
_DESCRIBING = tuple(_DESCRIBING_NOUNS.split())
_DESCRIBED = re.compile(
    rf"\b(?:{'|'.join(_DESCRIBING_NOUNS.split())})[ ]+(?:Reuters[ ])?(?P<a>{NAME})"
)
_OWN_WORDS_CUE = (
    r"said[ ](?:on[ ]\w+[ ])?its|(?:shares|GDRs|ADRs)"
    r"[ ](?:rose|fell|were|closed|opened|gained|lost|jumped|slipped|dropped)"
)
_OWN_WORDS = re.compile(rf"(?P<a>{NAME})(?:[ ]?['\u2019]s)?[ ](?:{_OWN_WORDS_CUE})\b")
_HAS_OWN_WORDS = re.compile(rf"[ ](?:{_OWN_WORDS_CUE})\b")
_GENERIC_FIRST_WORDS = (
    "American British National General United First International New Royal Standard "
    "Central Federal European Global Pacific Atlantic Western Eastern Northern Southern "
    "Allied Consolidated Universal Continental Great North South East West Bank Banco"
)
_GENERIC_FIRST = frozenset(_GENERIC_FIRST_WORDS.split())
_SPORTS_WORD_LIST = (
    "soccer football cricket baseball basketball hockey rugby tennis golf volleyball "
    "handball league leagues championship innings wicket wickets goals halftime half-time "
    "scorers standings fixtures striker midfielder goalkeeper tournament playoff playoffs "
    "homer homered pitcher inning touchdown quarterback premiership bundesliga uefa fifa "
    "semifinal semi-final quarter-final quarterfinal"
)
_SPORTS_WORDS = frozenset(_SPORTS_WORD_LIST.split())
_LOWER_WORD = re.compile(r"[a-z][a-z-]+")
_NOT_TEAM_WORDS = (
    "The A An In At On Of And But He She It They We I Results Standings Note Scorers "
    "Attendance Played Division League Group Points Home Away Total Monday Tuesday Wednesday "
    "Thursday Friday Saturday Sunday January February March April May June July August "
    "September October November December"
)
NOT_TEAM = frozenset(_NOT_TEAM_WORDS.split())


def is_sports_text(text: str) -> bool:
    """Say whether ``text`` reads as a sports story: two or more distinct sports words, or
    two or more result lines."""
    seen: set[str] = set()
    for match in _LOWER_WORD.finditer(text.lower()):
        if match.group() in _SPORTS_WORDS:
            seen.add(match.group())
            if len(seen) >= 2:
                return True
    return len(_RESULT_LINE.findall(text)) >= 2


def team_names(
    text: str, spans: Sequence[TaggedSpan], is_country: Callable[[str], bool]
) -> set[str]:
    """Return the names ``text`` shows to be teams (countries excepted)."""
    sports = is_sports_text(text)
    free = _free_of(text, spans, ("PERSON",))  # a team is what the tagger calls a place

    def team(name: str | None, in_table: bool) -> bool:
        return bool(name and _plausible(name) and not is_country(name) and (in_table or free(name)))

    tables = [_RESULT_LINE, _FIXTURE_LINE] + ([_STANDINGS_ROW, _INNINGS] if sports else [])
    sentences = []
    if sports:  # each pattern only where its verb occurs: most texts have none
        sentences = [_BEAT, _AGAINST] if _HAS_BEAT.search(text) else [_AGAINST]
    found: set[str] = set()
    for in_table, patterns in ((True, tables), (False, sentences)):
        for pattern in patterns:
            for match in pattern.finditer(text):
                for raw in match.groupdict().values():
                    name = without_possessive(raw) if raw else None  # "Brazil's": Brazil
                    if name and team(name, in_table):
                        found.add(name)
    if sports and found:  # "Essex, Derbyshire and Surrey": listed with a team, a team
        for match in _LIST.finditer(text):
            items = [without_possessive(m.group()) for m in re.finditer(NAME, match.group())]
            if any(item in found for item in items):
                found.update(i for i in items if team(i, False))
    return found


def company_names(
    text: str, spans: Sequence[TaggedSpan], is_country: Callable[[str], bool]
) -> set[str]:
    """Return the names ``text`` words as companies or media (countries excepted).

    A name with a legal-form suffix gives its bare form too ("Homegate Hospitality Inc"
    -> "Homegate Hospitality", "Homegate"), unless its first word is a generic one
    ("American", "National") that names many things.
    """
    free = _free_of(text, spans)
    found: set[str] = set()
    for match in _SUFFIXED.finditer(text) if _HAS_LEGAL_FORM.search(text) else ():
        name = match.group("a")
        if not _plausible(name) or is_country(name):
            continue
        found.update((match.group(), name))
        first = name.split()[0]
        if " " in name and len(first) > 3 and first not in _GENERIC_FIRST and free(first):
            found.add(first)
    described = any(noun in text for noun in _DESCRIBING)
    for match in _DESCRIBED.finditer(text) if described else ():
        name = match.group("a")
        if _plausible(name) and not is_country(name):
            found.add(name)
    for match in _OWN_WORDS.finditer(text) if _HAS_OWN_WORDS.search(text) else ():
        name = match.group("a")
        if _plausible(name) and not is_country(name) and free(name):
            found.add(name)
    return found


def _free_of(
    text: str, spans: Sequence[TaggedSpan], types: tuple[str, ...] = ("PERSON", "LOC")
) -> Callable[[str], bool]:
    """Return a test: is a name free of the tagger's readings of ``types``? A name is
    not free when it is such a reading, holds one ("Pete Sampras" holds "Sampras"), or
    lies within one ("Sampras" within "Pete Sampras")."""
    read = {text[s.start : s.end] for s in spans if s.type in types}
    read_words = {word for surface in read for word in surface.split()}

    def free(name: str) -> bool:
        words = name.split()
        return not (
            name in read
            or any(word in read for word in words)
            or all(word in read_words for word in words)
        )

    return free


def _plausible(name: str) -> bool:
    words = name.split()
    return (
        len(name) > 1
        and words[0] not in NOT_TEAM
        and not (len(words) == 1 and name.upper() == name and len(name) < 2)
        and any(c.isalpha() for c in name)
    )


_DATELINE_REST = re.compile(r"[ ,]*(?:\d{4}-\d\d-\d\d|\([A-Z][\w ]*\)[ ]*[-\u2013\u2014])")


_HEAD = re.compile(r"(?<![\w'\u2019-])[\w.'\u2019&-]+")


def _occurrences(text: str, forms: Iterable[str]) -> Iterable[tuple[int, int]]:
    """Whole-word occurrences of ``forms`` in one pass over ``text``, the longest form
    first at each place, none inside another; except as a dateline's place ("NEW YORK
    1996-08-30", "SEATTLE (Reuters) -"): the city of the dateline is where the story was
    filed, not the team."""
    by_head: dict[str, list[str]] = {}
    for form in forms:
        head = _HEAD.match(form)
        if head:
            by_head.setdefault(head.group(), []).append(form)
    for candidates in by_head.values():
        candidates.sort(key=len, reverse=True)
    position = 0
    for head in _HEAD.finditer(text):
        start = head.start()
        if start < position:
            continue
        for form in by_head.get(head.group(), ()):
            end = start + len(form)
            if text.startswith(form, start) and not (
                end < len(text) and (text[end].isalnum() or text[end] in "_-")
            ):
                line_start = text.rfind("\n", 0, start) + 1
                if text[line_start:start].strip() or not _DATELINE_REST.match(text, end):
                    yield start, end
                    position = end
                break


_FIGURE = re.compile(r"(?<!\S)\d[\d.,:/-]*(?!\S)")


def _whole(surface: str) -> bool:
    """Say whether a tagged span reads as one name: brackets balanced, on one line, no
    figure standing as a word of its own (the tagger's "Trine Hattestad (Norway" is a name
    and half its table cell; "Newport 29 Caerphilly 10" is a result line)."""
    return (
        surface.count("(") == surface.count(")")
        and "\n" not in surface
        and not _FIGURE.search(surface)
    )


def _holds_one(
    span: TaggedSpan, found: Sequence[tuple[int, int]], found_starts: Sequence[int]
) -> bool:
    """Say whether ``span`` holds at most one of the ``found`` occurrences (by start)."""
    first = bisect.bisect_left(found_starts, span.start)
    inside = 0
    for start, end in found[first:]:
        if start >= span.end:
            break
        inside += end <= span.end
    return inside <= 1


def mark_organisations(
    text: str, spans: Sequence[TaggedSpan], is_country: Callable[[str], bool]
) -> list[TaggedSpan]:
    """Return ``spans`` with every mention of a team, company or medium in ``text`` ORG
    (see :func:`retype_mentions`)."""
    names = team_names(text, spans, is_country) | company_names(text, spans, is_country)
    if not names:
        return list(spans)
    return retype_mentions(text, spans, names, "ORG")


def retype_mentions(
    text: str, spans: Sequence[TaggedSpan], names: Iterable[str], kind: EntityType
) -> list[TaggedSpan]:
    """Return ``spans`` with every whole-word mention of ``names`` in ``text`` of ``kind``.

    A mention replaces the spans inside it ("Sheffield" LOC within "Sheffield United");
    a longer span around it ("Surrey County Cricket Club") is kept as it is, unless that
    span runs across a bracket, a line or a figure, or holds two of the names ("J.
    Gillespie st Kaluwitharana" is a scorecard's batsman and keeper). The shouted
    spelling of a name longer than three letters counts too ("KENT").
    """
    forms = set(names) | {n.upper() for n in names if len(n) > 3}
    ordered = sorted(spans, key=lambda s: (s.start, s.end))
    starts = [s.start for s in ordered]
    found = list(_occurrences(text, forms))
    found_starts = [start for start, _ in found]
    added: list[TaggedSpan] = []
    taken = bytearray(len(text))
    for start, end in found:
        holder = bisect.bisect_right(starts, start) - 1
        if (
            holder >= 0
            and ordered[holder].end >= end
            and (ordered[holder].end - ordered[holder].start > end - start)
            and _whole(text[ordered[holder].start : ordered[holder].end])
            and _holds_one(ordered[holder], found, found_starts)
        ):
            continue  # a longer name holds it
        added.append(TaggedSpan(start, end, kind))
        taken[start:end] = b"\x01" * (end - start)
    kept = [s for s in ordered if taken.find(1, s.start, s.end) < 0]
    return sorted([*kept, *added], key=lambda s: (s.start, s.end))
