"""Prometheus collectors, stage instrumentation and the /metrics /healthz /readyz server.

Every series carries the ``cleanwire_`` prefix and base units; labels are low-cardinality
(reason codes, stage names, partition numbers), never ids or URLs. Stages are wrapped
from outside by :meth:`Metrics.timed`; the core never imports this module.
"""

from __future__ import annotations

import asyncio
import bisect
import math
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar, get_args
from wsgiref.simple_server import WSGIRequestHandler, make_server

from prometheus_client import (
    GC_COLLECTOR,
    PLATFORM_COLLECTOR,
    PROCESS_COLLECTOR,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    Info,
    disable_created_metrics,
    make_wsgi_app,
)
from prometheus_client.exposition import ThreadingWSGIServer

from service.errors import REASONS
from service.models import DropReason
from service.pipeline import Duplicate, Outcome, Published, Rejected

# Counters and histograms would also expose a `_created` series each; nothing here reads
# them, and they double the series count.
disable_created_metrics()  # type: ignore[no-untyped-call]

F = TypeVar("F", bound=Callable[..., Any])
DROP_REASONS = frozenset(get_args(DropReason))  # dead-lettered, but counted as drops

STAGE_BUCKETS = (
    0.0001,
    0.00025,
    0.0005,
    0.001,
    0.0025,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
)
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0)


def language_label(code: str | None) -> str:
    """Return the bounded label of a language code: the code itself only when it is two
    lower-case ASCII letters (ISO 639-1), so the series stay a few hundred at most."""
    if code is None:
        return "und"
    return (
        code if len(code) == 2 and code.isascii() and code.isalpha() and code.islower() else "other"
    )


