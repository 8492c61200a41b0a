"""Dead letters: one function picks the error, both shells encode it the same way."""

from __future__ import annotations

import json
from pathlib import Path

import orjson
from jsonschema import Draft202012Validator

from service.errors import REASONS, InvalidEvent
from service.models import CleanArticle, Drop, Origin
from service.pipeline import Dropped, Duplicate, Published, Rejected
from service.shell.events import (
    Provenance,
    dead_letter,
    dlq_headers,
    dlq_line,
    encode,
    kafka_output,
    route,
)

ORIGIN = Origin("articles.raw", 2, 41)
EMPTY = Dropped(Drop("empty_after_cleaning", "a7"), ORIGIN)
DLQ_SCHEMA = Draft202012Validator(
    json.loads((Path(__file__).resolve().parents[2] / "schemas/dlq-record.v1.json").read_text())
)


def test_dropped_article_dead_letters_as_empty_after_cleaning_at_clean() -> None:
    """A Dropped outcome becomes an InvalidEvent with reason empty_after_cleaning, stage clean."""
    error = dead_letter(EMPTY)
    assert (error.reason, error.stage, error.field) == ("empty_after_cleaning", "clean", None)
    assert "a7" in str(error)
    assert error.reason in REASONS


def test_rejected_record_dead_letters_with_its_own_error() -> None:
    """A Rejected outcome keeps the very error the parser or stage raised."""
    error = InvalidEvent("wrong_type", "text must be a string", field="text")
    assert dead_letter(Rejected(error, ORIGIN)) is error


def test_empty_article_headers_keep_originals_and_add_reason_and_stage() -> None:
    """Kafka dead letter of an empty article: original headers first, then the context headers."""
    headers = dlq_headers(dead_letter(EMPTY), ORIGIN, [("trace", b"t-1"), ("trace", b"t-2")])
    assert headers[:2] == [("trace", b"t-1"), ("trace", b"t-2")]
    context = dict(headers[2:])
    assert context == {
        "__connect.errors.topic": b"articles.raw",
        "__connect.errors.partition": b"2",
        "__connect.errors.offset": b"41",
        "__connect.errors.stage": b"clean",
        "__connect.errors.exception.class.name": b"InvalidEvent",
        "__connect.errors.exception.message": str(dead_letter(EMPTY)).encode(),
        "__cleanwire.errors.reason": b"empty_after_cleaning",
    }


def test_empty_article_file_dead_letter_keeps_value_and_matches_schema() -> None:
    """File-mode dead letter of an empty article: the original line verbatim, schema-valid."""
    value = '{"id": "a7", "url": "https://x.org/a", "text": "Accueil\\nCafé  "}'.encode()
    line = orjson.loads(encode(dlq_line(dead_letter(EMPTY), ORIGIN, value)))
    assert (line["reason"], line["stage"], line["field"]) == ("empty_after_cleaning", "clean", None)
    assert line["value"].encode("utf-8") == value
    assert line["origin"] == {"topic": "articles.raw", "partition": 2, "offset": 41}
    assert not list(DLQ_SCHEMA.iter_errors(line)), line


TOPICS = {"clean": "t.clean", "duplicates": "t.dup", "dlq": "t.dlq"}
ARTICLE = CleanArticle("a7", "https://x.org/a", "x.org", ORIGIN, body="Story text.")
PROVENANCE = Provenance("0.0.0")


def test_route_sends_each_outcome_kind_to_exactly_one_destination() -> None:
    """Published -> clean, Duplicate -> duplicates, Rejected and Dropped -> dlq."""
    rejected = Rejected(InvalidEvent("not_json", "bad"), ORIGIN)
    assert route(Published(ARTICLE)) == "clean"
    assert route(Duplicate(ARTICLE)) == "duplicates"
    assert route(rejected) == "dlq"
    assert route(EMPTY) == "dlq"


def test_kafka_output_keys_articles_by_id_and_keeps_dead_letters_bytes() -> None:
    """Articles: keyed by id, JSON value; dead letters: original key, value and headers."""
    topic, key, value, headers = kafka_output(
        Duplicate(ARTICLE), b"k", b"raw", [("h", b"1")], TOPICS, PROVENANCE, "2026-01-01T00:00:00Z"
    )
    assert (topic, key, headers) == ("t.dup", b"a7", [("h", b"1")])
    assert value is not None and orjson.loads(value)["id"] == "a7"
    topic, key, value, headers = kafka_output(
        EMPTY, b"k", b"raw", [("h", b"1")], TOPICS, PROVENANCE, "2026-01-01T00:00:00Z"
    )
    assert (topic, key, value) == ("t.dlq", b"k", b"raw")
    assert headers[0] == ("h", b"1")
    assert dict(headers)["__cleanwire.errors.reason"] == b"empty_after_cleaning"
