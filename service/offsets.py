"""Read a consumer group's committed offset without mistaking an error for "none".

aiokafka 0.14's ``AIOKafkaConsumer.committed()`` sends OffsetFetch v1-v3 and reads only
the per-partition error codes. From v2 on, brokers report group-level errors in the
response's top-level ``error_code`` instead (Kafka's ``OffsetFetchResponse``: "for
version 2 and later use the top-level error code"), typically with no partitions in the
answer. While a restarted broker's group coordinator is still loading
``__consumer_offsets`` (COORDINATOR_LOAD_IN_PROGRESS), or after the coordinator moved
(NOT_COORDINATOR), aiokafka therefore answers ``None`` — "never committed" — and a
consumer that trusts it rewinds the partition to the log start and republishes
everything. A 50,000-event fault run did exactly that after a broker kill -9.

:func:`committed_offset` asks the same coordinator, checks the top-level code, retries
the retriable errors and answers ``None`` only when the broker says there is no commit.
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka import errors as kafka_errors
from aiokafka.protocol.commit import OffsetFetchRequest

NO_OFFSET = -1
RETRY_BACKOFF_S = 0.2
_MOVED = (kafka_errors.NotCoordinatorForGroupError, kafka_errors.GroupCoordinatorNotAvailableError)


class PartitionMissing(kafka_errors.KafkaError):  # type: ignore[misc]
    """An OffsetFetch answer without the asked partition and without an error."""

    retriable = True


def read_offset(response: Any, tp: TopicPartition) -> int | None:
    """Return ``tp``'s committed offset from an OffsetFetch response, ``None`` if none.

    Raises the broker's error (a :class:`~aiokafka.errors.KafkaError`) for a top-level or
    partition error, and :class:`PartitionMissing` when ``tp`` is not in the answer.
    """
    top = getattr(response, "error_code", 0)  # absent before v2
    if top:
        raise kafka_errors.for_code(top)()
    for topic, partitions in response.topics:
        for partition, offset, _metadata, code in partitions:
            if topic == tp.topic and partition == tp.partition:
                if code:
                    raise kafka_errors.for_code(code)()
                return None if offset == NO_OFFSET else int(offset)
    raise PartitionMissing(f"OffsetFetch answer without {tp.topic}[{tp.partition}]")


async def committed_offset(consumer: AIOKafkaConsumer, tp: TopicPartition) -> int | None:
    """The group's committed offset of ``tp``; ``None`` only when it was never committed.

    Retries retriable errors (coordinator loading, moved or unreachable) until it gets an
    answer; callers bound the wait. Non-retriable errors (authorisation) are raised.
    """
    coordinator: Any = consumer._coordinator  # private: see the module docstring
    request = OffsetFetchRequest(coordinator.group_id, [(tp.topic, [tp.partition])])
    while True:
        await coordinator.ensure_coordinator_known()
        try:
            return read_offset(await coordinator._send_req(request), tp)
        except kafka_errors.KafkaError as exc:
            if isinstance(exc, _MOVED):
                coordinator.coordinator_dead()
            if not exc.retriable:
                raise
        await asyncio.sleep(RETRY_BACKOFF_S)
