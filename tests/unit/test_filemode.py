"""File mode: JSON lines in, clean/duplicate/DLQ JSON lines out, in input order."""

from __future__ import annotations

import io
from dataclasses import replace

import orjson

from service.events import Provenance
from service.filemode import process_stream
from service.models import CleanArticle, DedupInfo
from service.parse import Parser
from service.pipeline import Pipeline


def dedup_by_body(seen: dict[str, str]):  # type: ignore[no-untyped-def]
    def stage(article: CleanArticle) -> CleanArticle:
        first = seen.setdefault(article.body, article.id)
        dup = first if first != article.id else None
        return replace(article, dedup=DedupInfo("fp", first, dup, "exact" if dup else "unique"))

    return stage


def test_outputs_go_to_their_sinks_in_input_order() -> None:
    """Clean events keep input order; duplicates and invalid lines go to their own sinks."""
    lines = [
        b'{"id": "a", "url": "https://x.org/a", "text": "one"}\n',
        b"\n",
        b'{"id": "b", "url": "https://x.org/b", "text": "two"}\n',
        b"{oops\n",
        b'{"id": "c", "url": "https://x.org/c", "text": "one"}\n',
        b'{"id": "d", "url": "https://x.org/d", "text": "three"}',
    ]
    pipe = Pipeline(parse=Parser(), dedup=dedup_by_body({}))
    out, dups, dlq = io.BytesIO(), io.BytesIO(), io.BytesIO()
    counts = process_stream(lines, "in.jsonl", pipe.run, Provenance("t"), out, dups, dlq)
    clean = [orjson.loads(line) for line in out.getvalue().splitlines()]
    assert [e["id"] for e in clean] == ["a", "b", "d"]
    assert [e["provenance"]["source_offset"] for e in clean] == [1, 3, 6]
    dup = orjson.loads(dups.getvalue())
    assert dup["id"] == "c" and dup["dedup"]["duplicate_of"] == "a"
    dead = orjson.loads(dlq.getvalue())
    assert (
        dead["reason"] == "not_json" and dead["origin"]["offset"] == 4 and dead["value"] == "{oops"
    )
    assert (counts.read, counts.published, counts.duplicates, counts.invalid) == (5, 3, 1, 1)
