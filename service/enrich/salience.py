"""Salience: how much an article is about each of its entities (pure).

``salience = 0.3*in_title + 0.2*in_lead + 0.4*count/max_count + 0.1*(1 - first/len)``

where ``in_title`` is 1 when the title mentions the entity, ``in_lead`` is 1 when a
mention starts in the lead (the first paragraph, extended paragraph by paragraph until
it holds at least :data:`LEAD_MIN_CHARS` characters), ``count/max_count`` is the
entity's body mention count relative to the article's most mentioned entity, and
``first/len`` is the relative position of its first mention. The result lies in
[0, 1] and is rounded to 4 decimals so that equal inputs give equal output.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from service.enrich.canonical import ResolvedEntity
from service.models import Entity, Mention

LEAD_MIN_CHARS = 200
W_TITLE, W_LEAD, W_FREQUENCY, W_POSITION = 0.3, 0.2, 0.4, 0.1


def lead_end(body: str) -> int:
    """Return the offset where the lead of ``body`` ends (paragraphs split on blank lines)."""
    end = 0
    while end < len(body):
        next_break = body.find("\n\n", end)
        end = len(body) if next_break < 0 else next_break + 2
        if len(body[:end].strip()) >= LEAD_MIN_CHARS:
            break
    return end


def salience(
    mentions: Sequence[Mention], *, in_title: bool, lead_end: int, body_len: int, max_count: int
) -> float:
    """Score one entity with the module formula; raise ValueError if it has no mention."""
    if not mentions or max_count < len(mentions):
        raise ValueError("salience needs 1..max_count mentions")
    first = min(m.start for m in mentions)
    score = (
        W_TITLE * in_title
        + W_LEAD * (first < lead_end)
        + W_FREQUENCY * len(mentions) / max_count
        + W_POSITION * (1.0 - first / max(body_len, 1))
    )
    return round(min(1.0, max(0.0, score)), 4)


def rank_entities(
    body: str, candidates: Sequence[ResolvedEntity], title_names: Collection[str]
) -> tuple[Entity, ...]:
    """Score ``candidates`` and return them as entities, most salient first.

    Ties go to the earlier first mention, then to the name. Candidates without
    mentions are dropped.
    """
    present = [c for c in candidates if c.mentions]
    if not present:
        return ()
    max_count = max(len(c.mentions) for c in present)
    end = lead_end(body)
    scored = [
        Entity(
            name=c.name,
            type=c.type,
            mentions=c.mentions,
            salience=salience(
                c.mentions,
                in_title=c.name in title_names,
                lead_end=end,
                body_len=len(body),
                max_count=max_count,
            ),
            wikidata=c.wikidata,
        )
        for c in present
    ]
    return tuple(sorted(scored, key=lambda e: (-e.salience, e.mentions[0].start, e.name)))
