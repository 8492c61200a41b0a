"""`cleanwire topics`, `replay` and `dlq redrive` as an operator runs them, on the real broker."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.structs import OffsetAndMetadata

from tests.integration.kafkautil import BOOTSTRAP, consume, create_topics, produce, unique

pytestmark = pytest.mark.integration


def cleanwire(*args: str) -> subprocess.CompletedProcess[str]:
    """Run the real CLI against the test broker."""
    return subprocess.run(
        [sys.executable, "-m", "service", *args, "--bootstrap-servers", BOOTSTRAP],
        capture_output=True,
        text=True,
        timeout=120,
    )


def topic_flags(raw: str, dlq: str = "") -> list[str]:
    base = unique("t")
    return [
        "--raw-topic", raw, "--clean-topic", f"{base}.clean",
        "--duplicates-topic", f"{base}.dup", "--dlq-topic", dlq or f"{base}.dlq",
    ]  # fmt: skip


async def committed(group: str, tp: TopicPartition) -> int | None:
    consumer = AIOKafkaConsumer(bootstrap_servers=BOOTSTRAP, group_id=group)
    await consumer.start()
    try:
        return await consumer.committed(tp)
    finally:
        await consumer.stop()


async def until_readable(topic: str, records: int, partitions: int = 1) -> None:
    """Wait until a read_committed reader sees ``records`` on each partition (the end offset
    of a just-produced record can trail the producer's acknowledgement)."""
    consumer = AIOKafkaConsumer(bootstrap_servers=BOOTSTRAP, isolation_level="read_committed")
    await consumer.start()
    try:
        tps = [TopicPartition(topic, p) for p in range(partitions)]
        deadline = time.monotonic() + 30
        while min((await consumer.end_offsets(tps)).values()) < records:
            assert time.monotonic() < deadline, f"{topic}: fewer than {records} records"
            await asyncio.sleep(0.1)
    finally:
        await consumer.stop()


async def test_topics_uses_a_safe_replication_factor_and_configs() -> None:
    """One broker: replication 1 and min.insync.replicas 1; --config reaches every topic;
    more replicas than brokers is refused with exit 2 and a clear message."""
    raw = unique("raw")
    flags = topic_flags(raw)
    too_many = cleanwire("topics", *flags, "--replication-factor", "3")
    assert too_many.returncode == 2, too_many.stderr
    assert "only 1 broker" in too_many.stderr
    done = cleanwire("topics", *flags, "--partitions", "3", "--config", "retention.ms=3600000")
    assert done.returncode == 0, done.stderr
    names = [raw, *flags[3::2]]
    admin = AIOKafkaAdminClient(bootstrap_servers=BOOTSTRAP)
    await admin.start()
    try:
        described = await admin.describe_topics(names)
        assert {t["topic"]: len(t["partitions"]) for t in described} == dict.fromkeys(names, 3)
        configs = await admin.describe_configs(
            [ConfigResource(ConfigResourceType.TOPIC, n) for n in names]
        )
        for response in configs:
            for resource in response.resources:
                values = {entry[0]: entry[1] for entry in resource[4]}
                assert values["retention.ms"] == "3600000", resource[3]
                assert values["min.insync.replicas"] == "1", resource[3]
    finally:
        await admin.close()
    bad = cleanwire("topics", *flags, "--config", "retention.ms")
    assert bad.returncode == 2
    assert "expected key=value" in bad.stderr


async def test_replay_plans_commits_and_refuses_while_the_group_runs() -> None:
    """Dry run changes nothing; --execute moves every partition; a live member blocks it."""
    raw, group = unique("raw"), unique("group")
    await create_topics([raw], partitions=2)
    for partition in (0, 1):
        await produce(raw, [b"{}"] * 10, partition=partition)
    await until_readable(raw, 10, partitions=2)
    tps = [TopicPartition(raw, 0), TopicPartition(raw, 1)]
    consumer = AIOKafkaConsumer(bootstrap_servers=BOOTSTRAP, group_id=group)
    await consumer.start()
    consumer.assign(tps)
    await consumer.commit({tp: OffsetAndMetadata(10, "") for tp in tps})
    await consumer.stop()
    args = ["replay", "--group-id", group, *topic_flags(raw)]

    plan = cleanwire(*args, "--from-offset", "4")
    assert plan.returncode == 0, plan.stderr
    assert "dry run" in plan.stdout
    assert await committed(group, tps[0]) == 10
    done = cleanwire(*args, "--from-offset", "4", "--execute")
    assert done.returncode == 0, done.stderr
    assert [await committed(group, tp) for tp in tps] == [4, 4]
    clamped = cleanwire(*args, "--from-offset", "99", "--execute")
    assert clamped.returncode == 0, clamped.stderr
    assert [await committed(group, tp) for tp in tps] == [10, 10]
    later = cleanwire(*args, "--from-time", "2999-01-01T00:00:00Z", "--execute")
    assert later.returncode == 0 and [await committed(group, tp) for tp in tps] == [10, 10]
    early = cleanwire(*args, "--from-time", "2000-01-01T00:00:00Z", "--execute")
    assert early.returncode == 0 and [await committed(group, tp) for tp in tps] == [0, 0]
    naive = cleanwire(*args, "--from-time", "2000-01-01T00:00:00", "--execute")
    assert naive.returncode == 2 and "time zone" in naive.stderr

    member = AIOKafkaConsumer(raw, bootstrap_servers=BOOTSTRAP, group_id=group)
    await member.start()
    try:
        deadline = time.monotonic() + 30
        while not member.assignment():
            assert time.monotonic() < deadline
            await asyncio.sleep(0.2)
        refused = await asyncio.to_thread(cleanwire, *args, "--to-latest", "--execute")
        assert refused.returncode == 1
        assert "active member" in refused.stderr
    finally:
        await member.stop()
    assert [await committed(group, tp) for tp in tps] == [0, 0]


async def test_dlq_redrive_sends_each_dead_letter_once_with_a_marker() -> None:
    """Only --reason's records go back, original headers kept and context dropped; a second
    redrive sends only what was dead-lettered since."""
    raw, dlq, group = unique("raw"), unique("dlq"), unique("group")
    await create_topics([raw, dlq], partitions=1)

    def dead(reason: str) -> list[tuple[str, bytes]]:
        return [("trace", b"t1"), ("__connect.errors.topic", raw.encode()),
                ("__cleanwire.errors.reason", reason.encode())]  # fmt: skip

    await produce(dlq, [b"big-1", b"big-2"], keys=[b"k1", b"k2"], headers=dead("too_large"))
    await produce(dlq, [b"bad-1"], keys=[b"k3"], headers=dead("not_json"))
    await until_readable(dlq, 3)
    args = ["dlq", "redrive", "--group-id", group, *topic_flags(raw, dlq)]

    counted = cleanwire(*args, "--reason", "too_large")
    assert counted.returncode == 0, counted.stderr
    assert "would redrive 2 dead letter(s)" in counted.stdout
    done = cleanwire(*args, "--reason", "too_large", "--execute")
    assert done.returncode == 0, done.stderr
    assert "redrove 2 dead letter(s)" in done.stdout
    got = await consume(raw, 2, timeout=10)
    assert [(g.key, g.value) for g in got] == [(b"k1", b"big-1"), (b"k2", b"big-2")]
    assert got[0].headers == {"trace": b"t1", "cleanwire.redrive": f"{dlq}/0/0".encode()}

    again = cleanwire(*args, "--reason", "too_large", "--execute")
    assert "redrove 0 dead letter(s)" in again.stdout
    await produce(dlq, [b"big-3"], keys=[b"k4"], headers=dead("too_large"))
    await until_readable(dlq, 4)
    newer = cleanwire(*args, "--reason", "too_large", "--execute")
    assert "redrove 1 dead letter(s)" in newer.stdout
    everything = cleanwire(*args, "--execute")
    assert "redrove 4 dead letter(s)" in everything.stdout  # its own progress: all four
    got = await consume(raw, 7, timeout=10)
    assert sorted(g.value for g in got) == sorted(
        [b"big-1", b"big-2", b"big-3", b"big-1", b"big-2", b"bad-1", b"big-3"]
    )
