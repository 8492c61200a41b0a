"""Quality gate: body extraction on 40 committed WCXB article pages, HTML and text paths.

The pages (``tests/data/wcxb``, every 18th id of the WCXB dev articles, 40 domains; see
the README there) go through ``Cleaner(load_rules())`` as bench/extraction.py runs it:
as HTML, and as the naive visible-text dump of the page (bench/visible_text.py) that
scrapers send on the text path. Score: ScrapingHub word 4-gram shingle F1 per page
against the gold ``main_content``, averaged over pages (bench/textmetrics.py).
Reference, bench/extraction.py on the full 711-page set on 2026-12-04: shingle F1 HTML
0.939, text 0.924 (this subset: 0.936 and 0.924).
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from bench.textmetrics import PRF, mean_prf, shingle_prf, word_bag_f1
from bench.visible_text import visible_text
from service.clean.rules import load_rules
from service.clean.stage import Cleaner
from service.models import CleanArticle, Origin, RawArticle

DATA = Path(__file__).resolve().parents[1] / "data" / "wcxb"
ORIGIN = Origin("quality", 0, 0)

# Thresholds = the figures measured on 2026-12-04 minus 0.02, rounded down (measured:
# shingle P/R/F1 HTML 0.938/0.940/0.936, text 0.915/0.951/0.924; word-bag F1 0.953, 0.937).
MIN_HTML_SHINGLE_F1 = 0.91
MIN_TEXT_SHINGLE_F1 = 0.90


def load_pages(folder: Path = DATA) -> list[tuple[str, str, str]]:
    """Return ``(id, html, gold main_content)`` for each committed page, by id."""
    pages = []
    for path in sorted((folder / "html").glob("*.html.gz")):
        page_id = path.name.split(".")[0]
        html = gzip.decompress(path.read_bytes()).decode("utf-8", "replace")
        truth = json.loads((folder / "ground-truth" / f"{page_id}.json").read_text("utf-8"))
        pages.append((page_id, html, truth["ground_truth"].get("main_content") or ""))
    return pages


def extract(cleaner: Cleaner, *, html: str | None = None, text: str | None = None) -> str:
    """Return the cleaned body of one page, or "" when the cleaner drops it."""
    raw = RawArticle(id="x", url="https://x/", source="x", origin=ORIGIN, html=html, text=text)
    out = cleaner(raw)
    return out.body if isinstance(out, CleanArticle) else ""


def scores(outputs: list[str], golds: list[str]) -> tuple[PRF, PRF]:
    """Return mean shingle P/R/F1 and mean word-bag P/R/F1 over pages."""
    shingle = mean_prf([shingle_prf(o, g) for o, g in zip(outputs, golds, strict=True)])
    bag = mean_prf([word_bag_f1(o, g) for o, g in zip(outputs, golds, strict=True)])
    return shingle, bag


@pytest.fixture(scope="module")
def pages() -> list[tuple[str, str, str]]:
    return load_pages()


def test_subset_is_the_committed_forty_pages(pages: list[tuple[str, str, str]]) -> None:
    """The committed subset has 40 pages, each with a non-empty gold text."""
    assert len(pages) == 40
    assert all(gold.strip() for _, _, gold in pages)


def test_html_path_shingle_f1(pages: list[tuple[str, str, str]]) -> None:
    """Mean shingle F1 of Cleaner on the page HTML is at least the floor."""
    cleaner = Cleaner(load_rules())
    shingle, bag = scores([extract(cleaner, html=h) for _, h, _ in pages], [g for *_, g in pages])
    assert shingle.f1 >= MIN_HTML_SHINGLE_F1, f"HTML shingle {shingle}, bag F1 {bag.f1:.4f}"


def test_text_path_shingle_f1(pages: list[tuple[str, str, str]]) -> None:
    """Mean shingle F1 of Cleaner on the page's visible-text dump is at least the floor."""
    cleaner = Cleaner(load_rules())
    outputs = [extract(cleaner, text=visible_text(h)) for _, h, _ in pages]
    shingle, bag = scores(outputs, [g for *_, g in pages])
    assert shingle.f1 >= MIN_TEXT_SHINGLE_F1, f"text shingle {shingle}, bag F1 {bag.f1:.4f}"


if __name__ == "__main__":  # print today's figures: python -m tests.quality.test_extraction_gate
    all_pages = load_pages()
    golds = [g for *_, g in all_pages]
    shared = Cleaner(load_rules())
    for path, outputs in (
        ("HTML", [extract(shared, html=h) for _, h, _ in all_pages]),
        ("text", [extract(shared, text=visible_text(h)) for _, h, _ in all_pages]),
    ):
        shingle, bag = scores(outputs, golds)
        print(f"{path}: shingle {shingle}; bag F1 {bag.f1:.4f}")
