"""Construct the enabled stages and the state they share, from settings.

State lives in one place per run: in memory (``process`` without ``--state``), in the
embedded store under the state directory, or in Redis (``--store redis``): the dedup
index and the learned-boilerplate statistics go to the same backend.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from service.clean.learned import InMemoryLineStats
from service.pipeline import Clean, Dedup, Enrich
from service.settings import Settings

SNAPSHOT_EVERY_S = 5.0


@dataclass
class Stages:
    """The enabled stages (``None`` = disabled), model versions, and state hooks."""

    clean: Clean | None = None
    dedup: Dedup | None = None
    enrich: Enrich | None = None
    models: dict[str, str] = field(default_factory=dict)
    flushers: list[Callable[[], None]] = field(default_factory=list)
    closers: list[Callable[[], None]] = field(default_factory=list)
    gauges: dict[str, Callable[[], float]] = field(default_factory=dict)

    def flush(self) -> None:
        """Make state written so far durable; called before every commit."""
        for flush in self.flushers:
            flush()


def make_stages(settings: Settings, state_dir: str) -> Stages:
    """Build each enabled stage; raise ConfigError on a bad rules file, store or model."""
    enabled = settings.enabled_stages
    stages = Stages()
    directory = Path(state_dir) if state_dir else None
    if "clean" in enabled:
        _add_clean(stages, settings, directory)
    if "dedup" in enabled:
        _add_dedup(stages, settings, directory)
    if "enrich" in enabled:
        from service.enrich.stage import Enricher

        enricher = Enricher(
            languages=settings.language_list,
            ner_batch_size=settings.ner_batch_size,
            max_chars=settings.enrich_max_chars,
        )
        stages.enrich = enricher
        stages.models["enrich"] = enricher.model_version
    return stages


def _add_clean(stages: Stages, settings: Settings, directory: Path | None) -> None:
    from service.clean.language import model_version
    from service.clean.learned import LineStatsStore
    from service.clean.rules import load_rules
    from service.clean.stage import Cleaner

    rules = load_rules(settings.rules) if settings.rules else load_rules()
    stages.models["language"] = model_version()
    window = float(settings.dedup_window_seconds)
    learned: LineStatsStore
    if settings.store == "redis":
        from service.stores.redis.lines import RedisLineStats

        shared = RedisLineStats.from_url(settings.redis_url, ttl_seconds=window)
        stages.closers.append(shared.close)
        learned = shared
    else:
        memory = InMemoryLineStats(ttl_seconds=window)
        if directory is not None:
            _persist_lines(stages, memory, directory / "boilerplate.npz")
        stages.gauges["boilerplate_lines"] = lambda: float(memory.line_count())
        learned = memory
    cleaner = Cleaner(rules, learned)
    stages.clean = cleaner
    stages.gauges["boilerplate_lines_learned"] = lambda: float(cleaner.stats.lines_learned)
    stages.models["clean"] = f"rules:{Path(settings.rules).name if settings.rules else 'shipped'}"


def _persist_lines(stages: Stages, memory: InMemoryLineStats, path: Path) -> None:
    """Restore learned-line statistics from ``path``; snapshot them every few seconds."""
    path.parent.mkdir(parents=True, exist_ok=True)
    written_before = path if path.exists() else path.with_suffix(".json")  # JSON: before 2026-11
    if written_before.exists():
        memory.restore(written_before.read_bytes())
    last = [time.monotonic()]

    def save(force: bool = False) -> None:
        if force or time.monotonic() - last[0] >= SNAPSHOT_EVERY_S:
            tmp = path.with_suffix(".tmp")
            tmp.write_bytes(memory.snapshot())
            tmp.replace(path)
            last[0] = time.monotonic()

    stages.flushers.append(save)
    stages.closers.append(lambda: save(force=True))


def _add_dedup(stages: Stages, settings: Settings, directory: Path | None) -> None:
    from service.dedup.stage import Deduplicator, MatchPolicy, SeenStore

    policy = MatchPolicy(ttl_seconds=float(settings.dedup_window_seconds))
    store: SeenStore
    if settings.store == "redis":
        from service.stores.redis.store import RedisStore

        store = RedisStore.from_url(settings.redis_url, policy)
    else:
        from service.stores.embedded.store import EmbeddedStore

        store = EmbeddedStore.open(directory / "dedup" if directory else None, policy)
    stages.dedup = Deduplicator(store, time.time)
    stages.flushers.append(store.flush)
    stages.closers.append(store.close)
    stages.gauges["dedup_entries"] = lambda: float(store.entries())
    stages.gauges["dedup_bytes"] = lambda: float(store.size_bytes())
