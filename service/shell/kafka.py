"""The consumer loop: batches in, outputs + offsets committed together, DLQ, out.

Exactly-once (default): each input partition has its own transactional producer
(``transactional_id = {group}-{topic}-{partition}``, since aiokafka lacks KIP-447), and a
partition's batch commits its clean, duplicate and DLQ records (invalid input and
articles empty after cleaning) and its consumed offset in one transaction
(:mod:`service.shell.transactions`). Taking, rewinding and giving up partitions is
:mod:`service.shell.partitions`; where each outcome goes is
:func:`service.shell.events.route`.

At-least-once: outputs are sent, their acknowledgements awaited, then the offset is
committed. A crash between the two repeats outputs; they are keyed by article id so a
compacted topic absorbs the repeat.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeAlias

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.errors import KafkaError

from service.models import Origin
from service.pipeline import Dropped, Outcome, Record
from service.settings import Settings
from service.shell import logs
from service.shell.batching import ChunkBuffer
from service.shell.client import client_options, utc_now
from service.shell.events import Destination, Output, Provenance, kafka_output
from service.shell.group import GroupWatch
from service.shell.metrics import Metrics, observe_many
from service.shell.partitions import Listener, Partitions
from service.shell.transactions import (
    commit_transaction,
    discard,
    make_producer,
    send_then_commit,
)

Runner = Callable[[Sequence[Record]], list[Outcome]]
Message: TypeAlias = "ConsumerRecord[bytes, bytes]"
Batches: TypeAlias = "dict[TopicPartition, list[Message]]"

log = logs.get("cleanwire.kafka")
CLIENT_STOP_DEADLINE_S = 5.0  # closing one client at shutdown, after the last commit
INLINE_CHUNK_S = 0.05
"""A chunk the pipeline should finish within this many seconds runs on the event loop.

