"""Entities named in an article's front matter: title, dek and dateline (pure).

The enrich stage tags the body and resolves its entities (:mod:`service.enrich.canonical`);
this module adds the mentions found in the other fields to those entities, or lists
an entity named only there. A dateline's place is a LOC mention per part
(``MILWAUKEE , Wisconsin`` gives two), never a shouted MISC guess of the tagger.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass

from service.enrich.aliases import AliasTable
from service.enrich.canonical import TaggedSpan
from service.enrich.salience import W_LEAD, W_TITLE
from service.models import Dateline, Entity, EntityType, Field, Mention

_AUTHOR_NAME = re.compile(
    r"(?:(?<=^)|(?<=[,&]\s)|(?<=[,&])|(?<=\sand\s))[^\s,&](?:[^,&]*?)(?=\s+and\s|\s*[,&]|$)"
)


@dataclass(frozen=True, slots=True)
class FrontSpan:
    """A tagged span of one front-matter field: ``text[span.start:span.end]``."""

    field: Field
    text: str
    span: TaggedSpan


def dateline_spans(dateline: Dateline) -> list[FrontSpan]:
    """Return one LOC span per part of the dateline's place, offsets into its text."""
    spans = []
    start = 0
    for part in dateline.places:
        at = dateline.text.find(part, start)
        if at < 0:
            continue
        spans.append(FrontSpan("dateline", dateline.text, TaggedSpan(at, at + len(part), "LOC")))
        start = at + len(part)
    return spans


def author_spans(author: str) -> list[FrontSpan]:
    """Return one PERSON span per name of a byline (``Jane Roe and John Doe`` gives two)."""
    spans = []
    for match in _AUTHOR_NAME.finditer(author):
        spans.append(FrontSpan("author", author, TaggedSpan(match.start(), match.end(), "PERSON")))
    return spans


def front_salience(fields: set[Field]) -> float:
    """Salience of an entity named only outside the body: the title and lead weights."""
    lead = bool(fields & {"dek", "dateline", "author"})
    return round(W_TITLE * ("title" in fields) + W_LEAD * lead, 4)


def add_front_mentions(
    entities: Sequence[Entity],
    named: Sequence[tuple[str, FrontSpan]],
    aliases: AliasTable,
    single_word_people: bool = False,
) -> tuple[Entity, ...]:
    """Add each ``(canonical name, span)`` as a mention of its entity; list new ones.

    A span whose name is no entity of the body becomes a new entity of the span's
    type, ranked after the body's entities by :func:`front_salience`; a one-word
    person unknown to the alias table is left out (as in the body), unless
    ``single_word_people``.
    """
    by_name = {e.name: i for i, e in enumerate(entities)}
    out = list(entities)
    extra: dict[str, tuple[EntityType, list[Mention]]] = {}
    for name, front in named:
        s = front.span
        mention = Mention(front.text[s.start : s.end], s.start, s.end, front.field)
        if name in by_name:
            i = by_name[name]
            out[i] = dataclasses.replace(out[i], mentions=(*out[i].mentions, mention))
        elif s.type == "PERSON" and " " not in name and not single_word_people:
            continue
        else:
            extra.setdefault(name, (s.type, []))[1].append(mention)
    added = []
    for name, (kind, mentions) in extra.items():
        entry = aliases.lookup(name, kind)
        added.append(
            Entity(
                name=entry.name if entry else name,
                type=kind,
                mentions=tuple(mentions),
                salience=front_salience({m.field for m in mentions}),
                wikidata=entry.wikidata if entry else None,
            )
        )
    added.sort(key=lambda e: (-e.salience, e.name))
    return (*out, *added)
