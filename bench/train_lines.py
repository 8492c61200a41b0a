"""Train a keep/drop model for the text path's body lines and measure it honestly.

Usage:
  python bench/train_lines.py /work/shared/eval/wcxb-dev-articles --folds [--model lr|gb]

The input of each page is built as bench/extraction.py builds the text path's input
(the naive visible-text dump), the rules choose the body lines (bench/line_model.py's
service.clean.text.select_body, the function clean_lines uses), and each
body line is labelled "keep" when most of its word 4-gram shingles (or, for a line of
under four words, its word sequence) occur in the page's WCXB gold main text. Lines are
weighted by the shingles they touch (words + 3) over the page's total, so pages count
equally, as in the per-page averaged metric.

Models: ``lr``, a logistic regression (numpy, Newton's method with an L2 penalty), or
``gb``, scikit-learn's HistGradientBoostingClassifier (100 trees of depth 3; needs the
``train`` extra: pip install -e '.[train]'). The decision threshold is the one that
maximises the mean shingle F1 of the training pages. A line below it is dropped.

--folds prints 2-fold cross-fitted scores: trained on the even-indexed pages and scored
on the odd ones, and the other way round, next to the rules alone on the same halves
(the halves of bench/extraction.py). Those are the numbers that predict a held-out
score. Without --folds it prints the in-sample score of a model trained on all pages
(optimistic by construction). The WCXB data is CC-BY-4.0 (see docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.extraction import load_pages
from bench.line_model import FEATURES, line_features
from bench.textmetrics import PRF, _prf, _shingles, mean_prf, tokenize
from bench.visible_text import visible_text
from service.clean.rules import SourceRules, load_rules
from service.clean.text import Selection, select_body, split_lines

L2 = 1.0  # ridge penalty on the standardised weights (the sample weights sum to the pages)
CUTS = (-3.0, -2.5, -2.0, -1.5, -1.0, -0.75, -0.5, -0.25, 0.0, 0.25, 0.5, 0.75, 1.0)
Margins = Callable[[np.ndarray], np.ndarray]  # features -> logit of "story line"


@dataclass(frozen=True, slots=True)
class Page:
    """One page: the rules' selection, features and labels of its body lines, the gold."""

    sel: Selection
    gold: Counter[tuple[str, ...]]
    x: np.ndarray
    y: np.ndarray
    w: np.ndarray


def label(line: str, gold_shingles: set[tuple[str, ...]], gold_joined: str) -> bool:
    """A line is story text when most of its 4-gram shingles (or its words) are in the gold."""
    tokens = tokenize(line)
    if not tokens:
        return False
    if len(tokens) < 4:
        return f" {' '.join(tokens)} " in gold_joined
    grams = [tuple(tokens[i : i + 4]) for i in range(len(tokens) - 3)]
    return sum(g in gold_shingles for g in grams) * 2 >= len(grams)


def build_page(text: str, gold: str, rules: SourceRules) -> Page:
    """Select, featurise and label one page's body lines."""
    lines = split_lines(text)
    sel = select_body(lines, rules)
    gold_tokens = tokenize(gold)
    grams = _shingles(gold_tokens, 4)
    joined = f" {' '.join(gold_tokens)} "
    x = np.array(line_features(sel), dtype=float).reshape(-1, len(FEATURES))
    y = np.array([label(sel.lines[i], set(grams), joined) for i in sel.body], dtype=float)
    sizes = np.array([sel.words[i] + 3 for i in sel.body], dtype=float)  # shingles it touches
    w = sizes / sizes.sum() if len(sizes) else sizes
    return Page(sel, grams, x, y, w)


def fit_lr(pages: Sequence[Page]) -> Margins:
    """Fit the logistic regression (standardised features, Newton's method, L2)."""
    x = np.vstack([p.x for p in pages])
    y = np.concatenate([p.y for p in pages])
    w = np.concatenate([p.w for p in pages])
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    z = np.hstack([(x - mean) / scale, np.ones((len(x), 1))])
    beta = np.zeros(z.shape[1])
    ridge = L2 * np.eye(z.shape[1])
    ridge[-1, -1] = 0.0
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-(z @ beta)))
        grad = z.T @ (w * (p - y)) + ridge @ beta
        step = np.linalg.solve((z * (w * p * (1 - p))[:, None]).T @ z + ridge, grad)
        beta -= step
        if np.abs(step).max() < 1e-8:
            break
    return lambda f: np.hstack([(f - mean) / scale, np.ones((len(f), 1))]) @ beta