Longer chunks (and the first, whose cost is unknown) run in the pipeline thread, so the
loop keeps fetching, heartbeating and committing the previous chunk meanwhile. For short
ones the thread costs more than it saves: the two threads trade the GIL every few ms, and
with every stage off (about 40 us a record) the handoff cost 24 CPU-us a record more than
the pipeline itself (``bench/throughput.py``, 30,000 events). A 50 ms pause of the loop is
far inside every client timeout (heartbeats every 3 s).
"""


@dataclass(frozen=True, slots=True)
class _Chunk:
    """A chunk run through the pipeline: outcomes and encoded outputs per partition."""

    shares: dict[TopicPartition, list[tuple[Outcome, Message]]]
    outputs: dict[TopicPartition, list[Output]]
    owners: dict[TopicPartition, int]  # each partition's ownership generation when taken
    records: int
    seconds: float


class KafkaService:
    """Consume the raw topic, run the pipeline, publish and commit; see module docstring."""

    def __init__(
        self,
        settings: Settings,
        run: Runner,
        metrics: Metrics,
        provenance: Provenance,
        gauges: Mapping[str, Callable[[], float]] | None = None,
    ) -> None:
        self.s = settings
        self._run = run
        self.metrics = metrics
        self.provenance = provenance
        self.eos = settings.delivery == "exactly_once"
        self.consumer = AIOKafkaConsumer(
            settings.raw_topic, group_id=settings.group_id,
            group_instance_id=settings.group_instance_id or None,
            enable_auto_commit=False, auto_offset_reset="earliest", isolation_level="read_committed",
            fetch_max_bytes=settings.fetch_max_bytes,
            max_partition_fetch_bytes=settings.max_partition_fetch_bytes,
            **client_options(settings),
        )  # fmt: skip
        self._topics: dict[Destination, str] = {
            "clean": settings.clean_topic,
            "duplicates": settings.duplicates_topic,
            "dlq": settings.dlq_topic,
        }
        self._shared: AIOKafkaProducer | None = None
        self._lock = asyncio.Lock()
        self._batches = 0
        self._gauges = dict(gauges or {})
        self._buffer: ChunkBuffer[TopicPartition, Message] = ChunkBuffer(
            settings.commit_interval_ms / 1000,
            settings.commit_max_records,
            settings.commit_backlog_interval_ms / 1000,
        )
        self.parts = Partitions(settings, self.consumer, self._buffer, metrics)
        self.group = GroupWatch(settings, metrics)
        self._checks: set[asyncio.Task[int | None]] = set()
        self._gauges_at = 0.0
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="pipeline")
        self.started = False

    def is_ready(self) -> bool:
        return self.started and bool(self.parts.next)

    async def start(self) -> None:
        if not self.eos:
            self._shared = make_producer(self.s, None)
            await self._shared.start()
        self.consumer.subscribe(
            [self.s.raw_topic], listener=Listener(self.parts, self._lock, self._check_group)
        )
        await self.consumer.start()
        self.started = True

    def _check_group(self) -> None:
        """Count the group's members in the background (see :mod:`service.shell.group`)."""
        task = asyncio.create_task(self.group.check())
        self._checks.add(task)
        task.add_done_callback(self._checks.discard)

    async def stop(self) -> None:
        """Close the clients, each within a deadline, none failing the shutdown.

        With the broker gone, the consumer's close waits for a group coordinator that never
        answers, or fails with the cancellation of its own fetch task (both seen in the
        fault campaign). By then every commit has settled, so the group's session timeout
        dropping this member instead of its leave request costs a few seconds of
        rebalance, and no data.
        """
        self.started = False
        await _close("consumer", self.consumer.stop())
        for task in list(self._checks):
            task.cancel()
        await asyncio.gather(*self._checks, return_exceptions=True)
        await _close("admin", self.group.close())
        await self.parts.stop_producers(CLIENT_STOP_DEADLINE_S)
        await discard(self._shared, CLIENT_STOP_DEADLINE_S)
        self._pool.shutdown(wait=False)

    async def serve(self, stop: asyncio.Event) -> None:
        """Process records until ``stop`` is set; the chunks in flight always complete.

        Fetched records wait in a :class:`ChunkBuffer` and are committed in chunks of
        about ``commit_interval_ms`` of pipeline time, growing up to
        ``commit_backlog_interval_ms`` while a backlog waits (at most ``commit_max_records``).
        The buffer is topped up with what the consumer has already fetched before every
        chunk. When a whole chunk is waiting, the pipeline runs it while the previous one
        commits (otherwise the commit finishes first and the buffer is topped up with what was
        fetched meanwhile, so chunks stay large); a chunk short enough to run on the loop
        (:data:`INLINE_CHUNK_S`) holds that commit's I/O back for its few milliseconds. A
        partition whose commit failed, or that changed hands meanwhile, drops its share of
        the next chunk (it is read again from the committed offset).
        """
        self.parts.stopping = stop
        committing: asyncio.Task[None] | None = None
        try:
            while not stop.is_set():
                if not self._buffer.full():  # top up with what was fetched meanwhile
                    idle = committing is None and not self._buffer  # only then wait for more
                    self._buffer.add(
                        await self.consumer.getmany(
                            timeout_ms=self.s.commit_interval_ms if idle else 0,
                            max_records=self.s.commit_max_records,
                        )
                    )
                if committing is not None and not self._buffer.full():
                    # Overlap only a whole chunk with the commit: a partial one would commit
                    # as a small transaction while more records arrive during the commit.
                    await committing
                    committing = None
                    continue
                prepared = await self._prepare(self._buffer.take(self.parts.next))
                if committing is not None:
                    await committing  # one commit at a time: a partition's order holds
                committing = None if prepared is None else asyncio.create_task(
                    self._commit(prepared)
                )  # fmt: skip
                await self._update_state_gauges()
        finally:
            if committing is not None:
                await committing

    async def _prepare(self, batches: Batches) -> _Chunk | None:
        """Run one chunk through the pipeline and encode its outputs.

        In the pipeline thread, or on the event loop when the chunk should take at most
        :data:`INLINE_CHUNK_S`.
        """
        owners = {tp: self.parts.owner[tp] for tp in batches if tp in self.parts.owner}
        work = {
            tp: [m for m in msgs if m.offset >= self.parts.next[tp]]
            for tp, msgs in batches.items()
            if tp in owners  # else revoked since the fetch: the new owner reads it
        }
        work = {tp: msgs for tp, msgs in work.items() if msgs}
        if not work:
            return None
        records = [
            (m.value, Origin(tp.topic, tp.partition, m.offset))
            for tp, msgs in work.items()
            for m in msgs
        ]

        def run() -> _Chunk:
            began = time.monotonic()
            outcomes = iter(self._run(records))
            seconds = time.monotonic() - began
            stamp = utc_now()
            shares = {tp: [(next(outcomes), m) for m in msgs] for tp, msgs in work.items()}
            outputs = {
                tp: chunk_outputs(share, self._topics, self.provenance, stamp)
                for tp, share in shares.items()
            }
            return _Chunk(shares, outputs, owners, len(records), seconds)

        predicted = self._buffer.predicted_s(len(records))
        if predicted is not None and predicted <= INLINE_CHUNK_S:
            chunk = run()
        else:
            chunk = await asyncio.get_running_loop().run_in_executor(self._pool, run)
        self._buffer.observe(chunk.records, chunk.seconds)
        self._batches += 1
        if self._batches == self.s.test_kill_before_commit:
            os.kill(
                os.getpid(), signal.SIGKILL
            )  # fault injection: state written, nothing committed
        return chunk

    async def _commit(self, chunk: _Chunk) -> None:
        """Commit each partition's share of a prepared chunk with its offset.

        Runs under the lock, so a revocation waits for it. A partition restarted
        (failed commit), revoked or re-assigned since the chunk was taken is skipped.
        """
        async with self._lock:
            shares = {
                tp: share
                for tp, share in chunk.shares.items()
                if self.parts.owner.get(tp) == chunk.owners[tp]
            }
            if not shares:
                return
            start = time.monotonic()
            if self.eos:
                done = await asyncio.gather(
                    *(
                        self._commit_eos(tp, chunk.outputs[tp], share[-1][1].offset + 1)
                        for tp, share in shares.items()
                    )
                )
                committed = [tp for tp, ok in zip(shares, done, strict=True) if ok]
            else:
                committed = await self._commit_alo(
                    {tp: chunk.outputs[tp] for tp in shares},
                    {tp: share[-1][1].offset + 1 for tp, share in shares.items()},
                )
            self.metrics.commit_seconds.observe(time.monotonic() - start)
            observe_settled(
                self.metrics, [pair for tp in committed for pair in shares[tp]], time.time()
            )
            self._update_lag({tp: [m for _, m in share] for tp, share in shares.items()})

    async def _commit_eos(
        self, tp: TopicPartition, outputs: list[Output], next_offset: int
    ) -> bool:
        try:  # a commit stuck past the deadline has an unknown outcome: settle it by re-init
            await commit_transaction(
                self.parts.producers[tp], outputs, tp, next_offset, self.s.group_id
            )
        except (KafkaError, TimeoutError) as exc:
            self.metrics.commits.labels("aborted").inc()
            log.warning("transaction_failed", partition=tp.partition, error=repr(exc))
            await self.parts.restart(tp)
            return False
        self.metrics.commits.labels("ok").inc()
        self.parts.next[tp] = next_offset
        return True

    async def _commit_alo(
        self, outputs: dict[TopicPartition, list[Output]], offsets: dict[TopicPartition, int]
    ) -> list[TopicPartition]:
        assert self._shared is not None
        try:
            await send_then_commit(self._shared, self.consumer, outputs, offsets)
        except KafkaError as exc:  # send failed, or rebalanced meanwhile: records are repeated
            self.metrics.commits.labels("aborted").inc()
            log.warning("commit_failed", error=repr(exc))
            for tp in offsets:
                await self.parts.rewind(tp)
            return []
        self.metrics.commits.labels("ok").inc()
        self.parts.next.update((tp, off) for tp, off in offsets.items() if tp in self.parts.next)
        return list(offsets)

    async def _update_state_gauges(self) -> None:
        """Refresh the state-size gauges at most every 5 s (they may cost a Redis round trip)."""
        if not self._gauges or time.monotonic() - self._gauges_at < 5.0:
            return
        self._gauges_at = time.monotonic()
        loop = asyncio.get_running_loop()
        values = await loop.run_in_executor(
            self._pool, lambda: {k: f() for k, f in self._gauges.items()}
        )
        self.metrics.set_state(values)

    def _update_lag(self, batches: Batches) -> None:
        now = time.time()
        for tp, next_offset in self.parts.next.items():
            high = self.consumer.highwater(tp)
            if high is None:
                continue
            behind = max(0, high - next_offset)
            self.metrics.lag_records.labels(str(tp.partition)).set(behind)
            msgs = batches.get(tp)
            age = now - msgs[-1].timestamp / 1000 if msgs and behind else 0.0
            self.metrics.lag_seconds.labels(str(tp.partition)).set(max(0.0, age))


