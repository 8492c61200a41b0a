"""The HTML path: main-content extraction with paragraph structure, plus metadata.

The body comes from trafilatura (imported on first use: it is slow to import), one
paragraph per block element; the page's metadata comes from its head and JSON-LD
(meta tags and JSON-LD; malformed JSON-LD is ignored). Rules then drop promo and share lines, and a trailing
related/also-read block is cut.

The text comes out as the page has it: trafilatura deletes every character that is
neither printable nor whitespace (ZWJ/ZWNJ, bidi marks, emoji tag sequences, characters
newer than Python's Unicode tables) and NFC-normalises its output, so the words it
changed are put back from the page's own text (:func:`restore_words`).
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from selectolax.lexbor import LexborHTMLParser, LexborNode

from service.clean.rules import SourceRules
from service.clean.text import clean_lines, split_lines
from service.dates import PubDate, first_pub_date, normalise

_DATE = re.compile(
    r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
)
_LANG = re.compile(r"[A-Za-z]{2,3}(?=$|[-_])")
_ARTICLE_TYPES = ("article", "newsarticle", "blogposting", "reportagenewsarticle", "webpage")


@dataclass(frozen=True, slots=True)
class PageMeta:
    """The metadata found on a page.

    ``published_at`` is RFC 3339 UTC (:mod:`service.dates`), read from
    ``published_at_raw``, the page's string as written (whitespace collapsed).
    """

    title: str | None = None
    dek: str | None = None
    author: str | None = None
    published_at: str | None = None
    published_at_raw: str | None = None
    canonical_url: str | None = None
    language: str | None = None


def _meta(tree: LexborHTMLParser, *names: str) -> str | None:
    for name in names:
        for attr in ("property", "name", "itemprop"):
            node = tree.css_first(f'meta[{attr}="{name}"]')
            content = node.attributes.get("content") if node is not None else None
            if content and content.strip():
                return " ".join(content.split())
    return None


def _json_ld_objects(tree: LexborHTMLParser) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for node in tree.css('script[type="application/ld+json"]'):
        try:
            data = json.loads(node.text(deep=True) or "null")
        except (ValueError, RecursionError):
            continue
        stack = [data]
        while stack and len(found) < 50:
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                found.append(item)
                stack.extend(v for k, v in item.items() if k == "@graph")
    return found


def _ld_type(obj: dict[str, Any]) -> set[str]:
    kind = obj.get("@type", "")
    kinds = kind if isinstance(kind, list) else [kind]
    return {k.lower() for k in kinds if isinstance(k, str)}


def _name(value: Any) -> str | None:
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, dict):
        return _name(value.get("name"))
    if isinstance(value, list):
        names = [n for n in (_name(v) for v in value[:5]) if n]
        return ", ".join(names) or None
    return None


def _date(value: Any) -> PubDate:
    """Return a page date with its normalised value; an ISO date inside text is read too."""
    if not isinstance(value, str) or not value.strip():
        return PubDate(None, None)
    raw = " ".join(value.split())
    match = _DATE.search(raw)
    return PubDate(normalise(raw) or (normalise(match.group(0)) if match else None), raw)


def extract_meta(tree: LexborHTMLParser) -> PageMeta:
    """Read a page's metadata; missing or malformed fields are None."""
    ld = [o for o in _json_ld_objects(tree) if _ld_type(o) & set(_ARTICLE_TYPES)]
    ld.sort(key=lambda o: "webpage" in _ld_type(o))
    article = ld[0] if ld else {}
    title = _meta(tree, "og:title", "twitter:title") or _name(article.get("headline"))
    if title is None:
        node = tree.css_first("h1") or tree.css_first("title")
        title = " ".join(node.text().split()) or None if node is not None else None
    author = _meta(tree, "author", "article:author", "parsely-author") or _name(
        article.get("author")
    )
    if author is not None and author.startswith(("http://", "https://")):
        author = _name(article.get("author"))
    time_node = tree.css_first("time[datetime]")
    published = first_pub_date(
        _date(_meta(tree, "article:published_time", "datePublished", "date", "pubdate")),
        _date(article.get("datePublished")),
        _date(time_node.attributes.get("datetime") if time_node is not None else None),
    )
    canonical = None
    link = tree.css_first('link[rel="canonical"]')
    if link is not None:
        canonical = (link.attributes.get("href") or "").strip() or None
    canonical = canonical or _meta(tree, "og:url")
    lang_node = tree.css_first("html")
    lang_attr = lang_node.attributes.get("lang") if lang_node is not None else None
    lang_attr = lang_attr or _meta(tree, "og:locale", "language", "inLanguage")
    lang_match = _LANG.match(lang_attr.strip()) if lang_attr else None
    return PageMeta(
        title=title,
        dek=_meta(tree, "og:description", "description", "twitter:description"),
        author=author,
        published_at=published.value,
        published_at_raw=published.raw,
        canonical_url=canonical,
        language=lang_match.group(0).lower() if lang_match else None,
    )


