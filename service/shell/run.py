"""Wire settings to stages, and stages to the Kafka service or to file mode.

``build`` is the one place that constructs stages and their state, so ``run`` and
``process`` run the same pipeline code.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import signal
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING

from service.build import Stages, make_stages
from service.parse import Parser
from service.pipeline import Outcome, Pipeline, Record
from service.settings import Settings
from service.shell import logs
from service.shell.events import Provenance
from service.shell.metrics import HealthServer, Metrics

if TYPE_CHECKING:
    from service.shell.kafka import KafkaService

log = logs.get("cleanwire.app")
STOP_DEADLINE_S = 15.0  # closing the consumer and producers after the last commit
RETRY_FIRST_S, RETRY_MAX_S = 1.0, 30.0  # waiting for a broker at start-up


def service_version() -> str:
    try:
        return version("cleanwire")
    except PackageNotFoundError:
        return "0+unknown"


@dataclass
class Built:
    """A ready pipeline, its provenance, and the state behind its stages."""

    pipeline: Pipeline
    provenance: Provenance
    stages: Stages
    metrics: Metrics | None = None

    def run(self, records: Sequence[Record]) -> list[Outcome]:
        """Run the pipeline, then make the state it wrote durable (before any commit)."""
        outcomes = self.pipeline.run(records)
        self.stages.flush()
        if self.metrics is not None:
            self.metrics.flush()  # the chunk's stage times, in bulk
        return outcomes

    def close(self) -> None:
        for close in reversed(self.stages.closers):
            close()


def build(settings: Settings, metrics: Metrics | None = None, *, default_state: str = "") -> Built:
    """Construct the enabled stages over their state store.

    Raises :class:`~service.errors.ConfigError` for a bad rules file or store setting.
    """
    stages = make_stages(settings, state_dir=settings.state_dir or default_state)
    parse = Parser(settings.max_record_bytes, settings.max_json_depth)
    clean, dedup, enrich = stages.clean, stages.dedup, stages.enrich
    if metrics is not None:
        parse = metrics.timed("parse", parse)
        clean = metrics.timed("clean", clean) if clean else None
        dedup = metrics.timed("dedup", dedup) if dedup else None
        enrich = metrics.timed_batch("enrich", enrich) if enrich else None
    pipeline = Pipeline(parse=parse, clean=clean, dedup=dedup, enrich=enrich)
    provenance = Provenance(service_version(), tuple(sorted(stages.models.items())))
    return Built(pipeline, provenance, stages, metrics)


async def run_service(settings: Settings) -> int:
    """Run the Kafka service until SIGTERM/SIGINT; return the exit code."""
    from service.shell.kafka import KafkaService

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    metrics = Metrics()
    built = build(settings, metrics, default_state="state")
    # The model, tables and rules live as long as the process: keep the cyclic collector
    # from rescanning them (a full collection of that heap took ~175 ms, a latency spike).
    gc.collect()
    gc.freeze()
    metrics.build.info(
        {"version": built.provenance.service_version, **dict(built.provenance.models)}
    )

    def make() -> KafkaService:
        return KafkaService(settings, built.run, metrics, built.provenance, built.stages.gauges)

    current = [make()]  # replaced after a start that found no broker
    health = HealthServer(metrics, lambda: current[0].is_ready())
    if settings.metrics_addr:
        host, port = await health.start(settings.metrics_addr)
        log.info("metrics_listening", host=host, port=port)
    metrics.ready.set_function(lambda: 1.0 if current[0].is_ready() else 0.0)
    log.info("service_starting", settings=settings.redacted())
    code = 0
    try:
        if stop.is_set() or not await _start_when_reachable(current, make, stop, settings):
            return 0  # SIGTERM while the stages were loading or no broker was reachable
        service = current[0]
        serving = asyncio.create_task(service.serve(stop))
        stopping = asyncio.create_task(stop.wait())
        await asyncio.wait({serving, stopping}, return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        if not serving.done():
            log.info("shutdown_started", deadline_s=settings.shutdown_timeout_s)
            try:  # finish the chunks in flight and commit, within the deadline
                await asyncio.wait_for(serving, settings.shutdown_timeout_s)
            except TimeoutError:
                log.error("shutdown_deadline_exceeded", deadline_s=settings.shutdown_timeout_s)
                code = 1  # uncommitted work is replayed by the next owner
        if code == 0:
            serving.result()  # re-raise a crash of the processing loop
    finally:
        try:
            await asyncio.wait_for(current[0].stop(), STOP_DEADLINE_S)
        finally:
            await health.stop()
            built.close()
    log.info("shutdown_complete", exit_code=code)
    return code


async def _start_when_reachable(
    current: list[KafkaService],
    make: Callable[[], KafkaService],
    stop: asyncio.Event,
    settings: Settings,
) -> bool:
    """Start ``current[0]``, retrying with backoff while no broker answers.

    A broker that is down or not up yet (a deploy, a restart) is waited for instead of
    exiting into a crash loop; readiness stays false meanwhile. Returns False if
    ``stop`` is set first. aiokafka reports every failed bootstrap (refused, timed out,
    TLS or SASL failure) as one ``KafkaConnectionError``, so all are retried; its own
    log line before each retry names the cause. Other start errors are raised.
    """
    from aiokafka.errors import KafkaConnectionError

    delay = RETRY_FIRST_S
    while True:
        try:
            await current[0].start()
            return True
        except KafkaConnectionError as exc:
            log.error(
                "brokers_unreachable", bootstrap_servers=settings.bootstrap_servers,
                retry_in_s=delay, error=str(exc),
            )  # fmt: skip
        with contextlib.suppress(Exception):
            await asyncio.wait_for(current[0].stop(), STOP_DEADLINE_S)
        current[0] = make()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), delay)
            return False
        delay = min(2 * delay, RETRY_MAX_S)
