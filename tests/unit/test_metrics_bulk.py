"""Histogram observations added in bulk expose exactly what one observe() a value would."""

from __future__ import annotations

import time

from prometheus_client import CollectorRegistry, Histogram, generate_latest

from service.shell.metrics import Metrics, Observations, observe_many

BUCKETS = (0.001, 0.01, 0.1, 1.0)
# Exactly representable values, so the sums agree to the last bit whichever order adds them;
# on a bound, just under and over it, beyond the last bound, zero and negative.
VALUES = [0.0, 0.001, 0.0009765625, 0.01, 0.015625, 0.1, 0.125, 1.0, 2.5, 1000.0, -0.5, 0.25]


def _exposition(fill: str) -> bytes:
    registry = CollectorRegistry()
    histogram = Histogram("h_seconds", "help", ["stage"], buckets=BUCKETS, registry=registry)
    for stage in ("a", "b"):
        child = histogram.labels(stage)
        if fill == "observe":
            for value in VALUES:
                child.observe(value)
        else:
            observe_many(child, VALUES)
    return generate_latest(registry)


def test_observe_many_exposes_what_observe_does() -> None:
    """Bucket counts, count and sum of every labelled child are the same either way."""
    bulk = _exposition("bulk")
    assert bulk == _exposition("observe")
    assert b'h_seconds_bucket{le="0.001",stage="a"} 4.0' in bulk  # -0.5, 0, 2**-10, 0.001


def test_observations_reach_the_histogram_at_flush_or_when_full() -> None:
    """Buffered values are invisible until flushed; a full buffer flushes itself."""
    registry = CollectorRegistry()
    child = Histogram("h_seconds", "help", buckets=BUCKETS, registry=registry)
    pending = Observations(child)
    for _ in range(Observations.SIZE - 1):
        pending.add(0.5)
    assert registry.get_sample_value("h_seconds_count") == 0
    pending.add(0.5)
    assert registry.get_sample_value("h_seconds_count") == Observations.SIZE
    pending.add(0.002)
    pending.flush()
    assert registry.get_sample_value("h_seconds_count") == Observations.SIZE + 1
    assert registry.get_sample_value("h_seconds_bucket", {"le": "0.01"}) == 1


def test_timed_stage_calls_are_counted_after_flush() -> None:
    """Metrics.timed buffers each call's duration; Metrics.flush adds them to the stage's series."""
    metrics = Metrics(CollectorRegistry())
    parse = metrics.timed("parse", lambda value: time.sleep(0.002) or value * 2)
    assert [parse(n) for n in range(3)] == [0, 2, 4]
    labels = {"stage": "parse"}
    assert metrics.registry.get_sample_value("cleanwire_stage_seconds_count", labels) == 0
    metrics.flush()
    assert metrics.registry.get_sample_value("cleanwire_stage_seconds_count", labels) == 3
    total = metrics.registry.get_sample_value("cleanwire_stage_seconds_sum", labels)
    assert total is not None and total >= 0.006
