"""Canonical URLs for exact-duplicate detection.

Two URLs that a reader would call "the same page" map to the same canonical string:
scheme and host are lower-cased, default ports, fragments, tracking parameters
(``utm_*``, ``fbclid``, ``gclid``, ...) and trailing slashes are removed, and the
remaining query parameters are sorted. Anything that is not a parseable http(s) URL is
returned stripped and otherwise unchanged, so the function never raises.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gclsrc",
        "msclkid",
        "yclid",
        "igshid",
        "mc_cid",
        "mc_eid",
        "_ga",
        "_gl",
        "ref_src",
        "cmpid",
        "ocid",
        "smid",
    }
)
TRACKING_PREFIXES = ("utm_",)
DEFAULT_PORTS = {"http": 80, "https": 443}
# The common case, canonicalised without urllib (same result, ~10x faster): http(s), an
# ASCII host name (no user, port or IP literal), a path without spaces or control
# characters, no query; a fragment is dropped anyway.
_SIMPLE_URL = re.compile(
    r"(https?)://([a-z0-9][a-z0-9.-]*)(/[^?#\x00-\x20\x7f]*)?(?:#.*)?",
    re.ASCII | re.IGNORECASE | re.DOTALL,
)


def is_tracking_param(name: str) -> bool:
    """Return True for query parameters that only track the click, not the page."""
    lowered = name.lower()
    return lowered in TRACKING_PARAMS or lowered.startswith(TRACKING_PREFIXES)


def canonical_url(url: str) -> str:
    """Return the canonical form of ``url``; never raises.

    Non-http(s) or unparseable input comes back stripped, otherwise unchanged.
    """
    text = url.strip()
    simple = _SIMPLE_URL.fullmatch(text)
    if simple is not None:
        scheme, host, path = simple.groups()
        return f"{scheme.lower()}://{host.lower().rstrip('.')}{(path or '').rstrip('/')}"
    return _parsed_canonical_url(text)


def _parsed_canonical_url(text: str) -> str:
    """Return the canonical form of stripped ``text`` through :func:`urllib.parse.urlsplit`."""
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        return text
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        return text
    host = parts.hostname.lower().rstrip(".")
    if ":" in host:
        host = f"[{host}]"
    if port is not None and port != DEFAULT_PORTS[scheme]:
        host = f"{host}:{port}"
    path = parts.path.rstrip("/") or ""
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    query = urlencode(sorted((k, v) for k, v in pairs if not is_tracking_param(k)))
    return urlunsplit((scheme, host, path, query, ""))


def resolve_canonical(href: str | None, page_url: str) -> str | None:
    """Return a page's declared canonical link as an absolute URL, or None to ignore it.

    A relative link (``/world/story``) is resolved against ``page_url``. A link that is no
    http(s) URL, or that names a site's home page (``/``, ``https://other.example/``),
    says nothing about this article (a template default) and is ignored: taken as the
    article's identity it would make every page of the site a duplicate of the first.
    Never raises.
    """
    text = (href or "").strip()
    if not text:
        return None
    try:
        absolute = urljoin(page_url.strip(), text)
        parts = urlsplit(absolute)
    except ValueError:
        return None
    if parts.scheme.lower() not in DEFAULT_PORTS or not parts.hostname:
        return None
    if parts.path.strip("/") == "" and not parts.query:
        return None
    return absolute