@dataclass(frozen=True, slots=True)
class HtmlCleaning:
    """The paragraphs of a page's main content and the page's metadata."""

    paragraphs: tuple[str, ...]
    meta: PageMeta


def extract_paragraphs(html: str) -> list[str]:
    """Return trafilatura's main-content paragraphs (fast, recall-leaning; may be empty)."""
    import trafilatura  # deferred: importing it takes about a second

    text = trafilatura.extract(
        html, output_format="txt", include_comments=False, fast=True, favor_recall=True
    )
    return split_lines(text or "")


_DROPPED_CATEGORIES = frozenset({"Cc", "Co", "Cs"})  # controls, private use (icon fonts)


def _as_extracted(word: str) -> str:
    """Return ``word`` as trafilatura outputs it: non-printables deleted, then NFC."""
    return unicodedata.normalize("NFC", "".join(char for char in word if char.isprintable()))


def _as_kept(word: str) -> str:
    """Return ``word`` as we keep it: only controls and private-use characters deleted."""
    return "".join(
        char
        for char in word
        if char.isprintable() or unicodedata.category(char) not in _DROPPED_CATEGORIES
    )


def restore_words(paragraphs: Sequence[str], page: Sequence[str]) -> list[str]:
    """Put back into extracted ``paragraphs`` the characters the extractor took out.

    ``page`` is the page's own text (lines from :func:`page_lines`). Each page word that
    extraction changes (a joiner, bidi mark or tag character deleted, combining marks
    composed or reordered by NFC) maps from its extracted form back to itself, less
    control and private-use characters (trafilatura's choice, kept). A form that
    stands for two different page words, or that the page also has as it is, is left
    alone: which one the paragraph holds is unknown. Words the page does not have as
    whole words (the extractor joined or split them) stay as extracted.
    """
    text = " ".join(page)
    if text.isprintable() and unicodedata.is_normalized("NFC", text):
        return list(paragraphs)  # nothing that extraction changes: the common case
    words = set(text.split(" "))
    found: dict[str, str | None] = {}
    for word in words:
        if word.isprintable() and unicodedata.is_normalized("NFC", word):
            continue
        extracted, kept = _as_extracted(word), _as_kept(word)
        if extracted == kept or not extracted:
            continue
        found[extracted] = kept if found.get(extracted, kept) == kept else None
    back = {key: kept for key, kept in found.items() if kept is not None and key not in words}
    if not back:
        return list(paragraphs)
    return [
        " ".join(back.get(word, word) for word in paragraph.split(" "))
        if not back.keys().isdisjoint(paragraph.split(" "))
        else paragraph
        for paragraph in paragraphs
    ]


