"""Helpers for tests against the real local broker (scripts/services.sh start)."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

BOOTSTRAP = os.environ.get("CLEANWIRE_TEST_BOOTSTRAP", "127.0.0.1:9092")


@dataclass(frozen=True)
class Got:
    key: bytes | None
    value: bytes | None
    headers: dict[str, bytes]
    partition: int
    offset: int


async def wait_for_broker(timeout: float = 20.0) -> None:
    """Return when the broker answers metadata requests; raise RuntimeError otherwise."""
    deadline = asyncio.get_running_loop().time() + timeout
    last: Exception | None = None
    while asyncio.get_running_loop().time() < deadline:
        admin = AIOKafkaAdminClient(bootstrap_servers=BOOTSTRAP, request_timeout_ms=5000)
        try:
            await admin.start()
            await admin.list_topics()
            return
        except Exception as exc:
            last = exc
            await asyncio.sleep(1)
        finally:
            await admin.close()
    raise RuntimeError(f"no Kafka broker at {BOOTSTRAP} ({last!r}); run scripts/services.sh start")


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


async def create_topics(names: Sequence[str], partitions: int = 2) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=BOOTSTRAP)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(n, partitions, 1) for n in names])
    finally:
        await admin.close()


async def produce(
    topic: str, values: Sequence[bytes], *, keys: Sequence[bytes | None] | None = None,
    headers: Sequence[tuple[str, bytes]] = (), partition: int | None = None,
) -> None:  # fmt: skip
    producer = AIOKafkaProducer(bootstrap_servers=BOOTSTRAP, max_request_size=8 * 1024**2)
    await producer.start()
    try:
        for i, value in enumerate(values):
            key = keys[i] if keys is not None else None
            await producer.send(topic, value, key=key, headers=list(headers), partition=partition)
        await producer.flush()
    finally:
        await producer.stop()


async def consume(
    topic: str, expected: int, timeout: float = 30.0, settle: float = 1.0
) -> list[Got]:
    """Read committed records until ``expected`` arrived (then ``settle`` more seconds) or timeout."""
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=BOOTSTRAP, auto_offset_reset="earliest",
        isolation_level="read_committed", enable_auto_commit=False, group_id=None,
    )  # fmt: skip
    await consumer.start()
    got: list[Got] = []
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    try:
        while loop.time() < deadline:
            batch = await consumer.getmany(timeout_ms=200)
            for msgs in batch.values():
                got.extend(
                    Got(m.key, m.value, dict(m.headers), m.partition, m.offset) for m in msgs
                )
            if len(got) >= expected:
                deadline = min(deadline, loop.time() + settle)
    finally:
        await consumer.stop()
    return got
