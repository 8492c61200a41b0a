"""The stages composed: parse → clean → dedup → enrich, over a batch of records.

``Pipeline.run`` is pure apart from the dedup store it is given: the same records and
store state give the same outcomes, in input order. Broken input becomes ``Rejected``;
an article empty after cleaning becomes ``Dropped``; the shell sends both to the DLQ
(``service.shell.events.dead_letter`` names the reason), so every record ends in exactly one
output. Duplicates are ``Duplicate`` and are never enriched. Store failures propagate:
the shell replays.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from service.dates import pub_date
from service.errors import InvalidEvent, StateUnavailable
from service.models import CleanArticle, Drop, Origin, RawArticle

Record = tuple[bytes | None, Origin]
Parse = Callable[[bytes | None, Origin], RawArticle]
Clean = Callable[[RawArticle], CleanArticle | Drop]
Dedup = Callable[[CleanArticle], CleanArticle]
Enrich = Callable[[Sequence[CleanArticle]], list[CleanArticle]]


@dataclass(frozen=True, slots=True)
class Published:
    article: CleanArticle


@dataclass(frozen=True, slots=True)
class Duplicate:
    article: CleanArticle


@dataclass(frozen=True, slots=True)
class Dropped:
    """An expected non-result (empty after cleaning); dead-lettered with its original bytes."""

    drop: Drop
    origin: Origin


@dataclass(frozen=True, slots=True)
class Rejected:
    error: InvalidEvent
    origin: Origin


Outcome = Published | Duplicate | Dropped | Rejected


def passthrough_clean(raw: RawArticle) -> CleanArticle:
    """Stand in for a disabled clean stage: the input text (or HTML) becomes the body."""
    body = raw.text if raw.text is not None else raw.html or ""
    date = pub_date(raw.published_at)
    return CleanArticle(
        id=raw.id, url=raw.url, source=raw.source, origin=raw.origin, body=body,
        title=raw.title, published_at=date.value, published_at_raw=date.raw,
        language=raw.language, input_bytes=len(body), meta=raw.meta,
    )  # fmt: skip


def _stage_error(stage: str, exc: Exception) -> InvalidEvent:
    return InvalidEvent("stage_error", f"{type(exc).__name__}: {exc}", stage=stage)


@dataclass(frozen=True, slots=True)
class Pipeline:
    """Run the configured stages; ``None`` disables a stage."""

    parse: Parse
    clean: Clean | None = None
    dedup: Dedup | None = None
    enrich: Enrich | None = None

    def run(self, records: Sequence[Record]) -> list[Outcome]:
        outcomes: list[Outcome] = [self._one(value, origin) for value, origin in records]
        if self.enrich is not None:
            outcomes = self._enrich(outcomes, self.enrich)
        return outcomes

    def _one(self, value: bytes | None, origin: Origin) -> Outcome:
        try:
            raw = self.parse(value, origin)
        except InvalidEvent as exc:
            return Rejected(exc, origin)
        try:
            cleaned = passthrough_clean(raw) if self.clean is None else self.clean(raw)
        except StateUnavailable:
            raise  # infrastructure: crash and replay, never dead-letter the record
        except Exception as exc:  # a bug on odd input must not stop the stream
            return Rejected(_stage_error("clean", exc), origin)
        if isinstance(cleaned, Drop):
            return Dropped(cleaned, origin)
        if self.dedup is None:
            return Published(cleaned)
        checked = self.dedup(cleaned)
        return Duplicate(checked) if checked.is_duplicate else Published(checked)

    @staticmethod
    def _enrich(outcomes: list[Outcome], enrich: Enrich) -> list[Outcome]:
        slots = [i for i, o in enumerate(outcomes) if isinstance(o, Published)]
        articles = [outcomes[i].article for i in slots]  # type: ignore[union-attr]
        if not articles:
            return outcomes
        result = list(outcomes)
        try:
            for i, enriched in zip(slots, enrich(articles), strict=True):
                result[i] = Published(enriched)
        except Exception:  # isolate the article that breaks the batch
            for i, article in zip(slots, articles, strict=True):
                try:
                    result[i] = Published(enrich([article])[0])
                except Exception as exc:
                    result[i] = Rejected(_stage_error("enrich", exc), article.origin)
        return result
