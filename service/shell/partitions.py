"""The input partitions one process owns: producers, next offsets, ownership generations.

Exactly-once: :meth:`Partitions.own` starts the partition's transactional producer first,
which completes or aborts a transaction the previous owner left pending, and only then
reads the committed offset and seeks to it. A partition whose commit failed is restarted
(:meth:`Partitions.restart`: a new producer settles the transaction) and rewound to its
committed offset (:meth:`Partitions.rewind`), so work may be repeated and output never
is. Each :meth:`Partitions.own` gives the partition a new generation; a chunk taken under
an older one is not committed.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import Callable, Sequence
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.abc import ConsumerRebalanceListener
from aiokafka.errors import KafkaError

from service.settings import Settings
from service.shell import logs
from service.shell.batching import ChunkBuffer
from service.shell.metrics import Metrics
from service.shell.offsets import StaleCommit, committed_offset
from service.shell.transactions import discard, make_producer, transactional_id

log = logs.get("cleanwire.kafka")
OWN_DEADLINE_S = 15.0  # one attempt to settle a partition's transaction and read its commit


class Partitions:
    """The partitions this process owns; see the module docstring."""

    def __init__(
        self,
        settings: Settings,
        consumer: AIOKafkaConsumer,
        buffer: ChunkBuffer[TopicPartition, Any],
        metrics: Metrics,
    ) -> None:
        self.s = settings
        self.eos = settings.delivery == "exactly_once"
        self.consumer = consumer
        self._buffer = buffer
        self.metrics = metrics
        self.producers: dict[TopicPartition, AIOKafkaProducer] = {}
        self.next: dict[TopicPartition, int] = {}  # the next offset to process
        self.owner: dict[TopicPartition, int] = {}  # ownership generation, new at every own()
        self._generations = itertools.count()
        self.stopping = asyncio.Event()

    async def stop_producers(self, deadline_s: float) -> None:
        """Stop every partition's producer (at shutdown), together, each within ``deadline_s``."""
        producers = list(self.producers.values())
        self.producers.clear()
        await asyncio.gather(*(discard(p, deadline_s) for p in producers))

    async def restart(self, tp: TopicPartition) -> None:
        """Recreate the partition's producer (settling its transaction), rewind to the commit."""
        await discard(self.producers.pop(tp, None), 10)
        self.metrics.producer_restarts.inc()
        await self.rewind(tp)

    async def rewind(self, tp: TopicPartition) -> None:
        """Re-own ``tp`` so uncommitted records are processed again.

        Retries with backoff while the broker is unreachable or answers a committed offset
        below this process's last acknowledged commit, until it succeeds or the service is
        stopping; then the partition is dropped (nothing more is committed for it, so
        nothing is lost).
        """
        floor = self.next.get(tp)
        delay = 0.5
        while not self.stopping.is_set():
            try:
                await asyncio.wait_for(self.own(tp, floor), OWN_DEADLINE_S)
                return
            except (KafkaError, TimeoutError) as exc:
                log.warning(
                    "partition_rewind_retry",
                    partition=tp.partition,
                    error=repr(exc),
                    retry_in_s=delay,
                )
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
        self.next.pop(tp, None)
        self.owner.pop(tp, None)

    async def own(self, tp: TopicPartition, floor: int | None = None) -> None:
        """Take a partition: settle its pending transaction, then seek to its committed offset.

        ``floor`` is the offset of a commit already acknowledged to this process: an answer
        below it is one the broker has not caught up with yet (seen right after a broker
        restart) and raises :class:`StaleCommit`, to be retried.
        """
        if self.eos:
            await discard(self.producers.pop(tp, None), 5)  # from an attempt that timed out
            producer = make_producer(self.s, transactional_id(self.s, tp))
            try:
                await producer.start()
            except BaseException:
                await discard(producer, 5)
                raise
            self.producers[tp] = producer
        committed = await committed_offset(self.consumer, tp)  # not consumer.committed()
        if floor is not None and (committed or 0) < floor:
            raise StaleCommit(f"partition {tp.partition}: committed {committed} < {floor}")
        self._buffer.drop(tp)  # buffered records are re-read from the commit, in order
        if committed is None:
            await self.consumer.seek_to_beginning(tp)  # auto_offset_reset=earliest
        else:
            self.consumer.seek(tp, committed)
        self.next[tp] = committed or 0
        self.owner[tp] = next(self._generations)
        self.metrics.assigned.set(len(self.next))
        log.info("partition_assigned", partition=tp.partition, committed=committed)

    async def release(self, tp: TopicPartition) -> None:
        """Give a partition up after its in-flight chunk has committed."""
        self.next.pop(tp, None)
        self.owner.pop(tp, None)
        self._buffer.drop(tp)
        producer = self.producers.pop(tp, None)
        if producer is not None:
            await producer.stop()
        self.metrics.assigned.set(len(self.next))
        for gauge in (self.metrics.lag_records, self.metrics.lag_seconds):
            with contextlib.suppress(KeyError):
                gauge.remove(str(tp.partition))
        log.info("partition_revoked", partition=tp.partition)


class Listener(ConsumerRebalanceListener):  # type: ignore[misc]
    """Release revoked partitions and own assigned ones, under the commit lock."""

    def __init__(
        self,
        partitions: Partitions,
        lock: asyncio.Lock,
        after_assignment: Callable[[], None] = lambda: None,
    ) -> None:
        self.partitions = partitions
        self.lock = lock
        self.after_assignment = after_assignment

    async def on_partitions_revoked(self, revoked: Sequence[TopicPartition]) -> None:
        async with self.lock:
            for tp in revoked:
                await self.partitions.release(tp)

    async def on_partitions_assigned(self, assigned: Sequence[TopicPartition]) -> None:
        async with self.lock:
            await asyncio.gather(*(self.partitions.own(tp) for tp in assigned))
        self.after_assignment()