_BLOCK_TAGS = frozenset(
    {
        *("address", "article", "blockquote", "body", "br", "dd", "details", "div"),
        *("dl", "dt", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr"),
        *("li", "main", "ol", "p", "pre", "section", "table", "td", "th", "tr", "ul"),
    }
)
_SKIPPED_TAGS = frozenset(
    {
        *("script", "style", "noscript", "template", "head", "svg", "iframe", "object"),
        *("nav", "header", "footer", "aside", "form", "button", "select", "option"),
        *("label", "input", "textarea", "dialog", "menu", "video", "audio", "canvas"),
    }
)


def page_lines(tree: LexborHTMLParser) -> list[str]:
    """Return the page's visible text, one block a line, without nav/header/footer/forms."""
    body = tree.body
    if body is None:
        return []
    parts: list[str] = []
    stack: list[LexborNode | str] = [body]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            parts.append(item)
            continue
        tag = item.tag or ""
        if tag == "-text":
            parts.append(item.text_content or "")
            continue
        if tag in _SKIPPED_TAGS or tag.startswith("-"):
            continue
        if tag in _BLOCK_TAGS:
            parts.append("\n")
            stack.append("\n")
        stack.extend(reversed(list(item.iter(include_text=True))))
    return split_lines("".join(parts))


def _main_paragraphs(html: str, tree: LexborHTMLParser, rules: SourceRules) -> list[str]:
    """Pick trafilatura's body unless it is under FALLBACK_RATIO of our own extraction.

    trafilatura in fast mode skips its readability/jusText fallbacks (the slow part);
    our line-density extraction over the page's visible text is the cheaper fallback.
    """
    chosen = extract_paragraphs(html)
    chosen_chars = sum(map(len, chosen))
    visible = page_lines(tree)
    if chosen_chars >= FALLBACK_RATIO * sum(map(len, visible)):
        return restore_words(chosen, visible)  # the fallback, a subset of them, cannot win
    fallback = list(clean_lines(visible, rules).paragraphs)
    if chosen_chars < FALLBACK_RATIO * sum(map(len, fallback)):
        return fallback
    return restore_words(chosen, visible)


FALLBACK_RATIO = 0.4
REPEAT_RUN = 3  # this many paragraphs repeated in the same order are the page shown twice


def without_repeated_runs(paragraphs: Sequence[str]) -> list[str]:
    """Drop a later copy of a run of REPEAT_RUN or more paragraphs (a layout shown twice).

    Pages render the same block twice (a mobile and a desktop version, a tabbed and a
    printed one) and the extractor keeps both. A single repeated line (a list item, a
    table header, a line of code) is the story's own and stays.
    """
    seen: dict[str, int] = {}
    keep: list[str] = []
    i = 0
    while i < len(paragraphs):
        first = seen.get(paragraphs[i])
        if first is not None:
            n = 0
            while (
                i + n < len(paragraphs)
                and first + n < i
                and paragraphs[first + n] == paragraphs[i + n]
            ):
                n += 1
            if n >= REPEAT_RUN:
                i += n
                continue
        seen.setdefault(paragraphs[i], i)
        keep.append(paragraphs[i])
        i += 1
    return keep


def _cut_trailing_block(paragraphs: list[str], rules: SourceRules) -> list[str]:
    total = sum(len(p) for p in paragraphs)
    before = 0
    for i, paragraph in enumerate(paragraphs):
        if rules.starts_block(paragraph) and before * 2 >= total:
            return paragraphs[:i]
        before += len(paragraph)
    return paragraphs


MAX_TAG_DEPTH = 512  # elements nested deeper lose their tags (their text stays)
DEPTH_CHECK_TAGS = 4096  # a page with at most this many "<" parses fast at any depth
_TAG = re.compile(r"<(/?)([A-Za-z][^\s/>]*)[^>]*>")
_VOID_TAGS = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param"}
    | {"source", "track", "wbr", "keygen", "frame", "basefont", "bgsound", "image"}
)
# An unclosed one of these ends when a sibling starts (<p>, <li>, table cells): they do
# not nest, so they do not add depth.
_SELF_ENDING_TAGS = frozenset(
    {"p", "li", "dt", "dd", "option", "optgroup", "tr", "td", "th", "rb", "rt", "rp"}
)


def shallow_html(html: str, max_depth: int = MAX_TAG_DEPTH) -> str:
    """Return ``html`` without the tags of elements nested deeper than ``max_depth``.

    An HTML parser scans its stack of open elements at each block start tag, so parsing
    time grows with tags times depth: 40,000 nested ``<div>`` took 5 s to parse, and a
    2 MiB record of them minutes, holding up its partition. Browsers cap the depth the
    same way (Blink's parser at 512). The text inside stays, one level up. A page with at
    most ``DEPTH_CHECK_TAGS`` tags is returned unscanned (it parses fast at any depth), and
    so is one that nests no deeper than ``max_depth`` (the deepest WCXB page: 122).
    """
    if html.count("<") <= DEPTH_CHECK_TAGS:
        return html
    depth = 0
    cuts: list[tuple[int, int]] = []
    for match in _TAG.finditer(html):
        closing, name = match.group(1), match.group(2).lower()
        if name in _SELF_ENDING_TAGS or name in _VOID_TAGS:
            continue
        if closing:
            if depth > max_depth:
                cuts.append(match.span())
            depth = max(depth - 1, 0)
        elif not match.group(0).endswith("/>"):
            depth += 1
            if depth > max_depth:
                cuts.append(match.span())
    if not cuts:
        return html
    pieces, last = [], 0
    for start, end in cuts:
        pieces.append(html[last:start])
        last = end
    pieces.append(html[last:])
    return "".join(pieces)


def clean_html(html: str, rules: SourceRules) -> HtmlCleaning:
    """Extract the main content and metadata of a page; never raises on bad markup."""
    html = shallow_html(html)
    tree = LexborHTMLParser(html)
    meta = extract_meta(tree)
    paragraphs = [p for p in _main_paragraphs(html, tree, rules) if not rules.drops(p)]
    paragraphs = without_repeated_runs(paragraphs)
    return HtmlCleaning(tuple(_cut_trailing_block(paragraphs, rules)), meta)
