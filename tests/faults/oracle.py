"""Read every output topic (read_committed) and compare with what the generator expects."""

from __future__ import annotations

import asyncio
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import orjson
from aiokafka import AIOKafkaConsumer, TopicPartition

from tests.faults.events import EMPTY_REASON, Expected

REASON_HEADER = "__cleanwire.errors.reason"


@dataclass
class Record:
    key: bytes | None
    value: bytes | None
    headers: dict[str, bytes]
    partition: int
    offset: int


async def read_all(bootstrap: str, topic: str, isolation: str = "read_committed") -> list[Record]:
    """Return every record of ``topic`` up to its current end, in partition/offset order."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, isolation_level=isolation, enable_auto_commit=False
    )
    await consumer.start()
    try:
        parts = [
            TopicPartition(topic, p)
            for p in sorted(consumer.partitions_for_topic(topic) or await _parts(consumer, topic))
        ]
        consumer.assign(parts)
        await consumer.seek_to_beginning(*parts)
        ends = await consumer.end_offsets(parts)
        out: list[Record] = []
        done = {tp for tp in parts if ends[tp] == 0}
        while len(done) < len(parts):
            batch = await consumer.getmany(timeout_ms=500, max_records=5000)
            for msgs in batch.values():
                out.extend(
                    Record(m.key, m.value, dict(m.headers), m.partition, m.offset) for m in msgs
                )
            for tp in parts:
                if tp not in done and await consumer.position(tp) >= ends[tp]:
                    done.add(tp)
        return out
    finally:
        await consumer.stop()


async def _parts(consumer: AIOKafkaConsumer, topic: str) -> set[int]:
    await consumer._client.force_metadata_update()
    return consumer.partitions_for_topic(topic) or set()


@dataclass
class Verdict:
    """Counts and every difference found."""

    counts: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def check(
    exp: Expected,
    clean: list[Record],
    dups: list[Record],
    dlq: list[Record],
    exactly_once: bool = True,
) -> Verdict:
    """Compare outputs with expectations: each once, nothing extra, same-key order kept.

    Every input must end in exactly one place: its cluster on clean/duplicates, or the DLQ
    under its expected key and reason header (invalid records, pages empty after cleaning).
    With ``exactly_once=False`` (at-least-once) repeats are counted, not failures.
    """
    v = Verdict()
    clean_ids = Counter(orjson.loads(r.value or b"")["id"] for r in clean)
    dup_ids = Counter(orjson.loads(r.value or b"")["id"] for r in dups)
    cluster_of = {a: c for c, members in exp.clusters.items() for a in members}
    for name, ids in (("clean", clean_ids), ("duplicates", dup_ids)):
        repeated = [a for a, n in ids.items() if n > 1]
        unknown = [a for a in ids if a not in cluster_of]
        v.counts[f"repeats_{name}"] = sum(ids[a] - 1 for a in repeated)
        if repeated and exactly_once:
            v.problems.append(f"{len(repeated)} ids more than once on {name}, e.g. {repeated[:5]}")
        if unknown:
            v.problems.append(f"{len(unknown)} unexpected ids on {name}, e.g. {unknown[:5]}")
    both = set(clean_ids) & set(dup_ids)
    if both and exactly_once:
        v.problems.append(f"{len(both)} ids on both clean and duplicates, e.g. {sorted(both)[:5]}")
    lost, multi = [], []
    for cid, members in exp.clusters.items():
        published = [a for a in members if a in clean_ids]
        if len(published) > 1:
            multi.append((cid, published))
        missing = [a for a in members if a not in clean_ids and a not in dup_ids]
        lost.extend(missing)
    if lost:
        v.problems.append(f"{len(lost)} articles lost, e.g. {lost[:5]}")
    if multi and exactly_once:
        v.problems.append(f"{len(multi)} clusters published more than once, e.g. {multi[:3]}")
    unpublished = [c for c, ms in exp.clusters.items() if not any(a in clean_ids for a in ms)]
    if unpublished:
        v.problems.append(
            f"{len(unpublished)} clusters with no clean article, e.g. {unpublished[:5]}"
        )
    want_dlq = Counter(exp.dead_letters)
    got_dlq = Counter(_dead_letter(r) for r in dlq)
    missing, extra = want_dlq - got_dlq, got_dlq - want_dlq
    if missing or (extra if exactly_once else set(got_dlq) - set(want_dlq)):
        v.problems.append(
            f"DLQ differs: {missing.total()} missing, e.g. {_some(missing)}; "
            f"{extra.total()} extra, e.g. {_some(extra)}"
        )
    placed = len(clean) + len(dups) + len(dlq)
    if exactly_once and placed != exp.events:
        v.problems.append(f"{placed} records on clean + duplicates + DLQ for {exp.events} inputs")
    if exactly_once:
        v.problems.extend(_order_problems(dlq, clean, dups))
    v.counts |= {
        "events": exp.events, "clusters": len(exp.clusters), "clean": len(clean), "duplicates": len(dups),
        "dlq": len(dlq), "dlq_empty_after_cleaning": sum(n for (_, r), n in got_dlq.items() if r == EMPTY_REASON),
        "expected_duplicates": sum(len(m) - 1 for m in exp.clusters.values()),
        "expected_dlq": exp.dead_letter_count(), "expected_dlq_empty_after_cleaning": exp.dead_letter_count(EMPTY_REASON),
        "lost": len(lost), "dedup_misses": len(multi), "dlq_missing": missing.total(), "dlq_extra": extra.total(),
    }  # fmt: skip
    return v


def _dead_letter(r: Record) -> tuple[str, str]:
    """Return a DLQ record's (key, reason header); a missing header reads as ''."""
    return (r.key or b"").decode(), r.headers.get(REASON_HEADER, b"").decode()


