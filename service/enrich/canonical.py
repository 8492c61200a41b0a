"""Turn raw entity spans into canonical, per-article entities (pure, no I/O).

Within one article: boundaries are tidied (leading "the", honorifics, possessives,
unbalanced brackets), acronyms are merged with the expansion the text states
("World Health Organization (WHO)"), and surname-only mentions link to the full name
of the person they most recently followed. Across articles, an :class:`AliasTable`
gives stable names and Wikidata QIDs.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from service.enrich.aliases import AliasTable
from service.models import EntityType, Mention

_HONORIFICS_WORDS = (
    "mr mrs ms miss dr prof sir dame lord lady president vice-president premier chancellor "
    "minister senator sen rep gov governor general gen col capt lt sgt judge justice mayor "
    "king queen prince princess sheikh ayatollah rev reverend father coach secretary"
)
HONORIFICS = frozenset(_HONORIFICS_WORDS.split())
_MULTIWORD_HONORIFICS = ("prime minister ", "vice president ", "foreign minister ")
_LEADING_ARTICLE = re.compile(r"(?i)the\s+")
_LEADING_MONTH = re.compile(
    r"(?:January|February|March|April|June|July|August|September|October|November|December"
    r"|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\.?\s+(?=[A-Z])"
)
_POSSESSIVE = re.compile(r"(?:['\u2019]s|(?<=s)['\u2019])$")
_STRIP_CHARS = " \t\n\r,;:!?\"'\u2018\u2019\u201c\u201d\u201e\u00ab\u00bb\u00a0-\u2013\u2014*"
_ABBREVIATION_END = re.compile(r"(?:\b[A-Za-z]\.|\b(?:Inc|Corp|Co|Ltd|Jr|Sr|St|Bros|Mt)\.)$")
_ACRONYM_AFTER = re.compile(r"\s*\(\s*([A-Z][A-Za-z&]{1,9})\s*\)")
_TRAILING_NON_NAME = re.compile(
    r"(?:\s+(?:[^\w\s]*\d[^\sA-Za-z]*|\d+(?:st|nd|rd|th)|[a-z][a-z]+))+$"
)
_SPAN_BREAK = re.compile(r"\s*\n\s*|\s+[-\u2013\u2014]+\s+")
_MINOR_WORDS = frozenset({"of", "the", "and", "for", "on", "in", "to", "de", "&"})
_NOT_NAME_WORDS = (
    "soccer football cricket baseball basketball hockey rugby tennis golf athletics cycling "
    "boxing swimming skiing sailing rowing squash badminton volleyball handball motorsport "
    "gmt utc est edt cst cdt pst pdt bst cet cest rbi rbis era pct"
)
_NOT_NAME_PHRASES = ("motor racing", "rugby union", "rugby league", "ice hockey", "horse racing")
# Determiners and pronouns opening a sentence or a quotation, which a model reads as a
# capitalised name ("« Nos clients attendent ... »" gave MISC "Nos"): English and French.
_FUNCTION_WORDS = (
    "our their this these those we they "
    "nos notre vos votre leur leurs ces cette cet mes tes ses nous vous ils"
)
NOT_NAMES = frozenset((*_NOT_NAME_WORDS.split(), *_NOT_NAME_PHRASES, *_FUNCTION_WORDS.split()))
"""Words the model takes for names when a headline or table shouts them: sports (the
"SOCCER -" slug of a sports story), time zones and table headings; determiners and
pronouns opening a sentence. Never an entity."""


@dataclass(frozen=True, slots=True)
class TaggedSpan:
    """A recognised entity span: ``text[start:end]`` of the tagged text, with its type."""

    start: int
    end: int
    type: EntityType


@dataclass(frozen=True, slots=True)
class ResolvedEntity:
    """One canonical entity of an article before scoring: its mentions sorted by start."""

    name: str
    type: EntityType
    mentions: tuple[Mention, ...]
    wikidata: str | None


def _strip_honorific(text: str, start: int) -> tuple[str, int]:
    lowered = text.lower()
    for prefix in _MULTIWORD_HONORIFICS:
        if lowered.startswith(prefix) and len(text) > len(prefix):
            return text[len(prefix) :], start + len(prefix)
    head, _, rest = text.partition(" ")
    if rest and head.lower().rstrip(".") in HONORIFICS and rest[:1].isupper():
        offset = len(text) - len(rest)
        return rest, start + offset
    return text, start


def without_possessive(name: str) -> str:
    """Return ``name`` without a trailing possessive ("Brazil's" -> "Brazil", "Jays'" ->
    "Jays")."""
    return _POSSESSIVE.sub("", name)


def tidy_span(text: str, span: TaggedSpan) -> TaggedSpan | None:
    """Trim ``span`` to the name itself, or return None when nothing name-like is left.

    Removes surrounding whitespace and punctuation, a leading "the", honorifics before a
    person's name ("President Putin" -> "Putin"), a trailing possessive ("Putin's") and
    an unbalanced bracket tail or head ("Organization (WHO" -> "Organization"),
    trailing numbers, ordinals or lower-case words ("Durham 114" -> "Durham", "Pires 46th"
    -> "Pires", "Interfax news agency" -> "Interfax"), and a month before another name
    that is not a person's ("August Chicago NAPM" -> "Chicago NAPM"; "August Strindberg"
    stays).
    """
    start, end = span.start, span.end
    for _ in range(4):
        before = (start, end)
        piece = text[start:end]
        if piece.count("(") > piece.count(")"):
            end = start + piece.rindex("(")
        elif piece.count(")") > piece.count("("):
            start = start + piece.index(")") + 1
        piece = text[start:end]
        stripped = piece.strip(_STRIP_CHARS)
        start += len(piece) - len(piece.lstrip(_STRIP_CHARS))
        end = start + len(stripped)
        article = _LEADING_ARTICLE.match(stripped)
        if article and article.end() < len(stripped):
            start += article.end()
        while text[start:end].endswith(".") and not _ABBREVIATION_END.search(text[start:end]):
            end -= 1
        possessive = _POSSESSIVE.search(text[start:end])
        if possessive and possessive.start() > 0:
            end = start + possessive.start()
        if span.type == "PERSON":
            _, start = _strip_honorific(text[start:end], start)
        else:  # "the August Chicago NAPM", "September Treasury" (futures, data months)
            month = _LEADING_MONTH.match(text, start, end)
            if month and month.end() < end:
                start = month.end()
        tail = _TRAILING_NON_NAME.search(text, start, end)
        if tail and tail.start() > start:
            end = tail.start()
        if (start, end) == before:
            break
    if end <= start or not any(ch.isalnum() for ch in text[start:end]):
        return None
    if text[start:end].casefold() in NOT_NAMES:
        return None
    return TaggedSpan(start, end, span.type)


def tidy_spans(text: str, spans: Sequence[TaggedSpan]) -> list[TaggedSpan]:
    """Split spans at line breaks and spaced dashes, then :func:`tidy_span` each piece.

    A name never runs across a paragraph or a "CRICKET - ESSEX" headline dash, so each
    side becomes its own span of the same type; pieces with nothing name-like vanish.
    """
    pieces = []
    for span in spans:
        start = span.start
        for brk in _SPAN_BREAK.finditer(text, span.start, span.end):
            pieces.append(TaggedSpan(start, brk.start(), span.type))
            start = brk.end()
        pieces.append(TaggedSpan(start, span.end, span.type))
    return [t for p in pieces if p.end > p.start and (t := tidy_span(text, p)) is not None]


def _initials(words: Sequence[str]) -> str:
    return "".join(w[0] for w in words if w and w.lower() not in _MINOR_WORDS)


def find_acronym_definitions(text: str, spans: Sequence[TaggedSpan]) -> dict[str, TaggedSpan]:
    """Map each acronym the text defines ("Long Name (LN)") to the span of its long form.

    Only acronyms whose letters are the initials of the long form's significant words
    count; anything else in brackets is ignored.
    """
    found: dict[str, TaggedSpan] = {}
    for span in spans:
        match = _ACRONYM_AFTER.match(text, span.end)
        if match is None:
            continue
        acronym = match.group(1)
        words = re.findall(r"[\w&]+", text[span.start : span.end])
        if acronym.upper() == _initials(words).upper() and len(words) > 1:
            found.setdefault(acronym, span)
    return found


def _acronym_mentions(
    text: str, acronyms: Mapping[str, TaggedSpan], taken: set[tuple[int, int]]
) -> list[TaggedSpan]:
    added = []
    for acronym, long_span in acronyms.items():
        for match in re.finditer(rf"(?<![\w.]){re.escape(acronym)}(?![\w])", text):
            if (match.start(), match.end()) not in taken:
                added.append(TaggedSpan(match.start(), match.end(), long_span.type))
    return added


def _surname_owner(
    surname: str, position: int, full_names: Mapping[str, list[tuple[int, str]]]
) -> str | None:
    """Pick the full name a bare surname refers to: the one mentioned last before it."""
    candidates = full_names.get(surname)
    if not candidates:
        return None
    preceding = [(pos, name) for pos, name in candidates if pos < position]
    return max(preceding)[1] if preceding else min(candidates)[1]


def _collapse(text: str) -> str:
    return " ".join(text.split())


def resolve_entities(
    text: str, spans: Sequence[TaggedSpan], aliases: AliasTable
) -> list[ResolvedEntity]:
    """Group tidied spans of one text into canonical entities, ordered by first mention.

    Acronyms defined in the text take their long form's name; single-word mentions
    that are the last word of a person's full name in the text link to that person
    (the nearest preceding one when two people share a surname), failing that those
    that are its first word (surname-first names such as "Wang Tao"), failing that a
    shouted surname of four letters or more ("SHEARER" in a headline); names found in
    ``aliases`` (with a compatible type) take the table's name and QID. The entity's
    type is the majority type of its mentions.
    """
    tidied = _drop_overlaps(tidy_spans(text, spans))
    acronyms = find_acronym_definitions(text, tidied)
    taken = {(s.start, s.end) for s in tidied}
    tidied = _drop_overlaps([*tidied, *_acronym_mentions(text, acronyms, taken)])
    acronym_names = {a: _collapse(text[s.start : s.end]) for a, s in acronyms.items()}

    full_names: dict[str, list[tuple[int, str]]] = {}
    given_names: dict[str, list[tuple[int, str]]] = {}
    for span in tidied:
        words = text[span.start : span.end].split()
        if span.type == "PERSON" and len(words) > 1:
            full_names.setdefault(words[-1], []).append((span.start, " ".join(words)))
            given_names.setdefault(words[0], []).append((span.start, " ".join(words)))

    shouted: dict[str, list[tuple[int, str]]] = {}
    for surname, owners in full_names.items():
        shouted.setdefault(surname.upper(), []).extend(owners)

    grouped: dict[str, list[tuple[TaggedSpan, EntityType]]] = {}
    for span in tidied:
        surface = _collapse(text[span.start : span.end])
        name, kind = acronym_names.get(surface, surface), span.type
        owner = None
        if " " not in name:
            owner = _surname_owner(name, span.start, full_names) or _surname_owner(
                name, span.start, given_names
            )
            if owner is None and name.isupper() and len(name) > 3:  # a headline's "SHEARER"
                owner = _surname_owner(name, span.start, shouted)
        if owner:
            name, kind = owner, "PERSON"
        grouped.setdefault(name, []).append((span, kind))

    merged: dict[tuple[str, str | None], list[tuple[TaggedSpan, EntityType]]] = {}
    for name, members in grouped.items():
        kind = _majority([k for _, k in members])
        entry = aliases.lookup(name, kind)
        key = (entry.name, entry.wikidata) if entry else (name, None)
        merged.setdefault(key, []).extend(members)

    resolved = []
    for (name, qid), members in merged.items():
        kind = _majority([k for _, k in members])
        mentions = tuple(
            Mention(text[s.start : s.end], s.start, s.end) for s, _ in sorted(members, key=_pair)
        )
        resolved.append(ResolvedEntity(name, kind, mentions, qid))
    return sorted(resolved, key=lambda e: (e.mentions[0].start, e.name))


def resolve_name(
    surface: str, kind: EntityType, entities: Sequence[ResolvedEntity], aliases: AliasTable
) -> str:
    """Return the canonical name a stray mention (e.g. in the title) would take.

    Matches, in order: an entity of the article with that exact mention text, the
    full name whose last word it is, the alias table, else the collapsed surface.
    """
    surface = _collapse(surface)
    for entity in entities:
        if any(m.text == surface for m in entity.mentions):
            return entity.name
    if " " not in surface:
        shouted = surface.isupper() and len(surface) > 3  # a headline's "SHEARER"
        for entity in entities:
            last = entity.name.split()[-1]
            spellings = (last, last.upper()) if shouted else (last,)
            if entity.type == "PERSON" and surface in spellings:
                return entity.name
    entry = aliases.lookup(surface, kind)
    return entry.name if entry else surface


def _drop_overlaps(spans: Sequence[TaggedSpan]) -> list[TaggedSpan]:
    """Keep spans in text order; of overlapping ones, the earlier (then longer) wins."""
    kept: list[TaggedSpan] = []
    for span in sorted(spans, key=_order):
        if not kept or span.start >= kept[-1].end:
            kept.append(span)
    return kept


def _majority(kinds: Sequence[EntityType]) -> EntityType:
    return Counter(kinds).most_common(1)[0][0]


def _order(span: TaggedSpan) -> tuple[int, int]:
    return (span.start, -span.end)


def _pair(member: tuple[TaggedSpan, EntityType]) -> tuple[int, int]:
    return _order(member[0])
