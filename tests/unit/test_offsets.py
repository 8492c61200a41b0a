"""The committed-offset reader tells "never committed" from a coordinator error."""

from __future__ import annotations

import pytest
from aiokafka import TopicPartition
from aiokafka import errors as kafka_errors
from aiokafka.protocol.commit import OffsetFetchResponse_v1, OffsetFetchResponse_v3

from service.offsets import PartitionMissing, read_offset

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
