"""Integration tests need the real broker; without it they fail, never skip."""

from __future__ import annotations

import os
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.kafkautil import wait_for_broker

SERVICES = Path(__file__).resolve().parents[2] / "scripts" / "services.sh"


@pytest.fixture(autouse=True)
async def _broker() -> None:
    """Fail the test (not skip) when the broker cannot be reached."""
    try:
        await wait_for_broker()
    except RuntimeError as exc:
        pytest.fail(str(exc))


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
    """A private single-node broker (own ports and data dir under ``tmp_path``) that a
    test may kill: its bootstrap address and the environment of scripts/services.sh."""
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
