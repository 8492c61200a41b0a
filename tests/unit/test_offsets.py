"""The committed-offset reader tells "never committed" from a coordinator error."""

from __future__ import annotations

import pytest
from aiokafka import TopicPartition
from aiokafka import errors as kafka_errors
from aiokafka.protocol.commit import (
    OffsetFetchRequest_v3,
    OffsetFetchResponse_v1,
    OffsetFetchResponse_v3,
)

from service.shell.offsets import (
    OffsetFetchRequest_v7,
    OffsetFetchResponse_v7,
    PartitionMissing,
    StableOffsetFetch,
    UnstableOffsetCommit,
    read_offset,
)

TP = TopicPartition("raw", 4)


def v3(topics: list[tuple[str, list[tuple[int, int, str, int]]]], error: int = 0) -> object:
    return OffsetFetchResponse_v3(throttle_time_ms=0, topics=topics, error_code=error)


def test_committed_offset_is_read() -> None:
    assert read_offset(v3([("raw", [(3, 10, "", 0), (4, 1234, "", 0)])]), TP) == 1234


def test_no_commit_is_none() -> None:
    assert read_offset(v3([("raw", [(4, -1, "", 0)])]), TP) is None


@pytest.mark.parametrize(
    ("code", "error"),
    [
        (14, kafka_errors.GroupLoadInProgressError),  # restarted coordinator still loading
        (15, kafka_errors.GroupCoordinatorNotAvailableError),
        (16, kafka_errors.NotCoordinatorForGroupError),
    ],
)
def test_group_level_error_is_raised_not_taken_for_no_commit(
    code: int, error: type[Exception]
) -> None:
    # what a broker answers while its group coordinator loads: no partitions, top-level code
    with pytest.raises(error) as caught:
        read_offset(v3([], error=code), TP)
    assert caught.value.retriable


def test_partition_error_is_raised() -> None:
    with pytest.raises(kafka_errors.TopicAuthorizationFailedError):
        read_offset(v3([("raw", [(4, -1, "", 29)])]), TP)


def test_v1_partition_level_load_error_is_raised() -> None:
    response = OffsetFetchResponse_v1(topics=[("raw", [(4, -1, "", 14)])])
    with pytest.raises(kafka_errors.GroupLoadInProgressError):
        read_offset(response, TP)


def test_answer_without_the_partition_is_retriable() -> None:
    with pytest.raises(PartitionMissing) as caught:
        read_offset(v3([("other", [(4, 7, "", 0)])]), TP)
    assert caught.value.retriable


def v7(partitions: list[tuple[int, int, int]], error: int = 0) -> object:
    """A v7 answer decoded from its wire bytes: (partition, offset, error_code) rows."""
    rows = [(p, offset, -1, "", code, {}) for p, offset, code in partitions]
    wire = OffsetFetchResponse_v7(0, [("raw", rows, {})], error, {}).encode()
    return OffsetFetchResponse_v7.decode(wire)


def test_stable_fetch_asks_v7_with_require_stable_and_falls_back_to_v3() -> None:
    request = StableOffsetFetch("group", TP)
    stable = request.prepare({9: (1, 8)})  # a broker offering OffsetFetch v1-v8
    assert isinstance(stable, OffsetFetchRequest_v7)
    assert stable.to_object() == {
        "group_id": "group",
        "topics": [{"name": "raw", "partition_indexes": [4], "tags": {}}],
        "require_stable": True,
        "tags": {},
    }
    old = request.prepare({9: (1, 3)})  # a broker older than 2.5
    assert isinstance(old, OffsetFetchRequest_v3)
    assert old.to_object()["topics"] == [{"topic": "raw", "partitions": [4]}]


def test_v7_offset_is_read() -> None:
    assert read_offset(v7([(3, 10, 0), (4, 1234, 0)]), TP) == 1234
    assert read_offset(v7([(4, -1, 0)]), TP) is None


def test_pending_transactional_commit_is_retriable_not_an_offset() -> None:
    # UNSTABLE_OFFSET_COMMIT (88): the previous offset must not be taken for the current one
    with pytest.raises(UnstableOffsetCommit) as caught:
        read_offset(v7([(4, 36, 88)]), TP)
    assert caught.value.retriable


def test_v7_group_level_error_is_raised() -> None:
    with pytest.raises(kafka_errors.GroupLoadInProgressError):
        read_offset(v7([], error=14), TP)
