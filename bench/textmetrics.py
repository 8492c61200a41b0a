"""Text-extraction quality metrics used by the benchmarks (pure functions).

* ``shingle_prf``: the ScrapingHub article-extraction-benchmark metric: word 4-gram
  shingles (``\\w+`` tokens, lower-cased) compared as multisets; precision, recall and
  F1 per page, to be averaged over pages.
* ``word_bag_f1``: WCXB's bag-of-words F1 (lower-cased ``\\w+`` tokens as a multiset).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

_TOKEN = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True, slots=True)
class PRF:
    """Precision, recall and F1 of one prediction against one gold text."""

    precision: float
    recall: float
    f1: float


def tokenize(text: str) -> list[str]:
    """Return the NFKC-normalised, lower-cased word tokens of ``text``."""
    return _TOKEN.findall(unicodedata.normalize("NFKC", text).lower())


def _shingles(tokens: list[str], n: int) -> Counter[tuple[str, ...]]:
    if not tokens:
        return Counter()
    return Counter(tuple(tokens[i : i + n]) for i in range(max(1, len(tokens) - n + 1)))


def _prf(
    pred: Counter[tuple[str, ...]] | Counter[str], gold: Counter[tuple[str, ...]] | Counter[str]
) -> PRF:
    if not pred and not gold:
        return PRF(1.0, 1.0, 1.0)
    tp = sum((pred & gold).values())  # type: ignore[operator]
    p = tp / sum(pred.values()) if pred else 0.0
    r = tp / sum(gold.values()) if gold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return PRF(p, r, f)


def shingle_prf(predicted: str, gold: str, n: int = 4) -> PRF:
    """Score ``predicted`` against ``gold`` with word ``n``-gram shingles (ScrapingHub)."""
    return _prf(_shingles(tokenize(predicted), n), _shingles(tokenize(gold), n))


def word_bag_f1(predicted: str, gold: str) -> PRF:
    """Score ``predicted`` against ``gold`` as bags of words (WCXB)."""
    return _prf(Counter(tokenize(predicted)), Counter(tokenize(gold)))


def mean_prf(scores: list[PRF]) -> PRF:
    """Average per-page scores (macro average); an empty list scores zero."""
    if not scores:
        return PRF(0.0, 0.0, 0.0)
    k = len(scores)
    return PRF(
        sum(s.precision for s in scores) / k,
        sum(s.recall for s in scores) / k,
        sum(s.f1 for s in scores) / k,
    )