class Metrics:
    """All collectors of one service instance, on their own registry."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry(auto_describe=True)
        r = self.registry
        if registry is None:
            for collector in (PROCESS_COLLECTOR, PLATFORM_COLLECTOR, GC_COLLECTOR):
                r.register(collector)
        self.build = Info("cleanwire_build", "Service and model versions.", registry=r)
        self.consumed = Counter(
            "cleanwire_records_consumed_total", "Raw records consumed.", registry=r
        )
        self.published = Counter(
            "cleanwire_articles_published_total", "Clean articles published.", registry=r
        )
        self.duplicates = Counter(
            "cleanwire_duplicates_total",
            "Duplicates published to the duplicates topic, by match kind.",
            ["match"],
            registry=r,
        )
        self.dlq = Counter(
            "cleanwire_dlq_records_total",
            "Invalid records sent to the dead-letter topic, by reason "
            "(articles empty after cleaning go there too, counted in cleanwire_drops_total).",
            ["reason"],
            registry=r,
        )
        self.drops = Counter(
            "cleanwire_drops_total",
            "Articles empty after cleaning, by reason; each is sent to the dead-letter topic.",
            ["reason"],
            registry=r,
        )
        self.languages = Counter(
            "cleanwire_articles_by_language_total",
            "Clean articles published, by language: a two-letter ISO 639-1 code, 'other' for"
            " a language without one, 'und' when unknown.",
            ["language"],
            registry=r,
        )
        self.enrich_skipped = Counter(
            "cleanwire_enrich_skipped_total",
            "Clean articles published without entities although enrichment ran, by reason:"
            " language (no model for it) or over_budget.",
            ["reason"],
            registry=r,
        )
        self.input_bytes = Counter(
            "cleanwire_clean_input_bytes_total",
            "Bytes of article text or HTML entering the clean stage.",
            registry=r,
        )
        self.stripped_bytes = Counter(
            "cleanwire_clean_stripped_bytes_total",
            "Bytes removed by the clean stage as boilerplate.",
            registry=r,
        )
        self.stage_seconds = Histogram(
            "cleanwire_stage_seconds",
            "Time per article in each stage.",
            ["stage"],
            buckets=STAGE_BUCKETS,
            registry=r,
        )
        self.end_to_end = Histogram(
            "cleanwire_end_to_end_latency_seconds",
            "Raw record timestamp to output committed.",
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.commit_seconds = Histogram(
            "cleanwire_commit_seconds",
            "Time to publish a batch and commit it.",
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.commits = Counter(
            "cleanwire_commits_total", "Batch commits, by result.", ["result"], registry=r
        )
        self.producer_restarts = Counter(
            "cleanwire_producer_restarts_total",
            "Producers recreated after fencing or an uncertain commit.",
            registry=r,
        )
        self.lag_records = Gauge(
            "cleanwire_consumer_lag_records",
            "Records behind the partition's high watermark.",
            ["partition"],
            registry=r,
        )
        self.lag_seconds = Gauge(
            "cleanwire_consumer_lag_seconds",
            "Age of the last record processed on the partition when it is behind; 0 when caught up.",
            ["partition"],
            registry=r,
        )
        self.assigned = Gauge(
            "cleanwire_assigned_partitions", "Partitions assigned to this instance.", registry=r
        )
        self.ready = Gauge(
            "cleanwire_ready", "1 when connected and assigned partitions, else 0.", registry=r
        )
        self.group_members = Gauge(
            "cleanwire_consumer_group_members",
            "Members of the consumer group at the last rebalance (this instance included).",
            registry=r,
        )
        self.store_shared = Gauge(
            "cleanwire_dedup_store_shared",
            "1 when all instances of the group check one dedup index (Redis, or dedup off); "
            "0 when each has its own (embedded).",
            registry=r,
        )
        self.store_entries = Gauge(
            "cleanwire_dedup_store_entries", "Articles in the dedup index.", registry=r
        )
        self.store_bytes = Gauge(
            "cleanwire_dedup_store_bytes", "Approximate bytes held by the dedup index.", registry=r
        )
        self.lines_learned = Counter(
            "cleanwire_boilerplate_lines_learned_total",
            "Lines that became a source's learned boilerplate.",
            registry=r,
        )
        self.boilerplate_lines = Gauge(
            "cleanwire_boilerplate_lines",
            "Line statistics held for learned boilerplate (embedded store).",
            registry=r,
        )
        self._learned_seen = 0.0
        self._observations: list[Observations] = []
        for reason in REASONS:
            (self.drops if reason in DROP_REASONS else self.dlq).labels(reason)
        for match in ("url", "exact", "near"):
            self.duplicates.labels(match)
        for result in ("ok", "aborted"):
            self.commits.labels(result)

    def timed(self, stage: str, fn: F) -> F:
        """Wrap a per-article stage so each call is observed in ``cleanwire_stage_seconds``.

        Durations are kept in a :class:`Observations` buffer and reach the histogram in bulk,
        at :meth:`flush` (the shells call it after each chunk) or every
        :data:`Observations.SIZE` calls.
        """
        pending = self._pending(stage)

        def wrapper(*args: Any) -> Any:
            start = time.perf_counter()
            try:
                return fn(*args)
            finally:
                pending.add(time.perf_counter() - start)

        return wrapper  # type: ignore[return-value]

    def timed_batch(
        self, stage: str, fn: Callable[[Sequence[Any]], list[Any]]
    ) -> Callable[[Sequence[Any]], list[Any]]:
        """Wrap a batch stage; each article is observed at the batch's mean time."""
        hist = self.stage_seconds.labels(stage)

        def wrapper(items: Sequence[Any]) -> list[Any]:
            start = time.perf_counter()
            try:
                return fn(items)
            finally:
                per = (time.perf_counter() - start) / max(1, len(items))
                observe_many(hist, [per] * len(items))

        return wrapper

    def _pending(self, stage: str) -> Observations:
        pending = Observations(self.stage_seconds.labels(stage))
        self._observations.append(pending)
        return pending

    def flush(self) -> None:
        """Add the stage durations still buffered to ``cleanwire_stage_seconds``."""
        for pending in self._observations:
            pending.flush()

    def count(self, outcomes: Sequence[Outcome]) -> None:
        """Count a batch's outcomes by kind and reason (one increment per series).

        Each outcome lands in exactly one of published, duplicates, dlq_records and drops,
        so they sum to records_consumed; a drop is also a DLQ record but is counted once,
        as a drop (the DLQ alert stays about broken input).
        """
        tally: dict[Any, int] = {}  # series → increment
        input_bytes = stripped_bytes = 0
        for o in outcomes:
            series: Any
            if isinstance(o, Published):
                series = self.published
                language = self.languages.labels(language_label(o.article.language))
                tally[language] = tally.get(language, 0) + 1
                if o.article.enrich_skipped is not None:
                    skipped = self.enrich_skipped.labels(o.article.enrich_skipped)
                    tally[skipped] = tally.get(skipped, 0) + 1
            elif isinstance(o, Duplicate):
                series = self.duplicates.labels(
                    o.article.dedup.match if o.article.dedup else "exact"
                )
            elif isinstance(o, Rejected):
                series = self.dlq.labels(o.error.reason)
            else:
                series = self.drops.labels(o.drop.reason)
            tally[series] = tally.get(series, 0) + 1
            if isinstance(o, Published | Duplicate):
                input_bytes += o.article.input_bytes
                stripped_bytes += o.article.stripped_bytes
        self.consumed.inc(len(outcomes))
        for series, n in tally.items():
            series.inc(n)
        self.input_bytes.inc(input_bytes)
        self.stripped_bytes.inc(stripped_bytes)

    def set_state(self, values: dict[str, float]) -> None:
        """Update the state gauges from the stages' readings (keys from service.build)."""
        if "dedup_entries" in values:
            self.store_entries.set(values["dedup_entries"])
        if "dedup_bytes" in values:
            self.store_bytes.set(values["dedup_bytes"])
        if "boilerplate_lines" in values:
            self.boilerplate_lines.set(values["boilerplate_lines"])
        learned = values.get("boilerplate_lines_learned", self._learned_seen)
        if learned > self._learned_seen:
            self.lines_learned.inc(learned - self._learned_seen)
            self._learned_seen = learned


