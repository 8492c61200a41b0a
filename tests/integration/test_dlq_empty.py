"""An article empty after cleaning is dead-lettered through the real broker, never lost."""

from __future__ import annotations

import orjson
import pytest

from tests.integration.kafkautil import consume, produce
from tests.integration.servicectl import running, topics_settings

pytestmark = pytest.mark.integration

STORY = "\n".join(
    [
        "Grain corridor talks resume after two-week pause",
        "Negotiators from both countries met in Istanbul on Monday to resume talks on the grain "
        "corridor, which was suspended two weeks ago after a dispute over inspections.",
        "Officials said the first ships could leave port by the end of the week if the "
        "inspection schedule agreed on Monday holds, and insurers have been told to prepare.",
        "Farmers' groups welcomed the news but warned that storage was running short.",
    ]
)
REAL = orjson.dumps({"id": "real-1", "url": "https://news.example/grain", "text": STORY})
# Every line is chrome the shipped rules drop, with odd spacing and a non-ASCII byte, so
# that the DLQ value must be the original bytes, not a re-encoding.
EMPTY = b'{"id": "empty-1", "url": "https://news.example/nav",  "text": "Home\\nSign in\\nSubscribe\\nShare on Facebook", "x": "caf\xc3\xa9"}'
HEADERS = [("trace", b"t-9"), ("crawler", b"c\x003")]


@pytest.mark.parametrize("delivery", ["exactly_once", "at_least_once"])
async def test_empty_article_lands_in_dlq_with_original_record_and_reason(delivery: str) -> None:
    """An empty-after-cleaning record reaches the DLQ with its key, value, headers and reason; the clean topic gets only the real article."""
    s = await topics_settings(stages="clean", delivery=delivery, partitions=1)
    await produce(s.raw_topic, [REAL, EMPTY], keys=[b"k-real", b"k-empty"], headers=HEADERS)
    async with running(s) as (_, metrics):
        clean = await consume(s.clean_topic, 1)
        dlq = await consume(s.dlq_topic, 1)
    assert [orjson.loads(m.value or b"")["id"] for m in clean] == ["real-1"]
    (dead,) = dlq
    assert (dead.key, dead.value) == (b"k-empty", EMPTY)
    assert dead.headers == {
        "trace": b"t-9",
        "crawler": b"c\x003",
        "__connect.errors.topic": s.raw_topic.encode(),
        "__connect.errors.partition": b"0",
        "__connect.errors.offset": b"1",
        "__connect.errors.stage": b"clean",
        "__connect.errors.exception.class.name": b"InvalidEvent",
        "__connect.errors.exception.message": dead.headers["__connect.errors.exception.message"],
        "__cleanwire.errors.reason": b"empty_after_cleaning",
    }
    assert b"empty-1" in dead.headers["__connect.errors.exception.message"]
    drops = metrics.drops.labels("empty_after_cleaning")._value.get()
    assert (metrics.consumed._value.get(), drops) == (2, 1)
