"""The enrich stage: recognise entities, canonicalise them, rank them by salience.

The whole article is tagged: body, title and dek, and a dateline's place is one LOC
mention. Each mention names its field (``Mention.field``), and its offsets index that
field's text (the dateline's ``text`` for a dateline). A title mention raises the
entity's salience; an entity named only in the title, dek or dateline is listed with
those mentions alone. Bodies longer than ``max_chunk_chars`` are tagged in
paragraph-aligned chunks with offsets mapped back, never truncated (a title or dek is
tagged on its first ``max_chunk_chars`` characters). An article over the budget
(``max_chars``) gets no entities and says so (``enrich_skipped``), whole.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Sequence
from typing import Protocol

from service.clean.frontmatter import canonical_place
from service.enrich.aliases import AliasTable, load_shipped_aliases
from service.enrich.canonical import (
    ResolvedEntity,
    TaggedSpan,
    resolve_entities,
    resolve_name,
    tidy_spans,
)
from service.enrich.front import FrontSpan, add_front_mentions, author_spans, dateline_spans
from service.enrich.ner import BATCH_SIZE, SpacyTagger
from service.enrich.orgs import mark_organisations
from service.enrich.people import mark_people
from service.enrich.salience import rank_entities
from service.models import CleanArticle, Entity, EntityType, Field

MAX_CHUNK_CHARS = 10_000
"""Longest text the model is given: a longer body is tagged in paragraph-aligned chunks,
so the model's working memory per text stays bounded (a 100,000-character text of short
capitalised words took 1.4 GB; 49,000 such words take 250 MB in 10,000-character chunks,
370 MB in 20,000)."""
MIN_LANGUAGE_CONFIDENCE = 0.6
"""Below it an identified language is a guess (a table of names and figures), and the
article goes to the default model rather than to none."""
MAX_ARTICLE_CHARS = 200_000
"""An article's budget: about 33,000 words of news, twenty times a long feature."""

_NOT_PROPAGATED_WORDS = (
    "January February March April May June July August September October November "
    "December Monday Tuesday Wednesday Thursday Friday Saturday Sunday I A The"
)
NOT_PROPAGATED = frozenset(_NOT_PROPAGATED_WORDS.split())


class Tagger(Protocol):
    """Finds entity spans in plain texts; ``model_version`` goes into provenance."""

    @property
    def model_version(self) -> str: ...

    def tag(self, texts: Sequence[str]) -> list[list[TaggedSpan]]:
        """Return, for each text in order, its spans (offsets index that text)."""
        ...


def split_into_chunks(text: str, max_chars: int) -> list[tuple[int, str]]:
    """Split ``text`` into ``(offset, chunk)`` pieces of at most ``max_chars`` characters.

    Pieces end at paragraph breaks where possible, else at whitespace, else anywhere;
    joined back in order they give ``text`` exactly.
    """
    if max_chars < 1:
        raise ValueError("max_chars must be positive")
    chunks: list[tuple[int, str]] = []
    start = 0
    while len(text) - start > max_chars:
        window = text[start : start + max_chars]
        paragraph_break = window.rfind("\n\n")
        if paragraph_break > 0:
            cut = paragraph_break + 2
        else:
            space = max(window.rfind("\n"), window.rfind(" "))
            cut = space + 1 if space > 0 else max_chars
        chunks.append((start, text[start : start + cut]))
        start += cut
    if start < len(text) or not chunks:
        chunks.append((start, text[start:]))
    return chunks


def _whole_word_occurrences(text: str, form: str) -> list[tuple[int, int]]:
    """Return where ``form`` occurs in ``text`` not glued to a word, apostrophe or hyphen."""
    found = []
    start = text.find(form)
    while start >= 0:
        end = start + len(form)
        before = text[start - 1] if start else " "
        after = text[end] if end < len(text) else " "
        if not (before.isalnum() or before in "_'\u2019-") and not (
            after.isalnum() or after in "_-"
        ):
            found.append((start, end))
        start = text.find(form, start + 1)
    return found


