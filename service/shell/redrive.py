"""``cleanwire dlq redrive``: send dead letters back to the raw topic, exactly once.

Once the cause of a dead letter is fixed (a scraper bug, a limit raised), its records can
be processed again. Redrive reads the DLQ topic (read_committed) up to its end as of the
start, and re-produces each record, or each with ``--reason R``, to the raw topic with its
original key, value and headers, minus the dead-letter context headers, plus a
``cleanwire.redrive`` header naming the dead letter (``<dlq topic>/<partition>/<offset>``).

Each batch of re-produced records commits in one transaction with the redrive's progress
(the offsets of consumer group ``<group>-redrive`` or ``<group>-redrive-<reason>``), so a
redrive that crashes or is stopped resumes where it left off and never re-produces a
record twice; a second redrive with the same filter only sends what has been
dead-lettered since. Two redrives with the same filter fence each other (one
transactional id). Without ``--execute`` it only counts what would be sent, by reason.

A redriven record that fails again is dead-lettered again, with the redrive header kept.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Sequence

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from service.settings import Settings
from service.shell import logs
from service.shell.client import client_options, topic_partitions
from service.shell.offsets import committed_offset
from service.shell.transactions import make_producer

log = logs.get("cleanwire.redrive")
REDRIVE_HEADER = "cleanwire.redrive"
REASON_HEADER = "__cleanwire.errors.reason"
CONTEXT_PREFIXES = ("__connect.errors.", "__cleanwire.errors.")
BATCH = 500

Headers = list[tuple[str, bytes]]


def redrive_group(settings: Settings, reason: str | None) -> str:
    """Return the consumer group that holds a redrive's progress (one per filter)."""
    return f"{settings.group_id}-redrive" + (f"-{reason}" if reason else "")


def reason_of(headers: Sequence[tuple[str, bytes]]) -> str:
    """Return a dead letter's reason code ('' when the header is missing)."""
    for key, value in headers:
        if key == REASON_HEADER:
            return value.decode("utf-8", "replace")
    return ""


def redriven_headers(headers: Sequence[tuple[str, bytes]], source: str) -> Headers:
    """Return the original headers without dead-letter context, plus the redrive header."""
    kept = [
        (k, v) for k, v in headers if not k.startswith(CONTEXT_PREFIXES) and k != REDRIVE_HEADER
    ]
    return [*kept, (REDRIVE_HEADER, source.encode("utf-8"))]


async def _at_ends(consumer: AIOKafkaConsumer, ends: dict[TopicPartition, int]) -> bool:
    """Return True when every partition's position has reached its end as of the start."""
    for tp, end in ends.items():
        if await consumer.position(tp) < end:
            return False
    return True


async def redrive(settings: Settings, reason: str | None, execute: bool) -> int:
    """Re-produce dead letters to the raw topic (see module docstring); return 0."""
    group = redrive_group(settings, reason)
    consumer = AIOKafkaConsumer(
        group_id=group,
        enable_auto_commit=False,
        auto_offset_reset="earliest",  # until the seek: never jump to the end
        isolation_level="read_committed",
        **client_options(settings),
    )
    await consumer.start()
    producer: AIOKafkaProducer | None = None
    try:
        partitions = await topic_partitions(settings, settings.dlq_topic)
        tps = [TopicPartition(settings.dlq_topic, p) for p in sorted(partitions)]
        consumer.assign(tps)
        ends = await consumer.end_offsets(tps)
        for tp in tps:
            start = await committed_offset(consumer, tp)
            if start is None:
                await consumer.seek_to_beginning(tp)
            else:
                consumer.seek(tp, start)
        if execute:
            producer = make_producer(settings, group)
            await producer.start()
        sent: Counter[str] = Counter()
        skipped: Counter[str] = Counter()
        while not await _at_ends(consumer, ends):
            batches = await consumer.getmany(*tps, timeout_ms=1000, max_records=BATCH)
            chosen = []
            offsets = {}
            for tp, records in batches.items():
                for record in records:
                    if record.offset >= ends[tp]:
                        break
                    offsets[tp] = record.offset + 1
                    why = reason_of(record.headers or ())
                    if reason is not None and why != reason:
                        skipped[why] += 1
                        continue
                    sent[why] += 1
                    chosen.append((record, f"{tp.topic}/{tp.partition}/{record.offset}"))
            if producer is None or not offsets:
                continue
            async with producer.transaction():
                for record, source in chosen:
                    headers = redriven_headers(record.headers or (), source)
                    await producer.send(
                        settings.raw_topic, record.value, key=record.key, headers=headers
                    )
                await producer.send_offsets_to_transaction(offsets, group)
        verb = "redrove" if execute else "would redrive"
        detail = ", ".join(f"{r or '(no reason)'}: {n}" for r, n in sorted(sent.items()))
        print(
            f"{verb} {sent.total()} dead letter(s) to {settings.raw_topic}"
            + (f" ({detail})" if detail else "")
        )
        if skipped:
            print(f"left {skipped.total()} with other reasons on {settings.dlq_topic}")
        if not execute:
            print("dry run: nothing sent; add --execute to re-produce them", file=sys.stderr)
        log.info("dlq_redrive", group=group, reason=reason, sent=sent.total(), execute=execute)
        return 0
    finally:
        if producer is not None:
            await producer.stop()
        await consumer.stop()
