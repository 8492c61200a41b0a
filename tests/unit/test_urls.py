"""Canonical URLs for exact-duplicate detection."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from service.clean.rules import load_rules
from service.clean.stage import Cleaner
from service.dedup.urls import (
    _parsed_canonical_url,
    canonical_url,
    is_tracking_param,
    resolve_canonical,
)
from service.models import CleanArticle, Origin, RawArticle


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("HTTPS://Example.COM/News/Story/", "https://example.com/News/Story"),
        ("https://example.com/a?utm_source=x&utm_medium=y&id=3", "https://example.com/a?id=3"),
        ("https://example.com/a?fbclid=1&gclid=2#comments", "https://example.com/a"),
        ("https://example.com:443/a", "https://example.com/a"),
        ("http://example.com:8080/a", "http://example.com:8080/a"),
        ("https://example.com/a?b=2&a=1", "https://example.com/a?a=1&b=2"),
        ("https://example.com/", "https://example.com"),
        ("  https://example.com/a  ", "https://example.com/a"),
    ],
)
def test_canonical_url_normalises(raw: str, expected: str) -> None:
    """Case, default ports, tracking params, fragments, slashes and order are normalised."""
    assert canonical_url(raw) == expected


def test_path_case_and_meaningful_params_are_kept() -> None:
    """Different pages (path case, real query params) stay different."""
    assert canonical_url("https://e.com/A?id=1") != canonical_url("https://e.com/a?id=1")
    assert canonical_url("https://e.com/a?id=1") != canonical_url("https://e.com/a?id=2")


def test_non_http_and_broken_urls_come_back_stripped() -> None:
    """Input that is not an http(s) URL is returned stripped, not rejected."""
    assert canonical_url(" mailto:x@y.z ") == "mailto:x@y.z"
    assert canonical_url("http://[::1") == "http://[::1"
    assert canonical_url("https://e.com:99999/") == "https://e.com:99999/"


def test_tracking_param_names() -> None:
    """utm_* and click ids are tracking parameters; ordinary names are not."""
    assert is_tracking_param("UTM_Campaign") and is_tracking_param("fbclid")
    assert not is_tracking_param("page")


@given(st.text())
def test_canonical_url_never_raises_and_is_idempotent(raw: str) -> None:
    """Any string canonicalises without error, and canonical URLs are fixed points."""
    once = canonical_url(raw)
    assert canonical_url(once) == once


@given(st.sampled_from(["utm_source", "fbclid", "gclid"]), st.text(min_size=1, max_size=8))
def test_tracking_params_never_change_the_key(name: str, value: str) -> None:
    """Adding a tracking parameter never changes the canonical URL."""
    base = "https://example.com/story?id=7"
    assert canonical_url(f"{base}&{name}={quote(value, safe='')}") == canonical_url(base)


SIMPLE_PIECES = [*"aZ09.-/é~;:@?#%", "//", "%2F", "\\", " ", "\t", "\x7f", "ſ", "K"]  # noqa: RUF001


@given(
    st.sampled_from(["http://", "HTTPS://", "hTtPs://", "ftp://", ""]),
    st.text(alphabet="aZ09.-_:[]", max_size=12),
    st.lists(st.sampled_from(SIMPLE_PIECES), max_size=20).map("".join),
)
def test_fast_path_equals_the_urllib_path(scheme: str, host: str, rest: str) -> None:
    """URLs taking the regex fast path canonicalise exactly as urllib parsing does."""
    url = f" {scheme}{host}{rest} "
    assert canonical_url(url) == _parsed_canonical_url(url.strip())


def test_fast_path_cases() -> None:
    """Simple URLs: scheme and host lower-cased, trailing dot and slashes, fragment gone."""
    assert canonical_url("HTTPS://News.Example.COM./a/B//#top") == "https://news.example.com/a/B"
    assert canonical_url("http://example.com") == "http://example.com"
    assert canonical_url("https://example.com//x/") == "https://example.com//x"


@pytest.mark.parametrize(
    ("href", "page", "want"),
    [
        ("/world/story-1", "https://a.example/x?id=1", "https://a.example/world/story-1"),
        ("story-2", "https://a.example/world/", "https://a.example/world/story-2"),
        ("https://b.example/story", "https://a.example/x", "https://b.example/story"),
        ("/", "https://a.example/world/story", None),
        ("https://b.example/", "https://a.example/world/story", None),
        ("https://b.example", "https://a.example/world/story", None),
        ("javascript:void(0)", "https://a.example/x", None),
        ("   ", "https://a.example/x", None),
        (None, "https://a.example/x", None),
        ("http://[::1", "https://a.example/x", None),
    ],
)
def test_canonical_link_is_resolved_or_ignored(
    href: str | None, page: str, want: str | None
) -> None:
    """Relative canonical links resolve against the page; a site's home page is ignored."""
    assert resolve_canonical(href, page) == want


def test_root_canonical_links_make_no_cross_site_duplicates() -> None:
    """Two sites' articles both declaring canonical "/" keep their own URLs as identity."""
    body = (
        "<p>" + "The harbour council voted on Tuesday to fund the new ferry terminal. " * 4 + "</p>"
    )
    html = f'<html><head><link rel="canonical" href="/"></head><body>{body}</body></html>'
    cleaner = Cleaner(load_rules())
    for url in ("https://a.example/one", "https://b.example/two"):
        out = cleaner(RawArticle("i", url, "s", Origin("raw", 0, 0), html=html))
        assert isinstance(out, CleanArticle) and out.canonical_url is None
