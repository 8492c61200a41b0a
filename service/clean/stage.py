"""The clean stage: strip boilerplate from a raw article (HTML or plain text).

``Cleaner`` prefers ``RawArticle.html`` and falls back to ``RawArticle.text`` when there
is no HTML or the HTML leaves no body. It drops lines the rules mark, lines the source's
learned boilerplate marks (see :mod:`service.clean.learned`), lifts the front matter
(headline, byline, dateline; see :mod:`service.clean.frontmatter`) into fields, and returns
``Drop("empty_after_cleaning")`` when no body is left. Pure apart from the injected
learned-line store and clock.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from service.clean.frontmatter import FrontMatter, lift_from_body, read_front_matter
from service.clean.html import PageMeta, clean_html
from service.clean.language import MAX_CHARS as MAX_LANGUAGE_CHARS
from service.clean.language import declared_language, detect_language
from service.clean.learned import LineStatsStore, line_key
from service.clean.rules import Rules, SourceRules
from service.clean.text import clean_lines, split_lines
from service.clean.text_lines import word_count
from service.dates import PubDate, first_pub_date, pub_date
from service.dedup.urls import resolve_canonical
from service.models import CleanArticle, Drop, RawArticle


@dataclass(slots=True)
class CleanStats:
    """Running counts the shell turns into metrics (read them; never reset here)."""

    articles: int = 0
    dropped_empty: int = 0
    lines_learned: int = 0  # lines that became some source's boilerplate
    learned_lines_stripped: int = 0  # lines removed because they are learned boilerplate
    input_bytes: int = 0
    stripped_bytes: int = 0


def event_time(raw: RawArticle, clock: Callable[[], float]) -> float:
    """Return the article's fetch time as a Unix timestamp (naive times are UTC).

    Falls back to ``clock()`` when the event has no fetch time or an unparsable one.
    """
    if raw.fetched_at:
        try:
            stamp = datetime.fromisoformat(raw.fetched_at.replace("Z", "+00:00"))
        except ValueError:
            return clock()
        if stamp.tzinfo is None:
            stamp = stamp.replace(tzinfo=UTC)
        return stamp.timestamp()
    return clock()


CORE_MIN_WORDS = 12  # shorter learned lines are chrome wherever they stand
RESEND_SHARE = 3  # one long line in 3 (or more) being learned marks a re-sent story


def learned_lines_to_strip(lines: list[str], learned: list[bool]) -> frozenset[str]:
    """Return the learned lines that are the source's chrome, not the story's own text.

    Short learned lines (navigation, share and subscribe lines) are always chrome. A
    long learned line is chrome only when it stands outside the story, before the first
    or after the last unlearned long paragraph (a footer, a standing promo), and only
    when few of the article's long lines are learned: if a third or more are, the
    article is a re-send or update of an earlier story of the same source, and its
    paragraphs are kept (the dedup stage deals with the copy).
    """
    long = [word_count(" ".join(x.split())) >= CORE_MIN_WORDS for x in lines]
    pairs = list(zip(lines, learned, long, strict=True))
    core = [i for i, (_, b, lg) in enumerate(pairs) if lg and not b]
    learned_long = sum(1 for _, b, lg in pairs if lg and b)
    resend = RESEND_SHARE * learned_long >= max(1, sum(long))  # integers: exactly a third counts
    first, last = (core[0], core[-1]) if core else (len(lines), -1)
    return frozenset(
        x
        for i, (x, b, lg) in enumerate(pairs)
        if b and (not lg or (not resend and not first < i < last))
    )


MIN_LANGUAGE_CONFIDENCE = 0.5  # below it, a declared language is taken instead


def article_language(text: str, declared: str | None) -> tuple[str | None, float | None]:
    """Return the language of a cleaned article and the confidence of its identification.

    The text decides (feeds mislabel, and most send no language at all); a declared
    language (the event's ``language``, else the page's ``lang``) is taken instead only
    when identification is not confident or finds no letters, and then the confidence
    is None.
    """
    guess = detect_language(text)
    stated = declared_language(declared)
    if stated is not None and (guess.code is None or guess.confidence < MIN_LANGUAGE_CONFIDENCE):
        return stated, None
    if guess.code is None:
        return None, None
    return guess.code, guess.confidence


class Cleaner:
    """The clean stage: ``RawArticle -> CleanArticle | Drop``.

    On redelivery of the same article the learned-line store does not count it twice,
    so a replay strips at least what the first pass stripped.
    """

    def __init__(
        self,
        rules: Rules,
        learned: LineStatsStore | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.rules = rules
        self.learned = learned
        self.clock = clock
        self.stats = CleanStats()

    def _learned_filter(self, raw: RawArticle, lines: list[str]) -> Callable[[str], bool]:
        if self.learned is None or not lines:
            return lambda _: False
        keys = {line: line_key(line) for line in lines}
        seen = self.learned.observe(
            raw.source, raw.id, list(keys.values()), event_time(raw, self.clock)
        )
        self.stats.lines_learned += seen.newly_learned
        strip = learned_lines_to_strip(lines, [keys[line] in seen.boilerplate for line in lines])
        return strip.__contains__

    def _clean_html(self, raw: RawArticle, html: str, rules: SourceRules) -> _Cleaned:
        page = clean_html(html, rules)
        is_learned = self._learned_filter(raw, list(page.paragraphs))
        kept = [p for p in page.paragraphs if not is_learned(p)]
        self.stats.learned_lines_stripped += len(page.paragraphs) - len(kept)
        meta = page.meta
        front = FrontMatter(raw.title or meta.title, meta.author)
        date = PubDate(meta.published_at, meta.published_at_raw)
        return _Cleaned(kept, front, meta.dek, date, meta, "html")

    def _clean_text(self, raw: RawArticle, text: str, rules: SourceRules) -> _Cleaned:
        front, lines = read_front_matter(split_lines(text), raw.title)
        is_learned = self._learned_filter(raw, lines)
        found = clean_lines(lines, rules, is_learned, find_headline=not (raw.title or front.title))
        self.stats.learned_lines_stripped += sum(map(is_learned, lines))
        title = raw.title or front.title or found.title
        front = FrontMatter(title, front.author, front.dateline)
        date = pub_date(found.published_at)
        return _Cleaned(list(found.paragraphs), front, found.dek, date, None, "text")

    def _clean(self, raw: RawArticle, rules: SourceRules) -> _Cleaned:
        """Clean the HTML; when it yields no body and there is text, clean the text."""
        if raw.html and raw.html.strip():
            cleaned = self._clean_html(raw, raw.html, rules)
            if cleaned.paragraphs or not (raw.text and raw.text.strip()):
                return cleaned
        return self._clean_text(raw, raw.text or "", rules)

    def __call__(self, raw: RawArticle) -> CleanArticle | Drop:
        """Clean one article; return Drop("empty_after_cleaning") when nothing is left."""
        rules = self.rules.for_source(raw.source)
        cleaned = self._clean(raw, rules)
        front, paragraphs = lift_from_body(cleaned.paragraphs, cleaned.front, cleaned.dek)
        body = "\n\n".join(paragraphs)
        input_bytes = len((raw.html or raw.text or "").encode("utf-8"))
        stripped_bytes = max(0, input_bytes - len(body.encode("utf-8")))
        self.stats.articles += 1
        self.stats.input_bytes += input_bytes
        self.stats.stripped_bytes += stripped_bytes
        if not body.strip():
            self.stats.dropped_empty += 1
            return Drop("empty_after_cleaning", raw.id)
        meta = cleaned.meta or PageMeta()
        dateline = front.dateline
        date = first_pub_date(  # the first source with a readable date (service.dates)
            pub_date(raw.published_at),
            cleaned.published_at,
            pub_date(dateline.iso_date if dateline else None),
        )
        head = body[:MAX_LANGUAGE_CHARS]  # identification reads no further: copy no more
        language, confidence = article_language(
            f"{front.title}\n{head}" if front.title else head, raw.language or meta.language
        )
        return CleanArticle(
            id=raw.id,
            url=raw.url,
            source=raw.source,
            origin=raw.origin,
            body=body,
            title=front.title,
            published_at=date.value,
            published_at_raw=date.raw,
            language=language,
            language_confidence=confidence,
            dek=cleaned.dek,
            author=front.author,
            canonical_url=resolve_canonical(meta.canonical_url, raw.url),
            dateline=dateline,
            cleaned_from=cleaned.source,
            input_bytes=input_bytes,
            stripped_bytes=stripped_bytes,
            meta=raw.meta,
        )


@dataclass(frozen=True, slots=True)
class _Cleaned:
    """One path's result: body paragraphs, front matter, and the page's metadata."""

    paragraphs: list[str]
    front: FrontMatter
    dek: str | None
    published_at: PubDate
    meta: PageMeta | None
    source: Literal["html", "text"]
