"""Buffer fetched records and hand them out in chunks of about one commit interval.

Pure bookkeeping, no I/O: the Kafka shell adds what it fetched, takes a chunk, runs the
pipeline over it and reports how long that took; the next chunk is sized so that its
pipeline time is about ``interval_s`` (smoothed, at least 1, at most ``max_records``).
A chunk is one commit, so latency and rebalances stay short even when a stage costs
100 ms an article, while cheap stages still get large, efficient chunks.
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

    def add(self, fetched: Mapping[K, list[M]]) -> None:
        for key, records in fetched.items():
            self._pending.setdefault(key, []).extend(records)

    def drop(self, key: K) -> None:
        """Forget a partition's records (revoked, or rewound to its commit)."""
        self._pending.pop(key, None)

    def take(self, owned: Container[K]) -> dict[K, list[M]]:
        """Remove and return the next chunk, shared fairly among owned partitions."""
        for key in [k for k, v in self._pending.items() if not v or k not in owned]:
            del self._pending[key]
        if not self._pending:
            return {}
        share = max(1, self.size // len(self._pending))
        chunk: dict[K, list[M]] = {}
        for key, records in self._pending.items():
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
