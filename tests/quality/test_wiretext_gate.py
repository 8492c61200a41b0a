"""Quality gate: newswire text through the whole pipeline keeps its story and entities.

The 16 documents of ``tests/data/wiretext/wire-docs.jsonl`` (written for this test, see
the README there; six are largely tables: results, standings, a scoreboard, prices)
go in as raw events with ``text`` only, through the pipeline ``cleanwire process``
builds (all stages, fresh in-memory state). Scores: see ``tests/quality/wiremetrics.py``.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import pytest

from service.models import CleanArticle, Origin
from service.pipeline import Duplicate, Published
from service.settings import load
from service.shell.run import build
from tests.quality import wiremetrics as wm

DOCS = Path(__file__).resolve().parents[1] / "data" / "wiretext" / "wire-docs.jsonl"

# Thresholds = the figures measured on 2026-12-04 minus 0.02, rounded down: 16/16
# published, survival 1.000, mention P/R/F1 0.828/0.611/0.703, title 16/16, dateline
# place 15/15, author 3/3 (`python -m tests.quality.test_wiretext_gate` prints them).
# Before headlines, datelines and bylines became fields and tables were kept, they were:
# 1 dropped, survival 0.618, F1 0.562, title, dateline and author 0.
MIN_SURVIVAL = 0.98
MIN_MENTION_F1 = 0.68
MIN_TITLE = 0.98
MIN_DATELINE = 0.98
MIN_AUTHOR = 0.98


@dataclass(frozen=True)
class WireRun:
    """The gold documents and what the pipeline made of each (article None if neither)."""

    docs: list[dict[str, Any]]
    kinds: list[str]
    articles: list[CleanArticle | None]


def load_docs(path: Path = DOCS) -> list[dict[str, Any]]:
    """Return the gold documents, one a JSON line."""
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def run_pipeline(docs: list[dict[str, Any]]) -> WireRun:
    """Run the docs' texts as raw events through a freshly built all-stage pipeline."""
    built = build(load({}, environ={}))
    try:
        events = [
            {"id": d["id"], "url": f"https://wire.example/{d['id']}", "source": "wire.example",
             "text": d["text"]}
            for d in docs
        ]  # fmt: skip
        records = [
            (orjson.dumps(event), Origin(f"file:{DOCS.name}", 0, number))
            for number, event in enumerate(events, start=1)
        ]
        outcomes = built.run(records)
    finally:
        built.close()
    kinds = [type(o).__name__.lower() for o in outcomes]
    articles = [o.article if isinstance(o, Published | Duplicate) else None for o in outcomes]
    return WireRun(docs, kinds, articles)


@pytest.fixture(scope="module")
def wire() -> WireRun:
    return run_pipeline(load_docs())


def test_gold_mentions_are_in_the_text_in_order() -> None:
    """Each gold mention, title and dateline is in its document's text, in text order."""
    for doc in load_docs():
        text, at = doc["text"], 0
        for mention in doc["entities"]:
            found = text.find(mention["text"], at)
            assert found >= 0, (doc["id"], mention)
            at = found + len(mention["text"])
        assert text.split("\n")[0] == doc["title"], doc["id"]
        if doc["dateline"]:
            assert doc["dateline"]["place"] in text, doc["id"]


def test_every_document_is_published_or_a_duplicate(wire: WireRun) -> None:
    """No wire document is dropped or rejected: each is published or a duplicate."""
    counts = Counter(wire.kinds)
    assert len(wire.kinds) == len(wire.docs)
    assert counts["published"] + counts["duplicate"] == len(wire.docs), dict(counts)


def survival(run: WireRun) -> float:
    """Return the share of gold mention strings kept in the output text fields."""
    golds = [[e["text"] for e in d["entities"]] for d in run.docs]
    return wm.survival(golds, [wm.output_text(a) for a in run.articles])


def mention_scores(run: WireRun) -> wm.PRF:
    """Return micro mention P/R/F1 of the output entities (duplicates have none)."""
    golds = [wm.gold_mentions(d["entities"]) for d in run.docs]
    return wm.mention_prf(golds, [wm.output_mentions(a) for a in run.articles])


def title_rate(run: WireRun) -> float:
    """Return the share of documents whose output title is the gold headline."""
    pairs = zip(run.docs, run.articles, strict=True)
    return wm.share(wm.same_text(wm.field(a, "title"), d["title"]) for d, a in pairs)


def dateline_rate(run: WireRun) -> float:
    """Return the share of gold datelines whose place the output dateline has."""
    pairs = zip(run.docs, run.articles, strict=True)
    return wm.share(
        wm.same_place(wm.field(a, "dateline"), d["dateline"]["place"])
        for d, a in pairs
        if d["dateline"]
    )


def author_rate(run: WireRun) -> float:
    """Return the share of gold bylines that became the output author."""
    pairs = zip(run.docs, run.articles, strict=True)
    return wm.share(
        wm.same_text(wm.field(a, "author"), d["author"]) for d, a in pairs if d["author"]
    )


def test_gold_mentions_survive_cleaning(wire: WireRun) -> None:
    """The share of gold mention strings still in the output text is at least the floor."""
    measured = survival(wire)
    assert measured >= MIN_SURVIVAL, f"survival {measured:.4f} < {MIN_SURVIVAL}"


def test_entity_mention_f1(wire: WireRun) -> None:
    """Micro mention F1 of the output entities against the gold is at least the floor."""
    measured = mention_scores(wire)
    assert measured.f1 >= MIN_MENTION_F1, f"mention {measured} < F1 {MIN_MENTION_F1}"


def test_headline_becomes_the_title(wire: WireRun) -> None:
    """The share of documents whose title is the gold headline is at least the floor."""
    measured = title_rate(wire)
    assert measured >= MIN_TITLE, f"title rate {measured:.4f} < {MIN_TITLE}"


def test_dateline_place_is_read(wire: WireRun) -> None:
    """The share of gold datelines whose place the output dateline has is at least the floor."""
    measured = dateline_rate(wire)
    assert measured >= MIN_DATELINE, f"dateline rate {measured:.4f} < {MIN_DATELINE}"


def test_byline_becomes_the_author(wire: WireRun) -> None:
    """The share of gold bylines that become the output author is at least the floor."""
    measured = author_rate(wire)
    assert measured >= MIN_AUTHOR, f"author rate {measured:.4f} < {MIN_AUTHOR}"


if __name__ == "__main__":  # print today's figures: python -m tests.quality.test_wiretext_gate
    measured_run = run_pipeline(load_docs())
    print(f"outcomes {dict(Counter(measured_run.kinds))}")
    print(f"survival {survival(measured_run):.4f}")
    print(f"mentions {mention_scores(measured_run)}")
    for name, rate in (("title", title_rate), ("dateline", dateline_rate), ("author", author_rate)):
        print(f"{name} {rate(measured_run):.4f}")
