"""`cleanwire run --workers 2`: two group members sharing the partitions, clean shutdown."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from tests.integration.kafkautil import BOOTSTRAP, consume, produce
from tests.integration.servicectl import topics_settings
from tests.integration.test_cli_kcat import free_port, http_get, wait_until

pytestmark = pytest.mark.integration


async def test_two_workers_split_partitions_and_publish_everything_once(tmp_path: Path) -> None:
    """Both workers become ready with partitions of their own; every event is published once; SIGTERM exits 0."""
    s = await topics_settings(partitions=4)
    port = free_port()
    while free_port() == port + 1:
        port = free_port()
    env = {
        **os.environ, "CLEANWIRE_STAGES": "none", "CLEANWIRE_METRICS_ADDR": f"127.0.0.1:{port}",
        "CLEANWIRE_STATE_DIR": str(tmp_path / "state"),
    }  # fmt: skip
    args = [
        sys.executable, "-m", "service", "run", "--workers", "2", "--bootstrap-servers", BOOTSTRAP,
        "--group-id", s.group_id, "--raw-topic", s.raw_topic, "--clean-topic", s.clean_topic,
        "--duplicates-topic", s.duplicates_topic, "--dlq-topic", s.dlq_topic,
    ]  # fmt: skip
    log = tmp_path / "workers.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(args, env=env, stderr=out)
    try:
        for p in (port, port + 1):
            assert await wait_until(
                lambda p=p: http_get(f"http://127.0.0.1:{p}/readyz")[0] == 200, 60
            ), log.read_text()[-3000:]
        events = [
            orjson.dumps({"id": f"w{i}", "url": f"https://w.example/{i}", "text": "t"})
            for i in range(40)
        ]
        await produce(s.raw_topic, events, keys=[f"k{i}".encode() for i in range(40)])
        out_records = await consume(s.clean_topic, 40, settle=2)
        ids = sorted(orjson.loads(m.value or b"")["id"] for m in out_records)
        assert ids == sorted(f"w{i}" for i in range(40))
        counts = []
        for p in (port, port + 1):
            text = http_get(f"http://127.0.0.1:{p}/metrics")[1].decode()
            line = next(
                x for x in text.splitlines() if x.startswith("cleanwire_assigned_partitions ")
            )
            counts.append(float(line.split()[1]))
        assert counts == [2.0, 2.0]
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(60)
    assert code == 0, log.read_text()[-3000:]