def _some(pairs: Counter[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """Return at most five entries of ``pairs``, enough to show what differs."""
    return dict(sorted(pairs.items())[:5])


def _order_problems(dlq: list[Record], clean: list[Record], dups: list[Record]) -> list[str]:
    """Same key → input order kept (DLQ); per input partition → input order kept in each output partition."""
    problems = []
    last: dict[tuple[int, bytes | None], tuple[int, int]] = {}
    for r in sorted(dlq, key=lambda r: (r.partition, r.offset)):
        origin = (
            int(r.headers["__connect.errors.partition"]),
            int(r.headers["__connect.errors.offset"]),
        )
        prev = last.get((r.partition, r.key))
        if prev is not None and origin <= prev:
            problems.append(f"DLQ key {r.key!r} out of order: {origin} after {prev}")
        last[(r.partition, r.key)] = origin
    for name, records in (("clean", clean), ("duplicates", dups)):
        seen: dict[tuple[int, int], int] = defaultdict(lambda: -1)
        for r in sorted(records, key=lambda r: (r.partition, r.offset)):
            prov = orjson.loads(r.value or b"")["provenance"]
            lane = (r.partition, prov["source_partition"])
            if prov["source_offset"] <= seen[lane]:
                problems.append(
                    f"{name}: input partition {lane[1]} out of order in output partition {lane[0]}"
                )
            seen[lane] = prov["source_offset"]
    return problems[:20]


async def verify(
    bootstrap: str, exp: Expected, topics: dict[str, str], exactly_once: bool = True
) -> Verdict:
    """Read the three output topics and check them against ``exp``."""
    clean, dups, dlq = await asyncio.gather(
        *(read_all(bootstrap, topics[k]) for k in ("clean", "duplicates", "dlq"))
    )
    verdict = check(exp, clean, dups, dlq, exactly_once)
    raw_all = sum(
        [
            len(await read_all(bootstrap, topics[k], "read_uncommitted"))
            for k in ("clean", "duplicates", "dlq")
        ]
    )
    verdict.counts["aborted_or_uncommitted_records_hidden"] = (
        raw_all - len(clean) - len(dups) - len(dlq)
    )
    return verdict
