"""Raw to clean through the real broker: routing, DLQ context, delivery modes."""

from __future__ import annotations

import orjson
import pytest

from service.parse import article_id_for
from tests.integration.kafkautil import consume, produce
from tests.integration.servicectl import running, topics_settings

pytestmark = pytest.mark.integration

VALID = [
    orjson.dumps({"url": f"https://news.example/{i}", "text": f"Story number {i}."})
    for i in range(5)
]
INVALID = {
    "not_json": b"{not json",
    "invalid_utf8": b'{"url": "https://x.org/\xff", "text": "t"}',
    "not_object": b"[1]",
    "no_content": b'{"url": "https://x.org/n"}',
    "wrong_type": b'{"url": "https://x.org/w", "text": ["t"]}',
    "too_large": orjson.dumps({"url": "https://x.org/l", "text": "x" * 5000}),
    "too_deep": b'{"url": "https://x.org/d", "text": "t", "meta": '
    + b'{"a":' * 40
    + b"1"
    + b"}" * 41,
}


@pytest.mark.parametrize("delivery", ["exactly_once", "at_least_once"])
async def test_valid_events_are_published_and_bad_ones_dead_lettered(delivery: str) -> None:
    """Valid events reach the clean topic keyed by id; each bad record reaches the DLQ with its reason."""
    s = await topics_settings(stages="none", delivery=delivery, max_record_bytes=4096)
    values = [*VALID, *INVALID.values()]
    keys = [f"k{i}".encode() for i in range(len(values))]
    await produce(s.raw_topic, values, keys=keys, headers=[("trace", b"t-1")], partition=0)
    async with running(s) as (_, metrics):
        clean = await consume(s.clean_topic, len(VALID))
        dlq = await consume(s.dlq_topic, len(INVALID))
    assert sorted(m.key for m in clean) == sorted(
        article_id_for(f"https://news.example/{i}").encode() for i in range(5)
    )
    bodies = {orjson.loads(m.value or b"")["body"] for m in clean}
    assert bodies == {f"Story number {i}." for i in range(5)}
    by_reason = {m.headers["__cleanwire.errors.reason"].decode(): m for m in dlq}
    assert sorted(by_reason) == sorted(INVALID)
    for reason, original in INVALID.items():
        dead = by_reason[reason]
        assert dead.value == original, reason
        assert dead.headers["trace"] == b"t-1"
        assert dead.headers["__connect.errors.topic"] == s.raw_topic.encode()
        assert dead.headers["__connect.errors.stage"] == b"parse"
        assert dead.headers["__connect.errors.exception.class.name"] == b"InvalidEvent"
        offset = int(dead.headers["__connect.errors.offset"])
        assert dead.key == f"k{offset}".encode()
    assert metrics.consumed._value.get() == len(values)


async def test_restart_resumes_from_committed_offsets() -> None:
    """A stopped and restarted service continues where it committed: nothing lost, nothing twice."""
    s = await topics_settings(stages="none", partitions=3)
    first = [
        orjson.dumps({"id": f"a{i}", "url": f"https://x.org/{i}", "text": "t"}) for i in range(30)
    ]
    second = [
        orjson.dumps({"id": f"b{i}", "url": f"https://x.org/b{i}", "text": "t"}) for i in range(30)
    ]
    await produce(s.raw_topic, first)
    async with running(s):
        assert len(await consume(s.clean_topic, 30, settle=0.5)) == 30
    await produce(s.raw_topic, second)
    async with running(s):
        out = await consume(s.clean_topic, 60, settle=2.0)
    ids = [orjson.loads(m.value or b"")["id"] for m in out]
    assert sorted(ids) == sorted([f"a{i}" for i in range(30)] + [f"b{i}" for i in range(30)])
