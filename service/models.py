"""Frozen value types that flow through the pipeline.

Every stage takes one of these and returns a new one (``dataclasses.replace``) or a
:class:`Drop`. Nothing here does I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

EntityType = Literal["PERSON", "ORG", "LOC", "MISC"]


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
    """One occurrence of an entity: ``body[start:end] == text``."""

    text: str
    start: int
    end: int


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
        return len(self.mentions)


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
    published_at: str | None = None
    language: str | None = None
    dek: str | None = None
    author: str | None = None
    canonical_url: str | None = None
    input_bytes: int = 0
    stripped_bytes: int = 0
    meta: Mapping[str, Any] = field(default_factory=dict)
    dedup: DedupInfo | None = None
    entities: tuple[Entity, ...] = ()

    @property
    def is_duplicate(self) -> bool:
        return self.dedup is not None and self.dedup.duplicate_of is not None


DropReason = Literal["empty_after_cleaning"]


@dataclass(frozen=True, slots=True)
class Drop:
    """An expected, counted outcome that publishes nothing (not an error)."""

    reason: DropReason
    article_id: str
