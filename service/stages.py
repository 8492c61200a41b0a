"""Construct the enabled stages and the state they share, from settings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from service.pipeline import Clean, Dedup, Enrich
from service.settings import Settings


@dataclass
class Stages:
    """The enabled stages (``None`` = disabled), model versions, and state closers."""

    clean: Clean | None = None
    dedup: Dedup | None = None
    enrich: Enrich | None = None
    models: dict[str, str] = field(default_factory=dict)
    closers: list[Callable[[], None]] = field(default_factory=list)


def make_stages(settings: Settings, state_dir: str) -> Stages:
    """Build each enabled stage; raise ConfigError on a bad rules file or store."""
    enabled = settings.enabled_stages
    stages = Stages()
    if "clean" in enabled:
        raise NotImplementedError("clean stage lands with issue 3")
    if "dedup" in enabled:
        raise NotImplementedError("dedup stage lands with issue 4")
    if "enrich" in enabled:
        raise NotImplementedError("enrich stage lands with issue 5")
    return stages
