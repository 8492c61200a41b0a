"""RSS of ``cleanwire run`` over a soak at a steady offered load.

Usage: python bench/soak.py [--minutes 20] [--warmup-minutes 2] [--load 0.8] [--rate R]
       [--interval 10] [--stages clean,dedup,enrich] [--html-share 0.3] [--dup-share 0.2]

Offered load: ``--rate`` events/s, or ``--load`` times the 1-worker rate (d) that the last
``bench/throughput.py`` run recorded in .cache/bench/last.json. Fresh topics, unique
generated events (so the dedup index grows as it would in production, within its window).
Samples the RSS of the service's process tree every ``--interval`` s and prints
min/max/first/last after the warm-up, and whether RSS stays within ±10 % of its
post-warm-up first sample. Also prints the latency figures of the run.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

import events as ev
import orjson
import throughput as tp


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--minutes", type=float, default=20.0)
    ap.add_argument("--warmup-minutes", type=float, default=2.0)
    ap.add_argument("--load", type=float, default=0.8)
    ap.add_argument("--rate", type=float, default=0.0)
    ap.add_argument("--interval", type=float, default=10.0)
    ap.add_argument("--tolerance", type=float, default=0.10)
    ap.add_argument("--stages", default="clean,dedup,enrich")
    ap.add_argument("--html-share", type=float, default=0.3)
    ap.add_argument("--dup-share", type=float, default=0.2)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--partitions", type=int, default=4)
    ap.add_argument("--commit-interval-ms", type=int, default=100)
    ap.add_argument("--commit-backlog-interval-ms", type=int, default=500)
    ap.add_argument("--bootstrap-servers", default="127.0.0.1:9092")
    ap.add_argument("--timeout", type=float, default=300.0)
    a = ap.parse_args()
    rate = a.rate
    if not rate:
        try:
            last = orjson.loads(tp.LAST.read_bytes())
        except FileNotFoundError:
            print("no --rate and no .cache/bench/last.json: run bench/throughput.py first")
            return 2
        if last.get("stages") != a.stages:
            print(f"note: last.json was measured with stages {last.get('stages')!r}")
        rate = last["d_rate"] * a.load
    seconds = a.minutes * 60
    events = ev.generate(ev.Mix(int(rate * seconds) + 1, a.html_share, a.dup_share, a.seed))
    print(f"soak: {rate:.1f} events/s for {a.minutes:g} min, stages {a.stages}, "
          f"RSS every {a.interval:g} s", flush=True)  # fmt: skip
    x = asyncio.run(tp.offered_load(a, rate, seconds, events, rss_interval=a.interval))
    if x.error or not x.rss_series:
        print(f"soak failed: {x.error or 'no samples'}")
        return 1
    t_start = x.rss_series[0][0]
    for t, rss in x.rss_series:
        print(f"  t={t - t_start:7.0f} s  RSS {rss / 1024**2:7.1f} MiB")
    after = [rss for t, rss in x.rss_series if t - t_start >= a.warmup_minutes * 60]
    if len(after) < 2:
        print("soak too short for the warm-up: no samples after it")
        return 1
    first, last_rss, lo, hi = after[0], after[-1], min(after), max(after)
    flat = lo >= first * (1 - a.tolerance) and hi <= first * (1 + a.tolerance)
    mib = 1024**2
    print(
        f"RSS after {a.warmup_minutes:g} min warm-up ({len(after)} samples): first "
        f"{first / mib:.1f} MiB, last {last_rss / mib:.1f} MiB, min {lo / mib:.1f}, "
        f"max {hi / mib:.1f} MiB; drift last/first {last_rss / first - 1:+.1%}; "
        f"flat within ±{a.tolerance:.0%}: {'yes' if flat else 'NO'}"
    )
    print(
        f"latency over the soak: p50 {x.p50 * 1000:.0f} ms p95 {x.p95 * 1000:.0f} ms "
        f"p99 {x.p99 * 1000:.0f} ms; sent {x.sent} received {x.received}"
    )
    return 0 if flat else 1


if __name__ == "__main__":
    sys.exit(main())
