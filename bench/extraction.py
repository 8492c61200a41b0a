"""Benchmark the clean stage against trafilatura on a WCXB-layout folder.

Usage: python bench/extraction.py /work/shared/eval/wcxb-dev-articles [--limit N]

For the HTML path it feeds each page's HTML; for the text path a naive visible-text dump
of the page (bench/visible_text.py). It prints, per path, the ScrapingHub word 4-gram
shingle P/R/F1 (per page, then averaged), WCXB word-bag F1, ms per page and the ratio
to trafilatura (default settings for news: output_format="txt", include_comments=False)
measured in the same run, then text-path throughput on 4-6 KB texts. The text path's
scores are also given for the even- and odd-indexed pages separately, so that a rule
tuned on one half can be checked on the other.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import trafilatura

from bench.textmetrics import mean_prf, shingle_prf, word_bag_f1
from bench.visible_text import visible_text
from service.clean.rules import load_rules
from service.clean.stage import Cleaner
from service.models import CleanArticle, Origin, RawArticle

ORIGIN = Origin("bench", 0, 0)


def load_pages(folder: Path, limit: int | None) -> list[tuple[str, str, dict[str, str]]]:
    """Return ``(id, html, ground_truth)`` for each page of a WCXB-layout folder."""
    pages = []
    for path in sorted((folder / "html").glob("*.html.gz"))[:limit]:
        page_id = path.name.split(".")[0]
        html = gzip.decompress(path.read_bytes()).decode("utf-8", "replace")
        truth = json.loads((folder / "ground-truth" / f"{page_id}.json").read_text("utf-8"))
        pages.append((page_id, html, truth["ground_truth"]))
    return pages


def score(name: str, outputs: list[str], golds: list[str], ms: float) -> None:
    """Print one result line: shingle P/R/F1, word-bag F1 and ms per page."""
    s = mean_prf([shingle_prf(o, g) for o, g in zip(outputs, golds, strict=True)])
    b = mean_prf([word_bag_f1(o, g) for o, g in zip(outputs, golds, strict=True)])
    print(
        f"  {name:34s} shingle P={s.precision:.3f} R={s.recall:.3f} F1={s.f1:.3f}"
        f"  bag F1={b.f1:.3f}  {ms:7.2f} ms/page"
    )


def score_halves(outputs: list[str], golds: list[str]) -> None:
    """Print shingle P/R/F1 on even- and odd-indexed pages (a rule must help both)."""
    for half, start in (("even", 0), ("odd", 1)):
        pairs = zip(outputs[start::2], golds[start::2], strict=True)
        s = mean_prf([shingle_prf(o, g) for o, g in pairs])
        print(
            f"    {half + '-indexed pages':32s} shingle P={s.precision:.3f} R={s.recall:.3f}"
            f" F1={s.f1:.3f}  ({len(golds[start::2])} pages)"
        )


def run_pair(
    fns: list[Callable[[str], str]], inputs: list[list[str]]
) -> tuple[list[list[str]], list[float]]:
    """Run each ``fns[k]`` on ``inputs[k]`` page by page, interleaved so load drift is shared.

    Return the outputs and the ms per page of each function.
    """
    outputs: list[list[str]] = [[] for _ in fns]
    elapsed = [0.0 for _ in fns]
    for page in range(len(inputs[0])):
        for k, fn in enumerate(fns):
            start = time.perf_counter()
            outputs[k].append(fn(inputs[k][page]))
            elapsed[k] += time.perf_counter() - start
    return outputs, [1000 * e / max(1, len(inputs[0])) for e in elapsed]


def main() -> None:
    """Run the benchmark and print the numbers."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--limit", type=int, default=None)
    args = parser.parse_args()
    pages = load_pages(args.folder, args.limit)
    golds = [truth.get("main_content") or "" for _, _, truth in pages]
    htmls = [html for _, html, _ in pages]
    cleaner = Cleaner(load_rules())

    def ours(html: str | None = None, text: str | None = None) -> str:
        raw = RawArticle(id="x", url="https://x/", source="x", origin=ORIGIN, html=html, text=text)
        out = cleaner(raw)
        return out.body if isinstance(out, CleanArticle) else ""

    def traf(html: str) -> str:
        return trafilatura.extract(html, output_format="txt", include_comments=False) or ""

    print(f"{len(pages)} pages; trafilatura {version('trafilatura')} defaults")
    print("HTML path:")
    ours("<html><body><p>warm up</p></body></html>")
    texts = [visible_text(h) for h in htmls]
    (t_out, h_out, x_out), (t_ms, h_ms, x_ms) = run_pair(
        [traf, lambda h: ours(html=h), lambda t: ours(text=t)], [htmls, htmls, texts]
    )
    score("trafilatura (txt, no comments)", t_out, golds, t_ms)
    score("cleanwire Cleaner(html)", h_out, golds, h_ms)
    print(f"  ratio ms ours/trafilatura = {h_ms / t_ms:.2f}")
    print("Text path (input = naive visible-text dump):")
    score("unstripped visible text", texts, golds, 0.0)
    score("cleanwire Cleaner(text)", x_out, golds, x_ms)
    score_halves(x_out, golds)
    print(f"  ratio ms ours(text)/trafilatura(html) = {x_ms / t_ms:.3f}")

    print("Metadata (HTML path, exact match where the gold has a value):")
    outs = [cleaner(RawArticle("x", "https://x/", "x", ORIGIN, html=h)) for h in htmls]
    for field, key in (("title", "title"), ("author", "author"), ("published_at", "publish_date")):
        pairs = [
            (getattr(o, field, None) or "", t.get(key) or "")
            for o, (_, _, t) in zip(outs, pages, strict=True)
            if t.get(key)
        ]
        hits = sum(
            1 for got, want in pairs if got.strip().lower()[:10] == want.strip().lower()[:10]
        )
        print(f"  {field:12s} {hits}/{len(pairs)} (first 10 chars, case-folded)")

    sized = [t for t in texts if 4000 <= len(t.encode("utf-8")) <= 6000]
    start, cpu_start = time.perf_counter(), time.process_time()
    rounds = 0
    while time.perf_counter() - start < 3.0:
        for text in sized:
            ours(text=text)
        rounds += 1
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    done = rounds * len(sized)
    kb = sum(len(t.encode("utf-8")) for t in sized) / max(1, len(sized)) / 1000
    print(
        f"Text path throughput on {len(sized)} texts of 4-6 KB (mean {kb:.1f} KB): "
        f"{done / wall:,.0f} pages/s wall, {done / cpu:,.0f} pages per CPU-second (one core)"
    )


if __name__ == "__main__":
    main()
