"""Front matter of a story: headline, byline and dateline, read from its first lines.

Pure functions over strings. A newswire story opens with a headline line, sometimes a
byline, and a dateline: a line of its own (``ROME 1996-12-06``) or the lead of the first
paragraph (``GENEVA (Wirepress) - ...``, ``LONDON, May 3 (Agency) - ...``,
``Moscow: ...``). These are metadata, not body text: they are lifted into fields and
never lost. A rule here errs towards leaving a line in the body: a line that only
looks like a dateline (``UPDATE: ...``, a shouted headline, a sentence) is left alone.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from service.clean.text_lines import word_count
from service.models import Dateline

_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
_DATE = rf"(?:\d{{4}}-\d{{2}}-\d{{2}}|{_MONTH} \d{{1,2}}(?: ?, ?\d{{4}})?|\d{{1,2}} {_MONTH}(?: \d{{4}})?)"
_WORD = r"[A-Z][\w'\u2019.&-]*"
_PARTICLE = r"(?:de|del|da|do|dos|di|la|le|al|el|am|an|upon|on|sur|en)"
_PLACE = rf"{_WORD}(?: (?:{_WORD}|{_PARTICLE}(?= [A-Z]))){{0,3}}"
_AGENCY = r"\((?P<agency>[A-Z][\w.&' -]{1,40})\)"
_HEAD = (
    rf"(?P<place>{_PLACE}(?: ?, ?{_PLACE})?)"
    rf"(?:(?: ?, ?| )(?P<date>{_DATE}))?"
    rf"(?: ?{_AGENCY})?"
)
_SEPARATOR = r" ?(?:-{1,2}|\u2013|\u2014|:)"
_LINE = re.compile(rf"{_HEAD}(?:{_SEPARATOR})?")
_LEAD = re.compile(rf"(?P<head>{_HEAD}(?P<sep>{_SEPARATOR})) +(?P<rest>\S.*)", re.DOTALL)
_BYLINE = re.compile(
    r"(?:By|BY|by) (?P<name>[A-Z][\w'\u2019.-]*(?: (?:[A-Z][\w'\u2019.-]*|and|&|de|van|von|da|"
    r"del|di|la|le|bin|al)){0,7})(?: ?(?:,| -|\u2013|\u2014|\|) ?.{0,60})?"
)
_NAME_LINE = re.compile(r"[A-Z][a-z'\u2019.-]+(?: [A-Z]\.)?(?: [A-Z][a-z'\u2019-]+){1,2}")

_KICKER_WORDS = (
    "advisory alert analysis breaking clarification column comment commentary correction "
    "editorial exclusive explainer factbox feature flash focus graphic insight interview "
    "live news note opinion photo photos podcast poll preview profile q&a quote refile "
    "review rpt sport sports timeline update updated urgent video watch wrapup"
)
KICKERS = frozenset(_KICKER_WORDS.split())
"""Labels that open a line the way a dateline would (``UPDATE:``, ``EXCLUSIVE -``)."""
HEADLINE_MIN_WORDS = 3  # a shorter first line is a section label or a menu item
HEADLINE_MAX_WORDS = 30
MAX_FRONT_LINES = 3  # bylines and dateline lines read after the headline


@dataclass(frozen=True, slots=True)
class FrontMatter:
    """What the first lines of a text held: each field, or None."""

    title: str | None = None
    author: str | None = None
    dateline: Dateline | None = None


def canonical_place(place: str) -> str:
    """Return ``place`` with shouted words in title case and commas tidied."""
    parts = [" ".join(_title_word(w) for w in p.split()) for p in place.split(",")]
    return ", ".join(p for p in parts if p)


def _title_word(word: str) -> str:
    if not word.isupper() or len(word) < 2:
        return word
    return "-".join(piece.capitalize() for piece in word.split("-"))


def _is_kicker(place: str) -> bool:
    return place.casefold().rstrip(".") in KICKERS


def _shouted(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and all(c.isupper() for c in letters)


def _dateline(match: re.Match[str], text: str) -> Dateline | None:
    place = match.group("place").strip(" ,")
    if _is_kicker(place) or _is_kicker(place.split()[0]):
        return None
    return Dateline(
        text=text.strip(),
        place=place,
        place_canonical=canonical_place(place),
        date=match.group("date"),
        agency=match.group("agency"),
    )


def read_dateline_line(line: str) -> Dateline | None:
    """Return the dateline when ``line`` is one and nothing else (``ROME 1996-12-06``).

    A line of its own needs a date or an agency: a bare place name may be a heading.
    """
    match = _LINE.fullmatch(line.strip())
    if match is None or not (match.group("date") or match.group("agency")):
        return None
    return _dateline(match, line)


def split_dateline_lead(paragraph: str) -> tuple[Dateline, str] | None:
    """Return the dateline that opens ``paragraph`` and the text after it, else None.

    ``GENEVA (Wirepress) - The ...``, ``LONDON, May 3 (Agency) - ...``, ``LONDON: ...``
    and ``Moscow: The ...`` are datelines. Without a date or an agency the place must
    be shouted, or in title case before a colon; the text after it must be a sentence
    (lower-case letters in it), so a shouted headline ``SOCCER - ...`` is none.
    """
    match = _LEAD.fullmatch(paragraph)
    if match is None:
        return None
    rest = match.group("rest")
    if not any(c.islower() for c in rest[:80]) or not (rest[0].isupper() or rest[0] in "\"'\u201c"):
        return None
    place, sep = match.group("place"), match.group("sep").strip()
    if not (match.group("date") or match.group("agency")):
        if not (_shouted(place) or sep == ":"):
            return None
        if len(place.split()) > 3:
            return None
    found = _dateline(match, match.group("head"))
    return None if found is None else (found, rest)


def read_byline(line: str) -> str | None:
    """Return the author named by a byline (``By Jane Roe, Wirepress``), else None."""
    match = _BYLINE.fullmatch(line.strip())
    if match is None or len(line.split()) > 16:
        return None
    return match.group("name").strip()


def is_headline(line: str) -> bool:
    """Say whether ``line`` can be a headline: 3 to 30 words (:func:`word_count`: Chinese or
    Thai characters count too), with letters, no trailing colon."""
    return (
        HEADLINE_MIN_WORDS <= word_count(" ".join(line.split())) <= HEADLINE_MAX_WORDS
        and any(c.isalpha() for c in line)
        and not line.rstrip().endswith((":", ",", ";"))
        and "://" not in line
        and read_byline(line) is None
        and read_dateline_line(line) is None
    )


def _opens_story(lines: Sequence[str], i: int) -> bool:
    """Say whether the story's front matter (byline or dateline) starts at ``lines[i]``."""
    if i >= len(lines):
        return False
    line = lines[i]
    if read_byline(line) or read_dateline_line(line) or split_dateline_lead(line):
        return True
    return (  # a bare name line between headline and dateline
        _NAME_LINE.fullmatch(line) is not None
        and i + 1 < len(lines)
        and read_dateline_line(lines[i + 1]) is not None
    )


