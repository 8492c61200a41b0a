"""Both Redis-backed stores ride out a Redis restart instead of failing the batch.

A private redis-server (free port, append-only file) is stopped with SIGKILL and started
again while a store call is waiting (8 s later: longer than redis-py's default 3 retries
can wait); the call completes once Redis is
back, and the index written before the restart is still there.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from service.stores.redis.client import connect
from service.stores.redis.lines import RedisLineStats
from service.stores.redis.store import RedisStore
from tests.store_contract import NOW, body, probe

pytestmark = pytest.mark.integration


class Server:
    def __init__(self, directory: Path) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = int(sock.getsockname()[1])
        self.directory = directory
        self.proc: subprocess.Popen[bytes] | None = None
        self.restarting: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.fail("redis-server is not installed (run scripts/setup.sh)")
        self.proc = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.directory),
             "--appendonly", "yes", "--appendfsync", "always", "--save", ""],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        client = redis.Redis(port=self.port)
        for _ in range(100):
            try:
                client.ping()
                return
            except (redis.ConnectionError, redis.BusyLoadingError):
                time.sleep(0.05)
        pytest.fail("private redis-server did not start")

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.kill()
        self.proc.wait()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    s = Server(tmp_path)
    s.start()
    yield s
    if s.restarting is not None:  # a failed test must not leave a server started later
        s.restarting.join()
    if s.proc is not None and s.proc.poll() is None:
        s.kill()


def restart_later(server: Server, delay: float) -> threading.Thread:
    server.kill()
    thread = threading.Thread(target=lambda: (time.sleep(delay), server.start()))
    thread.start()
    server.restarting = thread
    return thread


def test_dedup_store_waits_for_a_restarted_redis(server: Server) -> None:
    store = RedisStore(connect(server.url))
    first = store.check_and_insert(probe("a1", body(1), offset=1), NOW)
    assert first.match == "unique"
    thread = restart_later(server, 8.0)
    started = time.monotonic()
    second = store.check_and_insert(probe("a2", body(1), offset=2), NOW + 1)  # Redis is down
    waited = time.monotonic() - started
    thread.join()
    assert waited >= 7.5  # it really waited for the restart
    assert second.match == "exact"  # the entry written before the restart survived
    assert second.duplicate_of == "a1"


def test_learned_lines_store_waits_for_a_restarted_redis(server: Server) -> None:
    stats = RedisLineStats(connect(server.url), min_articles=2)
    stats.observe("site", "a1", ["menu"], NOW)
    thread = restart_later(server, 2.0)
    seen = stats.observe("site", "a2", ["menu"], NOW + 1)
    thread.join()
    assert seen.boilerplate == frozenset({"menu"})
