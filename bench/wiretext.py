"""Wire-text fidelity: does cleaning keep the whole story, and its entities, on newswire text?

Usage: python bench/wiretext.py PATH/eng.testa [--limit-docs N] [--keep DIR]

Each -DOCSTART- document of a CoNLL-2003 file becomes one raw event as a newswire feed
sends it: ``text`` = the document's sentences, tokens joined by single spaces, one
sentence a line (the first line is the headline, usually followed by a ``PLACE DATE``
dateline), no ``title`` field. The events go through ``cleanwire process`` (all stages,
a fresh in-memory state) as a subprocess, exactly as a user would run it. Printed:

* accounting: every event in exactly one of clean, duplicates, DLQ;
* survival: the share of gold PER/ORG/LOC mentions whose text is still in the
  output's text fields (title, dek, author, dateline, body) of the same document;
* end-to-end mention F1 of the output's entities (mentions in every field), next to two
  references run on the same raw text in the same process: plain ``en_core_web_sm``
  (full pipeline, ``nlp(text)``) and the service's own enrich stage without cleaning;
* front matter: headline -> ``title`` and ``PLACE DATE`` line -> ``dateline`` rates;
* words kept: output words / input words.

Mentions are scored as per-document multisets of (type, text), exact text, PER/ORG/LOC
(MISC ignored on both sides), per type and micro-averaged. Offsets are not compared: the
output's fields are not the input's text, and all three systems are scored the same way.
"""

from __future__ import annotations

import argparse
import importlib
import re
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.entities import read_documents
from service.enrich.ner import MODEL_PACKAGE
from service.enrich.stage import Enricher
from service.models import CleanArticle, Origin

SCORED = ("PER", "ORG", "LOC")
OURS = {"PERSON": "PER", "ORG": "ORG", "LOC": "LOC"}
PLAIN = {"PERSON": "PER", "ORG": "ORG", "GPE": "LOC", "LOC": "LOC"}
TEXT_FIELDS = ("title", "dek", "author", "body")
_DATELINE = re.compile(r"([A-Z][A-Z .'&-]*[A-Z.]) (\d{4}-\d{2}-\d{2})")

Mentions = Counter[tuple[str, str]]


@dataclass(frozen=True)
class WireDoc:
    """One document: its lines (tokens joined by spaces) and gold (type, text) mentions."""

    lines: tuple[str, ...]
    gold: Mentions

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    @property
    def dateline(self) -> tuple[str, str] | None:
        """The gold ``(PLACE, DATE)`` when the second line is a ``PLACE DATE`` dateline."""
        match = _DATELINE.fullmatch(self.lines[1]) if len(self.lines) > 1 else None
        return (match.group(1), match.group(2)) if match else None


def read_conll(path: Path) -> list[WireDoc]:
    """Read IOB1 CoNLL-2003 into wire documents with their gold PER/ORG/LOC mentions."""
    return [_build(sentences) for sentences in read_documents(path)]


def _build(sentences: Sequence[Sequence[tuple[str, str]]]) -> WireDoc:
    gold: Mentions = Counter()
    for sentence in sentences:
        kind, words = "O", []  # the mention being read
        for token, tag in [*sentence, ("", "O")]:
            prefix, _, tag_kind = tag.partition("-")
            if not (prefix == "I" and tag_kind == kind):
                if kind in SCORED:
                    gold[(kind, " ".join(words))] += 1
                kind, words = (tag_kind, []) if tag != "O" else ("O", [])
            words.append(token)
    lines = tuple(" ".join(token for token, _ in s) for s in sentences)
    return WireDoc(lines, gold)


