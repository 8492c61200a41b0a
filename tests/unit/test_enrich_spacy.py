"""Smoke tests of the enrich stage with the real spaCy model package (no network)."""

from __future__ import annotations

import pytest

from service.enrich.ner import SpacyTagger
from service.enrich.stage import Enricher
from service.models import CleanArticle, Origin

BODY = (
    "MOSCOW\n\nRussian President Vladimir Putin met officials of the World Health "
    "Organization (WHO) in Moscow on Friday.\n\nPutin's spokesman said the WHO and the "
    "United States would work together, and Putin thanked Germany."
)


@pytest.fixture(scope="module")
def enricher() -> Enricher:
    return Enricher()


def test_default_enricher_reports_the_packaged_model(enricher: Enricher) -> None:
    """The default tagger is the pinned en_core_web_sm 3.8.0, loaded with NER only."""
    assert enricher.model_version == "en_core_web_sm-3.8.0"
    assert isinstance(enricher.tagger, SpacyTagger)


def test_real_model_produces_canonical_entities(enricher: Enricher) -> None:
    """Putin, the WHO and countries come out canonical, with QIDs and exact body offsets."""
    article = CleanArticle(
        id="a",
        url="https://x.test/a",
        source="x",
        origin=Origin("raw", 0, 0),
        body=BODY,
        title="PUTIN MEETS WHO CHIEF",
    )
    [out] = enricher([article])
    by_name = {e.name: e for e in out.entities}
    putin = by_name["Vladimir Putin"]
    assert (putin.type, putin.wikidata, putin.count) == ("PERSON", "Q7747", 3)
    assert by_name["World Health Organization"].wikidata == "Q7817"
    assert by_name["World Health Organization"].count >= 2
    assert by_name["United States"].wikidata == "Q30"
    assert by_name["Moscow"].type == "LOC"
    assert out.entities[0].name == "Vladimir Putin"
    assert [(m.text, m.field) for m in putin.mentions][-1] == ("PUTIN", "title")
    for entity in out.entities:
        fields = {"body": BODY, "title": article.title}
        assert all(fields[m.field][m.start : m.end] == m.text for m in entity.mentions)


def test_batch_size_changes_memory_not_results(enricher: Enricher) -> None:
    """The same texts give the same spans in batches of 1, 2 or 32 (--ner-batch-size)."""
    tagger = enricher.tagger
    assert isinstance(tagger, SpacyTagger)
    texts = [BODY, "Angela Merkel visited Paris.", BODY.upper(), "No names here.", BODY[40:]]
    default = tagger._batch_size
    try:
        results = []
        for size in (1, 2, 32):
            tagger._batch_size = size
            results.append(tagger.tag(texts))
    finally:
        tagger._batch_size = default
    assert default == 2
    assert results[0] == results[1] == results[2]
    assert any(spans for spans in results[0])
