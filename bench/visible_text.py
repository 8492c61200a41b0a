"""A naive visible-text dump of an HTML page: one block element a line.

This is what scrapers send on the text path: every visible string on the page, with
navigation, promos and footers still in it. Naive on purpose. Parsed with lexbor (via
selectolax), an HTML5 parser, because libxml2 drops the rest of some real pages.
"""

from __future__ import annotations

from selectolax.lexbor import LexborHTMLParser, LexborNode

_BLOCK = frozenset(
    {
        *("address", "article", "aside", "blockquote", "body", "br", "dd", "details"),
        *("dialog", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer"),
        *("form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main"),
        *("nav", "ol", "p", "pre", "section", "summary", "table", "td", "th", "tr"),
        *("ul", "option", "title"),
    }
)
_INVISIBLE = frozenset({"script", "style", "noscript", "template", "head", "svg", "iframe"})


def visible_text(html: str) -> str:
    """Return the page's visible text, one block element a line."""
    body = LexborHTMLParser(html).body
    if body is None:
        return ""
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
        if tag in _INVISIBLE or tag.startswith("-"):
            continue
        block = tag in _BLOCK
        if block:
            parts.append("\n")
            stack.append("\n")
        stack.extend(reversed(list(item.iter(include_text=True))))
    lines = (" ".join(line.split()) for line in "".join(parts).split("\n"))
    return "\n".join(line for line in lines if line)
