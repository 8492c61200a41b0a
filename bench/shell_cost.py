"""CPU a record costs the shell with every stage disabled, in process (shell target).

Usage: python bench/shell_cost.py [--records 2000] [--reps 15] [--passthrough-cpu-ms 0.15]

Runs, on the transport events of ``bench/throughput.py`` (same generator, seed and mix; about
17 KB a record), the per-record work ``cleanwire run --stages none`` adds to a bare
consume → produce loop: parsing and validating the raw event, and encoding the clean event.
No broker. Each rep times every row in turn; the script prints each row's median and best rep
in CPU-µs per record (this machine's speed drifts by a third within minutes, so the rows
are compared by their medians), next to the floor: one
``orjson.loads`` and one ``orjson.dumps`` of the same event, which any service that validates
its input and emits a new JSON event pays.

With ``--passthrough-cpu-ms`` (the bare passthrough's "CPU-s / 1k" from ``make bench``) it
also prints the budget the 0.8x shell target leaves per record, if the shell and the
passthrough keep their process equally busy: passthrough x (1 / 0.8 - 1).
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

from service.models import Origin
from service.pipeline import Duplicate, Published
from service.settings import load
from service.shell.events import clean_event, encode
from service.shell.run import build


def cpu_us(fn: Callable[[], object], n: int) -> float:
    """CPU-µs per record of one call of ``fn`` over ``n`` records."""
    start = time.process_time()
    fn()
    return (time.process_time() - start) / n * 1e6


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--records", type=int, default=2000)
    ap.add_argument("--reps", type=int, default=15)
    ap.add_argument("--passthrough-cpu-ms", type=float, default=0.0)
    a = ap.parse_args()
    defaults = tp.parse_args([])
    mix = ev.Mix(defaults.events, defaults.html_share, defaults.dup_share, defaults.seed)
    values = [v for _, v in tp.payloads_for(list(ev.generate(mix)), a.records)]
    n = len(values)
    settings = load({"stages": "none", "state_dir": tempfile.mkdtemp()}, {})
    built = build(settings)
    records = [(v, Origin("raw", 0, i)) for i, v in enumerate(values)]
    decoded = [orjson.loads(v) for v in values]

    def shell() -> None:
        for o in built.run(records):
            if isinstance(o, Published | Duplicate):
                encode(clean_event(o.article, built.provenance, "2026-01-01T00:00:00.000Z"))

    work: dict[str, Callable[[], object]] = {
        "orjson.loads (floor, decode)": lambda: [orjson.loads(v) for v in values],
        "orjson.dumps (floor, encode)": lambda: [orjson.dumps(d) for d in decoded],
        "parse + validate (Parser)": lambda: built.run(records),
        "shell: parse + clean event + encode": shell,
    }
    reps: dict[str, list[float]] = {label: [] for label in work}
    for _ in range(a.reps):
        for label, fn in work.items():
            reps[label].append(cpu_us(fn, n))
    rows = {label: statistics.median(xs) for label, xs in reps.items()}
    print(f"{n} records, mean {sum(map(len, values)) / n / 1024:.1f} KiB; {a.reps} reps")
    for label, us in rows.items():
        print(f"  {label:38s} {us:6.1f} CPU-µs / record (median; best {min(reps[label]):.1f})")
    floor = rows["orjson.loads (floor, decode)"] + rows["orjson.dumps (floor, encode)"]
    print(f"  {'floor: loads + dumps':38s} {floor:6.1f} CPU-µs / record (medians)")
    if a.passthrough_cpu_ms:
        budget = a.passthrough_cpu_ms * 1000 * (1 / 0.8 - 1)
        print(
            f"budget at 0.8x of a passthrough costing {a.passthrough_cpu_ms * 1000:.0f} µs: "
            f"{budget:.1f} µs / record; the shell needs {rows['shell: parse + clean event + encode']:.1f}, "
            f"the floor {floor:.1f}"
        )  # fmt: skip
    built.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
