"""SIGTERM with the broker gone: every commit has settled, so the service exits 0, in time.

Found by the fault campaign: an instance asked to leave while its broker was unreachable
waited in the consumer's close for a group coordinator that never answered, overran the
stop deadline and exited 1. Here the service's private broker is killed -9 after the
service has published its input; the service must then stop within the deadlines and
exit 0, saying which client it could not close cleanly.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import orjson
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from tests.integration.kafkautil import unique
from tests.netutil import free_port, http_status

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]


async def test_sigterm_after_the_broker_died_exits_0(
    broker: tuple[str, dict[str, str]], tmp_path: Path
) -> None:
    bootstrap, _ = broker
    topics = {k: unique(k) for k in ("raw", "clean", "dups", "dlq")}
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(t, 2, 1) for t in topics.values()])
    finally:
        await admin.close()
    metrics_port = free_port()
    env = {
        **os.environ,
        "CLEANWIRE_BOOTSTRAP_SERVERS": bootstrap,
        "CLEANWIRE_GROUP_ID": unique("group"),
        "CLEANWIRE_RAW_TOPIC": topics["raw"],
        "CLEANWIRE_CLEAN_TOPIC": topics["clean"],
        "CLEANWIRE_DUPLICATES_TOPIC": topics["dups"],
        "CLEANWIRE_DLQ_TOPIC": topics["dlq"],
        "CLEANWIRE_STAGES": "none",
        "CLEANWIRE_METRICS_ADDR": f"127.0.0.1:{metrics_port}",
        "CLEANWIRE_STATE_DIR": str(tmp_path / "state"),
    }
    log = tmp_path / "run.log"
    with log.open("wb") as out:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "service", "run", cwd=REPO, env=env, stdout=out, stderr=out
        )
    try:
        for _ in range(480):
            ready = await asyncio.to_thread(http_status, f"http://127.0.0.1:{metrics_port}/readyz")
            if ready == 200:
                break
            await asyncio.sleep(0.25)
        assert ready == 200, log.read_text()[-3000:]
        await _produce(bootstrap, topics["raw"], 4)
        assert len(await _read_committed(bootstrap, topics["clean"], 4)) == 4

        pid = int((tmp_path / "services" / "kafka" / "pid").read_text())
        os.kill(pid, signal.SIGKILL)
        await asyncio.sleep(3)  # the clients notice: connections refused, coordinator lost
        proc.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(proc.wait(), 60)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    text = log.read_text()
    ours = [line for line in text.splitlines() if "aiokafka" not in line]
    assert code == 0, "\n".join(ours)[-4000:]
    assert '"shutdown_complete"' in text


async def _produce(bootstrap: str, topic: str, n: int) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        for i in range(n):
            event = {"id": f"d{i}", "url": f"https://down.example/{i}", "text": f"Story {i}."}
            await producer.send_and_wait(topic, orjson.dumps(event))
    finally:
        await producer.stop()


async def _read_committed(bootstrap: str, topic: str, n: int) -> list[bytes]:
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        isolation_level="read_committed",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    got: list[bytes] = []
    try:
        async with asyncio.timeout(90):
            while len(got) < n:
                batches = await consumer.getmany(timeout_ms=1000)
                got += [r.value for rs in batches.values() for r in rs if r.value is not None]
    finally:
        await consumer.stop()
    return got
