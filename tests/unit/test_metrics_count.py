"""Metrics.count: a batch's outcomes land in the right series, with their byte totals."""

from __future__ import annotations

import dataclasses

from prometheus_client import CollectorRegistry

from service.errors import InvalidEvent
from service.models import CleanArticle, DedupInfo, Drop, Origin
from service.pipeline import Dropped, Duplicate, Outcome, Published, Rejected
from service.shell.metrics import Metrics

ORIGIN = Origin("raw", 0, 7)
OUTCOME_FAMILIES = {
    "cleanwire_articles_published",
    "cleanwire_duplicates",
    "cleanwire_dlq_records",
    "cleanwire_drops",
}


def _article(match: str | None = None, size: int = 100) -> CleanArticle:
    dedup = None if match is None else DedupInfo("f", "c", "first", match)  # type: ignore[arg-type]
    return CleanArticle(
        id="a", url="https://x.example/a", source="x.example", origin=ORIGIN, body="b",
        input_bytes=size, stripped_bytes=size // 4, dedup=dedup,
    )  # fmt: skip


def sample(metrics: Metrics, name: str, **labels: str) -> float | None:
    """The value of one series of ``metrics``, or None when it has no sample."""
    return metrics.registry.get_sample_value(name, labels)


def test_count_tallies_outcomes_by_kind_and_reason() -> None:
    """Each outcome increments its kind's series by reason or match, and the byte totals."""
    metrics = Metrics(CollectorRegistry())
    batch: list[Outcome] = [
        Published(_article(size=100)),
        Published(_article(size=200)),
        Duplicate(_article("near", size=40)),
        Duplicate(_article("url", size=40)),
        Duplicate(_article("near", size=20)),
        Rejected(InvalidEvent("not_json", "x"), ORIGIN),
        Dropped(Drop("empty_after_cleaning", "a"), ORIGIN),
    ]
    metrics.count(batch)
    metrics.count(batch[:1])

    assert sample(metrics, "cleanwire_records_consumed_total") == 8
    assert sample(metrics, "cleanwire_articles_published_total") == 3
    assert sample(metrics, "cleanwire_duplicates_total", match="near") == 2
    assert sample(metrics, "cleanwire_duplicates_total", match="url") == 1
    assert sample(metrics, "cleanwire_duplicates_total", match="exact") == 0
    assert sample(metrics, "cleanwire_dlq_records_total", reason="not_json") == 1
    assert sample(metrics, "cleanwire_drops_total", reason="empty_after_cleaning") == 1
    assert sample(metrics, "cleanwire_clean_input_bytes_total") == 500
    assert sample(metrics, "cleanwire_clean_stripped_bytes_total") == 125


def test_empty_article_counts_once_as_a_drop_not_as_an_invalid_dlq_record() -> None:
    """An empty article (dead-lettered) counts in drops only, so the outcome series sum to consumed."""
    metrics = Metrics(CollectorRegistry())
    metrics.count(
        [
            Published(_article()),
            Rejected(InvalidEvent("not_json", "x"), ORIGIN),
            Dropped(Drop("empty_after_cleaning", "a"), ORIGIN),
            Dropped(Drop("empty_after_cleaning", "b"), ORIGIN),
        ]
    )
    registry = metrics.registry
    by_reason = {"reason": "empty_after_cleaning"}
    assert registry.get_sample_value("cleanwire_drops_total", by_reason) == 2
    assert registry.get_sample_value("cleanwire_dlq_records_total", by_reason) is None
    outcomes = sum(
        sample.value
        for family in registry.collect()
        if family.name in OUTCOME_FAMILIES
        for sample in family.samples
        if sample.name.endswith("_total")
    )
    assert outcomes == registry.get_sample_value("cleanwire_records_consumed_total") == 4


def test_published_articles_are_counted_by_language_with_a_bounded_label() -> None:
    """Two-letter codes are labels; a longer code is 'other', no language 'und'; articles
    published without entities are counted by why."""
    metrics = Metrics(CollectorRegistry())
    languages = ["fr", "fr", "de", "ceb", None]
    batch: list[Outcome] = [
        Published(dataclasses.replace(_article(), language=code)) for code in languages
    ]
    batch.append(
        Published(dataclasses.replace(_article(), language="de", enrich_skipped="language"))
    )
    batch.append(Duplicate(dataclasses.replace(_article("near"), language="fr")))
    metrics.count(batch)

    assert sample(metrics, "cleanwire_articles_by_language_total", language="fr") == 2
    assert sample(metrics, "cleanwire_articles_by_language_total", language="de") == 2
    assert sample(metrics, "cleanwire_articles_by_language_total", language="other") == 1
    assert sample(metrics, "cleanwire_articles_by_language_total", language="und") == 1
    assert sample(metrics, "cleanwire_enrich_skipped_total", reason="language") == 1
    assert sample(metrics, "cleanwire_articles_published_total") == 6
