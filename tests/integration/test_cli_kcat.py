"""The real `cleanwire run` process, driven by kcat (a client no one here wrote)."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import orjson
import pytest

from tests.integration.kafkautil import BOOTSTRAP
from tests.integration.servicectl import topics_settings
from tests.netutil import free_port

pytestmark = pytest.mark.integration


def http_get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=2) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()
    except (urllib.error.URLError, ConnectionError):
        return 0, b""


def kcat(*args: str, data: bytes | None = None) -> bytes:
    exe = shutil.which("kcat") or shutil.which("kafkacat")
    assert exe, "kcat is required (apt-get install kcat)"
    return subprocess.run(
        [exe, "-b", BOOTSTRAP, *args], input=data, capture_output=True, check=True, timeout=60
    ).stdout


async def wait_until(predicate, timeout: float) -> bool:  # type: ignore[no-untyped-def]
    for _ in range(int(timeout * 4)):
        if predicate():
            return True
        await asyncio.sleep(0.25)
    return False


async def test_kcat_in_cleanwire_out_with_metrics_and_clean_sigterm(tmp_path: Path) -> None:
    """kcat produces raw events, reads clean events and DLQ headers; /metrics passes promtool; SIGTERM exits 0."""
    s = await topics_settings(partitions=2)
    port = free_port()
    events = (
        b"".join(
            orjson.dumps(
                {
                    "id": f"k{i}",
                    "url": f"https://kc.example/{i}",
                    "text": f"Paragraph {i} of a story.",
                }
            )
            + b"\n"
            for i in range(4)
        )
        + b"this is not json\n"
    )
    kcat("-P", "-t", s.raw_topic, "-H", "origin=kcat", data=events)
    env = {**os.environ, "CLEANWIRE_METRICS_ADDR": f"127.0.0.1:{port}", "CLEANWIRE_STAGES": "none"}
    args = [
        sys.executable, "-m", "service", "run", "--bootstrap-servers", BOOTSTRAP, "--group-id", s.group_id,
        "--raw-topic", s.raw_topic, "--clean-topic", s.clean_topic, "--duplicates-topic", s.duplicates_topic,
        "--dlq-topic", s.dlq_topic, "--shutdown-timeout-s", "20",
    ]  # fmt: skip
    log_path = tmp_path / "service.log"
    with log_path.open("wb") as log_file:
        proc = subprocess.Popen(args, env=env, stderr=log_file)
    try:
        assert await wait_until(
            lambda: http_get(f"http://127.0.0.1:{port}/readyz")[0] == 200, 60
        ), "never ready"
        assert http_get(f"http://127.0.0.1:{port}/healthz")[0] == 200
        fmt = "%k\t%h\t%s\n"
        clean = b""
        for _ in range(60):
            clean = kcat(
                "-C",
                "-t",
                s.clean_topic,
                "-e",
                "-q",
                "-X",
                "isolation.level=read_committed",
                "-f",
                fmt,
            )
            if clean.count(b"\n") >= 4:
                break
            await asyncio.sleep(0.5)
        rows = [line.split(b"\t", 2) for line in clean.splitlines()]
        assert sorted(r[0] for r in rows) == [b"k0", b"k1", b"k2", b"k3"]
        assert all(b"origin=kcat" in r[1] for r in rows)
        assert {orjson.loads(r[2])["source"] for r in rows} == {"kc.example"}
        dlq = kcat(
            "-C", "-t", s.dlq_topic, "-e", "-q", "-X", "isolation.level=read_committed", "-f", fmt
        )
        assert b"__cleanwire.errors.reason=not_json" in dlq and b"this is not json" in dlq
        status, metrics = http_get(f"http://127.0.0.1:{port}/metrics")
        assert status == 200 and b"cleanwire_articles_published_total 4.0" in metrics
        promtool = shutil.which("promtool")
        assert promtool, "promtool is required (apt-get install prometheus)"
        check = subprocess.run([promtool, "check", "metrics"], input=metrics, capture_output=True)
        assert check.returncode == 0, check.stdout + check.stderr
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            code = proc.wait(timeout=30)
        finally:
            proc.kill()
        log = log_path.read_bytes()
    assert code == 0, log[-2000:]
    assert b'"shutdown_complete"' in log