def fit_gb(pages: Sequence[Page]) -> Margins:
    """Fit a small gradient-boosted tree ensemble (scikit-learn, training only)."""
    from sklearn.ensemble import HistGradientBoostingClassifier  # the "train" extra

    x = np.vstack([p.x for p in pages])
    y = np.concatenate([p.y for p in pages])
    w = np.concatenate([p.w for p in pages])
    model = HistGradientBoostingClassifier(
        max_iter=100, max_depth=3, learning_rate=0.1, random_state=0
    ).fit(x, y, sample_weight=w * len(pages))
    return lambda f: np.asarray(model.decision_function(f), dtype=float)


def kept_text(page: Page, margins: np.ndarray, cut: float) -> str:
    """The text path's output when the body lines with a margin below ``cut`` are dropped."""
    body = page.sel.body
    return "\n\n".join(page.sel.lines[i] for i, z in zip(body, margins, strict=True) if z >= cut)


def margins_of(fn: Margins, page: Page) -> np.ndarray:
    """The model's margins for the page's body lines (none for an empty body)."""
    return fn(page.x) if len(page.y) else np.zeros(0)


def score(pages: Sequence[Page], margins: Sequence[np.ndarray], cut: float) -> PRF:
    """Mean shingle P/R/F1 of the text path keeping the body lines whose margin >= cut."""
    return mean_prf(
        [
            _prf(_shingles(tokenize(kept_text(p, m, cut)), 4), p.gold)
            for p, m in zip(pages, margins, strict=True)
        ]
    )


def train(
    pages: Sequence[Page], fitter: Callable[[Sequence[Page]], Margins]
) -> tuple[Margins, float, PRF]:
    """Fit on ``pages`` and pick the cut that maximises their mean F1."""
    fn = fitter(pages)
    margins = [margins_of(fn, p) for p in pages]
    fitted = {cut: score(pages, margins, cut) for cut in CUTS}
    cut = max(CUTS, key=lambda c: fitted[c].f1)
    return fn, cut, fitted[cut]


def show(name: str, s: PRF) -> None:
    """Print one result line."""
    print(f"  {name:48s} shingle P={s.precision:.3f} R={s.recall:.3f} F1={s.f1:.3f}")


def main() -> None:
    """Build the pages, then cross-fit (--folds) or fit on all pages."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--folds", action="store_true", help="print 2-fold cross-fitted scores")
    parser.add_argument("--model", choices=("lr", "gb"), default="lr")
    parser.add_argument("--limit", type=int, default=None)
    args = parser.parse_args()
    fitter = fit_lr if args.model == "lr" else fit_gb
    rules = load_rules().for_source("x")  # as bench/extraction.py's Cleaner sees them
    pages = [
        build_page(visible_text(html), truth.get("main_content") or "", rules)
        for _, html, truth in load_pages(args.folder, args.limit)
    ]
    lines = sum(len(p.y) for p in pages)
    story = sum(float(p.y.sum()) for p in pages)
    print(f"{len(pages)} pages; {lines} body lines chosen by the rules, {story / lines:.3f} story")
    print(f"model {args.model}, {len(FEATURES)} features")
    keep_all = float("-inf")
    if not args.folds:
        fn, cut, fitted = train(pages, fitter)
        show("all pages, rules alone", score(pages, [margins_of(fn, p) for p in pages], keep_all))
        show(f"all pages, rules + model (cut {cut}; IN-SAMPLE)", fitted)
        return
    print("2-fold cross-fitted (trained on the other half, threshold from the other half):")
    halves = {"even": pages[0::2], "odd": pages[1::2]}
    for name, other in (("even", "odd"), ("odd", "even")):
        fn, cut, fitted = train(halves[other], fitter)
        margins = [margins_of(fn, p) for p in halves[name]]
        show(f"{name}-indexed pages, rules alone", score(halves[name], margins, keep_all))
        show(f"{name}-indexed pages, rules + model (cut {cut})", score(halves[name], margins, cut))
        show(f"  (in-sample on the {other} half)", fitted)


if __name__ == "__main__":
    main()
