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
from aiokafka.protocol.api import Request, RequestStruct, Response
from aiokafka.protocol.commit import OffsetFetchRequest_v3
from aiokafka.protocol.types import (
    Boolean,
    CompactArray,
    CompactString,
    Int16,
    Int32,
    Int64,
    Schema,
    TaggedFields,
)

NO_OFFSET = -1
RETRY_BACKOFF_S = 0.2


class StaleCommit(kafka_errors.KafkaError):  # type: ignore[misc]
    """The broker answered a committed offset below one it acknowledged to this process."""

    retriable = True


_MOVED = (kafka_errors.NotCoordinatorForGroupError, kafka_errors.GroupCoordinatorNotAvailableError)


class PartitionMissing(kafka_errors.KafkaError):  # type: ignore[misc]
    """An OffsetFetch answer without the asked partition and without an error."""

    retriable = True


class UnstableOffsetCommit(kafka_errors.KafkaError):  # type: ignore[misc]
    """A transactional offset commit of the partition awaits its marker (code 88)."""

    errno = 88
    retriable = True


class OffsetFetchResponse_v7(Response):  # type: ignore[misc]  # aiokafka is untyped here
    API_KEY = 9
    API_VERSION = 7
    SCHEMA = Schema(
        ("throttle_time_ms", Int32),
        (
            "topics",
            CompactArray(
                ("name", CompactString("utf-8")),
                (
                    "partitions",
                    CompactArray(
                        ("partition_index", Int32),
                        ("committed_offset", Int64),
                        ("committed_leader_epoch", Int32),
                        ("metadata", CompactString("utf-8")),
                        ("error_code", Int16),
                        ("tags", TaggedFields),
                    ),
                ),
                ("tags", TaggedFields),
            ),
        ),
        ("error_code", Int16),
        ("tags", TaggedFields),
    )


class OffsetFetchRequest_v7(RequestStruct):  # type: ignore[misc]
    FLEXIBLE_VERSION = True
    API_KEY = 9
    API_VERSION = 7
    RESPONSE_TYPE = OffsetFetchResponse_v7
    SCHEMA = Schema(
        ("group_id", CompactString("utf-8")),
        (
            "topics",
            CompactArray(
                ("name", CompactString("utf-8")),
                ("partition_indexes", CompactArray(Int32)),
                ("tags", TaggedFields),
            ),
        ),
        ("require_stable", Boolean),
        ("tags", TaggedFields),
    )


class StableOffsetFetch(Request[OffsetFetchRequest_v3 | OffsetFetchRequest_v7]):  # type: ignore[misc]
    """OffsetFetch of one partition: v7 with ``require_stable``, else v3 (brokers < 2.5)."""

    API_KEY = 9

    def __init__(self, group_id: str, tp: TopicPartition) -> None:
        self.group_id = group_id
        self.tp = tp

    def build(
        self, request_struct_class: type[OffsetFetchRequest_v3 | OffsetFetchRequest_v7]
    ) -> OffsetFetchRequest_v3 | OffsetFetchRequest_v7:
        if request_struct_class is OffsetFetchRequest_v7:
            return OffsetFetchRequest_v7(
                self.group_id, [(self.tp.topic, [self.tp.partition], {})], True, {}
            )
        return OffsetFetchRequest_v3(self.group_id, [(self.tp.topic, [self.tp.partition])])


def read_offset(response: Any, tp: TopicPartition) -> int | None:
    """Return ``tp``'s committed offset from an OffsetFetch response, ``None`` if none.

    Raises the broker's error (a :class:`~aiokafka.errors.KafkaError`) for a top-level or
    partition error, and :class:`PartitionMissing` when ``tp`` is not in the answer.
    """
    top = getattr(response, "error_code", 0)  # absent before v2
    if top:
        raise _error(top)
    for topic, partitions, *_ in response.topics:
        for entry in partitions:  # v1-v3: partition, offset, metadata, error_code
            partition, offset = entry[0], entry[1]  # v7 adds leader epoch and tags
            code = entry[4] if len(entry) == 6 else entry[3]
            if topic == tp.topic and partition == tp.partition:
                if code:
                    raise _error(code)
                return None if offset == NO_OFFSET else int(offset)
    raise PartitionMissing(f"OffsetFetch answer without {tp.topic}[{tp.partition}]")


def _error(code: int) -> kafka_errors.KafkaError:
    if code == UnstableOffsetCommit.errno:  # aiokafka 0.14 does not know code 88
        return UnstableOffsetCommit()
    return kafka_errors.for_code(code)()


async def committed_offset(consumer: AIOKafkaConsumer, tp: TopicPartition) -> int | None:
    """The group's committed offset of ``tp``; ``None`` only when it was never committed.

    Retries retriable errors (coordinator loading, moved or unreachable, a transactional
    commit awaiting its marker) until it gets an answer; callers bound the wait.
    Non-retriable errors (authorisation) are raised.
    """
    coordinator: Any = consumer._coordinator  # private: see the module docstring
    request = StableOffsetFetch(coordinator.group_id, tp)
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
