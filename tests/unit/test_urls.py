"""Canonical URLs for exact-duplicate detection."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from service.urls import _parsed_canonical_url, canonical_url, is_tracking_param


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