def propagate_repeats(text: str, spans: Sequence[TaggedSpan]) -> list[TaggedSpan]:
    """Add untagged repeats of names tagged elsewhere in ``text`` (one sense per article).

    A capitalised surface tagged once (and the surname of a tagged full name) is tagged
    wherever it recurs as a whole word with the same spelling and no tag, taking the
    type most often given to it; its all-caps spelling (longer than three letters) is
    found too. Month and weekday names are never propagated.
    """
    return add_repeats(text, spans, repeat_kinds(text, spans))


def repeat_kinds(text: str, spans: Sequence[TaggedSpan]) -> dict[str, EntityType]:
    """Return the surfaces :func:`propagate_repeats` looks for, with the type each takes."""
    votes: dict[str, dict[EntityType, int]] = {}
    for span in tidy_spans(text, spans):
        surface = text[span.start : span.end]
        words = surface.split()
        surfaces = [surface] + ([words[-1]] if span.type == "PERSON" and len(words) > 1 else [])
        for form in surfaces:
            if form[:1].isupper() and len(form) > 1 and form not in NOT_PROPAGATED:
                tally = votes.setdefault(form, {})
                tally[span.type] = tally.get(span.type, 0) + 1
    kinds = {form: max(tally.items(), key=lambda item: item[1])[0] for form, tally in votes.items()}
    for form, kind in list(kinds.items()):  # headlines and datelines shout names
        if len(form) > 3:
            kinds.setdefault(form.upper(), kind)
    return kinds


def add_repeats(
    text: str, spans: Sequence[TaggedSpan], kinds: dict[str, EntityType]
) -> list[TaggedSpan]:
    """Tag each whole-word occurrence in ``text`` of a surface of ``kinds`` left untagged."""
    if not kinds:
        return list(spans)
    occupied = bytearray(len(text))
    for span in spans:
        occupied[span.start : span.end] = b"\x01" * (span.end - span.start)
    added: list[TaggedSpan] = []
    for form in sorted(kinds, key=len, reverse=True):
        for begin, end in _whole_word_occurrences(text, form):
            if occupied.find(1, begin, end) < 0:
                added.append(TaggedSpan(begin, end, kinds[form]))
                occupied[begin:end] = b"\x01" * (end - begin)
    return sorted([*spans, *added], key=lambda s: (s.start, s.end))


def _front_parts(article: CleanArticle, max_chars: int) -> list[tuple[Field, str, int]]:
    """Return ``(field, text, offset)`` of the title and dek as joined for the tagger."""
    parts: list[tuple[Field, str, int]] = []
    offset = 0
    fields: tuple[tuple[Field, str | None], ...] = (("title", article.title), ("dek", article.dek))
    for name, text in fields:
        if text and text.strip():
            parts.append((name, text[:max_chars], offset))
            offset += len(text[:max_chars]) + 2
    return parts


def _within(spans: Sequence[TaggedSpan], offset: int, text: str) -> list[TaggedSpan]:
    """Return the spans that fall inside ``text`` placed at ``offset``, offsets into it."""
    end = offset + len(text)
    return [
        TaggedSpan(s.start - offset, s.end - offset, s.type)
        for s in spans
        if offset <= s.start < s.end <= end
    ]


def _front_tags(
    text: str, spans: list[TaggedSpan], kinds: dict[str, EntityType]
) -> list[TaggedSpan]:
    """Tidy a title's or dek's spans, the body's names in it first (the body has context)."""
    if kinds:
        known = add_repeats(text, [], kinds)
        fuller = [s for s in spans if any(_extends(s, k) for k in known)]
        known = [k for k in known if not any(_extends(s, k) for s in fuller)]
        free = [s for s in spans if not any(k.start < s.end and s.start < k.end for k in known)]
        spans = sorted([*known, *free], key=lambda s: (s.start, s.end))
    return tidy_spans(text, spans)


