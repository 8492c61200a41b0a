"""The fuzz harness at CI size (2,000 events, fixed seed), plus Hypothesis-driven inputs."""

from __future__ import annotations

import json
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.fuzz.generators import VALID, Event, Generator
from tests.fuzz.harness import Harness, Report, run_fuzz


def test_quick_fuzz_run_accounts_for_every_event() -> None:
    """2,000 generated events: no crash, each in one output, every line valid, counts add up."""
    report = run_fuzz(2_000, seed=1, round_size=250, heavy=1, enrich_share=0.03)
    print(report.summary())
    assert report.events == 2_000
    assert report.cli_checked
    assert set(report.by_stages) == {"clean,dedup", "clean,dedup,enrich"}
    assert {"words_200k", "size_limit+0", "size_limit+1"} <= set(report.by_kind)
    assert any(k.startswith("field_5mb") for k in report.by_kind)
    assert sum(report.raised_limit.values()) >= 1  # the 5 MB field under a raised limit
    assert report.pipeline["clean"] and report.pipeline["duplicates"]
    assert not report.failed, report.summary()
    assert report.stage_errors == 0, report.summary()


@cache
def _harness() -> Harness:
    return Harness(Report(), Path(tempfile.gettempdir()) / "cleanwire-fuzz-hypothesis")


def _check(events: list[Event]) -> None:
    harness = _harness()
    before = (harness.report.crashes, harness.report.unaccounted, harness.report.schema_failures)
    unexpected = harness.report.unexpected
    harness._pipeline(events, "clean,dedup")
    after = (harness.report.crashes, harness.report.unaccounted, harness.report.schema_failures)
    assert after == before, harness.report.summary()
    assert harness.report.unexpected == unexpected, harness.report.summary()


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)
FIELDS = st.sampled_from(
    ["id", "url", "title", "text", "html", "published_at", "language", "source", "meta", "x"]
)


def _bases() -> list[bytes]:
    gen = Generator(7)
    return [gen.valid().value for _ in range(8)]


BASES = _bases()


@settings(max_examples=150, derandomize=True)
@given(st.binary(max_size=400))
def test_random_bytes_are_accounted_for(value: bytes) -> None:
    """Arbitrary bytes become a dead letter with a known reason or an article; never raise."""
    _check([Event("hypothesis_bytes", value)])


@settings(max_examples=150, derandomize=True)
@given(st.sampled_from(BASES), st.dictionaries(FIELDS, JSON, max_size=3))
def test_valid_events_with_random_fields_are_accounted_for(base: bytes, fields: Any) -> None:
    """A valid event with fields replaced by arbitrary JSON: accounted for, outputs valid."""
    event = {**orjson.loads(base), **fields}
    value = json.dumps(event, allow_nan=True).encode()  # inf as Infinity: not JSON, a DLQ line
    _check([Event("hypothesis_fields", value)])


@settings(max_examples=150, derandomize=True)
@given(
    st.sampled_from(BASES),
    st.lists(
        st.tuples(st.integers(0, 10**6), st.binary(max_size=4), st.integers(0, 4)), max_size=6
    ),
)
def test_byte_edits_of_valid_events_are_accounted_for(
    base: bytes, edits: list[tuple[int, bytes, int]]
) -> None:
    """Valid events with bytes inserted and deleted at Hypothesis-chosen places."""
    value = bytearray(base)
    for at, insert, delete in edits:
        at %= len(value) + 1
        value[at : at + delete] = insert
    expect = VALID if bytes(value) == base else None
    _check([Event("hypothesis_edits", bytes(value), expect)])
