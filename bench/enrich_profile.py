"""Where the enrich stage's CPU goes, per article, on the pipeline events of ``make bench``.

Usage: python bench/enrich_profile.py [--events 200] [--seed 7]

Generates the pipeline events of ``bench/throughput.py`` (same generator and mix, no
duplicates), runs them through the clean stage as the service does, then through the enrich
stage (English model, default settings) once untimed and once under ``cProfile``. Prints
the CPU per article without the profiler, then each part's share of the profiled run: spaCy's
tokenizer, the model's layers (token-to-vector and the NER scoring layers, in thinc), the
rest of the entity model (the greedy move-by-move loop, compiled: service/enrich/greedy.py),
and the service's own passes around the model. Shares are of the profiled run (the profiler
slows Python code more than compiled code, so the service's own passes are, if anything,
overstated).
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import time
from collections.abc import Callable
from pathlib import Path

import events as ev
import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from service.clean.learned import InMemoryLineStats
from service.clean.rules import load_rules
from service.clean.stage import Cleaner
from service.enrich.stage import Enricher
from service.models import CleanArticle, Origin
from service.parse import Parser

FunctionKey = tuple[str, int, str]
PARTS: tuple[tuple[str, Callable[[FunctionKey], bool]], ...] = (
    ("entity model, all", lambda k: k[2] == "_recognise" and k[0].endswith("ner.py")),
    ("  tokenizer", lambda k: k[2] == "make_doc" and k[0].endswith("language.py")),
    ("  model layers (thinc predict)", lambda k: k[2] == "predict" and "thinc" in k[0]),
    ("re-casing shouted lines", lambda k: k[2] == "recase_shouting"),
    ("focus windows", lambda k: k[2] == "focus_windows"),
    ("gazetteer matches", lambda k: k[2] == "_spans" and k[0].endswith("ner.py")),
    ("organisation layout rules", lambda k: k[2] == "mark_organisations"),
    ("people layout rules", lambda k: k[2] == "mark_people"),
    ("repeats (one sense per article)", lambda k: k[2] == "repeat_kinds"),
    ("canonical names, salience", lambda k: k[2] == "_entities" and k[0].endswith("stage.py")),
)


def clean_articles(count: int, seed: int) -> list[CleanArticle]:
    """Return the cleaned pipeline events of the throughput benchmark."""
    cleaner = Cleaner(load_rules(), InMemoryLineStats(), clock=lambda: 1_800_000_000.0)
    parse = Parser()
    out = []
    for offset, event in enumerate(ev.generate(ev.Mix(count, 0.3, 0.0, seed))):
        cleaned = cleaner(parse(orjson.dumps(event), Origin("bench", 0, offset)))
        if isinstance(cleaned, CleanArticle):
            out.append(cleaned)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    articles = clean_articles(args.events, args.seed)
    chars = sum(len(a.body) for a in articles) // max(1, len(articles))
    enricher = Enricher(languages=("en",))
    enricher(articles[:4])  # warm-up
    start = time.process_time()
    enricher(articles)
    cpu_ms = (time.process_time() - start) * 1000 / len(articles)
    print(f"{len(articles)} articles, {chars:,} body characters on average")
    print(f"enrich stage, no profiler: {cpu_ms:.1f} CPU-ms per article")
    profile = cProfile.Profile()
    profile.runcall(enricher, articles)
    stats: dict[FunctionKey, tuple[int, int, float, float, object]]
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    total = sum(v[3] for k, v in stats.items() if k[2] == "_tag" and k[0].endswith("stage.py"))
    print(f"profiled: {total * 1000 / len(articles):.1f} ms per article")
    print(f"{'part':<36} {'ms/article':>10} {'share':>7}")
    seconds = {name: sum(v[3] for k, v in stats.items() if chosen(k)) for name, chosen in PARTS}
    pipe, *inside = list(seconds)[:3]
    seconds = {
        **dict(list(seconds.items())[:3]),
        "  the rest (greedy loop, compiled)": seconds[pipe] - sum(seconds[n] for n in inside),
        **dict(list(seconds.items())[3:]),
    }
    for name, spent in seconds.items():
        print(f"{name:<36} {spent * 1000 / len(articles):>10.2f} {spent / total:>7.1%}")


if __name__ == "__main__":
    main()
