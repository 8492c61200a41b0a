"""`cleanwire run` started before its broker waits for it instead of exiting (no crash loop).

The service is pointed at a port where nothing listens yet. It must stay up, serve
``/healthz``, report not ready on ``/readyz`` and log ``brokers_unreachable``. Then a TCP
forwarder opens that port to the real broker (which advertises its own address, so only the
bootstrap goes through the forwarder); the service must start consuming, publish what was
produced meanwhile, and exit 0 on SIGTERM.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from contextlib import suppress
from pathlib import Path

import orjson
import pytest

from tests.integration.kafkautil import BOOTSTRAP, consume, create_topics, produce, unique
from tests.netutil import free_port, http_status

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]


async def forward(port: int, target: tuple[str, int]) -> asyncio.Server:
    """Listen on ``port`` and pipe every connection to ``target``."""

    async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with suppress(ConnectionError):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        writer.close()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(*target)
        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))

    return await asyncio.start_server(handle, "127.0.0.1", port)


async def test_run_waits_for_a_broker_that_is_not_up_yet(tmp_path: Path) -> None:
    topics = {k: unique(k) for k in ("raw", "clean", "dups", "dlq")}
    await create_topics(list(topics.values()), 2)
    broker_port, metrics_port = free_port(), free_port()
    env = {
        **os.environ,
        "CLEANWIRE_BOOTSTRAP_SERVERS": f"127.0.0.1:{broker_port}",
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
    server: asyncio.Server | None = None
    try:
        base = f"http://127.0.0.1:{metrics_port}"
        for _ in range(240):  # stages and the model load first
            if b"brokers_unreachable" in log.read_bytes():
                break
            await asyncio.sleep(0.25)
        await asyncio.sleep(3)
        assert proc.returncode is None, log.read_text()
        assert b"brokers_unreachable" in log.read_bytes(), log.read_text()
        assert await asyncio.to_thread(http_status, f"{base}/healthz") == 200
        assert await asyncio.to_thread(http_status, f"{base}/readyz") != 200

        values = [
            orjson.dumps({"id": f"w{i}", "url": f"https://wait.example/{i}", "text": f"Story {i}."})
            for i in range(3)
        ]
        await produce(topics["raw"], values)
        host, port = BOOTSTRAP.split(":")
        server = await forward(broker_port, (host, int(port)))
        got = await consume(topics["clean"], 3, timeout=90)
        assert sorted(orjson.loads(g.value)["id"] for g in got) == ["w0", "w1", "w2"]
        assert await asyncio.to_thread(http_status, f"{base}/readyz") == 200
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(proc.wait(), 60)
        if server is not None:
            server.close()
    assert code == 0, log.read_text()[-3000:]
