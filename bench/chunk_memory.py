"""Memory the pipeline takes and gives back per chunk, by chunk size (soak).

Usage: python bench/chunk_memory.py [--ner-batch-size 2] [--chunks 2,10,20] [--reps 8]
       [--stages clean,dedup,enrich]

Builds the service's pipeline in this process (no broker) and runs it over chunks of
generated bench events (``bench/events.py``'s mix). Before each chunk the kernel's RSS
high-water mark is reset (/proc/self/clear_refs); after it, the script records how far the
peak rose above the RSS before the chunk. A pipeline whose working memory stays in the heap
shows 0; one that allocates fresh memory per chunk and frees it after shows that memory
here, and the same amount as RSS swing in ``bench/soak.py``. Linux only.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import events as ev
import orjson
import procstat

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from service.models import Origin
from service.settings import load
from service.shell.run import build

MIB = 1024**2


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--ner-batch-size", type=int, default=2)
    ap.add_argument("--chunks", default="2,10,20")
    ap.add_argument("--reps", type=int, default=8)
    ap.add_argument("--stages", default="clean,dedup,enrich")
    ap.add_argument("--seed", type=int, default=5)
    a = ap.parse_args()
    sizes = [int(x) for x in a.chunks.split(",")]
    settings = load(
        {"stages": a.stages, "ner_batch_size": a.ner_batch_size, "state_dir": tempfile.mkdtemp()},
        {},
    )
    built = build(settings)
    need = 40 + a.reps * sum(sizes)
    values = [orjson.dumps(e) for e in ev.generate(ev.Mix(need, 0.3, 0.2, a.seed))]
    records = [(v, Origin("bench", 0, i)) for i, v in enumerate(values)]
    built.run(records[:40])  # warm-up: model caches, first allocations
    at, pid = 40, os.getpid()
    print(f"stages {a.stages}, --ner-batch-size {a.ner_batch_size}, {a.reps} chunks per size")
    for size in sizes:
        rises, began = [], time.process_time()
        for _ in range(a.reps):
            chunk, at = records[at : at + size], at + size
            Path("/proc/self/clear_refs").write_text("5")  # VmHWM := VmRSS
            before = procstat.rss_bytes(pid)
            built.run(chunk)
            rises.append((procstat.peak_rss_bytes(pid) - before) / MIB)
        per_article = (time.process_time() - began) / (a.reps * size) * 1000
        rises.sort()
        print(
            f"chunk of {size:3d}: peak above the RSS before it, MiB: median {rises[len(rises) // 2]:.0f}"
            f", max {rises[-1]:.0f}; RSS after {procstat.rss_bytes(pid) / MIB:.0f} MiB;"
            f" {per_article:.1f} CPU-ms an article"
        )
    built.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
