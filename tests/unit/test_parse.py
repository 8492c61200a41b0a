"""Parse: bytes to RawArticle, or InvalidEvent with a stable reason."""

from __future__ import annotations

from urllib.parse import urlsplit

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.errors import REASONS, InvalidEvent
from service.models import Origin
from service.parse import Parser, article_id_for, url_host

ORIGIN = Origin("raw", 3, 42)
parse = Parser(max_record_bytes=4096, max_json_depth=8)


def reason_of(value: bytes) -> str:
    with pytest.raises(InvalidEvent) as info:
        parse(value, ORIGIN)
    return info.value.reason


def test_minimal_event_gets_derived_id_and_source() -> None:
    """An event with only url and text gets a URL-derived id and the host as source."""
    raw = parse(b'{"url": "https://News.Example.com/a?b=1", "text": "Body."}', ORIGIN)
    assert raw.id == article_id_for("https://News.Example.com/a?b=1")
    assert raw.source == "news.example.com"
    assert raw.text == "Body." and raw.html is None
    assert raw.origin == ORIGIN


def test_full_event_keeps_every_field() -> None:
    """Every optional field is carried over as given."""
    event = {
        "id": "a1", "url": "http://x.org/p", "source": "X", "title": "T", "html": "<p>h</p>",
        "text": "t", "published_at": "2020-01-01", "fetched_at": "2020-01-02",
        "language": "en", "meta": {"k": [1, 2]},
    }  # fmt: skip
    raw = parse(orjson.dumps(event), ORIGIN)
    assert (raw.id, raw.source, raw.title, raw.html, raw.language) == (
        "a1",
        "X",
        "T",
        "<p>h</p>",
        "en",
    )
    assert raw.meta == {"k": [1, 2]}


def test_derived_id_is_deterministic_and_url_specific() -> None:
    """The same URL always gives the same id; different URLs give different ids."""
    assert article_id_for("https://a.com/1") == article_id_for("https://a.com/1")
    assert article_id_for("https://a.com/1") != article_id_for("https://a.com/2")


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (b"not json", "not_json"),
        (b"\xff\xfe{}", "invalid_utf8"),
        (b"[1, 2]", "not_object"),
        (b'"text"', "not_object"),
        (b'{"url": "https://a.com/x"}', "no_content"),
        (b'{"url": "https://a.com/x", "text": "  \\n "}', "no_content"),
        (b'{"url": "https://a.com/x", "text": 5}', "wrong_type"),
        (b'{"url": "https://a.com/x", "text": "t", "meta": []}', "wrong_type"),
        (b'{"url": "https://a.com/x", "text": "t", "id": ""}', "wrong_type"),
        (b'{"text": "t"}', "missing_field"),
        (b'{"url": "ftp://a.com/x", "text": "t"}', "invalid_url"),
        (b'{"url": "/relative", "text": "t"}', "invalid_url"),
        (b'{"url": "https://a.com/x", "text": "' + b"x" * 5000 + b'"}', "too_large"),
        (
            b'{"url": "https://a.com/x", "text": "t", "meta": '
            + b'{"a":' * 9
            + b"1"
            + b"}" * 9
            + b"}",
            "too_deep",
        ),
        (
            b'{"url": "https://a.com/x", "text": "t", "meta": {"a": [1, '
            + b"[" * 7
            + b"]" * 7
            + b"]}}",
            "too_deep",
        ),
        (
            b'{"url": "https://a.com/x", "text": "t", "meta": ' + b"[" * 1100 + b"]" * 1100 + b"}",
            "too_deep",
        ),
        (b"\xef\xbb\xbf\xef\xbb\xbf{}", "not_json"),
    ],
)
def test_bad_input_has_its_own_reason(value: bytes, reason: str) -> None:
    """Each kind of bad input raises InvalidEvent with its stable reason code."""
    assert reason_of(value) == reason


@pytest.mark.parametrize("text", ["t", "{[{[ " * 20])
def test_nesting_at_the_limit_parses(text: str) -> None:
    """Eight levels pass, with or without brackets inside strings; a ninth list fails."""
    meta = b'{"a":' * 7 + b"1" + b"}" * 7
    value = b'{"url": "https://a.com/x", "text": "' + text.encode() + b'", "meta": ' + meta + b"}"
    assert parse(value, ORIGIN).meta == orjson.loads(meta)
    deeper = value.replace(b'"meta": ', b'"meta": {"b":', 1)[:-1] + b"}}"
    assert reason_of(deeper) == "too_deep"
    lists = b'{"url": "https://a.com/x", "text": "t", "meta": {"a": ' + b"[" * 6 + b"]" * 6 + b"}}"
    assert parse(lists, ORIGIN).meta == {"a": [[[[[[]]]]]]}


