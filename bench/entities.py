"""Entity recognition quality and speed: cleanwire's enrich stage vs plain en_core_web_sm.

Usage: python bench/entities.py PATH/eng.testa [--limit-docs N]

Each -DOCSTART- document of the CoNLL-2003 file becomes one article body: tokens of a
sentence joined by single spaces, sentences separated by blank lines (paragraphs).
Both systems get exactly the same texts. Predicted character spans are mapped back to
token spans; a span that does not start and end on token boundaries cannot match.
Scores are mention-level, exact span and type, for PER/ORG/LOC (MISC ignored on both
sides), per type and micro-averaged, as in CoNLL's conlleval.

Baseline: the full en_core_web_sm pipeline, one document at a time via ``nlp(text)``,
labels mapped PERSON->PER, ORG->ORG, GPE/LOC->LOC; and the same model with only its NER
component, all documents through ``nlp.pipe`` (the fastest plain use of the model, and
the speed floor the enrich stage is held to). Ours: ``service.enrich.stage.Enricher``
over all documents in one call (mentions of all returned entities). Model loading is
not timed; words/s counts CoNLL tokens. Both CPU time of this process (the primary
figure: the service runs one single-threaded worker per core, and CPU time is far less
disturbed by other load on a shared machine) and wall time are reported.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from service.enrich.ner import MODEL_PACKAGE
from service.enrich.stage import Enricher
from service.models import CleanArticle, Origin

SCORED = ("PER", "ORG", "LOC")
OURS = {"PERSON": "PER", "ORG": "ORG", "LOC": "LOC"}
PLAIN = {"PERSON": "PER", "ORG": "ORG", "GPE": "LOC", "LOC": "LOC"}

Span = tuple[int, int, int, str]  # doc, first token, last token + 1, type


@dataclass(frozen=True)
class Document:
    text: str
    token_starts: dict[int, int]  # char offset -> token index
    token_ends: dict[int, int]  # char offset -> token index + 1
    gold: list[tuple[int, int, str]]
    n_tokens: int


def read_documents(path: Path) -> list[list[list[tuple[str, str]]]]:
    """Read CoNLL-2003: per -DOCSTART- document, its sentences of (token, IOB1 tag)."""
    docs: list[list[list[tuple[str, str]]]] = []
    sentence: list[tuple[str, str]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if not parts:
            if sentence and docs:
                docs[-1].append(sentence)
            sentence = []
        elif parts[0] == "-DOCSTART-":
            docs.append([])
        else:
            sentence.append((parts[0], parts[-1]))
    if sentence and docs:
        docs[-1].append(sentence)
    return [sentences for sentences in docs if sentences]


def read_conll(path: Path) -> list[Document]:
    """Read IOB1 CoNLL-2003 into documents with their gold PER/ORG/LOC token spans."""
    return [_build(sentences) for sentences in read_documents(path)]


def _build(sentences: Sequence[Sequence[tuple[str, str]]]) -> Document:
    pieces, starts, ends, gold = [], {}, {}, []
    offset = index = 0
    open_type, open_start = "O", 0
    for s_no, sentence in enumerate(sentences):
        if s_no:
            pieces.append("\n\n")
            offset += 2
        for t_no, (token, tag) in enumerate(sentence):
            if t_no:
                pieces.append(" ")
                offset += 1
            prefix, _, kind = tag.partition("-")
            continues = prefix == "I" and kind == open_type and t_no > 0
            if not continues:
                if open_type in SCORED:
                    gold.append((open_start, index, open_type))
                open_type, open_start = (kind, index) if tag != "O" else ("O", index)
            starts[offset] = index
            pieces.append(token)
            offset += len(token)
            ends[offset] = index + 1
            index += 1
        if open_type in SCORED:
            gold.append((open_start, index, open_type))
        open_type = "O"
    return Document("".join(pieces), starts, ends, gold, index)


def to_token_spans(doc_no: int, doc: Document, spans: Iterable[tuple[int, int, str]]) -> set[Span]:
    """Map char spans to token spans; unaligned spans get impossible token indices."""
    out = set()
    for start, end, kind in spans:
        first, last = doc.token_starts.get(start, -1 - start), doc.token_ends.get(end, -1 - end)
        out.add((doc_no, first, last, kind))
    return out


def score(gold: set[Span], predicted: set[Span]) -> dict[str, tuple[float, float, float]]:
    """Return precision, recall, F1 per type and micro-averaged ("ALL")."""
    result = {}
    for kind in (*SCORED, "ALL"):
        g = {s for s in gold if kind in ("ALL", s[3])}
        p = {s for s in predicted if kind in ("ALL", s[3])}
        hit = len(g & p)
        precision = hit / len(p) if p else 0.0
        recall = hit / len(g) if g else 0.0
        f1 = 2 * precision * recall / (precision + recall) if hit else 0.0
        result[kind] = (precision, recall, f1)
    return result


@dataclass(frozen=True)
class Timing:
    cpu: float
    wall: float


class Stopwatch:
    def __enter__(self) -> Stopwatch:
        self._cpu, self._wall = time.process_time(), time.perf_counter()
        return self

    def __exit__(self, *_: object) -> None:
        self.timing = Timing(time.process_time() - self._cpu, time.perf_counter() - self._wall)


def run_plain(docs: Sequence[Document]) -> tuple[set[Span], Timing]:
    nlp = importlib.import_module(MODEL_PACKAGE).load()
    nlp("Warm-up sentence in London.")
    predicted: set[Span] = set()
    with Stopwatch() as watch:
        parsed = [nlp(doc.text) for doc in docs]
    for doc_no, (doc, parse) in enumerate(zip(docs, parsed, strict=True)):
        ents = [
            (e.start_char, e.end_char, PLAIN[e.label_]) for e in parse.ents if e.label_ in PLAIN
        ]
        predicted |= to_token_spans(doc_no, doc, ents)
    return predicted, watch.timing


def run_plain_ner(docs: Sequence[Document]) -> tuple[set[Span], Timing]:
    nlp = importlib.import_module(MODEL_PACKAGE).load()
    nlp.select_pipes(enable=["ner"])
    nlp("Warm-up sentence in London.")
    predicted: set[Span] = set()
    with Stopwatch() as watch:
        parsed = list(nlp.pipe(doc.text for doc in docs))
    for doc_no, (doc, parse) in enumerate(zip(docs, parsed, strict=True)):
        ents = [
            (e.start_char, e.end_char, PLAIN[e.label_]) for e in parse.ents if e.label_ in PLAIN
        ]
        predicted |= to_token_spans(doc_no, doc, ents)
    return predicted, watch.timing


def run_ours(docs: Sequence[Document]) -> tuple[set[Span], Timing, str]:
    enricher = Enricher()
    origin = Origin("bench", 0, 0)
    enricher([CleanArticle(id="w", url="u", source="s", origin=origin, body="Warm-up in Paris.")])
    articles = [
        CleanArticle(id=str(i), url="u", source="conll", origin=origin, body=d.text)
        for i, d in enumerate(docs)
    ]
    with Stopwatch() as watch:
        enriched = enricher(articles)
    predicted: set[Span] = set()
    for doc_no, (doc, article) in enumerate(zip(docs, enriched, strict=True)):
        spans = [
            (m.start, m.end, OURS[e.type])
            for e in article.entities
            if e.type in OURS
            for m in e.mentions
        ]
        predicted |= to_token_spans(doc_no, doc, spans)
    return predicted, watch.timing, enricher.model_version


def report(
    name: str, scores: dict[str, tuple[float, float, float]], words: int, docs: int, t: Timing
) -> None:
    print(
        f"{name}: words/s cpu={words / t.cpu:,.0f} wall={words / t.wall:,.0f}"
        f"   ms/article cpu={1000 * t.cpu / docs:.1f}"
    )
    for kind, (p, r, f) in scores.items():
        print(f"  {kind:<4} P={p:.4f} R={r:.4f} F1={f:.4f}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("conll", type=Path, help="CoNLL-2003 file, e.g. eng.testa")
    parser.add_argument("--limit-docs", type=int, default=0, help="use only the first N docs")
    args = parser.parse_args(argv)
    docs = read_conll(args.conll)
    if args.limit_docs:
        docs = docs[: args.limit_docs]
    gold = {(i, s, e, k) for i, d in enumerate(docs) for s, e, k in d.gold}
    words = sum(d.n_tokens for d in docs)
    print(f"{len(docs)} documents, {words} tokens, {len(gold)} gold PER/ORG/LOC mentions")
    plain, plain_time = run_plain(docs)
    ner, ner_time = run_plain_ner(docs)
    ours, ours_time, version = run_ours(docs)
    plain_scores, ner_scores, our_scores = score(gold, plain), score(gold, ner), score(gold, ours)
    n = len(docs)
    report(
        "plain en_core_web_sm (full pipeline, nlp(text) per doc)",
        plain_scores,
        words,
        n,
        plain_time,
    )
    report("plain en_core_web_sm (NER only, nlp.pipe)", ner_scores, words, n, ner_time)
    report(f"cleanwire Enricher ({version})", our_scores, words, n, ours_time)
    delta = our_scores["ALL"][2] - plain_scores["ALL"][2]
    print(
        f"micro F1 delta: {delta:+.4f}   speed ratio cpu: {plain_time.cpu / ours_time.cpu:.2f}x"
        f"   wall: {plain_time.wall / ours_time.wall:.2f}x"
    )
    print(
        f"vs NER only: micro F1 {our_scores['ALL'][2] - ner_scores['ALL'][2]:+.4f}"
        f"   CPU per article {ours_time.cpu / ner_time.cpu:.2f}x of it"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
