"""Two instances in one group: the member count, and the warning when they share no index."""

from __future__ import annotations

import asyncio
import os
import time

import pytest
from structlog.testing import capture_logs

from service.shell.kafka import KafkaService
from service.shell.metrics import Metrics
from tests.integration.servicectl import running, topics_settings

pytestmark = pytest.mark.integration
REDIS_URL = os.environ.get("CLEANWIRE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


async def _until(check: object, deadline_s: float = 60.0) -> None:
    """Wait until ``check()`` is true; fail after ``deadline_s``."""
    end = time.monotonic() + deadline_s
    while not check():  # type: ignore[operator]
        assert time.monotonic() < end, "timed out"
        await asyncio.sleep(0.2)


def _gauge(metrics: Metrics, name: str) -> float:
    value = metrics.registry.get_sample_value(name)
    assert value is not None, name
    return value


async def test_second_member_with_embedded_store_warns_and_sets_gauges() -> None:
    """Each instance counts 2 members, reports an unshared store, and logs the warning."""
    settings = await topics_settings(partitions=4, store="embedded")
    with capture_logs() as logs:
        async with running(settings) as (first, first_metrics):
            await _until(first.is_ready)
            await _until(lambda: first.group.members == 1)
            assert _gauge(first_metrics, "cleanwire_consumer_group_members") == 1
            assert not [e for e in logs if e["event"] == "dedup_store_not_shared"]
            async with running(settings) as (second, second_metrics):
                services: list[KafkaService] = [first, second]
                await _until(lambda: all(s.group.members == 2 for s in services))
                for metrics in (first_metrics, second_metrics):
                    assert _gauge(metrics, "cleanwire_consumer_group_members") == 2
                    assert _gauge(metrics, "cleanwire_dedup_store_shared") == 0
            await _until(lambda: first.group.members == 1)
    warnings = [e for e in logs if e["event"] == "dedup_store_not_shared"]
    assert warnings, "no dedup_store_not_shared warning"
    assert {(w["log_level"], w["members"], w["store"]) for w in warnings} == {
        ("warning", 2, "embedded")
    }


async def test_second_member_with_redis_store_is_shared_and_quiet() -> None:
    """With Redis both instances check one index: gauge 1 and no warning at 2 members."""
    settings = await topics_settings(partitions=4, store="redis", redis_url=REDIS_URL)
    with capture_logs() as logs:
        async with running(settings) as (first, first_metrics), running(settings) as (second, _):
            services: list[KafkaService] = [first, second]
            await _until(lambda: all(s.group.members == 2 for s in services))
            assert _gauge(first_metrics, "cleanwire_dedup_store_shared") == 1
    assert not [e for e in logs if e["event"] == "dedup_store_not_shared"]
