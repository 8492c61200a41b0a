"""Encode outcomes as the output events of ``schemas/``.

Clean and duplicate articles become ``clean-article.v1`` JSON; rejected input and
articles empty after cleaning become a dead-letter record that keeps the original bytes
and adds Kafka Connect-style context headers (``__connect.errors.*``). Which error a
dead letter carries is decided once, by :func:`dead_letter`, for both shells.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import orjson

from service.errors import InvalidEvent
from service.models import CleanArticle, Dateline, Entity, Mention, Origin
from service.pipeline import Dropped, Duplicate, Outcome, Published, Rejected

SCHEMA_CLEAN = "cleanwire.clean-article.v1"
SCHEMA_CLEAN_VERSION = "1.2"  # minor versions only add fields: v1 consumers read v1.x
SCHEMA_DLQ = "cleanwire.dlq-record.v1"
SERVICE_NAME = "cleanwire"

Headers = list[tuple[str, bytes]]
Destination = Literal["clean", "duplicates", "dlq"]
# (topic, key, value, headers): one Kafka record to publish.
Output = tuple[str, bytes | None, bytes | None, Headers]


@dataclass(frozen=True, slots=True)
class Provenance:
    """What produced an event: service and model versions, fixed per process."""

    service_version: str
    models: tuple[tuple[str, str], ...] = ()


def _mention(mention: Mention) -> dict[str, Any]:
    return {
        "text": mention.text,
        "start": mention.start,
        "end": mention.end,
        "field": mention.field,
    }


def _entity(entity: Entity) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": entity.name,
        "type": entity.type,
        "count": entity.count,
        "salience": round(entity.salience, 4),
        "mentions": [_mention(m) for m in entity.mentions if m.field == "body"],
        "front_mentions": [_mention(m) for m in entity.mentions if m.field != "body"],
    }
    if entity.wikidata:
        out["wikidata"] = entity.wikidata
    return out


def _dateline(dateline: Dateline | None) -> dict[str, Any] | None:
    if dateline is None:
        return None
    return {
        "text": dateline.text,
        "place": dateline.place,
        "place_canonical": dateline.place_canonical,
        "date": dateline.date,
        "agency": dateline.agency,
    }


def clean_event(article: CleanArticle, provenance: Provenance, processed_at: str) -> dict[str, Any]:
    """Return the clean-article.v1 object for a published or duplicate article."""
    dedup = article.dedup
    return {
        "schema": SCHEMA_CLEAN,
        "schema_version": SCHEMA_CLEAN_VERSION,
        "id": article.id,
        "url": article.url,
        "canonical_url": article.canonical_url,
        "source": article.source,
        "title": article.title,
        "dek": article.dek,
        "author": article.author,
        "body": article.body,
        "published_at": article.published_at,
        "published_at_raw": article.published_at_raw,
        "dateline": _dateline(article.dateline),
        "language": article.language,
        "language_confidence": article.language_confidence,
        "entities": [_entity(e) for e in article.entities],
        "dedup": None
        if dedup is None
        else {
            "fingerprint": dedup.fingerprint,
            "cluster_id": dedup.cluster_id,
            "duplicate_of": dedup.duplicate_of,
            "match": dedup.match,
        },
        "meta": dict(article.meta),
        "provenance": {
            "service": SERVICE_NAME,
            "service_version": provenance.service_version,
            "models": _models(provenance, article),
            "source_topic": article.origin.topic,
            "source_partition": article.origin.partition,
            "source_offset": article.origin.offset,
            "cleaned_from": article.cleaned_from,
            "enrich_skipped": article.enrich_skipped,
            "processed_at": processed_at,
        },
    }


def _models(provenance: Provenance, article: CleanArticle) -> dict[str, str]:
    """The run's model versions, with the enrich model that tagged this article (or none)."""
    models = dict(provenance.models)
    if article.enrich_model is not None:
        models["enrich"] = article.enrich_model
    return models


def encode(obj: dict[str, Any]) -> bytes:
    """Serialise an event; keys keep their declared order."""
    return orjson.dumps(obj)


def route(outcome: Outcome) -> Destination:
    """Return where an outcome goes; every input ends in exactly one of the three.

    Both shells ask this one function: a published article goes to the clean output, a
    duplicate to the duplicates output, and invalid input or an article empty after
    cleaning to the DLQ (with :func:`dead_letter`'s error).
    """
    if isinstance(outcome, Published):
        return "clean"
    if isinstance(outcome, Duplicate):
        return "duplicates"
    return "dlq"


def kafka_output(
    outcome: Outcome,
    key: bytes | None,
    value: bytes | None,
    headers: Headers,
    topics: Mapping[Destination, str],
    provenance: Provenance,
    stamp: str,
) -> Output:
    """Return the one Kafka record an outcome publishes, to ``topics[route(outcome)]``.

    Clean and duplicate articles are keyed by article id; dead letters (invalid input,
    articles empty after cleaning) keep the original key, value and headers and add the
    context headers of :func:`dlq_headers`.
    """
    topic = topics[route(outcome)]
    if isinstance(outcome, Published | Duplicate):
        event = encode(clean_event(outcome.article, provenance, stamp))
        return topic, outcome.article.id.encode("utf-8"), event, headers
    return topic, key, value, dlq_headers(dead_letter(outcome), outcome.origin, headers)


def dead_letter(outcome: Rejected | Dropped) -> InvalidEvent:
    """Return the error an outcome is dead-lettered with; both shells call this.

    A rejected record keeps its own error. An article the clean stage left empty gets
    reason ``empty_after_cleaning`` at stage ``clean``: it is published to the DLQ with
    its original bytes like invalid input, never dropped without a trace.
    """
    if isinstance(outcome, Rejected):
        return outcome.error
    drop = outcome.drop
    message = f"article {drop.article_id!r} has no body left after cleaning"
    return InvalidEvent(drop.reason, message, stage="clean")


def dlq_headers(
    error: InvalidEvent, origin: Origin, original: Sequence[tuple[str, bytes]]
) -> Headers:
    """Return the original headers plus the dead-letter context headers."""
    context = {
        "__connect.errors.topic": origin.topic,
        "__connect.errors.partition": str(origin.partition),
        "__connect.errors.offset": str(origin.offset),
        "__connect.errors.stage": error.stage,
        "__connect.errors.exception.class.name": type(error).__name__,
        "__connect.errors.exception.message": str(error)[:1000],
        "__cleanwire.errors.reason": error.reason,
    }
    if error.field:
        context["__cleanwire.errors.field"] = error.field
    kept = [(k, v) for k, v in original if k not in context]
    return kept + [(k, v.encode("utf-8")) for k, v in context.items()]


def dlq_line(error: InvalidEvent, origin: Origin, value: bytes) -> dict[str, Any]:
    """Return the file-mode dead-letter object (dlq-record.v1) for one input line."""
    try:
        original: dict[str, str] = {"value": value.decode("utf-8")}
    except UnicodeDecodeError:
        original = {"value_base64": base64.b64encode(value).decode("ascii")}
    return {
        "schema": SCHEMA_DLQ,
        "reason": error.reason,
        "stage": error.stage,
        "field": error.field,
        "error_class": type(error).__name__,
        "message": str(error),
        "origin": {"topic": origin.topic, "partition": origin.partition, "offset": origin.offset},
        **original,
    }
