"""Reading the group's size from DescribeGroups, and which stores count as shared."""

from __future__ import annotations

import pytest
from aiokafka.errors import KafkaError
from aiokafka.protocol.admin import DescribeGroupsResponse_v0, DescribeGroupsResponse_v3

from service.settings import load
from service.shell.group import member_count, store_is_shared

MEMBER = ("m-1", "cleanwire-g", "/10.0.0.1", b"", b"")


def test_member_count_reads_v0_and_v3_responses() -> None:
    """The members of the named group are counted, other groups ignored, in both layouts."""
    v0 = DescribeGroupsResponse_v0(
        [(0, "other", "Stable", "consumer", "range", [MEMBER]),
         (0, "g", "Stable", "consumer", "range", [MEMBER, MEMBER, MEMBER])]
    )  # fmt: skip
    v3 = DescribeGroupsResponse_v3(0, [(0, "g", "Stable", "consumer", "range", [MEMBER], -1)])
    assert member_count(v0, "g") == 3
    assert member_count(v3, "g") == 1


def test_member_count_raises_on_a_group_error_or_a_missing_group() -> None:
    """An error code (e.g. 15, coordinator not available) or an absent group is an error."""
    failed = DescribeGroupsResponse_v0([(15, "g", "", "", "", [])])
    with pytest.raises(KafkaError, match="error code 15"):
        member_count(failed, "g")
    with pytest.raises(KafkaError, match="did not describe"):
        member_count(DescribeGroupsResponse_v0([]), "g")


@pytest.mark.parametrize(
    ("store", "stages", "shared"),
    [
        ("redis", "clean,dedup,enrich", True),
        ("embedded", "clean,dedup,enrich", False),
        ("embedded", "clean,enrich", True),
    ],
)
def test_store_is_shared(store: str, stages: str, shared: bool) -> None:
    """Only the embedded store with dedup on gives each instance an index of its own."""
    assert store_is_shared(load({"store": store, "stages": stages}, {})) is shared