def score(gold: Sequence[Mentions], found: Sequence[Mentions]) -> dict[str, tuple[float, ...]]:
    """Return precision, recall and F1 per type and micro-averaged ("ALL")."""
    result = {}
    for kind in (*SCORED, "ALL"):
        hit = want = got = 0
        for g, f in zip(gold, found, strict=True):
            g_k = Counter({k: n for k, n in g.items() if kind in ("ALL", k[0])})
            f_k = Counter({k: n for k, n in f.items() if kind in ("ALL", k[0])})
            hit += sum((g_k & f_k).values())
            want += sum(g_k.values())
            got += sum(f_k.values())
        precision, recall = (hit / got if got else 0.0), (hit / want if want else 0.0)
        f1 = 2 * precision * recall / (precision + recall) if hit else 0.0
        result[kind] = (precision, recall, f1)
    return result


def event_mentions(event: dict[str, Any]) -> Mentions:
    """Return the (type, text) multiset of a clean event's entity mentions, all fields."""
    return Counter(
        (OURS[e["type"]], m["text"]) for e in event["entities"] if e["type"] in OURS
        for m in (*e["mentions"], *e.get("front_mentions", ()))
    )  # fmt: skip


def event_text(event: dict[str, Any]) -> str:
    """Return every text field of a clean event, one a line."""
    fields = [event.get(name) or "" for name in TEXT_FIELDS]
    dateline = event.get("dateline") or {}
    fields.append(dateline.get("text") or dateline.get("place") or "")
    return "\n".join(fields)


def run_process(docs: Sequence[WireDoc], folder: Path) -> tuple[dict[str, dict[str, Any]], ...]:
    """Run ``cleanwire process`` over the docs; return clean, duplicate and DLQ lines by id."""
    raw = folder / "wire.jsonl"
    with raw.open("wb") as out:
        for i, doc in enumerate(docs):
            event = {"id": f"doc-{i:04d}", "url": f"https://wire.example/story/{i}",
                     "source": "wire.example", "text": doc.text}  # fmt: skip
            out.write(orjson.dumps(event) + b"\n")
    paths = {name: folder / f"{name}.jsonl" for name in ("clean", "duplicates", "dlq")}
    subprocess.run(
        [sys.executable, "-m", "service", "process", str(raw), "--output", str(paths["clean"]),
         "--duplicates", str(paths["duplicates"]), "--dlq", str(paths["dlq"]), "--log-level",
         "warning"],
        check=True,
    )  # fmt: skip
    out: list[dict[str, dict[str, Any]]] = []
    for name in ("clean", "duplicates", "dlq"):
        lines = paths[name].read_bytes().splitlines()
        records = [orjson.loads(line) for line in lines if line.strip()]
        key = "id" if name != "dlq" else None
        out.append({_record_id(r, key): r for r in records})
    return tuple(out)


def _record_id(record: dict[str, Any], key: str | None) -> str:
    if key is not None:
        return str(record[key])
    return str(orjson.loads(record["value"])["id"])


def plain_mentions(docs: Sequence[WireDoc]) -> list[Mentions]:
    """Plain en_core_web_sm (full pipeline) on each raw text."""
    nlp = importlib.import_module(MODEL_PACKAGE).load()
    return [
        Counter((PLAIN[e.label_], e.text) for e in nlp(doc.text).ents if e.label_ in PLAIN)
        for doc in docs
    ]


def uncleaned_mentions(docs: Sequence[WireDoc]) -> list[Mentions]:
    """The service's enrich stage on each raw text as the body, without cleaning."""
    origin = Origin("bench", 0, 0)
    articles = [
        CleanArticle(id=str(i), url="u", source="wire", origin=origin, body=d.text)
        for i, d in enumerate(docs)
    ]
    return [
        Counter((OURS[e.type], m.text) for e in a.entities if e.type in OURS for m in e.mentions)
        for a in Enricher()(articles)
    ]


def survival(docs: Sequence[WireDoc], events: Sequence[dict[str, Any] | None]) -> float:
    """Share of gold mentions whose text is in the same document's output text."""
    kept = total = 0
    for doc, event in zip(docs, events, strict=True):
        text = event_text(event) if event else ""
        for (_, mention), n in doc.gold.items():
            total += n
            kept += n if _contains_words(text, mention) else 0
    return kept / total if total else 1.0


