"""Frozen value types that flow through the pipeline.

Every stage takes one of these and returns a new one (``dataclasses.replace``) or a
:class:`Drop`. Nothing here does I/O.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

EntityType = Literal["PERSON", "ORG", "LOC", "MISC"]
Field = Literal["body", "title", "dek", "dateline", "author"]
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True, slots=True)
class Dateline:
    """Where (and when, by whom) a story was filed, as written in its dateline.

    ``place`` is as written (``NEW YORK``), ``place_canonical`` in title case with
    tidy commas (``New York``); ``date`` as written (``1996-08-30``, ``May 3``);
    ``iso_date`` the date as YYYY-MM-DD when it is written that way.
    """

    text: str
    place: str
    place_canonical: str
    date: str | None = None
    agency: str | None = None

    @property
    def iso_date(self) -> str | None:
        return self.date if self.date and _ISO_DATE.fullmatch(self.date) else None

    @property
    def places(self) -> tuple[str, ...]:
        """The place's parts as written: ``MILWAUKEE , Wisconsin`` has two."""
        return tuple(p.strip() for p in self.place.split(",") if p.strip())


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a record came from: a Kafka position, or a line of a file in file mode."""

    topic: str
    partition: int
    offset: int


@dataclass(frozen=True, slots=True)
class RawArticle:
    """A validated raw event (schemas/raw-article.v1.json)."""

    id: str
    url: str
    source: str
    origin: Origin
    title: str | None = None
    html: str | None = None
    text: str | None = None
    published_at: str | None = None
    fetched_at: str | None = None
    language: str | None = None
    meta: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Mention:
    """One occurrence of an entity: ``getattr(article, field)[start:end] == text``.

    For ``field == "dateline"`` the offsets index ``Dateline.text``.
    """

    text: str
    start: int
    end: int
    field: Field = "body"


@dataclass(frozen=True, slots=True)
class Entity:
    """One canonical real-world thing named in an article."""

    name: str
    type: EntityType
    mentions: tuple[Mention, ...]
    salience: float
    wikidata: str | None = None

    @property
    def count(self) -> int:
        """Mentions in the body (mentions in the title, dek or dateline not counted)."""
        return sum(1 for m in self.mentions if m.field == "body")


@dataclass(frozen=True, slots=True)
class DedupInfo:
    """The dedup verdict: ``duplicate_of`` is set only on duplicates."""

    fingerprint: str
    cluster_id: str
    duplicate_of: str | None = None
    match: Literal["unique", "url", "exact", "near"] = "unique"


@dataclass(frozen=True, slots=True)
class CleanArticle:
    """An article after cleaning; later stages fill ``dedup`` and ``entities``."""

    id: str
    url: str
    source: str
    origin: Origin
    body: str
    title: str | None = None
    published_at: str | None = None  # RFC 3339 UTC (service.dates.normalise), or None
    published_at_raw: str | None = None  # the string published_at was read from
    language: str | None = None  # BCP 47 primary subtag (service.clean.language)
    language_confidence: float | None = None  # None: the declared language, not identified
    dek: str | None = None
    author: str | None = None
    canonical_url: str | None = None
    dateline: Dateline | None = None
    cleaned_from: Literal["html", "text"] | None = None
    input_bytes: int = 0
    stripped_bytes: int = 0
    meta: Mapping[str, Any] = field(default_factory=dict)
    dedup: DedupInfo | None = None
    entities: tuple[Entity, ...] = ()
    enrich_skipped: Literal["over_budget", "language"] | None = None  # why no entities, if so
    enrich_model: str | None = None  # the model that tagged it, or "none (<language>)"

    @property
    def is_duplicate(self) -> bool:
        return self.dedup is not None and self.dedup.duplicate_of is not None


DropReason = Literal["empty_after_cleaning"]


@dataclass(frozen=True, slots=True)
class Drop:
    """An expected, counted outcome that publishes nothing (not an error)."""

    reason: DropReason
    article_id: str
