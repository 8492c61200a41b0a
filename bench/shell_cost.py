"""CPU a record costs the shell with every stage disabled, in process (shell target).

Usage: python bench/shell_cost.py [--records 2000] [--reps 15] [--chunk 500]

Runs, on the transport events of ``bench/throughput.py`` (same generator, seed and mix; about
17 KB a record), the per-record Python work of ``cleanwire run --stages none`` between the
fetch and the producer: for each chunk, the pipeline's input (value and origin), parsing and
validating the raw event, the clean event and its encoding (``kafka_output``, as the Kafka
shell calls it), and the chunk's metrics (outcome counters, end-to-end latencies). Next to it,
the same work of the JSON-decoding passthrough of ``make bench`` (a-json): ``orjson.loads`` +
``orjson.dumps`` of each value into an output tuple. No broker: what aiokafka does is the same
for both and is not timed here.

Each rep times every row in turn; the script prints each row's median and best rep in
CPU-µs per record (this machine's speed drifts by a third within minutes, so the rows are
compared by their medians, measured in the same reps).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import events as ev
import orjson
import throughput as tp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aiokafka import ConsumerRecord

from service.models import Origin
from service.settings import load
from service.shell.events import Destination
from service.shell.kafka import chunk_outputs, observe_settled
from service.shell.metrics import Metrics
from service.shell.run import build

TOPICS: dict[Destination, str] = {"clean": "clean", "duplicates": "duplicates", "dlq": "dlq"}


def cpu_us(fn: Callable[[], object], n: int) -> float:
    """CPU-µs per record of one call of ``fn`` over ``n`` records."""
    start = time.process_time()
    fn()
    return (time.process_time() - start) / n * 1e6


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--records", type=int, default=2000)
    ap.add_argument("--reps", type=int, default=15)
    ap.add_argument("--chunk", type=int, default=500, help="records a chunk (commit_max_records)")
    a = ap.parse_args()
    defaults = tp.parse_args([])
    mix = ev.Mix(defaults.events, defaults.html_share, defaults.dup_share, defaults.seed)
    values = [v for _, v in tp.payloads_for(list(ev.generate(mix)), a.records)]
    n = len(values)
    stamp_ms = int(time.time() * 1000)
    msgs = [
        ConsumerRecord("raw", 0, i, stamp_ms, 0, b"%d" % i, v, None, 0, len(v), [])
        for i, v in enumerate(values)
    ]
    chunks = [msgs[i : i + a.chunk] for i in range(0, n, a.chunk)]
    metrics = Metrics()
    settings = load({"stages": "none", "state_dir": tempfile.mkdtemp()}, {})
    built = build(settings, metrics)
    records = [(m.value, Origin(m.topic, m.partition, m.offset)) for m in msgs]

    def shell() -> None:  # as KafkaService._prepare's run(), then _commit's bookkeeping
        for chunk in chunks:
            batch = [(m.value, Origin(m.topic, m.partition, m.offset)) for m in chunk]
            outcomes = built.run(batch)
            share = list(zip(outcomes, chunk, strict=True))
            chunk_outputs(share, TOPICS, built.provenance, "t")
            observe_settled(metrics, share, time.time())

    def passthrough() -> None:  # bench/peer.py json: Loop.outputs
        for chunk in chunks:
            [
                ("out", m.key, orjson.dumps(orjson.loads(m.value)), list(m.headers or ()))
                for m in chunk
            ]

    work: dict[str, Callable[[], object]] = {
        "passthrough, JSON-decoding (a-json)": passthrough,
        "shell: whole chunk path": shell,
        "  of which pipeline (parse, validate)": lambda: built.run(records),
        "  orjson.loads alone": lambda: [orjson.loads(v) for v in values],
    }
    reps: dict[str, list[float]] = {label: [] for label in work}
    for _ in range(a.reps):
        for label, fn in work.items():
            reps[label].append(cpu_us(fn, n))
    rows = {label: statistics.median(xs) for label, xs in reps.items()}
    print(f"{n} records, mean {sum(map(len, values)) / n / 1024:.1f} KiB, chunks of {a.chunk}; "
          f"{a.reps} reps")  # fmt: skip
    for label, us in rows.items():
        print(f"  {label:38s} {us:6.1f} CPU-µs / record (median; best {min(reps[label]):.1f})")
    base, shell_us = rows["passthrough, JSON-decoding (a-json)"], rows["shell: whole chunk path"]
    print(f"  shell - passthrough: {shell_us - base:.1f} CPU-µs / record")
    built.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
