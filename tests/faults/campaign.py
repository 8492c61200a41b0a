"""Fault campaign: the fault suite over many seeds, stores and delivery modes, one table.

    python -m tests.faults.campaign --seeds 1-50 --alo-seeds 1-10 --workers 2
    make fault-campaign SEEDS=1-50 ALO_SEEDS=1-10 WORKERS=2

Plans for each seed of ``--seeds``:

- ``redis`` / ``exactly_once``: the full plan (three kill -9s, a SIGTERM restart, a second
  instance joining and leaving, a broker kill -9, a Redis restart);
- ``embedded`` / ``exactly_once`` with ``--no-join``: one instance throughout, since the
  embedded index is not shared between instances;

and for each seed of ``--alo-seeds``, ``redis`` / ``at_least_once`` (repeats allowed, loss
not). Each worker owns a private Kafka and Redis (``scripts/services.sh`` on its own ports
and state directory under a temporary directory), stopped and deleted at the end, so
services on the default ports are not touched; every run deletes its topics and flushes
its Redis database. Runs go to the workers in turn; 2 workers suit a 2-core machine (a
full run then takes about 4 minutes).

Writes the table (seed, store, mode, result, lost, repeats, dedup misses, DLQ difference,
kill -9 → resumed times, wall time) to ``--out`` and stdout, with each run's output beside
it; exits 1 if any run failed.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ROOT / "scripts" / "services.sh"
KAFKA_BASE_PORT = 19092  # worker i: Kafka on base + 10 i (controller + 1), Redis on 16379 + i
REDIS_BASE_PORT = 16379


@dataclass(frozen=True, slots=True)
class Job:
    seed: int
    store: str
    delivery: str

    def argv(self, quick: bool) -> list[str]:
        args = ["--seed", str(self.seed), "--store", self.store, "--delivery", self.delivery]
        if self.store == "embedded":
            args.append("--no-join")
        return args + (["--quick"] if quick else [])


@dataclass
class Result:
    job: Job
    passed: bool
    counts: dict[str, int] = field(default_factory=dict)
    resumes: list[float] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0
    log: str = ""


def seed_list(text: str) -> list[int]:
    """Parse ``1-50``, ``3,7,9-12`` or an empty string into sorted seeds."""
    seeds: set[int] = set()
    for part in filter(None, (p.strip() for p in text.split(","))):
        low, _, high = part.partition("-")
        seeds.update(range(int(low), int(high or low) + 1))
    return sorted(seeds)


def jobs_for(seeds: list[int], alo_seeds: list[int], stores: list[str]) -> list[Job]:
    """Return the campaign's runs, seed by seed."""
    jobs = []
    for seed in sorted(set(seeds) | set(alo_seeds)):
        if seed in seeds:
            jobs.extend(Job(seed, store, "exactly_once") for store in stores)
        if seed in alo_seeds:
            jobs.append(Job(seed, "redis", "at_least_once"))
    return jobs


def parse_output(job: Job, text: str, code: int, seconds: float) -> Result:
    """Read the fault suite's ``faults:`` lines into a :class:`Result`."""
    result = Result(job, passed=code == 0 and "faults: PASS" in text, seconds=seconds, log=text)
    for line in text.splitlines():
        if m := re.match(r"faults: (\w+) = (-?\d+)$", line):
            result.counts[m[1]] = int(m[2])
        elif m := re.match(r"faults: kill -9 to resumed processing \(s\): (.*)$", line):
            result.resumes = [float(x) for x in m[1].split(",") if x.strip()]
        elif line.startswith("faults: FAIL "):
            result.problems.append(line.removeprefix("faults: FAIL "))
    if code != 0 and not result.counts:
        result.problems.append(f"the suite exited {code} before a verdict")
    return result


