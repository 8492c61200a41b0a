"""Replay safety: kill -9 after the dedup state write and before the commit, then restart."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from tests.integration.kafkautil import BOOTSTRAP, consume, produce
from tests.integration.servicectl import topics_settings

pytestmark = pytest.mark.integration

REDIS_URL = os.environ.get("CLEANWIRE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
STORY = "\n".join(
    [
        "Port workers end strike after pay deal",
        "ROTTERDAM: Dock workers at Europe's largest port returned to work on Tuesday after unions accepted a two-year pay deal that ends a week-long strike.",
        '"This agreement recognises the pressure our members have been under," union spokesman Piet de Vries said in a statement.',
        "The port authority said ships that had queued off the coast would be handled within days, and that no cargo had been lost.",
    ]
)


def run_service(args: list[str], env: dict[str, str], log: Path, timeout: float) -> int:
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "service", "run", *args], env=env, stderr=out
        )
        try:
            return proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.terminate()
            return proc.wait(30)


@pytest.mark.parametrize("store", ["embedded", "redis"])
async def test_article_published_once_after_kill_between_state_write_and_commit(
    store: str, tmp_path: Path
) -> None:
    """A record whose dedup entry was written before a kill -9 is published once, not dropped as its own duplicate."""
    s = await topics_settings(partitions=1)
    if store == "redis":
        import redis

        redis.Redis.from_url(REDIS_URL).flushdb()
    event = orjson.dumps(
        {"id": "port-strike", "url": "https://wire.example/port-strike", "text": STORY}
    )
    await produce(s.raw_topic, [event])
    env = {
        **os.environ, "CLEANWIRE_STAGES": "clean,dedup", "CLEANWIRE_STORE": store,
        "CLEANWIRE_STATE_DIR": str(tmp_path / "state"), "CLEANWIRE_REDIS_URL": REDIS_URL,
        "CLEANWIRE_METRICS_ADDR": "", "CLEANWIRE_LOG_LEVEL": "info",
    }  # fmt: skip
    common = [
        "--bootstrap-servers", BOOTSTRAP, "--group-id", s.group_id, "--raw-topic", s.raw_topic,
        "--clean-topic", s.clean_topic, "--duplicates-topic", s.duplicates_topic, "--dlq-topic", s.dlq_topic,
    ]  # fmt: skip
    log = tmp_path / "service.log"
    code = run_service([*common, "--test-kill-before-commit", "1"], env, log, timeout=90)
    assert code == -9, log.read_text()[-2000:]
    assert await consume(s.clean_topic, 1, timeout=3) == []
    if store == "redis":
        import redis

        assert redis.Redis.from_url(REDIS_URL).dbsize() > 0, (
            "the kill must come after the state write"
        )
    else:
        assert any(p.stat().st_size > 0 for p in (tmp_path / "state").rglob("*") if p.is_file())

    proc_env = {**env}
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "service", "run", *common], env=proc_env, stderr=out
        )
        try:
            clean = await consume(s.clean_topic, 1, timeout=60, settle=3)
            dups = await consume(s.duplicates_topic, 1, timeout=2, settle=0)
        finally:
            proc.terminate()
            assert proc.wait(30) == 0
    assert [m.key for m in clean] == [b"port-strike"], log.read_text()[-2000:]
    assert dups == []
    verdict = orjson.loads(clean[0].value or b"")["dedup"]
    assert verdict["duplicate_of"] is None
