"""Pipeline composition: order, routing of outcomes, isolation of failures."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import pytest

from service.models import CleanArticle, DedupInfo, Drop, Entity, Mention, Origin, RawArticle
from service.parse import Parser
from service.pipeline import Dropped, Duplicate, Pipeline, Published, Rejected
from service.shell.events import dead_letter


def origin(n: int) -> Origin:
    return Origin("raw", 0, n)


def event(id_: str, text: str) -> bytes:
    return b'{"id": "%s", "url": "https://a.com/%s", "text": "%s"}' % (
        id_.encode(),
        id_.encode(),
        text.encode(),
    )


def clean(raw: RawArticle) -> CleanArticle | Drop:
    """Literal stage: uppercase the text, drop articles whose text is 'empty'."""
    if raw.text == "empty":
        return Drop("empty_after_cleaning", raw.id)
    if raw.text == "boom":
        raise RuntimeError("extractor bug")
    return CleanArticle(raw.id, raw.url, raw.source, raw.origin, body=(raw.text or "").upper())


def dedup(article: CleanArticle) -> CleanArticle:
    """Literal stage: bodies equal to 'DUP' are duplicates of article 'first'."""
    dup = "first" if article.body == "DUP" else None
    return replace(
        article, dedup=DedupInfo("fp", dup or article.id, dup, "exact" if dup else "unique")
    )


def enrich(articles: Sequence[CleanArticle]) -> list[CleanArticle]:
    """Literal stage: tag the first word; fails on bodies containing 'CRASH'."""
    if any("CRASH" in a.body for a in articles):
        raise ValueError("model failure")
    word = lambda a: a.body.split()[0]  # noqa: E731
    return [
        replace(a, entities=(Entity(word(a), "ORG", (Mention(word(a), 0, len(word(a))),), 1.0),))
        for a in articles
    ]


PIPE = Pipeline(parse=Parser(), clean=clean, dedup=dedup, enrich=enrich)


def test_outcomes_follow_input_order_and_kind() -> None:
    """Each record yields one outcome of the right kind, in input order."""
    records = [
        (event("1", "hello"), origin(1)),
        (b"garbage", origin(2)),
        (event("3", "empty"), origin(3)),
        (event("4", "dup"), origin(4)),
        (event("5", "world"), origin(5)),
    ]
    out = PIPE.run(records)
    assert [type(o) for o in out] == [Published, Rejected, Dropped, Duplicate, Published]
    assert (
        isinstance(out[1], Rejected)
        and out[1].error.reason == "not_json"
        and out[1].origin == origin(2)
    )
    assert isinstance(out[2], Dropped) and out[2].drop.reason == "empty_after_cleaning"


def test_empty_article_is_dropped_with_its_origin_and_dead_lettered_at_clean() -> None:
    """An article empty after cleaning is Dropped with its record's origin; its DLQ error is empty_after_cleaning/clean."""
    out = PIPE.run([(event("3", "empty"), origin(3)), (event("4", "kept"), origin(4))])
    assert out[0] == Dropped(Drop("empty_after_cleaning", "3"), origin(3))
    assert isinstance(out[0], Dropped) and isinstance(out[1], Published)
    error = dead_letter(out[0])
    assert (error.reason, error.stage) == ("empty_after_cleaning", "clean")


def test_duplicates_are_not_enriched_but_published_ones_are() -> None:
    """Enrichment runs on published articles only; duplicates carry no entities."""
    out = PIPE.run([(event("1", "hello there"), origin(1)), (event("2", "dup"), origin(2))])
    assert isinstance(out[0], Published) and out[0].article.entities[0].name == "HELLO"
    assert isinstance(out[1], Duplicate) and out[1].article.entities == ()
    assert out[1].article.dedup is not None and out[1].article.dedup.duplicate_of == "first"


def test_clean_stage_bug_goes_to_dlq_and_others_continue() -> None:
    """An exception inside the clean stage rejects that record only, as stage_error."""
    out = PIPE.run([(event("1", "boom"), origin(1)), (event("2", "fine"), origin(2))])
    assert isinstance(out[0], Rejected) and out[0].error.reason == "stage_error"
    assert out[0].error.stage == "clean"
    assert isinstance(out[1], Published)


def test_enrich_failure_is_isolated_to_the_failing_article() -> None:
    """A batch enrich failure is retried per article; only the bad one is rejected."""
    out = PIPE.run(
        [
            (event("1", "alpha"), origin(1)),
            (event("2", "crash"), origin(2)),
            (event("3", "gamma"), origin(3)),
        ]
    )
    assert isinstance(out[0], Published) and out[0].article.entities
    assert isinstance(out[1], Rejected) and out[1].error.stage == "enrich"
    assert isinstance(out[2], Published) and out[2].article.entities[0].name == "GAMMA"


def test_disabled_stages_pass_text_through() -> None:
    """With every stage disabled the raw text becomes the body unchanged."""
    out = Pipeline(parse=Parser()).run([(event("1", "Raw text"), origin(1))])
    assert isinstance(out[0], Published)
    assert out[0].article.body == "Raw text" and out[0].article.dedup is None


def test_state_store_failure_in_a_stage_propagates_instead_of_dead_lettering() -> None:
    """A StateUnavailable raised inside clean is infrastructure: it propagates, nothing goes to the DLQ."""
    from service.errors import StateUnavailable

    def clean_with_down_store(raw: RawArticle) -> CleanArticle | Drop:
        raise StateUnavailable("learned-boilerplate store: connection refused")

    pipe = Pipeline(parse=Parser(), clean=clean_with_down_store)
    with pytest.raises(StateUnavailable):
        pipe.run([(event("1", "text"), origin(1))])