def same_text(a: str, b: str) -> bool:
    """Say whether two lines say the same, ignoring case, spacing and end punctuation."""
    return _norm(a) == _norm(b)


def _norm(text: str) -> str:
    return " ".join(text.split()).rstrip(" .:!?").casefold()


_SITE_SUFFIX = re.compile(r"\s+(?:[|\u2013\u2014\u00b7\u2022:]|-|::)\s+(?P<site>\S.*)")
SITE_SUFFIX_MAX_WORDS = 6  # "Title | Example News": a site name after the separator


def repeats_title(line: str, title: str) -> bool:
    """Say whether ``line`` repeats ``title``, also when the title adds the site's name.

    "Rovers win the cup" repeats "Rovers win the cup | Herald Sport" and "Rovers win
    the cup - Herald"; a line that is only the start of a title does not otherwise.
    """
    if same_text(line, title):
        return True
    head, tail = " ".join(line.split()).casefold(), " ".join(title.split()).casefold()
    if not head or not tail.startswith(head):
        return False
    suffix = _SITE_SUFFIX.fullmatch(" ".join(title.split())[len(head) :])
    return suffix is not None and len(suffix.group("site").split()) <= SITE_SUFFIX_MAX_WORDS


def read_front_matter(lines: Sequence[str], title: str | None) -> tuple[FrontMatter, list[str]]:
    """Lift the headline, bylines and dateline off the first lines of a text.

    The first line is the headline when the event has no title and the line that
    follows it opens the story with a byline or dateline; when the event has a title,
    a first line repeating it is removed. Then up to MAX_FRONT_LINES byline and
    dateline lines are read, and a dateline that leads the next paragraph is split
    off it. Return the front matter and the remaining lines (never fewer words than
    were given, apart from the lines lifted into fields).
    """
    rest = list(lines)
    headline = None
    if rest and title and same_text(rest[0], title):
        rest = rest[1:]
    elif rest and not title and is_headline(rest[0]) and _opens_story(rest, 1):
        headline, rest = rest[0], rest[1:]
    author = dateline = None
    for _ in range(MAX_FRONT_LINES):
        if not rest:
            break
        if author is None and (name := read_byline(rest[0])):
            author, rest = name, rest[1:]
        elif dateline is None and (found := read_dateline_line(rest[0])):
            dateline, rest = found, rest[1:]
        elif (
            author is None and headline and _opens_story(rest, 0) and _NAME_LINE.fullmatch(rest[0])
        ):
            author, rest = rest[0], rest[1:]
        else:
            break
    if dateline is None and rest and (lead := split_dateline_lead(rest[0])):
        dateline, rest = lead[0], [lead[1], *rest[1:]]
    return FrontMatter(headline, author, dateline), rest


def lift_from_body(
    paragraphs: Sequence[str], front: FrontMatter, dek: str | None
) -> tuple[FrontMatter, list[str]]:
    """Take front matter off the start of a cleaned body; return it and the body left.

    Leading paragraphs that repeat the title or the dek go (the body never repeats
    them); a byline paragraph fills the author and a dateline paragraph the dateline
    when they are missing; then a dateline that leads the first paragraph is split off
    it. Nothing else is removed.
    """
    rest = list(paragraphs)
    author, dateline = front.author, front.dateline
    for _ in range(MAX_FRONT_LINES + 2):
        if len(rest) < 2 and not (rest and dateline is None and read_dateline_line(rest[0])):
            break  # never empty the body for a repeat
        first = rest[0]
        if (front.title and repeats_title(first, front.title)) or (dek and same_text(first, dek)):
            rest = rest[1:]
        elif author is None and (name := read_byline(first)):
            author, rest = name, rest[1:]
        elif dateline is None and (found := read_dateline_line(first)):
            dateline, rest = found, rest[1:]
        else:
            break
    if dateline is None and rest and (lead := split_dateline_lead(rest[0])):
        dateline, rest = lead[0], [lead[1], *rest[1:]]
    return FrontMatter(front.title, author, dateline), rest
