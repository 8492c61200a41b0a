"""The JSON Schemas in schemas/ match what the code accepts and emits."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator, FormatChecker

from service.errors import InvalidEvent
from service.models import CleanArticle, DedupInfo, Entity, Mention, Origin
from service.parse import Parser
from service.shell.events import Provenance, clean_event, dlq_line, encode

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"


def validator(name: str) -> Draft202012Validator:
    schema = json.loads((SCHEMAS / name).read_text())
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=FormatChecker())


RAW = validator("raw-article.v1.json")
CLEAN = validator("clean-article.v1.2.json")
DLQ = validator("dlq-record.v1.json")
PROV = Provenance("1.2.3", (("enrich", "en_core_web_sm-3.8.0"),))


def roundtrip(obj: dict[str, Any]) -> Any:
    return orjson.loads(encode(obj))


def test_clean_event_with_entities_and_duplicate_matches_schema() -> None:
    """A fully populated clean event (entities, duplicate verdict) validates."""
    article = CleanArticle(
        id="a1", url="https://x.org/a", source="x.org", origin=Origin("raw", 0, 7),
        body="Vladimir Putin spoke.", title="T", dek="D", author="A", published_at="2020-11-09T00:00:00Z",
        published_at_raw="2020-11-09",
        language="en", canonical_url="https://x.org/a", meta={"k": 1},
        entities=(Entity("Vladimir Putin", "PERSON", (Mention("Vladimir Putin", 0, 14),), 0.9, "Q7747"),),
        dedup=DedupInfo("fp", "c1", "a0", "near"),
    )  # fmt: skip
    event = roundtrip(clean_event(article, PROV, "2026-01-01T00:00:00.000Z"))
    assert not list(CLEAN.iter_errors(event))
    assert event["entities"][0]["count"] == 1
    assert event["dedup"]["duplicate_of"] == "a0"


def test_minimal_clean_event_matches_schema() -> None:
    """A clean event with no dedup verdict and no entities validates."""
    article = CleanArticle(
        id="a", url="https://x.org", source="x.org", origin=Origin("file:-", 0, 1), body=""
    )
    assert not list(
        CLEAN.iter_errors(roundtrip(clean_event(article, PROV, "2026-01-01T00:00:00Z")))
    )


def test_schema_rejects_missing_body() -> None:
    """The clean schema is strict: dropping a required field fails validation."""
    article = CleanArticle(
        id="a", url="https://x.org", source="x.org", origin=Origin("t", 0, 1), body="b"
    )
    event = roundtrip(clean_event(article, PROV, "2026-01-01T00:00:00Z"))
    del event["body"]
    assert list(CLEAN.iter_errors(event))


def test_dlq_lines_match_schema() -> None:
    """File-mode dead letters validate, for UTF-8 and for non-UTF-8 originals."""
    error = InvalidEvent("wrong_type", "text must be a string", field="text")
    for value in (b'{"text": 1}', b"\xff\xfe"):
        line = roundtrip(dlq_line(error, Origin("file:x", 0, 3), value))
        assert not list(DLQ.iter_errors(line)), line


URLS = st.sampled_from(
    ["https://a.b/c", "http://x.org", " https://e.com/p ", "ftp://a/b", "/rel", "", "https://"]
)
TEXTS = st.none() | st.sampled_from(["", "  ", "body", "\n x"]) | st.integers(0, 3)
FIELDS = {
    "url": URLS | st.none() | st.integers(0, 2),
    "text": TEXTS,
    "html": TEXTS,
    "id": st.none() | st.sampled_from(["", "id-1"]) | st.integers(0, 2),
    "title": st.none() | st.just("t") | st.just([1]),
    "meta": st.none() | st.just({"a": 1}) | st.just([]) | st.just("m"),
    "language": st.none() | st.just("en") | st.just(1),
}


@settings(max_examples=400)
@given(st.fixed_dictionaries({}, optional=FIELDS))
def test_raw_schema_and_parser_agree(obj: dict[str, Any]) -> None:
    """An event is accepted by the parser exactly when it is valid under raw-article.v1.json."""
    try:
        Parser()(orjson.dumps(obj), Origin("t", 0, 0))
        accepted = True
    except InvalidEvent:
        accepted = False
    assert accepted == RAW.is_valid(obj), obj


def test_language_fields_and_a_language_skip_match_schema() -> None:
    """language_confidence, enrich_skipped=language and the per-article enrich model validate."""
    article = CleanArticle(
        id="a", url="https://x.org/a", source="x.org", origin=Origin("raw", 0, 1), body="Hallo.",
        language="de", language_confidence=0.97, enrich_skipped="language",
        enrich_model="none (de)",
    )  # fmt: skip
    event = roundtrip(clean_event(article, PROV, "2026-01-01T00:00:00Z"))
    assert not list(CLEAN.iter_errors(event))
    assert event["schema_version"] == "1.2"
    assert (event["language"], event["language_confidence"]) == ("de", 0.97)
    assert event["provenance"]["models"]["enrich"] == "none (de)"
    assert event["provenance"]["enrich_skipped"] == "language"
    event["language_confidence"] = 1.5
    assert list(CLEAN.iter_errors(event)), "a confidence over 1 must not validate"
