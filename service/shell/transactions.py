"""Publishing a chunk's outputs together with its consumed offsets.

Exactly-once: :func:`commit_transaction` sends a partition's outputs and its next
offset in one Kafka transaction of that partition's own producer. At-least-once:
:func:`send_then_commit` sends every output on the shared producer, awaits the
acknowledgements, and only then commits the offsets. Producers come from
:func:`make_producer`, so both modes use the same client settings.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.errors import IllegalOperation, KafkaError

from service.settings import Settings
from service.shell import logs
from service.shell.client import client_options
from service.shell.events import Output
from service.shell.partitioner import Murmur2Partitioner

log = logs.get("cleanwire.kafka")
TRANSACTION_DEADLINE_S = 30.0  # a commit still pending after this has an unknown outcome
# Under steady load one transaction in four spent 110-140 ms instead of 10-25 in
# TxnOffsetCommit: the broker answered it with a retriable coordinator error, and aiokafka
# rediscovers the coordinator and waits retry_backoff_ms (default 100) before resending.
# 20 ms (the Java client's back-off for the similar race of KAFKA-5477) removed that tail.
RETRY_BACKOFF_MS = 20
# aiokafka keeps one produce request in flight per broker, carrying one batch per partition,
# and closes a batch at max_batch_size (default 16 KiB). Articles are 3-60 KB, so the default
# sent one record per partition per round trip: `--stages none` moved 1,569-1,687 records/s.
# With 1 MiB batches a request carries what accumulated meanwhile: 2,941-3,311 records/s.
BATCH_BYTES = 1024**2


def transactional_id(settings: Settings, tp: TopicPartition) -> str:
    """Return the transactional id of an input partition's producer (one per partition)."""
    return f"{settings.group_id}-{tp.topic}-{tp.partition}"


def make_producer(settings: Settings, transactional_id: str | None) -> AIOKafkaProducer:
    """Return an idempotent producer, transactional when ``transactional_id`` is given."""
    return AIOKafkaProducer(
        transactional_id=transactional_id, enable_idempotence=True, acks="all",
        max_request_size=max(settings.max_record_bytes * 2, 1024**2), linger_ms=5,
        max_batch_size=BATCH_BYTES,
        retry_backoff_ms=RETRY_BACKOFF_MS,
        partitioner=Murmur2Partitioner(),  # aiokafka's partitions, hashed in compiled code
        **client_options(settings),
    )  # fmt: skip


async def commit_transaction(
    producer: AIOKafkaProducer,
    outputs: Sequence[Output],
    tp: TopicPartition,
    next_offset: int,
    group_id: str,
) -> None:
    """Publish ``outputs`` and commit ``tp`` at ``next_offset`` in one transaction.

    Raises KafkaError when the transaction fails and TimeoutError when it is still
    pending after :data:`TRANSACTION_DEADLINE_S` (its outcome is then unknown: the caller
    settles it by recreating the producer).

    A transaction can also fail between two sends: ``send`` waits for topic metadata
    (during a broker outage, for seconds), and meanwhile the producer's sender may learn
    that the producer was fenced and end the transaction. The next ``send`` then raises
    aiokafka's IllegalOperation, which is not a KafkaError; it is raised here as
    :class:`TransactionAborted`, a KafkaError, like any other failed transaction.
    """

    async def transaction() -> None:
        async with producer.transaction():
            for topic, key, value, headers in outputs:
                await producer.send(topic, value, key=key, headers=headers)
            await producer.send_offsets_to_transaction({tp: next_offset}, group_id)

    try:
        await asyncio.wait_for(transaction(), TRANSACTION_DEADLINE_S)
    except IllegalOperation as exc:
        raise TransactionAborted(f"partition {tp.partition}: {exc}") from exc


class TransactionAborted(KafkaError):  # type: ignore[misc]
    """The producer's transaction ended before its commit (fenced, or in error)."""


async def send_then_commit(
    producer: AIOKafkaProducer,
    consumer: AIOKafkaConsumer,
    outputs: Mapping[TopicPartition, Sequence[Output]],
    offsets: Mapping[TopicPartition, int],
) -> None:
    """Send every output, await every acknowledgement, then commit ``offsets``.

    Raises KafkaError when a send or the commit fails; the records may then be repeated
    (they are keyed by article id, so a compacted topic absorbs the repeat).
    """
    sends = [
        await producer.send(t, v, key=k, headers=h)
        for out in outputs.values()
        for t, k, v, h in out
    ]
    await asyncio.gather(*sends)
    await consumer.commit(dict(offsets))


async def discard(producer: AIOKafkaProducer | None, deadline_s: float) -> None:
    """Stop a producer being replaced (it is fenced next) or shut down; its errors no
    longer matter, and it gets ``deadline_s``.

    During a broker outage aiokafka's ``stop()`` can fail in many ways (a closed
    transport's RuntimeError among them), and none of them may crash the service.
    """
    if producer is None:
        return
    try:
        await asyncio.wait_for(producer.stop(), deadline_s)
    except Exception as exc:
        log.warning("producer_stop_failed", error=repr(exc))
