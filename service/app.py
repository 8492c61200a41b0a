"""Wire settings to stages, and stages to the Kafka service or to file mode.

``build`` is the one place that constructs stages and their state, so ``run`` and
``process`` run the same pipeline code.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version

from service import logs
from service.events import Provenance
from service.metrics import HealthServer, Metrics
from service.parse import Parser
from service.pipeline import Outcome, Pipeline, Record
from service.settings import Settings
from service.stages import Stages, make_stages

log = logs.get("cleanwire.app")
STOP_DEADLINE_S = 15.0  # closing the consumer and producers after the last commit


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

    def run(self, records: Sequence[Record]) -> list[Outcome]:
        """Run the pipeline, then make the state it wrote durable (before any commit)."""
        outcomes = self.pipeline.run(records)
        self.stages.flush()
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
    return Built(pipeline, provenance, stages)


async def run_service(settings: Settings) -> int:
    """Run the Kafka service until SIGTERM/SIGINT; return the exit code."""
    from service.kafka import KafkaService

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    metrics = Metrics()
    built = build(settings, metrics, default_state="state")
    metrics.build.info(
        {"version": built.provenance.service_version, **dict(built.provenance.models)}
    )
    service = KafkaService(settings, built.run, metrics, built.provenance, built.stages.gauges)
    health = HealthServer(metrics, service.is_ready)
    if settings.metrics_addr:
        host, port = await health.start(settings.metrics_addr)
        log.info("metrics_listening", host=host, port=port)
    metrics.ready.set_function(lambda: 1.0 if service.is_ready() else 0.0)
    log.info("service_starting", settings=settings.redacted())
    code = 0
    try:
        if stop.is_set():
            return 0  # SIGTERM while the stages were loading
        await service.start()
        serving = asyncio.create_task(service.serve(stop))
        stopping = asyncio.create_task(stop.wait())
        await asyncio.wait({serving, stopping}, return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        if not serving.done():
            log.info("shutdown_started", deadline_s=settings.shutdown_timeout_s)
            try:  # finish the in-flight chunk and commit, within the deadline
                await asyncio.wait_for(serving, settings.shutdown_timeout_s)
            except TimeoutError:
                log.error("shutdown_deadline_exceeded", deadline_s=settings.shutdown_timeout_s)
                code = 1  # uncommitted work is replayed by the next owner
        if code == 0:
            serving.result()  # re-raise a crash of the processing loop
    finally:
        try:
            await asyncio.wait_for(service.stop(), STOP_DEADLINE_S)
        finally:
            await health.stop()
            built.close()
    log.info("shutdown_complete", exit_code=code)
    return code
