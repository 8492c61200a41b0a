"""aiokafka adapter: batches in, outputs + offsets committed together, DLQ, out.

Exactly-once (default): each input partition has its own transactional producer
(``transactional_id = {group}-{topic}-{partition}``, since aiokafka lacks KIP-447), and a
partition's batch commits its clean, duplicate and DLQ records (invalid input and
articles empty after cleaning) and its consumed offset in one transaction. On assignment
the producer is started first, which completes or aborts the partition's pending
transaction, and only then is the committed offset read.
After fencing or a commit whose outcome is unknown the producer is recreated and the
partition rewinds to its committed offset: work may be repeated, output never is.

At-least-once: outputs are sent, their acknowledgements awaited, then the offset is
committed. A crash between the two repeats outputs; they are keyed by article id so a
compacted topic absorbs the repeat.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import signal
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeAlias

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.abc import ConsumerRebalanceListener
from aiokafka.errors import KafkaError

from service.models import Origin
from service.pipeline import Dropped, Duplicate, Outcome, Published, Record
from service.settings import Settings
from service.shell import logs
from service.shell.batching import ChunkBuffer
from service.shell.client import client_options, utc_now
from service.shell.events import Provenance, clean_event, dead_letter, dlq_headers, encode
from service.shell.metrics import Metrics
from service.shell.offsets import committed_offset

Runner = Callable[[Sequence[Record]], list[Outcome]]
Message: TypeAlias = "ConsumerRecord[bytes, bytes]"
Batches: TypeAlias = "dict[TopicPartition, list[Message]]"
Output = tuple[str, bytes | None, bytes | None, list[tuple[str, bytes]]]

log = logs.get("cleanwire.kafka")
TRANSACTION_DEADLINE_S = 30.0  # a commit still pending after this has an unknown outcome
OWN_DEADLINE_S = 15.0  # one attempt to settle a partition's transaction and read its commit
# Under steady load one transaction in four spent 110-140 ms instead of 10-25 in
# TxnOffsetCommit: the broker answered it with a retriable coordinator error, and aiokafka
# rediscovers the coordinator and waits retry_backoff_ms (default 100) before resending.
# 20 ms (the Java client's back-off for the similar race of KAFKA-5477) removed that tail.
RETRY_BACKOFF_MS = 20
# aiokafka keeps one produce request in flight per broker, carrying one batch per partition,
# and closes a batch at max_batch_size (default 16 KiB). Articles are 3-60 KB, so the default
# sent one record per partition per round trip: `--stages none` moved 1,569-1,687 records/s.
# With 1 MiB batches a request carries what accumulated meanwhile: 2,941-3,311 records/s.
BATCH_BYTES = 1024**2


class StaleCommit(KafkaError):  # type: ignore[misc]
    """The broker answered a committed offset below one it acknowledged to this process."""

    retriable = True


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
        self._producers: dict[TopicPartition, AIOKafkaProducer] = {}
        self._shared: AIOKafkaProducer | None = None
        self._next: dict[TopicPartition, int] = {}
        self._owner: dict[TopicPartition, int] = {}  # ownership generation, new at every own()
        self._generations = itertools.count()
        self._lock = asyncio.Lock()
        self._stopping = asyncio.Event()
        self._batches = 0
        self._gauges = dict(gauges or {})
        self._buffer: ChunkBuffer[TopicPartition, Message] = ChunkBuffer(
            settings.commit_interval_ms / 1000,
            settings.commit_max_records,
            settings.commit_backlog_interval_ms / 1000,
        )
        self._gauges_at = 0.0
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="pipeline")
        self.started = False

    def is_ready(self) -> bool:
        return self.started and bool(self._next)

    def _producer(self, transactional_id: str | None) -> AIOKafkaProducer:
        return AIOKafkaProducer(
            transactional_id=transactional_id, enable_idempotence=True, acks="all",
            max_request_size=max(self.s.max_record_bytes * 2, 1024**2), linger_ms=5,
            max_batch_size=BATCH_BYTES,
            retry_backoff_ms=RETRY_BACKOFF_MS,
            **client_options(self.s),
        )  # fmt: skip

    async def start(self) -> None:
        if not self.eos:
            self._shared = self._producer(None)
            await self._shared.start()
        self.consumer.subscribe([self.s.raw_topic], listener=_Listener(self))
        await self.consumer.start()
        self.started = True

    async def stop(self) -> None:
        self.started = False
        await self.consumer.stop()
        for producer in [*self._producers.values(), self._shared]:
            if producer is not None:
                await producer.stop()
        self._producers.clear()
        self._pool.shutdown(wait=False)

    async def serve(self, stop: asyncio.Event) -> None:
        """Process records until ``stop`` is set; the chunks in flight always complete.

        Fetched records wait in a :class:`ChunkBuffer` and are committed in chunks of
        about ``commit_interval_ms`` of pipeline time, growing up to
        ``commit_backlog_interval_ms`` while a backlog waits (at most ``commit_max_records``).
        The buffer is topped up with what the consumer has already fetched before every
        chunk. When a whole chunk is waiting, the pipeline runs it while the previous one
        commits (otherwise the commit finishes first and the buffer is topped up with what was
        fetched meanwhile, so chunks stay large); a partition whose commit failed, or that
        changed hands meanwhile, drops its share of the next chunk (it is read again from
        the committed offset).
        """
        self._stopping = stop
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
                prepared = await self._prepare(self._buffer.take(self._next))
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
        """Run one chunk through the pipeline and encode its outputs (in the pipeline thread)."""
        owners = {tp: self._owner[tp] for tp in batches if tp in self._owner}
        work = {
            tp: [m for m in msgs if m.offset >= self._next[tp]]
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
            outputs = {tp: self._outputs(share, stamp) for tp, share in shares.items()}
            return _Chunk(shares, outputs, owners, len(records), seconds)

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
                if self._owner.get(tp) == chunk.owners[tp]
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
            now = time.time()
            settled = [pair for tp in committed for pair in shares[tp]]
            self.metrics.count([o for o, _ in settled])  # one increment per series
            for _, m in settled:
                self.metrics.end_to_end.observe(max(0.0, now - m.timestamp / 1000))
            self._update_lag({tp: [m for _, m in share] for tp, share in shares.items()})

    def _outputs(self, share: list[tuple[Outcome, Message]], stamp: str) -> list[Output]:
        return [self._route(o, m, stamp) for o, m in share]

    def _route(self, outcome: Outcome, msg: Message, stamp: str) -> Output:
        """Return the one record an outcome publishes: every input ends in exactly one topic.

        Clean and duplicate articles are keyed by article id; dead letters (invalid input,
        articles empty after cleaning) keep the original key, value and headers.
        """
        headers = list(msg.headers or ())
        if isinstance(outcome, Published | Duplicate):
            topic = (
                self.s.clean_topic if isinstance(outcome, Published) else self.s.duplicates_topic
            )
            value = encode(clean_event(outcome.article, self.provenance, stamp))
            return topic, outcome.article.id.encode("utf-8"), value, headers
        if isinstance(outcome, Dropped):
            log.info(
                "article_dropped", reason=outcome.drop.reason, article_id=outcome.drop.article_id
            )
        error = dead_letter(outcome)
        return self.s.dlq_topic, msg.key, msg.value, dlq_headers(error, outcome.origin, headers)

    async def _commit_eos(
        self, tp: TopicPartition, outputs: list[Output], next_offset: int
    ) -> bool:
        producer = self._producers[tp]

        async def transaction() -> None:
            async with producer.transaction():
                for topic, key, value, headers in outputs:
                    await producer.send(topic, value, key=key, headers=headers)
                await producer.send_offsets_to_transaction({tp: next_offset}, self.s.group_id)

        try:  # a commit stuck past the deadline has an unknown outcome: settle it by re-init
            await asyncio.wait_for(transaction(), TRANSACTION_DEADLINE_S)
        except (KafkaError, TimeoutError) as exc:
            self.metrics.commits.labels("aborted").inc()
            log.warning("transaction_failed", partition=tp.partition, error=repr(exc))
            await self._restart_partition(tp)
            return False
        self.metrics.commits.labels("ok").inc()
        self._next[tp] = next_offset
        return True

    async def _commit_alo(
        self, outputs: dict[TopicPartition, list[Output]], offsets: dict[TopicPartition, int]
    ) -> list[TopicPartition]:
        assert self._shared is not None
        try:
            sends = [
                await self._shared.send(t, v, key=k, headers=h)
                for out in outputs.values()
                for t, k, v, h in out
            ]
            await asyncio.gather(*sends)
            await self.consumer.commit(offsets)
        except KafkaError as exc:  # send failed, or rebalanced meanwhile: records are repeated
            self.metrics.commits.labels("aborted").inc()
            log.warning("commit_failed", error=repr(exc))
            for tp in offsets:
                await self._rewind(tp)
            return []
        self.metrics.commits.labels("ok").inc()
        self._next.update((tp, off) for tp, off in offsets.items() if tp in self._next)
        return list(offsets)

    async def _restart_partition(self, tp: TopicPartition) -> None:
        """Recreate the partition's producer (settling its transaction), rewind to the commit."""
        await _discard(self._producers.pop(tp, None), 10)
        self.metrics.producer_restarts.inc()
        await self._rewind(tp)

    async def _rewind(self, tp: TopicPartition) -> None:
        """Re-own ``tp`` so uncommitted records are processed again.

        Retries with backoff while the broker is unreachable or answers a committed offset
        below this process's last acknowledged commit, until it succeeds or the service is
        stopping; then the partition is dropped (nothing more is committed for it, so
        nothing is lost).
        """
        floor = self._next.get(tp)
        delay = 0.5
        while not self._stopping.is_set():
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
        self._next.pop(tp, None)
        self._owner.pop(tp, None)

    async def own(self, tp: TopicPartition, floor: int | None = None) -> None:
        """Take a partition: settle its pending transaction, then seek to its committed offset.

        ``floor`` is the offset of a commit already acknowledged to this process: an answer
        below it is one the broker has not caught up with yet (seen right after a broker
        restart) and raises :class:`StaleCommit`, to be retried.
        """
        if self.eos:
            await _discard(self._producers.pop(tp, None), 5)  # from an attempt that timed out
            producer = self._producer(f"{self.s.group_id}-{tp.topic}-{tp.partition}")
            try:
                await producer.start()
            except BaseException:
                await _discard(producer, 5)
                raise
            self._producers[tp] = producer
        committed = await committed_offset(self.consumer, tp)  # not consumer.committed()
        if floor is not None and (committed or 0) < floor:
            raise StaleCommit(f"partition {tp.partition}: committed {committed} < {floor}")
        self._buffer.drop(tp)  # buffered records are re-read from the commit, in order
        if committed is None:
            await self.consumer.seek_to_beginning(tp)  # auto_offset_reset=earliest
        else:
            self.consumer.seek(tp, committed)
        self._next[tp] = committed or 0
        self._owner[tp] = next(self._generations)
        self.metrics.assigned.set(len(self._next))
        log.info("partition_assigned", partition=tp.partition, committed=committed)

    async def release(self, tp: TopicPartition) -> None:
        """Give a partition up after its in-flight chunk has committed."""
        self._next.pop(tp, None)
        self._owner.pop(tp, None)
        self._buffer.drop(tp)
        producer = self._producers.pop(tp, None)
        if producer is not None:
            await producer.stop()
        self.metrics.assigned.set(len(self._next))
        for gauge in (self.metrics.lag_records, self.metrics.lag_seconds):
            with contextlib.suppress(KeyError):
                gauge.remove(str(tp.partition))
        log.info("partition_revoked", partition=tp.partition)

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
        for tp, next_offset in self._next.items():
            high = self.consumer.highwater(tp)
            if high is None:
                continue
            behind = max(0, high - next_offset)
            self.metrics.lag_records.labels(str(tp.partition)).set(behind)
            msgs = batches.get(tp)
            age = now - msgs[-1].timestamp / 1000 if msgs and behind else 0.0
            self.metrics.lag_seconds.labels(str(tp.partition)).set(max(0.0, age))


async def _discard(producer: AIOKafkaProducer | None, deadline_s: float) -> None:
    """Stop a producer being replaced; its errors no longer matter (it is fenced next).

    During a broker outage aiokafka's ``stop()`` can fail in many ways (a closed
    transport's RuntimeError among them), and none of them may crash the service.
    """
    if producer is None:
        return
    try:
        await asyncio.wait_for(producer.stop(), deadline_s)
    except Exception as exc:
        log.warning("producer_stop_failed", error=repr(exc))


class _Listener(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, service: KafkaService) -> None:
        self.service = service

    async def on_partitions_revoked(self, revoked: Sequence[TopicPartition]) -> None:
        async with self.service._lock:
            for tp in revoked:
                await self.service.release(tp)

    async def on_partitions_assigned(self, assigned: Sequence[TopicPartition]) -> None:
        async with self.service._lock:
            await asyncio.gather(*(self.service.own(tp) for tp in assigned))
