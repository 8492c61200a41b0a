"""Buffer fetched records and hand them out in chunks of about one commit interval.

Pure bookkeeping, no I/O: the Kafka shell adds what it fetched, takes a chunk, runs the
pipeline over it and reports how long that took; the next chunk is sized so that its
pipeline time is about ``interval_s`` (smoothed, at least 1, at most ``max_records``).
A chunk is one commit, so latency and rebalances stay short even when a stage costs
100 ms an article, while cheap stages still get large, efficient chunks. A chunk holds
at most its size even when more partitions have records waiting: one record from each of
four partitions would otherwise make the first of them wait for all four.
"""

from __future__ import annotations

from collections.abc import Container, Hashable, Mapping
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
M = TypeVar("M")


class ChunkBuffer(Generic[K, M]):
    """Records per partition, in fetch order; see module docstring."""

    def __init__(self, interval_s: float, max_records: int) -> None:
        self.interval_s = interval_s
        self.max_records = max_records
        self.size = max_records
        self._per_record = 0.0
        self._pending: dict[K, list[M]] = {}

    def __bool__(self) -> bool:
        return any(self._pending.values())

    def full(self) -> bool:
        """Whether a whole chunk is waiting."""
        return sum(len(v) for v in self._pending.values()) >= self.size

    def add(self, fetched: Mapping[K, list[M]]) -> None:
        for key, records in fetched.items():
            self._pending.setdefault(key, []).extend(records)

    def drop(self, key: K) -> None:
        """Forget a partition's records (revoked, or rewound to its commit)."""
        self._pending.pop(key, None)

    def take(self, owned: Container[K]) -> dict[K, list[M]]:
        """Remove and return the next chunk, shared fairly among owned partitions.

        A chunk never exceeds the current size: when it is smaller than the number of
        partitions with records waiting (slow stages: often one record), it takes one
        record from each of the partitions served least recently. Served partitions
        move to the back of the queue, so none waits behind the others for long.
        """
        for key in [k for k, v in self._pending.items() if not v or k not in owned]:
            del self._pending[key]
        if not self._pending:
            return {}
        keys = list(self._pending)[: self.size]
        share = max(1, self.size // len(keys))
        chunk: dict[K, list[M]] = {}
        for key in keys:
            records = self._pending.pop(key)
            chunk[key], self._pending[key] = records[:share], records[share:]
        return chunk

    def observe(self, records: int, seconds: float) -> None:
        """Record that ``records`` took ``seconds`` of pipeline time; resize the next chunk."""
        per_record = seconds / max(1, records)
        self._per_record = (
            0.7 * self._per_record + 0.3 * per_record if self._per_record else per_record
        )
        target = self.interval_s / max(self._per_record, 1e-6)
        self.size = max(1, min(self.max_records, int(target)))
