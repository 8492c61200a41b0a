"""Buffer fetched records and hand them out in chunks sized by pipeline time.

Pure bookkeeping, no I/O: the Kafka shell adds what it fetched, takes a chunk, runs the
pipeline over it and reports how long that took. A chunk is one commit: each partition in
it is one transaction. The next chunk is sized so that its pipeline time is about the
current span (smoothed, at least 1 record, at most ``max_records``):

- while the service keeps up, the span is ``interval_s``: latency and rebalances stay short
  even when a stage costs 100 ms an article, while cheap stages still get large chunks;
- while a backlog waits (a take leaves records behind), the span doubles, up to
  ``backlog_interval_s``, and halves back as the backlog clears. Slow stages otherwise
  commit one article per transaction: with 60 ms an article and four partitions that cost
  the worker 10 CPU-ms and the broker 7.5 an article, against 3.5 at least once.

A chunk is filled from as few partitions as it can, served longest-ago first, so that it
makes few transactions; a chunk never holds more than its size.
"""

from __future__ import annotations

from collections.abc import Container, Hashable, Mapping
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
M = TypeVar("M")


class ChunkBuffer(Generic[K, M]):
    """Records per partition, in fetch order; see module docstring."""

    def __init__(
        self, interval_s: float, max_records: int, backlog_interval_s: float = 0.0
    ) -> None:
        self.interval_s = interval_s
        self.backlog_interval_s = max(interval_s, backlog_interval_s)
        self.max_records = max_records
        self.span_s = interval_s
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
        """Remove and return the next chunk, from the partitions served least recently.

        The chunk is filled from the partition served longest ago, then the next, until it
        holds its size. Served partitions move to the back of the queue, so none waits
        behind the others for more than one chunk per other partition. Records left behind
        widen the next chunk's span (see module docstring); an emptied buffer narrows it.
        """
        for key in [k for k, v in self._pending.items() if not v or k not in owned]:
            del self._pending[key]
        chunk: dict[K, list[M]] = {}
        room = self.size
        for key in list(self._pending):
            if room <= 0:
                break
            records = self._pending.pop(key)
            chunk[key], self._pending[key] = records[:room], records[room:]
            room -= len(chunk[key])
        if self:
            self.span_s = min(self.backlog_interval_s, self.span_s * 2)
        else:
            self.span_s = max(self.interval_s, self.span_s / 2)
        self._resize()
        return chunk

    def observe(self, records: int, seconds: float) -> None:
        """Record that ``records`` took ``seconds`` of pipeline time; resize the next chunk."""
        per_record = seconds / max(1, records)
        self._per_record = (
            0.7 * self._per_record + 0.3 * per_record if self._per_record else per_record
        )
        self._resize()

    def predicted_s(self, records: int) -> float | None:
        """Pipeline seconds ``records`` should take at the smoothed rate; None before any chunk ran."""
        return records * self._per_record if self._per_record else None

    def _resize(self) -> None:
        if self._per_record:
            target = self.span_s / max(self._per_record, 1e-6)
            self.size = max(1, min(self.max_records, int(target)))
