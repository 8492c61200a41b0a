"""``cleanwire replay``: move the consumer group's committed offsets back (or forward).

The service must be stopped: the group's members are listed first and the command refuses
while there are any (the broker would also reject a commit from outside a live group, but
with an opaque error). Without ``--execute`` it prints the plan and changes nothing, as
``kafka-consumer-groups.sh --reset-offsets`` does.

Targets, per partition of the raw topic, always clamped to the partition's current range
(records below the log start are gone, and nothing lies past the end):
``--to-earliest``, ``--to-latest``, ``--from-offset N``, or ``--from-time T`` (the first
record at or after T, an RFC 3339 time or epoch milliseconds; the end when there is none).

Replayed records are processed again. With exactly-once delivery every article is
published again (its dedup entry names the same input offset, so it counts as a replay,
not a duplicate of itself); consumers see the second copy under the same key.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import datetime

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.structs import OffsetAndMetadata

from service.errors import ConfigError
from service.settings import Settings
from service.shell import logs
from service.shell.client import client_options, topic_partitions
from service.shell.group import member_count
from service.shell.offsets import committed_offset

log = logs.get("cleanwire.replay")


@dataclass(frozen=True, slots=True)
class Target:
    """Where to move the offsets: ``kind`` is earliest, latest, offset or time."""

    kind: str
    value: int = 0


def parse_time(text: str) -> int:
    """Return epoch milliseconds for an RFC 3339 time or a number of milliseconds."""
    if text.isdigit():
        return int(text)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ConfigError(
            f"--from-time {text!r}: expected RFC 3339 (2026-12-01T08:00:00Z) or epoch ms"
        ) from None
    if moment.tzinfo is None:
        raise ConfigError(f"--from-time {text!r}: give a time zone (Z or +hh:mm)")
    return int(moment.timestamp() * 1000)


def clamp(offset: int, low: int, high: int) -> int:
    """Return ``offset`` within the partition's ``[low, high]``."""
    return max(low, min(high, offset))


async def reset_offsets(settings: Settings, target: Target, execute: bool) -> int:
    """Print the plan for every partition; commit it when ``execute``. Return the exit code."""
    admin = AIOKafkaAdminClient(**client_options(settings))
    await admin.start()
    try:
        described = await admin.describe_consumer_groups([settings.group_id])
        members = member_count(described[0], settings.group_id)
    finally:
        await admin.close()
    if members:
        print(
            f"cleanwire: group {settings.group_id!r} has {members} active member(s): stop "
            "every instance before moving its offsets",
            file=sys.stderr,
        )
        return 1
    consumer = AIOKafkaConsumer(
        group_id=settings.group_id,
        enable_auto_commit=False,
        isolation_level="read_committed",
        **client_options(settings),
    )
    await consumer.start()
    try:
        partitions = await topic_partitions(settings, settings.raw_topic)
        tps = [TopicPartition(settings.raw_topic, p) for p in sorted(partitions)]
        consumer.assign(tps)
        lows = await consumer.beginning_offsets(tps)
        highs = await consumer.end_offsets(tps)
        times = {}
        if target.kind == "time":
            times = await consumer.offsets_for_times({tp: target.value for tp in tps})
        plan: dict[TopicPartition, int] = {}
        print("partition  committed  new        earliest   latest")
        for tp in tps:
            low, high = lows[tp], highs[tp]
            if target.kind == "earliest":
                new = low
            elif target.kind == "latest":
                new = high
            elif target.kind == "offset":
                new = clamp(target.value, low, high)
            else:
                found = times.get(tp)
                new = high if found is None else clamp(found.offset, low, high)
            plan[tp] = new
            current = await committed_offset(consumer, tp)
            shown = "-" if current is None else str(current)
            print(f"{tp.partition:<10} {shown:<10} {new:<10} {low:<10} {high}")
        if not execute:
            print("dry run: nothing changed; add --execute to commit these offsets")
            return 0
        await consumer.commit(
            {tp: OffsetAndMetadata(o, "cleanwire replay") for tp, o in plan.items()}
        )
        log.info(
            "offsets_reset", group=settings.group_id, topic=settings.raw_topic, target=target.kind
        )
        print(f"committed new offsets for group {settings.group_id!r}")
        return 0
    finally:
        await consumer.stop()