def chunk_outputs(
    share: Sequence[tuple[Outcome, Message]],
    topics: Mapping[Destination, str],
    provenance: Provenance,
    stamp: str,
) -> list[Output]:
    """Return the one record each outcome of a partition's share publishes (see
    :func:`kafka_output`); a dropped article is also logged."""
    for outcome, _ in share:
        if isinstance(outcome, Dropped):
            drop = outcome.drop
            log.info("article_dropped", reason=drop.reason, article_id=drop.article_id)
    return [
        kafka_output(o, m.key, m.value, list(m.headers or ()), topics, provenance, stamp)
        for o, m in share
    ]


def observe_settled(
    metrics: Metrics, settled: Sequence[tuple[Outcome, Message]], now: float
) -> None:
    """Count committed outcomes (one increment per series) and observe their end-to-end
    latencies, from each record's timestamp to ``now``, in one call."""
    metrics.count([o for o, _ in settled])
    observe_many(metrics.end_to_end, [max(0.0, now - m.timestamp / 1000) for _, m in settled])


async def _close(client: str, closing: Awaitable[None]) -> None:
    """Await a client's close within :data:`CLIENT_STOP_DEADLINE_S`; log, never raise,
    what goes wrong inside it (a cancellation of the caller itself still propagates)."""
    try:
        await asyncio.wait_for(closing, CLIENT_STOP_DEADLINE_S)
    except asyncio.CancelledError:
        task = asyncio.current_task()
        if task is not None and task.cancelling():
            raise
        log.warning("client_close_failed", client=client, error="CancelledError()")
    except Exception as exc:  # TimeoutError included: the close overran its deadline
        log.warning("client_close_failed", client=client, error=repr(exc))
