"""Committed offsets read right after a broker kill -9 are the real ones, never "none".

A second single-node broker (its own port and data dir, started by scripts/services.sh)
holds a group with many offset commits, so that after a kill -9 its restarted group
coordinator takes a moment to load them. aiokafka's ``committed()`` answers ``None``
during that window (it ignores OffsetFetch's top-level error code), which made the
service replay a partition from the log start; :func:`committed_offset` must instead
wait and return the committed offset.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.structs import OffsetAndMetadata

from service.offsets import committed_offset

SERVICES = Path(__file__).resolve().parents[2] / "scripts" / "services.sh"
PARTITIONS = 100
COMMITS = 600


def _free_pair() -> int:
    """A port whose successor (the controller port) is free too."""
    for _ in range(50):
        with socket.socket() as a:
            a.bind(("127.0.0.1", 0))
            port = int(a.getsockname()[1])
            with socket.socket() as b:
                try:
                    b.bind(("127.0.0.1", port + 1))
                except OSError:
                    continue
        return port
    raise RuntimeError("no free port pair")


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    port = _free_pair()
    env = {
        **os.environ,
        "CLEANWIRE_KAFKA_PORT": str(port),
        "CLEANWIRE_SERVICES_DIR": str(tmp_path / "services"),
        "CLEANWIRE_KAFKA_START_TIMEOUT": "180",
    }
    subprocess.run([str(SERVICES), "start", "kafka"], env=env, check=True)
    try:
        yield f"127.0.0.1:{port}", env
    finally:
        subprocess.run([str(SERVICES), "stop", "kafka"], env=env, check=False)


async def test_committed_offset_survives_a_coordinator_reload(
    broker: tuple[str, dict[str, str]], tmp_path: Path
) -> None:
    bootstrap, env = broker
    topic, group = "restart-raw", "restart-group"
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topic, PARTITIONS + 1, 1)])
    finally:
        await admin.close()
    tps = [TopicPartition(topic, p) for p in range(PARTITIONS)]
    writer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    await writer.start()
    try:
        writer.assign(tps)
        for i in range(1, COMMITS + 1):  # a long __consumer_offsets log to replay on load
            await writer.commit({tp: OffsetAndMetadata(i, "") for tp in tps})
    finally:
        await writer.stop()

    pid = int((tmp_path / "services" / "kafka" / "pid").read_text())
    os.kill(pid, signal.SIGKILL)
    while True:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        await asyncio.sleep(0.05)
    restart = subprocess.Popen([str(SERVICES), "start", "kafka"], env=env)
    try:
        reader = AIOKafkaConsumer(
            bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False
        )
        deadline = time.monotonic() + 180
        while True:  # connect as soon as the listener opens, while offsets still load
            try:
                await reader.start()
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.05)
        try:
            reader.assign([tps[7]])
            got = await asyncio.wait_for(committed_offset(reader, tps[7]), 60)
            assert got == COMMITS
            never = TopicPartition(topic, PARTITIONS)  # the one partition never committed
            assert await asyncio.wait_for(committed_offset(reader, never), 30) is None
        finally:
            await reader.stop()
    finally:
        restart.wait(timeout=200)