def test_a_byte_order_mark_is_tolerated() -> None:
    """A UTF-8 BOM before the JSON (a file saved by a Windows editor) is skipped."""
    value = b'\xef\xbb\xbf{"url": "https://a.com/x", "text": "t"}'
    assert parse(value, ORIGIN).text == "t"


def test_size_is_checked_before_decoding() -> None:
    """An oversized record is rejected as too_large even when it is not UTF-8."""
    assert reason_of(b"\xff" * 5000) == "too_large"


def test_tombstone_is_rejected() -> None:
    """A record without a value (tombstone) is invalid, not a crash."""
    with pytest.raises(InvalidEvent):
        parse(None, ORIGIN)


@settings(max_examples=500)
@given(st.binary(max_size=300))
def test_any_bytes_parse_or_raise_invalid_event(value: bytes) -> None:
    """Any byte string either parses or raises InvalidEvent with a known reason, nothing else."""
    try:
        raw = parse(value, ORIGIN)
    except InvalidEvent as exc:
        assert exc.reason in REASONS
    else:
        assert raw.url and raw.id


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.text(max_size=5),
    lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=3), c, max_size=3),
    max_leaves=10,
)


@settings(max_examples=300)
@given(
    st.dictionaries(
        st.sampled_from(["url", "text", "html", "id", "meta", "title"]),
        json_values | st.just("https://a.b/c"),
    )
)
def test_any_json_object_parses_or_raises_invalid_event(obj: dict[str, object]) -> None:
    """Any JSON object either parses or raises InvalidEvent, never another exception."""
    try:
        parse(orjson.dumps(obj), ORIGIN)
    except InvalidEvent as exc:
        assert exc.reason in REASONS


def _urlsplit_host(url: str) -> str | None:
    """The reference answer: what urlsplit says the host is, None if it is not http(s)."""
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not host:
        return None
    if host.startswith(".") or ".." in host:
        return None  # an empty label
    try:
        parts.port  # noqa: B018  (raises for a port out of range)
    except ValueError as exc:
        if "out of range" in str(exc):
            return None
    return host


@pytest.mark.parametrize(
    "url",
    ["https://.example/a", "https://a..example/", "https://example.com:99999/a",
     "https://user@example.com:70000", "http://[::1]:65536/"],
)  # fmt: skip
def test_urls_with_an_empty_label_or_a_port_out_of_range_are_invalid(url: str) -> None:
    with pytest.raises(InvalidEvent) as caught:
        url_host(url)
    assert caught.value.reason == "invalid_url"


def test_url_hosts_that_stay_valid() -> None:
    assert url_host("https://example.com.:65535/a") == "example.com."
    assert url_host("http://[::1]:8080/") == "::1"
    assert url_host("https://user:pw@news.example/x") == "news.example"


@settings(max_examples=2000)
@given(
    st.sampled_from(["http", "HTTPS", "https", "ftp", "http:", "Http"]),
    st.sampled_from(["://", ":/", "//", "://user@", "://[::1]", ":// "]),
    st.text(alphabet="aZ09.-:@[]/?#%\t é", max_size=24),
)
def test_url_host_agrees_with_urlsplit(scheme: str, sep: str, rest: str) -> None:
    """The regex fast path and urlsplit name the same host, and refuse the same URLs (and
    hosts with an empty label, and ports out of range)."""
    url = scheme + sep + rest
    try:
        host: str | None = url_host(url)
    except InvalidEvent as exc:
        assert exc.reason == "invalid_url"
        host = None
    assert host == _urlsplit_host(url)


@pytest.mark.parametrize(
    "name", ["title", "html", "text", "published_at", "fetched_at", "language", "source"]
)
@pytest.mark.parametrize("bad", [5, 1.5, True, [], {}])
def test_an_optional_string_of_another_type_is_wrong_type_on_that_field(
    name: str, bad: object
) -> None:
    """Each optional string field is checked, whatever else the event holds."""
    event = {"url": "https://a.com/x", "text": "Body.", name: bad}
    with pytest.raises(InvalidEvent) as info:
        parse(orjson.dumps(event), ORIGIN)
    assert (info.value.reason, info.value.field) == ("wrong_type", name)


def test_a_decoded_event_may_hold_str_subclasses() -> None:
    """An object decoded by another library (str subclasses) validates like orjson's."""

    class Text(str):
        pass

    raw = parse.article(
        {"url": Text("https://a.com/x"), "title": Text("T"), "text": Text("B")}, ORIGIN
    )
    assert (raw.title, raw.text, raw.source) == ("T", "B", "a.com")
