"""Smoke tests of the enrich stage with the real spaCy model package (no network)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from service.clean.rules import load_rules
from service.clean.stage import Cleaner
from service.enrich.ner import SpacyTagger
from service.enrich.stage import Enricher
from service.models import CleanArticle, Origin, RawArticle

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


MULTILINGUAL = Path(__file__).resolve().parents[1] / "data" / "multilingual_articles.jsonl"


@pytest.fixture(scope="module")
def bilingual() -> Enricher:
    return Enricher(languages=("en", "fr"))


def _multilingual_articles() -> list[tuple[dict[str, Any], CleanArticle]]:
    """The literal test articles (French, German, Spanish, Russian, Chinese), cleaned as text."""
    cleaner = Cleaner(load_rules())
    out = []
    for line in MULTILINGUAL.read_bytes().splitlines():
        row = orjson.loads(line)
        raw = RawArticle(
            id=row["id"], url=f"https://news.example/{row['id']}", source="news.example",
            origin=Origin("raw", 0, 0), text=row["text"], title=row["title"],
        )  # fmt: skip
        cleaned = cleaner(raw)
        assert isinstance(cleaned, CleanArticle)
        out.append((row, cleaned))
    return out


def test_no_english_model_entities_on_articles_in_other_languages(bilingual: Enricher) -> None:
    """German, Spanish, Russian and Chinese articles get no entities (no model for them) and
    say why; French ones are tagged by the French model; none goes to the English model."""
    rows = _multilingual_articles()
    assert {row["lang"] for row, _ in rows} == {"fr", "de", "es", "ru", "zh"}
    out = bilingual([article for _, article in rows])
    for (row, article), tagged in zip(rows, out, strict=True):
        assert article.language == row["lang"], row["id"]
        if row["lang"] == "fr":
            assert tagged.enrich_model == "fr_core_news_sm-3.8.0"
            assert tagged.enrich_skipped is None and len(tagged.entities) >= 5
        else:
            assert tagged.entities == (), row["id"]
            assert tagged.enrich_skipped == "language"
            assert tagged.enrich_model == f"none ({row['lang']})"


def test_french_entities_are_found_with_canonical_names(bilingual: Enricher) -> None:
    """Most gold people, organisations and places of the French articles are found, and an
    acronym the text defines joins its long form ("BCE" -> "Banque centrale européenne")."""
    rows = [(row, a) for row, a in _multilingual_articles() if row["lang"] == "fr"]
    out = bilingual([article for _, article in rows])
    found = gold = 0
    for (row, _), tagged in zip(rows, out, strict=True):
        names = {m.text for e in tagged.entities for m in e.mentions} | {
            e.name for e in tagged.entities
        }
        gold += len(row["entities"])
        found += sum(entity["text"] in names for entity in row["entities"])
    assert found >= 0.75 * gold, f"{found}/{gold}"
    bce = [e for a in out for e in a.entities if "BCE" in {m.text for m in e.mentions}]
    assert [e.name for e in bce] == ["Banque centrale européenne"]


def _enriched(enricher: Enricher, body: str) -> CleanArticle:
    """Return one article with ``body`` through ``enricher``."""
    article = CleanArticle(
        id="a", url="https://x.test/a", source="x", origin=Origin("raw", 0, 0), body=body
    )
    [out] = enricher([article])
    return out


def test_clubs_named_after_places_are_organisations_in_a_results_story(
    enricher: Enricher,
) -> None:
    """The model reads "Leeds" as the city; the results table and the match report say it is
    a club, and every mention follows. The country (a national side) stays a place."""
    body = (
        "Leeds beat Sheffield Wednesday in the league on Saturday, their third win of the "
        "season, while Derby drew with Everton.\n\n"
        "Results:\nLeeds 2 Sheffield Wednesday 0\nDerby 1 Everton 1\nScotland 1 Wales 0\n\n"
        "The Leeds manager said the club would not sell its striker."
    )
    out = _enriched(enricher, body)
    types = {e.name: e.type for e in out.entities}
    assert types["Leeds"] == "ORG"
    assert types["Everton"] == "ORG"
    assert types["Derby"] == "ORG"
    assert types.get("Scotland", "LOC") == "LOC"
    leeds = next(e for e in out.entities if e.name == "Leeds")
    assert leeds.count == 3


def test_names_in_a_scorecard_and_a_results_table_are_people(enricher: Enricher) -> None:
    """A scorecard and a finishing order name people the model misses or calls
    organisations (it reads "Tanja Damaske", "Trine Hattestad" and "Croft" as ORG), by
    surname alone too."""
    body = (
        "England won the second test by 107 runs on Monday.\n\n"
        "Pakistan second innings\n"
        "Saeed Anwar c Stewart b Gough 33\n"
        "Aamir Sohail c Croft b Gough 0\n"
        "Moin Khan lbw b Mullally 0\n\n"
        "Women's javelin\n"
        "1. Tanja Damaske (Germany) 66.60 metres\n"
        "2. Trine Hattestad (Norway) 65.12\n\n"
        "Gough took three wickets in his first spell, said Atherton."
    )
    out = _enriched(enricher, body)
    types = {e.name: e.type for e in out.entities}
    for name in ("Saeed Anwar", "Aamir Sohail", "Moin Khan", "Tanja Damaske", "Trine Hattestad"):
        assert types.get(name) == "PERSON", (name, types.get(name))
    for name in ("Stewart", "Croft", "Gough", "Mullally"):  # the scorecard names them
        assert types.get(name) == "PERSON", (name, types.get(name))
    assert "Atherton" not in types  # a bare surname in prose alone is not published
    assert types.get("Germany") == "LOC"
