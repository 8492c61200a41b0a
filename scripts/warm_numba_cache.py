"""Fill numba's on-disk cache for every ``cache=True`` kernel of the installed service.

The Dockerfile runs this at image build time with ``NUMBA_CACHE_DIR`` pointing inside the
image, so a new pod loads compiled kernels instead of compiling them (~20 s) before it is
ready. It (1) imports every ``service`` module whose source declares ``cache=True`` (the
kernels with explicit signatures compile and are cached on import), (2) runs the real
``cleanwire process --stages clean,dedup`` path on a few generated articles (ASCII, Latin-1,
BMP and astral-plane text, exact and near duplicates) with an on-disk embedded store, and
(3) checks that every such kernel was compiled in this run or has an index in the cache (a
callee compiled into its caller is loaded with it and shows no signature of its own).
Exit status 1 if a kernel is in neither state. Usage: python scripts/warm_numba_cache.py
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import io
import json
import pkgutil
import sys
import tempfile
import time
from pathlib import Path

from numba.core.dispatcher import Dispatcher

import service
from service.cli import main

BODIES = (
    "Officials said the talks would continue next week after a first round ended.",
    "Die Gespräche über den Haushalt werden nächste Woche in Zürich fortgesetzt, sagte sie.",
    "Переговоры продолжатся на следующей неделе, сообщили в Кремле в понедельник.",
    "The mascot 🦊 returned to the stadium on Sunday, fans said, after a long absence.",
)


def cached_modules() -> list[str]:
    """Return the ``service`` modules whose source mentions ``cache=True``."""
    found = []
    for info in pkgutil.walk_packages(service.__path__, "service."):
        spec = importlib.util.find_spec(info.name)
        origin = spec.origin if spec else None
        if origin and origin.endswith(".py") and "cache=True" in Path(origin).read_text("utf-8"):
            found.append(info.name)
    return found


def articles() -> list[str]:
    """Return raw events: each body three paragraphs long, then an exact and a near copy."""
    lines = []
    for i, body in enumerate(BODIES):
        text = "\n".join(f"{body} Paragraph {p}, item {i}." for p in range(3))
        for j, variant in enumerate((text, text, text + " One more sentence.")):
            event = {
                "id": f"warm-{i}-{j}",
                "url": f"https://warm.example/{i}/{j}",
                "source": "warm.example",
                "text": variant,
            }
            lines.append(json.dumps(event, ensure_ascii=False))
    return lines


def ready(kernel: Dispatcher) -> bool:
    """Return whether ``kernel`` was compiled here or has a cache index on disk."""
    index = getattr(
        getattr(getattr(kernel, "_cache", None), "_cache_file", None), "_index_path", None
    )
    return bool(kernel.signatures) or (index is not None and Path(index).is_file())


def run() -> int:
    started = time.perf_counter()
    modules = [importlib.import_module(name) for name in cached_modules()]
    kernels = {
        f"{module.__name__}.{name}": value
        for module in modules
        for name, value in vars(module).items()
        if isinstance(value, Dispatcher)
        and type(getattr(value, "_cache", None)).__name__ != "NullCache"
    }
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "raw.jsonl"
        source.write_text("\n".join(articles()) + "\n", encoding="utf-8")
        argv = ["process", str(source), "--output", str(Path(tmp) / "clean.jsonl")]
        argv += ["--stages", "clean,dedup", "--state-dir", str(Path(tmp) / "state")]
        argv += ["--log-level", "warning"]
        with contextlib.redirect_stdout(io.StringIO()):
            status = main(argv)
    if status != 0:
        print(f"warm-numba-cache: cleanwire process exited {status}", file=sys.stderr)
        return 1
    cold = sorted(name for name, kernel in kernels.items() if not ready(kernel))
    took = time.perf_counter() - started
    print(
        f"warm-numba-cache: {len(kernels) - len(cold)}/{len(kernels)} kernels cached "
        f"in {len(modules)} modules, {took:.1f} s",
        file=sys.stderr,
    )
    if cold:
        print(f"warm-numba-cache: not cached: {', '.join(cold)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(run())
