"""File mode: JSON lines in, clean/duplicate/DLQ JSON lines out, in input order."""

from __future__ import annotations

import io
from dataclasses import replace

import orjson

from service.models import CleanArticle, DedupInfo, Drop, RawArticle
from service.parse import Parser
from service.pipeline import Pipeline, passthrough_clean
from service.shell.events import Provenance
from service.shell.filemode import Counts, process_stream


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


def drop_chrome_only(raw: RawArticle) -> CleanArticle | Drop:
    """Literal clean stage: a text made only of the lines 'Home'/'Sign in' is empty."""
    if set((raw.text or "").split("\n")) <= {"Home", "Sign in"}:
        return Drop("empty_after_cleaning", raw.id)
    return passthrough_clean(raw)


def test_empty_article_goes_to_the_dlq_with_its_original_line() -> None:
    """An article empty after cleaning is a dlq-record.v1 line (empty_after_cleaning, clean), not output."""
    empty = b'{"id": "e", "url": "https://x.org/e", "text": "Home\\nSign in", "x": "caf\xc3\xa9"}'
    lines = [b'{"id": "a", "url": "https://x.org/a", "text": "one"}\n', empty + b"\r\n"]
    out, dups, dlq = io.BytesIO(), io.BytesIO(), io.BytesIO()
    pipe = Pipeline(parse=Parser(), clean=drop_chrome_only)
    counts = process_stream(lines, "in.jsonl", pipe.run, Provenance("t"), out, dups, dlq)
    assert [orjson.loads(line)["id"] for line in out.getvalue().splitlines()] == ["a"]
    assert dups.getvalue() == b""
    (dead,) = [orjson.loads(line) for line in dlq.getvalue().splitlines()]
    assert dead["schema"] == "cleanwire.dlq-record.v1"
    assert (dead["reason"], dead["stage"], dead["field"]) == ("empty_after_cleaning", "clean", None)
    assert dead["error_class"] == "InvalidEvent"
    assert dead["origin"] == {"topic": "file:in.jsonl", "partition": 0, "offset": 2}
    assert dead["value"].encode("utf-8") == empty
    assert (counts.read, counts.published, counts.invalid) == (2, 1, 0)
    assert counts.dropped == {"empty_after_cleaning": 1}


def test_summary_line_adds_up_and_says_where_dead_letters_went() -> None:
    """The summary is one line whose published, duplicate and DLQ counts sum to the lines read."""
    counts = Counts(read=100, published=80, duplicates=5, invalid=2)
    counts.dropped["empty_after_cleaning"] = 13
    assert counts.summary() == (
        "cleanwire: 100 read, 80 published, 5 duplicates, "
        "15 to the DLQ (2 invalid, 13 empty_after_cleaning)"
    )
