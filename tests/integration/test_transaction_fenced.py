"""A transaction that ends between two sends fails as a KafkaError, never as a crash.

Found by the fault campaign (a broker kill -9): ``send`` waited for a topic's metadata,
meanwhile the producer's sender learnt that the producer had been fenced and ended the
transaction, and the next ``send`` raised aiokafka's IllegalOperation, which is not a
KafkaError: the service took it for a fatal error and exited 1. Here the same interleaving
is made deterministic on the real broker: the producer is fenced before the transaction,
its first send (to a known topic) makes the sender learn it, and its second send waits for
the metadata of a topic that is created only a second later.
"""

from __future__ import annotations

import asyncio

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.errors import IllegalOperation, KafkaError

from service.shell.transactions import TransactionAborted, commit_transaction
from tests.integration.kafkautil import BOOTSTRAP, create_topics, unique


async def test_a_transaction_fenced_between_two_sends_fails_as_a_kafka_error() -> None:
    known, late, source = unique("fenced-out"), unique("fenced-late"), unique("fenced-in")
    group, txn_id = unique("fenced-group"), unique("fenced-txn")
    await create_topics([known, source], partitions=1)
    old = AIOKafkaProducer(bootstrap_servers=BOOTSTRAP, transactional_id=txn_id)
    await old.start()
    async with old.transaction():  # the old owner knows the known topic's metadata
        await old.send(known, b"before")
    new = AIOKafkaProducer(bootstrap_servers=BOOTSTRAP, transactional_id=txn_id)
    await new.start()  # a new owner of the partition: the old producer is fenced

    async def create_late_topic() -> None:
        await asyncio.sleep(1.0)
        await create_topics([late], partitions=1)

    creating = asyncio.create_task(create_late_topic())
    outputs = [(known, b"k", b"a", []), (late, b"k", b"b", [])]
    try:
        with pytest.raises(KafkaError) as raised:
            await commit_transaction(old, outputs, TopicPartition(source, 0), 1, group)
        assert isinstance(raised.value, TransactionAborted)
        assert isinstance(raised.value.__cause__, IllegalOperation)
    finally:
        await creating
        await new.stop()
        await asyncio.wait_for(old.stop(), 10)
    assert await _committed_records(known) == [b"before"]  # the failed one left nothing


async def _committed_records(topic: str) -> list[bytes]:
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=BOOTSTRAP,
        isolation_level="read_committed",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    try:
        batches = await consumer.getmany(timeout_ms=3000)
        return [r.value for records in batches.values() for r in records if r.value is not None]
    finally:
        await consumer.stop()