def _extends(span: TaggedSpan, known: TaggedSpan) -> bool:
    """Say whether ``span`` is ``known`` with words before it, of the same type.

    "Vladimir Putin" extends a known "Putin"; "PUTIN MEETS" (a shouted headline the
    model misread) does not extend "PUTIN".
    """
    return span.type == known.type and span.end == known.end and span.start < known.start


def _is_bare_single_name(entity: ResolvedEntity, table_people: Collection[str] = ()) -> bool:
    """Say whether ``entity`` is a one-word person the article never names in full, and
    no results table of the article names (``table_people``)."""
    return (
        entity.type == "PERSON"
        and entity.wikidata is None
        and " " not in entity.name
        and entity.name not in table_people
    )


class Enricher:
    """Fill ``CleanArticle.entities`` for a batch of articles (the enrich stage).

    The default tagger is spaCy's small English model, loaded at construction
    (raises ConfigError if the model package is missing), running ``ner_batch_size``
    texts per spaCy batch. Calling never drops or
    reorders articles; an article with an empty body gets no entities.

    A person named by one word only ("Smith") that neither links to a full name in
    the article nor is in the alias table nor is named by a results table of the article
    (a scorecard's "c Vaas b Chandana") is left out unless ``single_word_people``:
    on CoNLL-2003 dev 72% of such tags were wrong (mostly places and teams typed
    PERSON), and a bare surname is no use as a cross-article tag.
    """

    def __init__(
        self,
        tagger: Tagger | None = None,
        aliases: AliasTable | None = None,
        *,
        languages: Sequence[str] = ("en",),
        max_chunk_chars: int = MAX_CHUNK_CHARS,
        max_chars: int = MAX_ARTICLE_CHARS,
        propagate: bool = True,
        single_word_people: bool = False,
        ner_batch_size: int = BATCH_SIZE,
    ) -> None:
        self.aliases = aliases if aliases is not None else load_shipped_aliases()
        gazetteer = [(n, e.type) for e in self.aliases for n in (e.name, *e.aliases)]
        self.taggers: dict[str, Tagger] = {}
        for language in dict.fromkeys(languages):
            if tagger is not None and not self.taggers:
                self.taggers[language] = tagger  # the given tagger serves the first language
            else:
                self.taggers[language] = SpacyTagger(
                    gazetteer, batch_size=ner_batch_size, language=language
                )
        if not self.taggers:
            raise ValueError("Enricher needs at least one language")
        self.default_language = next(iter(self.taggers))
        self.tagger = self.taggers[self.default_language]
        self.model_version: str = ", ".join(t.model_version for t in self.taggers.values())
        self.max_chunk_chars = max_chunk_chars
        self.max_chars = max_chars
        self.propagate = propagate
        self.single_word_people = single_word_people

    def __call__(self, articles: Sequence[CleanArticle]) -> list[CleanArticle]:
        """Return the articles in the same order with ``entities`` filled.

        Each article goes to the model of its language; an article whose language is
        unknown, or identified with less than ``MIN_LANGUAGE_CONFIDENCE``, goes to the first
        configured language's. An article in a
        language with no configured model gets no entities (``enrich_skipped="language"``,
        ``enrich_model="none (<language>)"``): another language's model would only guess.
        An article over the budget (:meth:`over_budget`) is returned without entities and
        with ``enrich_skipped="over_budget"``: it is never tagged in part, and it can never
        take the process's memory or time.
        """
        out = list(articles)
        groups: dict[str, list[int]] = {}
        for index, article in enumerate(articles):
            language = article.language or self.default_language
            confidence = article.language_confidence
            if confidence is not None and confidence < MIN_LANGUAGE_CONFIDENCE:
                language = self.default_language  # a guess: the default model, not none
            if self.over_budget(article):
                out[index] = dataclasses.replace(article, entities=(), enrich_skipped="over_budget")
            elif language not in self.taggers:
                out[index] = dataclasses.replace(
                    article,
                    entities=(),
                    enrich_skipped="language",
                    enrich_model=f"none ({language})",
                )
            else:
                groups.setdefault(language, []).append(index)
        for language, indexes in groups.items():
            tagger = self.taggers[language]
            tagged = self._tag([articles[i] for i in indexes], tagger)
            for index, article in zip(indexes, tagged, strict=True):
                out[index] = dataclasses.replace(article, enrich_model=tagger.model_version)
        return out

    def over_budget(self, article: CleanArticle) -> bool:
        """Say whether an article is too long to tag: by characters, or by words.

        The budget is ``max_chars`` characters of title, dek and body together, and a
        quarter as many words (a text of one-letter words costs the model per word).
        """
        texts = (article.body, article.title or "", article.dek or "")
        chars = sum(map(len, texts))
        if chars > self.max_chars:
            return True
        return (
            chars > self.max_chars // 4 and sum(len(t.split()) for t in texts) > self.max_chars // 4
        )

    def _tag(self, articles: Sequence[CleanArticle], tagger: Tagger) -> list[CleanArticle]:
        texts: list[str] = []
        layout: list[tuple[list[tuple[int, int, int]], int, list[tuple[Field, str, int]]]] = []
        for article in articles:
            parts = _front_parts(article, self.max_chunk_chars)
            front = "".join(f"{text}\n\n" for _, text, _ in parts)
            first = len(texts)
            body_chunks = []  # (text index, body offset of its start, where the body starts)
            for offset, chunk in split_into_chunks(article.body, self.max_chunk_chars):
                lead = front if len(texts) == first else ""  # title and dek open the text:
                body_chunks.append((len(texts), offset - len(lead), len(lead)))  # context,
                texts.append(lead + chunk)  # and no model call of their own
            layout.append((body_chunks, first, parts))
        tagged = tagger.tag(texts) if texts else []
        enriched = []
        for article, (body_chunks, first, parts) in zip(articles, layout, strict=True):
            body_spans = [
                TaggedSpan(s.start + shift, s.end + shift, s.type)
                for index, shift, lead in body_chunks
                for s in tagged[index]
                if lead <= s.start < s.end <= len(texts[index])
            ]
            body_spans = mark_organisations(article.body, body_spans, self._is_country)
            body_spans, table_people = mark_people(article.body, body_spans, self._is_country)
            kinds = repeat_kinds(article.body, body_spans) if self.propagate else {}
            front_spans = [
                FrontSpan(name, text, s)
                for name, text, offset in parts
                for s in _front_tags(text, _within(tagged[first], offset, text), kinds)
            ]
            if article.dateline is not None:
                front_spans.extend(dateline_spans(article.dateline))
            if article.author:
                front_spans.extend(author_spans(article.author))
            entities = self._entities(article.body, body_spans, kinds, front_spans, table_people)
            enriched.append(dataclasses.replace(article, entities=entities))
        return enriched

    def _entities(
        self,
        body: str,
        spans: list[TaggedSpan],
        kinds: dict[str, EntityType],
        front_spans: list[FrontSpan],
        table_people: frozenset[str] = frozenset(),
    ) -> tuple[Entity, ...]:
        if not body.strip():
            return ()
        spans = add_repeats(body, spans, kinds)
        resolved = resolve_entities(body, spans, self.aliases)
        if not self.single_word_people:  # a results table's surnames are people
            resolved = [e for e in resolved if not _is_bare_single_name(e, table_people)]
        named = [(self._front_name(f, resolved), f) for f in front_spans]
        title_names = {name for name, f in named if f.field == "title"}
        ranked = rank_entities(body, resolved, title_names)
        return add_front_mentions(ranked, named, self.aliases, self.single_word_people)

    def _is_country(self, name: str) -> bool:
        entry = self.aliases.lookup(name, "LOC")
        return entry is not None and entry.type == "LOC"

    def _front_name(self, front: FrontSpan, resolved: Sequence[ResolvedEntity]) -> str:
        surface = front.text[front.span.start : front.span.end]
        if front.field == "dateline":
            surface = canonical_place(surface)
        return resolve_name(surface, front.span.type, resolved, self.aliases)
