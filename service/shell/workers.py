"""``cleanwire run --workers N``: N child processes, each a consumer-group member.

The parent only supervises: it forwards SIGTERM/SIGINT to every child and exits with 0
when all children exited 0. If a child dies on its own, the parent stops the others and
exits 1, so the orchestrator restarts the whole unit (no partial, silent degradation).
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

from service.settings import Settings
from service.shell import logs

log = logs.get("cleanwire.workers")


def child_args(settings: Settings, index: int) -> list[str]:
    """Return the flags that make a child worker ``index``; appended last, so they win."""
    args = ["--workers", "1", "--worker-index", str(index)]
    if settings.metrics_addr:
        host, _, port = settings.metrics_addr.rpartition(":")
        args += ["--metrics-addr", f"{host}:{int(port) + index}"]
    args += ["--state-dir", str(Path(settings.state_dir or "state") / f"worker-{index}")]
    if settings.group_instance_id:
        args += ["--group-instance-id", f"{settings.group_instance_id}-{index}"]
    return args


def run_workers(settings: Settings, argv: list[str]) -> int:
    """Start ``settings.workers`` children running ``cleanwire run``; supervise until they exit."""
    children = [
        subprocess.Popen([sys.executable, "-m", "service", *argv, *child_args(settings, i)])
        for i in range(settings.workers)
    ]
    log.info("workers_started", pids=[c.pid for c in children])
    stopping = False

    def forward(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True
        for child in children:
            if child.poll() is None:
                child.send_signal(signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    deadline = None
    failed = False
    while any(c.poll() is None for c in children):
        died = [c for c in children if c.poll() not in (None, 0)]
        if died and not stopping:
            failed = True
            log.error("worker_died", pid=died[0].pid, code=died[0].returncode)
            forward(signal.SIGTERM, None)
        if stopping and deadline is None:
            deadline = time.monotonic() + settings.shutdown_timeout_s + 5
        if deadline is not None and time.monotonic() > deadline:
            for child in children:
                child.kill()
        time.sleep(0.2)
    codes = [c.returncode for c in children]
    log.info("workers_stopped", codes=codes)
    return 1 if failed or any(code != 0 for code in codes) else 0
