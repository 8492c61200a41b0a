"""Start, kill and restart service instances, the broker and Redis for fault injection."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from tests.netutil import free_port

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ROOT / "scripts" / "services.sh"


def scrape(port: int) -> str:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2) as resp:
            return str(resp.read().decode())
    except OSError:
        return ""


def metric(text: str, name: str) -> float:
    total = 0.0
    for line in text.splitlines():
        if line.startswith(name + " ") or line.startswith(name + "{"):
            total += float(line.rsplit(" ", 1)[1])
    return total


def assigned_partitions(text: str) -> set[int]:
    return {
        int(line.split('partition="')[1].split('"')[0])
        for line in text.splitlines()
        if line.startswith("cleanwire_consumer_lag_records{")
    }


@dataclass
class Instance:
    """One `cleanwire run` subprocess with its own metrics port and state dir."""

    name: str
    env: dict[str, str]
    log_dir: Path
    proc: subprocess.Popen[bytes] | None = None
    port: int = 0
    starts: int = 0

    def start(self) -> None:
        self.port = free_port()
        self.starts += 1
        env = {**self.env, "CLEANWIRE_METRICS_ADDR": f"127.0.0.1:{self.port}"}
        log = (self.log_dir / f"{self.name}.{self.starts}.log").open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "service", "run"], env=env, stderr=log, cwd=ROOT
        )

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill9(self) -> None:
        if self.proc is not None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()

    def terminate(self, timeout: float = 60) -> int:
        """SIGTERM and wait; return the exit code (SIGKILL after ``timeout``)."""
        if self.proc is None:
            return 0
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait()

    def ready(self) -> bool:
        if not self.alive():
            return False
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/readyz", timeout=2) as resp:
                return bool(resp.status == 200)
        except OSError:
            return False

    def metrics(self) -> str:
        return scrape(self.port) if self.alive() else ""


@dataclass
class Infra:
    """The local broker and Redis, driven through scripts/services.sh and their pid files."""

    services_dir: Path = field(
        default_factory=lambda: Path(
            os.environ.get("CLEANWIRE_SERVICES_DIR", ROOT / ".cache" / "services")
        )
    )

    def _pid(self, name: str) -> int | None:
        path = self.services_dir / name / "pid"
        return int(path.read_text()) if path.exists() else None

    def kill9_broker(self) -> None:
        pid = self._pid("kafka")
        if pid is None:
            raise RuntimeError("broker was not started by scripts/services.sh; cannot kill it")
        os.kill(pid, signal.SIGKILL)
        for _ in range(100):
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.1)

    def start(self, what: str = "all") -> None:
        """Start (or find running) the broker and/or Redis; allow a slow post-crash recovery."""
        env = {**os.environ, "CLEANWIRE_KAFKA_START_TIMEOUT": "300"}
        subprocess.run([str(SERVICES), "start", what], check=True, cwd=ROOT, env=env)

    def restart_redis(self) -> None:
        subprocess.run([str(SERVICES), "stop", "redis"], check=True, cwd=ROOT)
        self.start("redis")
