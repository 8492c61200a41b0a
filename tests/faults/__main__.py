"""Fault-injection suite: `python -m tests.faults [--quick]` (or `make faults`).

Produces labelled raw events to a multi-partition topic while `cleanwire run` instances
process them, and injects faults at seeded random points: kill -9 of an instance (three
times), a SIGTERM restart, a second instance joining and later leaving, kill -9 of the
broker and restart, and a Redis restart (with --store redis). Instances that die are
restarted, as an orchestrator would. At the end a read_committed oracle checks every
expectation and the process exits 1 on any difference.

The broker and Redis are the ones ``scripts/services.sh`` starts, on 127.0.0.1 at
``CLEANWIRE_KAFKA_PORT`` (default 9092) and ``CLEANWIRE_REDIS_PORT`` (default 6379), the
same variables the script reads; give a parallel campaign its own ports and its own
``CLEANWIRE_SERVICES_DIR``.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import random
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path

from aiokafka import AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from tests.faults.cluster import Infra, Instance, assigned_partitions
from tests.faults.events import EMPTY_REASON, check_navigation_is_chrome, generate
from tests.faults.oracle import verify

# The ports scripts/services.sh starts the broker and Redis on (same variables, same defaults),
# so that campaigns on separate service pairs can run side by side.
KAFKA_PORT = int(os.environ.get("CLEANWIRE_KAFKA_PORT", "9092"))
REDIS_PORT = int(os.environ.get("CLEANWIRE_REDIS_PORT", "6379"))
BOOTSTRAP = f"127.0.0.1:{KAFKA_PORT}"


def _args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m tests.faults", description=__doc__)
    p.add_argument("--events", type=int, default=50_000)
    p.add_argument(
        "--duration", type=float, default=150.0, help="seconds over which events are produced"
    )
    p.add_argument("--partitions", type=int, default=6)
    p.add_argument("--store", choices=("redis", "embedded"), default="redis")
    p.add_argument("--delivery", choices=("exactly_once", "at_least_once"), default="exactly_once")
    p.add_argument(
        "--stages",
        default="clean,dedup",
        help="service stages (enrich is slow and irrelevant to delivery)",
    )
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--dup-share", type=float, default=0.3, help="share of stories that get copies")
    p.add_argument(
        "--empty-share",
        type=float,
        default=0.03,
        help="chance that a generated story is a navigation-only page, empty after cleaning "
        "(DLQ); 0 when --stages has no clean",
    )
    p.add_argument(
        "--quick", action="store_true", help="CI size: 4,000 events over 40 s, same fault kinds"
    )
    p.add_argument("--no-broker-fault", action="store_true")
    p.add_argument(
        "--no-join",
        action="store_true",
        help="one instance throughout (no second instance joining and leaving): the plan for "
        "--store embedded, whose index is not shared between instances",
    )
    p.add_argument(
        "--keep",
        action="store_true",
        help="keep the run's topics, Redis database and state directory (default: removed "
        "after the verdict, the directory only when the run passed)",
    )
    p.add_argument(
        "--timeout", type=float, default=900.0, help="give up waiting for outputs after this"
    )
    a = p.parse_args(argv)
    if a.quick:
        a.events, a.duration = 4_000, 40.0
    if "clean" not in {s.strip() for s in a.stages.split(",")}:
        a.empty_share = 0.0  # without the clean stage a navigation page is published as is
    return a


class Run:
    def __init__(self, a: argparse.Namespace) -> None:
        self.a = a
        tag = uuid.uuid4().hex[:8]
        self.topics = {k: f"faults-{tag}.{k}" for k in ("raw", "clean", "duplicates", "dlq")}
        self.group = f"faults-{tag}"
        self.dir = Path(tempfile.mkdtemp(prefix=f"cleanwire-faults-{tag}-"))
        self.infra = Infra()
        self.instances: dict[str, Instance] = {}
        self.wanted: set[str] = set()
        self.resume_times: list[float] = []
        self.log: list[str] = []
        self.crash_restarts = 0
        self.exit_codes: list[int] = []
        self.rng = random.Random(a.seed)
        self.t0 = time.monotonic()
        self.redis_url = f"redis://127.0.0.1:{REDIS_PORT}/{self.rng.randint(1, 14)}"

    def note(self, text: str) -> None:
        line = f"[{time.monotonic() - self.t0:7.1f}s] {text}"
        self.log.append(line)
        print(line, file=sys.stderr, flush=True)

    def instance(self, name: str) -> Instance:
        if name not in self.instances:
            env = {
                **{k: v for k, v in os.environ.items() if not k.startswith("CLEANWIRE_")},
                "CLEANWIRE_BOOTSTRAP_SERVERS": BOOTSTRAP, "CLEANWIRE_GROUP_ID": self.group,
                "CLEANWIRE_RAW_TOPIC": self.topics["raw"], "CLEANWIRE_CLEAN_TOPIC": self.topics["clean"],
                "CLEANWIRE_DUPLICATES_TOPIC": self.topics["duplicates"], "CLEANWIRE_DLQ_TOPIC": self.topics["dlq"],
                "CLEANWIRE_STORE": self.a.store, "CLEANWIRE_STATE_DIR": str(self.dir / f"state-{name}"),
                "CLEANWIRE_REDIS_URL": self.redis_url,
                "CLEANWIRE_DELIVERY": self.a.delivery, "CLEANWIRE_STAGES": self.a.stages,
                "CLEANWIRE_GROUP_INSTANCE_ID": f"{self.group}-{name}", "CLEANWIRE_LOG_LEVEL": "warning",
            }  # fmt: skip
            self.instances[name] = Instance(name, env, self.dir)
        return self.instances[name]

    async def setup(self) -> list[tuple[bytes, bytes]]:
        self.infra.start()
        admin = AIOKafkaAdminClient(bootstrap_servers=BOOTSTRAP)
        await admin.start()
        try:
            await admin.create_topics(
                [NewTopic(self.topics["raw"], self.a.partitions, 1)]
                + [NewTopic(self.topics[k], 3, 1) for k in ("clean", "duplicates", "dlq")]
            )
        finally:
            await admin.close()
        if self.a.store == "redis":
            import redis

            client = redis.Redis.from_url(self.redis_url)
            for _ in range(120):  # a restarted Redis answers BUSY while it loads its AOF
                try:
                    client.flushdb()  # a fresh window for this run
                    break
                except (redis.BusyLoadingError, redis.ConnectionError):
                    await asyncio.sleep(0.5)
        if self.a.empty_share:
            check_navigation_is_chrome()
        events, self.expected = generate(
            self.a.events, self.a.seed, self.a.dup_share, self.a.empty_share
        )
        empty = self.expected.dead_letter_count(EMPTY_REASON)
        invalid = self.expected.dead_letter_count() - empty
        self.note(
            f"generated {len(events)} events: {len(self.expected.clusters)} clusters, {invalid} invalid, {empty} empty after cleaning; logs in {self.dir}"
        )
        return events

    async def produce(self, events: list[tuple[bytes, bytes]]) -> None:
        producer = AIOKafkaProducer(
            bootstrap_servers=BOOTSTRAP, acks="all", enable_idempotence=True, linger_ms=20,
            request_timeout_ms=300_000,  # ride out the broker fault instead of dropping input
        )  # fmt: skip
        await producer.start()
        try:
            per_tick = max(1, int(len(events) / (self.a.duration * 10)))
            for i in range(0, len(events), per_tick):
                for key, value in events[i : i + per_tick]:
                    await producer.send(self.topics["raw"], value, key=key)
                await asyncio.sleep(0.1)
            await producer.flush()
        finally:
            await producer.stop()
        self.note("all events produced")

    async def committed(self) -> dict[int, int]:
        admin = AIOKafkaAdminClient(bootstrap_servers=BOOTSTRAP)
        try:
            await admin.start()
            got = await admin.list_consumer_group_offsets(self.group)
            return {
                tp.partition: meta.offset
                for tp, meta in got.items()
                if tp.topic == self.topics["raw"]
            }
        except Exception:
            return {}
        finally:
            await admin.close()

    async def supervise(self, stop: asyncio.Event) -> None:
        """Restart wanted instances that died (as Kubernetes would)."""
        while not stop.is_set():
            for name in list(self.wanted):
                inst = self.instances[name]
                if not inst.alive():
                    code = inst.proc.returncode if inst.proc else None
                    self.crash_restarts += 1
                    self.note(f"instance {name} exited ({code}); restarting")
                    inst.start()
            await asyncio.sleep(0.5)

    async def measure_resume(
        self, parts: set[int], before: dict[int, int], killed_at: float
    ) -> None:
        ends = await self._raw_ends()
        pending = {p for p in parts if before.get(p, 0) < ends.get(p, 0)}
        while pending and time.monotonic() - killed_at < 120:
            now = await self.committed()
            pending = {p for p in pending if now.get(p, -1) <= before.get(p, -1)}
            await asyncio.sleep(0.25)
        elapsed = time.monotonic() - killed_at
        self.resume_times.append(elapsed)
        self.note(
            f"processing resumed on the killed instance's partitions {sorted(parts)} after {elapsed:.1f}s"
        )

    async def _raw_ends(self) -> dict[int, int]:
        from aiokafka import AIOKafkaConsumer

        c = AIOKafkaConsumer(bootstrap_servers=BOOTSTRAP)
        await c.start()
        try:
            tps = [TopicPartition(self.topics["raw"], p) for p in range(self.a.partitions)]
            return {tp.partition: off for tp, off in (await c.end_offsets(tps)).items()}
        finally:
            await c.stop()

    async def until_ready(self, name: str, timeout: float = 90.0) -> None:
        """Wait until the instance serves (a graceful stop is judged on a working instance)."""
        for _ in range(int(timeout * 2)):
            if await asyncio.to_thread(self.instances[name].ready):
                return
            await asyncio.sleep(0.5)

    async def kill9(self, name: str) -> None:
        await self.until_ready(name)  # kill an instance at work, not one still starting
        inst = self.instances[name]
        parts = assigned_partitions(inst.metrics())
        before = await self.committed()
        self.wanted.discard(name)
        inst.kill9()
        killed_at = time.monotonic()
        self.note(f"kill -9 {name} (partitions {sorted(parts)})")
        inst.start()
        self.wanted.add(name)
        await self.measure_resume(parts, before, killed_at)

    async def faults(self) -> None:
        d = self.a.duration
        plan = ["kill9", "sigterm", "join", "kill9", "broker", "redis", "leave", "kill9"]
        if self.a.no_broker_fault:
            plan.remove("broker")
        if self.a.store != "redis":
            plan.remove("redis")
        if self.a.no_join:
            plan.remove("join")
            plan.remove("leave")
        times = sorted(self.rng.uniform(0.08 * d, 0.92 * d) for _ in plan)
        start = time.monotonic()
        for when, fault in zip(times, plan, strict=True):
            await asyncio.sleep(max(0.0, start + when - time.monotonic()))
            if fault == "kill9":
                await self.kill9("A")
            elif fault == "sigterm":
                await self.until_ready("A")
                self.wanted.discard("A")
                code = self.instances["A"].terminate()
                self.exit_codes.append(code)
                self.note(f"SIGTERM A: exit code {code}; restarting")
                self.instances["A"].start()
                self.wanted.add("A")
            elif fault == "join":
                self.instance("B").start()
                self.wanted.add("B")
                self.note("instance B joined")
            elif fault == "leave":
                await self.until_ready("B")
                self.wanted.discard("B")
                code = self.instances["B"].terminate()
                self.exit_codes.append(code)
                self.note(f"instance B left (SIGTERM, exit code {code})")
            elif fault == "broker":
                self.infra.kill9_broker()
                self.note("kill -9 broker")
                await asyncio.sleep(2)
                await asyncio.to_thread(self.infra.start, "kafka")
                self.note("broker restarted")
            elif fault == "redis":
                await asyncio.to_thread(self.infra.restart_redis)
                self.note("redis restarted")

    async def cleanup(self, passed: bool) -> None:
        """Leave the broker and Redis as found: delete the topics, flush the Redis database.

        The state directory (instance logs, embedded stores) goes too when the run passed.
        """
        admin = AIOKafkaAdminClient(bootstrap_servers=BOOTSTRAP)
        await admin.start()
        try:
            await admin.delete_topics(list(self.topics.values()))
        finally:
            await admin.close()
        if self.a.store == "redis":
            import redis

            client = redis.Redis.from_url(self.redis_url)
            try:
                client.flushdb()
            finally:
                client.close()
        if passed:
            shutil.rmtree(self.dir, ignore_errors=True)
        self.note(
            f"cleaned up: topics deleted; state {'removed' if passed else f'kept in {self.dir}'}"
        )

    async def drain(self) -> bool:
        deadline = time.monotonic() + self.a.timeout
        while time.monotonic() < deadline:
            ends, done = await self._raw_ends(), await self.committed()
            if ends and all(done.get(p, 0) >= e for p, e in ends.items()):
                return True
            await asyncio.sleep(1)
        return False


async def main(argv: list[str] | None = None) -> int:
    a = _args(argv)
    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)  # the broker fault is expected noise
    run = Run(a)
    events = await run.setup()
    run.instance("A").start()
    run.wanted.add("A")
    stop = asyncio.Event()
    supervisor = asyncio.create_task(run.supervise(stop))
    try:
        await asyncio.gather(run.produce(events), run.faults())
        drained = await run.drain()
    finally:
        stop.set()
        await supervisor
        for inst in run.instances.values():
            if inst.alive():
                run.exit_codes.append(inst.terminate())
    run.note(f"outputs {'complete' if drained else 'INCOMPLETE (timeout)'}; verifying")
    verdict = await verify(
        BOOTSTRAP, run.expected, run.topics, exactly_once=a.delivery == "exactly_once"
    )
    print(f"faults: delivery={a.delivery} store={a.store} stages={a.stages} seed={a.seed}")
    for key, value in verdict.counts.items():
        print(f"faults: {key} = {value}")
    print(
        f"faults: kill -9 to resumed processing (s): {', '.join(f'{t:.1f}' for t in run.resume_times)}"
    )
    print(
        f"faults: instance restarts after crashes: {run.crash_restarts}; SIGTERM exit codes: {run.exit_codes}"
    )
    for problem in verdict.problems:
        print(f"faults: FAIL {problem}")
    ok = verdict.ok and drained and all(c == 0 for c in run.exit_codes)
    print("faults: PASS" if ok else "faults: FAIL", flush=True)
    if not a.keep:
        await run.cleanup(ok)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
