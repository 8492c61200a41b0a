"""Wire-text fidelity scores (pure functions), shared by the gate test and bench scripts.

Gold documents are the lines of ``tests/data/wiretext/wire-docs.jsonl`` (see the README
there). An output is either a :class:`service.models.CleanArticle` or a clean event
decoded from JSON: fields are read with :func:`field`, which takes attributes and keys
alike, so fields added later (``dateline``, ``Mention.field``) are used when present.

* survival: the share of gold mentions whose exact text (case-sensitive substring) is
  still in the output's text fields; a string the gold names ``n`` times counts as kept
  up to the number of times it occurs in the output (a dropped table row is a loss even
  when the team is named again elsewhere);
* mention P/R/F1: per-document multisets of ``(type, text)``, micro-averaged over the
  documents; PERSON is PER, MISC is ignored on both sides, every mention of an output
  entity counts once, whatever field it is in;
* front matter: title and author equal after whitespace normalisation; dateline place
  equal ignoring case, spacing and spaces before commas (as written or canonical).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple

TYPES = {"PERSON": "PER", "PER": "PER", "ORG": "ORG", "LOC": "LOC"}
"""Output and gold entity types that are scored, mapped to the CoNLL names."""
TEXT_FIELDS = ("title", "dek", "author", "body")

Mentions = Counter[tuple[str, str]]


class PRF(NamedTuple):
    """Precision, recall and F1."""

    precision: float
    recall: float
    f1: float


def field(obj: Any, name: str) -> Any:
    """Return ``obj[name]`` for a mapping, else ``obj.name``; None when absent."""
    if obj is None:
        return None
    if isinstance(obj, Mapping):
        return obj.get(name)
    return getattr(obj, name, None)


def normalise_space(text: str | None) -> str:
    """Return ``text`` with runs of whitespace as single spaces, stripped."""
    return " ".join((text or "").split())


def gold_mentions(entities: Iterable[Mapping[str, str]]) -> Mentions:
    """Return the scored ``(type, text)`` multiset of gold ``{"text", "type"}`` mentions."""
    return Counter((TYPES[e["type"]], e["text"]) for e in entities if e["type"] in TYPES)


def output_mentions(article: Any) -> Mentions:
    """Return the scored ``(type, text)`` multiset of an output's entity mentions."""
    found: Mentions = Counter()
    for entity in field(article, "entities") or ():
        kind = TYPES.get(field(entity, "type") or "")
        if kind is not None:
            found.update((kind, field(m, "text")) for m in field(entity, "mentions") or ())
    return found


def output_text(article: Any) -> str:
    """Return an output's text fields (title, dek, author, body, dateline), one a line."""
    parts = [field(article, name) or "" for name in TEXT_FIELDS]
    dateline = field(article, "dateline")
    if dateline is not None:
        parts.append(field(dateline, "text") or field(dateline, "place") or "")
    return "\n".join(parts)


def kept_mentions(gold: Iterable[str], text: str) -> tuple[int, int]:
    """Return ``(kept, total)``: gold mention strings still found in ``text`` (see module)."""
    wanted = Counter(gold)
    kept = sum(min(n, text.count(mention)) for mention, n in wanted.items())
    return kept, sum(wanted.values())


def survival(golds: Sequence[Iterable[str]], texts: Sequence[str]) -> float:
    """Return the share of gold mention strings kept, pooled over documents (1.0 if none)."""
    kept = total = 0
    for gold, text in zip(golds, texts, strict=True):
        k, t = kept_mentions(gold, text)
        kept, total = kept + k, total + t
    return kept / total if total else 1.0


def mention_prf(golds: Sequence[Mentions], founds: Sequence[Mentions]) -> PRF:
    """Return micro-averaged mention precision, recall and F1 over paired documents."""
    hit = want = got = 0
    for gold, found in zip(golds, founds, strict=True):
        hit += sum((gold & found).values())
        want += sum(gold.values())
        got += sum(found.values())
    precision = hit / got if got else 0.0
    recall = hit / want if want else 0.0
    f1 = 2 * precision * recall / (precision + recall) if hit else 0.0
    return PRF(precision, recall, f1)


def same_text(got: str | None, want: str | None) -> bool:
    """Say whether two field values are equal after whitespace normalisation."""
    return got is not None and want is not None and normalise_space(got) == normalise_space(want)


def _place_key(place: str) -> str:
    return normalise_space(place).replace(" ,", ",").casefold()


def same_place(dateline: Any, want: str) -> bool:
    """Say whether an output dateline's place (as written or canonical) is ``want``."""
    places = (field(dateline, "place"), field(dateline, "place_canonical"))
    return any(p and _place_key(p) == _place_key(want) for p in places)


def share(hits: Iterable[bool]) -> float:
    """Return the share of true values (1.0 for none: nothing was missed)."""
    values = list(hits)
    return sum(values) / len(values) if values else 1.0