def table(results: list[Result]) -> list[str]:
    """Return the Markdown summary table, one row per run."""
    lines = [
        "| seed | store | mode | result | lost | repeats | dedup misses | DLQ missing / extra "
        "| kill -9 → resumed (s) | wall (s) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in sorted(results, key=lambda r: (r.job.seed, r.job.store, r.job.delivery)):
        c = r.counts
        repeats = c.get("repeats_clean", 0) + c.get("repeats_duplicates", 0)
        resumes = ", ".join(f"{t:.1f}" for t in r.resumes) or "-"
        lines.append(
            f"| {r.job.seed} | {r.job.store} | {r.job.delivery} | "
            f"{'PASS' if r.passed else 'FAIL'} | {c.get('lost', '-')} | {repeats} | "
            f"{c.get('dedup_misses', '-')} | {c.get('dlq_missing', '-')} / "
            f"{c.get('dlq_extra', '-')} | {resumes} | {r.seconds:.0f} |"
        )
    passed = sum(r.passed for r in results)
    lines.append("")
    lines.append(f"{passed} of {len(results)} runs passed.")
    for r in results:
        for problem in r.problems:
            lines.append(f"- seed {r.job.seed} {r.job.store} {r.job.delivery}: {problem}")
    return lines


class Worker:
    """A private Kafka + Redis pair and the runs given to it."""

    def __init__(self, index: int, base: Path) -> None:
        self.index = index
        self.env = {
            **os.environ,
            "CLEANWIRE_KAFKA_PORT": str(KAFKA_BASE_PORT + 10 * index),
            "CLEANWIRE_REDIS_PORT": str(REDIS_BASE_PORT + index),
            "CLEANWIRE_SERVICES_DIR": str(base / f"services-{index}"),
        }

    async def services(self, action: str) -> None:
        proc = await asyncio.create_subprocess_exec(
            "bash", str(SERVICES), action, env=self.env, cwd=ROOT,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        _, err = await proc.communicate()
        if proc.returncode != 0:
            raise RuntimeError(f"worker {self.index}: services.sh {action}: {err.decode()}")

    async def run(self, job: Job, quick: bool) -> Result:
        start = time.monotonic()
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tests.faults", *job.argv(quick), env=self.env, cwd=ROOT,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        out, _ = await proc.communicate()
        assert proc.returncode is not None
        return parse_output(
            job, out.decode(errors="replace"), proc.returncode, time.monotonic() - start
        )


async def campaign(args: argparse.Namespace) -> list[Result]:
    jobs = jobs_for(seed_list(args.seeds), seed_list(args.alo_seeds), args.stores.split(","))
    queue: asyncio.Queue[Job] = asyncio.Queue()
    for job in jobs:
        queue.put_nowait(job)
    results: list[Result] = []
    base = Path(tempfile.mkdtemp(prefix="cleanwire-campaign-"))
    logs = Path(args.out).with_suffix("")
    logs.mkdir(parents=True, exist_ok=True)

    async def work(worker: Worker) -> None:
        await worker.services("start")
        try:
            while not queue.empty():
                job = queue.get_nowait()
                result = await worker.run(job, args.quick)
                name = f"seed{job.seed}-{job.store}-{job.delivery}.log"
                (logs / name).write_text(result.log)
                results.append(result)
                print(
                    f"campaign: {len(results)}/{len(jobs)} seed {job.seed} {job.store} "
                    f"{job.delivery}: {'PASS' if result.passed else 'FAIL'} "
                    f"({result.seconds:.0f} s)",
                    flush=True,
                )
        finally:
            await worker.services("stop")

    try:
        workers = [Worker(i, base) for i in range(max(1, min(args.workers, len(jobs))))]
        await asyncio.gather(*(work(w) for w in workers))
    finally:
        shutil.rmtree(base, ignore_errors=True)
    return results


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tests.faults.campaign", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    p.add_argument("--seeds", default="1-50", help="exactly-once seeds, e.g. 1-50 or 3,7,9-12")
    p.add_argument("--alo-seeds", default="1-10", help="at-least-once seeds (Redis store)")
    p.add_argument("--stores", default="redis,embedded", help="stores for the exactly-once runs")
    p.add_argument("--workers", type=int, default=2, help="runs at a time, each on its own broker")
    p.add_argument("--quick", action="store_true", help="pass --quick to every run (CI size)")
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    p.add_argument(
        "--out",
        default=str(ROOT / ".cache" / "faults" / f"campaign-{stamp}.md"),
        help="the summary table; each run's output goes into a folder of the same name",
    )
    args = p.parse_args(argv)
    results = asyncio.run(campaign(args))
    lines = table(results)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    print(f"campaign: table in {args.out}")
    return 0 if results and all(r.passed for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
