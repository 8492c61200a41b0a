"""CPU-seconds and memory of processes, read from /proc (Linux only).

``cpu_seconds(pid)`` is utime+stime of the process and its reaped children (from
/proc/<pid>/stat); ``tree(pid)`` adds live descendants, so a multi-process service is
counted whole. ``peak_rss_bytes`` is VmHWM (the kernel's high-water mark), ``rss_bytes``
is VmRSS. Missing processes read as 0 rather than raising: a benchmark samples processes
that may just have exited.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field

TICKS = os.sysconf("SC_CLK_TCK")


def _stat_fields(pid: int) -> list[str]:
    with open(f"/proc/{pid}/stat") as f:
        data = f.read()
    return data[data.rindex(")") + 2 :].split()  # fields from 3 (state) on


def cpu_seconds(pid: int) -> float:
    """Return utime+stime+cutime+cstime of ``pid`` in seconds (0 if it is gone)."""
    try:
        f = _stat_fields(pid)
    except (FileNotFoundError, ProcessLookupError, ValueError):
        return 0.0
    # field numbers (1-based in proc(5)): utime 14, stime 15, cutime 16, cstime 17
    return sum(int(x) for x in f[11:15]) / TICKS


def children(pid: int) -> list[int]:
    """Return all live descendants of ``pid``."""
    parents: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            ppid = int(_stat_fields(int(name))[1])
        except (FileNotFoundError, ProcessLookupError, ValueError, IndexError):
            continue
        parents.setdefault(ppid, []).append(int(name))
    out: list[int] = []
    todo = [pid]
    while todo:
        kids = parents.get(todo.pop(), [])
        out.extend(kids)
        todo.extend(kids)
    return out


def tree(pid: int) -> list[int]:
    return [pid, *children(pid)]


def _status(pid: int, key: str) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1]) * 1024
    except (FileNotFoundError, ProcessLookupError):
        pass
    return 0


def peak_rss_bytes(pid: int) -> int:
    """Return VmHWM of ``pid`` in bytes (0 if it is gone)."""
    return _status(pid, "VmHWM")


def rss_bytes(pid: int) -> int:
    """Return VmRSS of ``pid`` in bytes (0 if it is gone)."""
    return _status(pid, "VmRSS")


@dataclass
class Usage:
    """CPU-seconds of a process set between two readings, and their peak RSS."""

    cpu_s: float = 0.0
    peak_rss: int = 0


@dataclass
class Sampler:
    """Track a set of process trees: CPU at mark/stop, RSS high-water marks by polling.

    Polling (every ``interval`` s) keeps VmHWM of processes that exit before the end and
    records the sum of VmRSS over the trees (``rss_series``).
    """

    roots: list[int]
    interval: float = 1.0
    _cpu: dict[int, float] = field(default_factory=dict)
    _hwm: dict[int, int] = field(default_factory=dict)
    rss_series: list[tuple[float, int]] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def pids(self) -> list[int]:
        return [p for root in self.roots for p in tree(root)]

    def cpu_total(self) -> float:
        """CPU-seconds so far; per pid the last value seen, so exited children still count."""
        for p in self.pids():
            self._cpu[p] = max(self._cpu.get(p, 0.0), cpu_seconds(p))
        return sum(self._cpu.get(p, 0.0) for p in self._cpu)

    def poll(self) -> None:
        total = 0
        for p in self.pids():
            self._hwm[p] = max(self._hwm.get(p, 0), peak_rss_bytes(p))
            total += rss_bytes(p)
            self._cpu[p] = max(self._cpu.get(p, 0.0), cpu_seconds(p))
        self.rss_series.append((time.monotonic(), total))

    def peak_rss(self) -> int:
        """Largest VmHWM of any one process seen (the per-process peak)."""
        return max(self._hwm.values(), default=0)

    def peak_rss_sum(self) -> int:
        """Sum of the per-process VmHWM values (upper bound for a multi-process service)."""
        return sum(self._hwm.values())

    def start(self) -> Sampler:
        def loop() -> None:
            while not self._stop.wait(self.interval):
                self.poll()

        self.poll()
        self._thread = threading.Thread(target=loop, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self.poll()