def _contains_words(text: str, words: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(words)}(?!\w)", text) is not None


def _norm(text: str | None) -> str:
    return " ".join((text or "").split()).rstrip(" .").casefold()


def front_matter(docs: Sequence[WireDoc], events: Sequence[dict[str, Any] | None]) -> str:
    titled = sum(
        1 for d, e in zip(docs, events, strict=True) if e and _norm(e["title"]) == _norm(d.lines[0])
    )
    with_dateline = [(d, e) for d, e in zip(docs, events, strict=True) if d.dateline]
    parsed = sum(
        1
        for d, e in with_dateline
        if e
        and (e.get("dateline") or {}).get("place", "").casefold() == d.dateline[0].casefold()  # type: ignore[index]
        and (e.get("dateline") or {}).get("date") == d.dateline[1]  # type: ignore[index]
    )
    return (
        f"headline -> title: {titled}/{len(docs)} = {titled / len(docs):.3f}; "
        f"dateline parsed: {parsed}/{len(with_dateline)} = "
        f"{parsed / max(1, len(with_dateline)):.3f}"
    )


def _print_scores(name: str, scores: dict[str, tuple[float, ...]]) -> None:
    cells = "  ".join(f"{k} P={p:.3f} R={r:.3f} F1={f:.3f}" for k, (p, r, f) in scores.items())
    print(f"{name:<34} {cells}")


def _words(texts: Iterable[str]) -> int:
    return sum(len(t.split()) for t in texts)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("conll", type=Path, help="CoNLL-2003 file, e.g. eng.testa")
    parser.add_argument("--limit-docs", type=int, default=0, help="use only the first N docs")
    parser.add_argument("--keep", type=Path, help="write the events and outputs here")
    args = parser.parse_args(argv)
    docs = read_conll(args.conll)[: args.limit_docs or None]
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        clean, duplicates, dlq = run_process(docs, folder)
    ids = [f"doc-{i:04d}" for i in range(len(docs))]
    placed = Counter(i for part in (clean, duplicates, dlq) for i in part)
    missing = [i for i in ids if placed[i] == 0]
    repeated = [i for i in ids if placed[i] > 1]
    print(
        f"{len(docs)} events: {len(clean)} clean, {len(duplicates)} duplicates, {len(dlq)} DLQ; "
        f"accounted for {len(docs) - len(missing)}/{len(docs)}, in two places {len(repeated)}"
    )
    events = [clean.get(i) or duplicates.get(i) for i in ids]
    print(f"gold mentions: {sum(sum(d.gold.values()) for d in docs)}; "
          f"survival {survival(docs, events):.4f}")  # fmt: skip
    kept_words = _words(event_text(e) for e in events if e)
    print(f"words kept: {kept_words}/{_words(d.text for d in docs)}")
    print(front_matter(docs, events))
    gold = [d.gold for d in docs]
    # a duplicate carries no entities: score the clean events only, gold of every doc
    ours = [event_mentions(clean[i]) if i in clean else Counter() for i in ids]
    e2e = score(gold, ours)
    own = score(gold, uncleaned_mentions(docs))
    plain = score(gold, plain_mentions(docs))
    _print_scores("cleanwire process (end to end)", e2e)
    _print_scores("enrich stage on the raw text", own)
    _print_scores("plain en_core_web_sm, raw text", plain)
    print(
        f"end-to-end F1 - own tagger on raw: {e2e['ALL'][2] - own['ALL'][2]:+.4f}; "
        f"- plain spaCy: {e2e['ALL'][2] - plain['ALL'][2]:+.4f}"
    )
    return 0 if not missing and not repeated else 1


if __name__ == "__main__":
    raise SystemExit(main())