def observe_many(histogram: Any, values: Sequence[float]) -> None:
    """Observe ``values`` in one labelled ``histogram`` child, as many ``observe`` calls would.

    ``Histogram.observe`` scans the buckets in Python and takes two locks a value; this
    finds each value's bucket by bisection and adds to every bucket and the sum once
    (a test checks the exposition equals that of one ``observe`` a value).
    """
    if not values:
        return
    counts: dict[int, int] = {}
    bounds = histogram._upper_bounds
    for value in values:
        index = bisect.bisect_left(bounds, value)
        counts[index] = counts.get(index, 0) + 1
    histogram._sum.inc(math.fsum(values))
    for index, count in counts.items():
        histogram._buckets[index].inc(count)


class Observations:
    """Values waiting to be observed in one histogram child, added by :func:`observe_many`.

    Used from one thread at a time (the one running the pipeline).
    """

    SIZE = 256

    def __init__(self, histogram: Any) -> None:
        self._histogram = histogram
        self._values: list[float] = []

    def add(self, value: float) -> None:
        self._values.append(value)
        if len(self._values) >= self.SIZE:
            self.flush()

    def flush(self) -> None:
        values, self._values = self._values, []
        observe_many(self._histogram, values)


class _QuietHandler(WSGIRequestHandler):
    """Request handler that does not write an access line to stderr per scrape."""

    def log_message(self, format: str, *args: Any) -> None:
        pass


class HealthServer:
    """Serve /metrics, /healthz (process alive) and /readyz (``is_ready()``).

    /metrics is prometheus-client's own WSGI app: it answers in the OpenMetrics format
    when the scraper asks for it (Prometheus does), gzip-compresses when the client
    accepts it, and honours ``?name[]=`` filters. It runs in prometheus-client's threaded
    WSGI server on a daemon thread, so a slow scrape never blocks the event loop.
    """

    def __init__(self, metrics: Metrics, is_ready: Callable[[], bool]) -> None:
        self._metrics_app = make_wsgi_app(metrics.registry)
        self._is_ready = is_ready
        self._server: ThreadingWSGIServer | None = None
        self._thread: threading.Thread | None = None

    def app(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        """The WSGI application: health paths here, everything else to the metrics app."""
        path = environ.get("PATH_INFO", "")
        if path == "/healthz":
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b"ok\n"]
        if path == "/readyz":
            ready = self._is_ready()
            start_response(
                "200 OK" if ready else "503 Service Unavailable", [("Content-Type", "text/plain")]
            )
            return [b"ready\n" if ready else b"not ready\n"]
        if path == "/metrics":
            return list(self._metrics_app(environ, start_response))
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found\n"]

    async def start(self, addr: str) -> tuple[str, int]:
        """Listen on ``host:port`` (port 0 picks a free one); return the bound address."""
        host, _, port = addr.rpartition(":")
        server = make_server(
            host or "0.0.0.0", int(port), self.app, ThreadingWSGIServer, _QuietHandler
        )
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, name="metrics-http", daemon=True
        )
        self._thread.start()
        return str(server.server_address[0]), int(server.server_address[1])

    async def stop(self) -> None:
        """Stop serving and close the socket."""
        if self._server is not None:
            server, self._server = self._server, None
            await asyncio.to_thread(server.shutdown)
            server.server_close()
