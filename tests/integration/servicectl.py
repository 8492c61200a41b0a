"""Run the Kafka service in-process, or as a `cleanwire` subprocess, for tests."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

from prometheus_client import CollectorRegistry

from service.settings import Settings, load
from service.shell.kafka import KafkaService
from service.shell.metrics import Metrics
from service.shell.run import build
from tests.integration.kafkautil import BOOTSTRAP, create_topics, unique


async def topics_settings(partitions: int = 2, **overrides: Any) -> Settings:
    """Settings with fresh topic names (created) and a fresh group."""
    names = {k: unique(k) for k in ("raw_topic", "clean_topic", "duplicates_topic", "dlq_topic")}
    await create_topics(list(names.values()), partitions)
    flags: Mapping[str, Any] = {
        **names, "group_id": unique("group"), "bootstrap_servers": BOOTSTRAP, "metrics_addr": "",
        "commit_interval_ms": 100, **{k: str(v) for k, v in overrides.items()},
    }  # fmt: skip
    return load(flags, {})


@asynccontextmanager
async def running(settings: Settings) -> AsyncIterator[tuple[KafkaService, Metrics]]:
    """Start the service over ``settings``; on exit, stop it the way SIGTERM does."""
    metrics = Metrics(CollectorRegistry())
    built = build(settings, metrics)
    service = KafkaService(settings, built.run, metrics, built.provenance, built.stages.gauges)
    stop = asyncio.Event()
    await service.start()
    task = asyncio.create_task(service.serve(stop))
    try:
        yield service, metrics
    finally:
        stop.set()
        await task
        await service.stop()
        built.close()
