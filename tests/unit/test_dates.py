"""published_at is normalised to RFC 3339 UTC (service/dates.py) and the raw string kept."""

from __future__ import annotations

from datetime import timedelta, timezone

import orjson
import pytest

from service.clean.rules import load_rules
from service.clean.stage import Cleaner
from service.dates import PubDate, first_pub_date, normalise
from service.models import CleanArticle, Origin, RawArticle
from service.pipeline import passthrough_clean
from service.shell.events import Provenance, clean_event, encode

CASES = [
    # ISO 8601 / RFC 3339 (fast path: datetime.fromisoformat)
    ("2025-03-04T09:30:00Z", "2025-03-04T09:30:00Z"),
    ("2025-03-04T09:30:00+01:00", "2025-03-04T08:30:00Z"),
    ("2025-03-04T09:30:00-05:00", "2025-03-04T14:30:00Z"),
    ("2025-03-04T09:30:00+0100", "2025-03-04T08:30:00Z"),
    ("2025-03-04T09:30+01:00", "2025-03-04T08:30:00Z"),  # no seconds
    ("2025-03-04T09:30:00.120+01:00", "2025-03-04T08:30:00.12Z"),  # fraction kept, trimmed
    ("2025-03-04T09:30:00.000Z", "2025-03-04T09:30:00Z"),  # zero fraction left out
    ("2025-03-04T09:30:00.123456789Z", "2025-03-04T09:30:00.123456Z"),  # nanoseconds cut
    ("2025-03-04 09:30:00", "2025-03-04T09:30:00Z"),  # space for T; naive is UTC
    ("2025-03-04t09:30z", "2025-03-04T09:30:00Z"),
    ("  2025-03-04T09:30:00Z \n", "2025-03-04T09:30:00Z"),
    ("2025-03-04", "2025-03-04T00:00:00Z"),  # bare date: midnight UTC
    ("20250304", "2025-03-04T00:00:00Z"),  # ISO basic
    # RFC 2822 (fast path: email.utils), named zones through dateparser when email does not know them
    ("Tue, 04 Mar 2025 09:30:00 +0100", "2025-03-04T08:30:00Z"),
    ("Tue, 04 Mar 2025 09:30:00 GMT", "2025-03-04T09:30:00Z"),
    ("Tue, 04 Mar 2025 09:30:00 EST", "2025-03-04T14:30:00Z"),
    ("4 Mar 2025 09:30 -0800", "2025-03-04T17:30:00Z"),
    ("Tue, 04 Mar 2025 09:30:00 CET", "2025-03-04T08:30:00Z"),
    # epoch seconds and milliseconds
    ("1741080600", "2025-03-04T09:30:00Z"),
    ("1741080600.5", "2025-03-04T09:30:00.5Z"),
    ("1741080600123", "2025-03-04T09:30:00.123Z"),
    # words, in several languages (dateparser)
    ("March 4, 2025 9:30 AM EST", "2025-03-04T14:30:00Z"),
    ("March 4, 2025 9:30 AM", "2025-03-04T09:30:00Z"),
    ("Tuesday, March 4, 2025", "2025-03-04T00:00:00Z"),
    ("4 March 2025 09:30 +01:00", "2025-03-04T08:30:00Z"),
    ("10. März 2025, 09:30 Uhr", "2025-03-10T09:30:00Z"),
    ("Dienstag, 4. März 2025", "2025-03-04T00:00:00Z"),
    ("4 mars 2025", "2025-03-04T00:00:00Z"),
    ("mardi 4 mars 2025 à 9h30", "2025-03-04T09:30:00Z"),
    ("4 de marzo de 2025", "2025-03-04T00:00:00Z"),
    ("martedì 4 marzo 2025", "2025-03-04T00:00:00Z"),
    ("4 marzo 2025, 09:30", "2025-03-04T09:30:00Z"),
    # numeric dates: slashes month first (dateparser's default) unless that cannot be;
    # dots day first
    ("03/04/2025", "2025-03-04T00:00:00Z"),
    ("31/12/2024", "2024-12-31T00:00:00Z"),
    ("04.03.2025", "2025-03-04T00:00:00Z"),
    ("4.3.2025, 09:30 Uhr", "2025-03-04T09:30:00Z"),
    # unreadable: None
    ("", None),
    ("   ", None),
    ("no date here", None),
    ("no date 2025 here", None),
    ("2 hours ago", None),  # relative: would need the wall clock
    ("yesterday", None),
    ("vor 2 Stunden", None),
    ("hace 2 horas", None),
    ("today at 9:30", None),
    ("Monday", None),
    ("March 2025", None),  # no day
    ("March 4", None),  # no year
    ("2025", None),
    ("2025-02-30", None),  # no such day
    ("4 Mar 2025 25:00", None),
    ("4 March 1850", None),  # years outside 1900-2100
    ("4 March 2150", None),
    ("1850-03-04T00:00:00Z", None),
    ("99999999999999", None),
    ("123456", None),  # digits that are neither epoch nor ISO basic
    ("2025-03-04 " + "x" * 200, None),  # too long to be a date
]


@pytest.mark.parametrize(("raw", "expected"), CASES)
def test_normalise(raw: str, expected: str | None) -> None:
    """Each format normalises to RFC 3339 UTC with Z, or None when it cannot be read."""
    assert normalise(raw) == expected


def test_normalise_is_deterministic_in_any_order() -> None:
    """A result depends on the string only: never on what was parsed before (locale memory)."""
    ambiguous = "03/04/2025"
    first = normalise.__wrapped__(ambiguous)
    normalise.__wrapped__("10. März 2025, 09:30 Uhr")  # a day-first language in between
    assert normalise.__wrapped__(ambiguous) == first == "2025-03-04T00:00:00Z"


def test_naive_times_take_the_default_zone() -> None:
    """default_tz applies to naive times only; an explicit offset wins."""
    plus_two = timezone(timedelta(hours=2))
    assert normalise("2025-03-04 09:30", plus_two) == "2025-03-04T07:30:00Z"
    assert normalise("2025-03-04", plus_two) == "2025-03-03T22:00:00Z"
    assert normalise("2025-03-04T09:30:00Z", plus_two) == "2025-03-04T09:30:00Z"


def test_first_pub_date_prefers_a_readable_source() -> None:
    """The first readable source wins; with none, the first raw string is kept, value None."""
    bad, good = PubDate(None, "soon"), PubDate("2025-03-04T00:00:00Z", "2025-03-04")
    assert first_pub_date(bad, good) == good
    assert first_pub_date(PubDate(None, None), bad) == bad
    assert first_pub_date(PubDate(None, None)) == PubDate(None, None)


def _raw(**fields: str) -> RawArticle:
    return RawArticle(
        id="d1", url="https://news.example/a", source="news.example", origin=Origin("t", 0, 1),
        **fields,
    )  # fmt: skip


PAGE = """<html lang="en"><head>
<meta property="article:published_time" content="{date}">
</head><body><article>
<p>Ministers met in Brussels on Tuesday to agree the budget for the coming year.</p>
<p>The talks ran late into the night before a compromise on farm subsidies was found.</p>
</article></body></html>"""


def test_clean_stage_normalises_page_date_and_keeps_raw() -> None:
    """A page's article:published_time becomes RFC 3339 UTC; the original is kept."""
    raw_date = "2025-03-04T09:30:00+01:00"
    out = Cleaner(load_rules())(_raw(html=PAGE.format(date=raw_date)))
    assert isinstance(out, CleanArticle)
    assert out.published_at == "2025-03-04T08:30:00Z"
    assert out.published_at_raw == raw_date
    event = orjson.loads(encode(clean_event(out, Provenance("0"), "2026-01-01T00:00:00Z")))
    assert event["published_at"] == "2025-03-04T08:30:00Z"
    assert event["published_at_raw"] == raw_date


def test_clean_stage_falls_back_past_an_unreadable_event_date() -> None:
    """An unreadable event date gives way to the page's; with none readable, null and the raw."""
    page = PAGE.format(date="Tue, 04 Mar 2025 09:30:00 +0100")
    out = Cleaner(load_rules())(_raw(html=page, published_at="2 hours ago"))
    assert isinstance(out, CleanArticle)
    assert (out.published_at, out.published_at_raw) == (
        "2025-03-04T08:30:00Z",
        "Tue, 04 Mar 2025 09:30:00 +0100",
    )
    out = Cleaner(load_rules())(_raw(html=PAGE.format(date="soon"), published_at="2 hours ago"))
    assert isinstance(out, CleanArticle)
    assert (out.published_at, out.published_at_raw) == (None, "2 hours ago")


def test_disabled_clean_stage_still_normalises() -> None:
    """With the clean stage off, the event's date is normalised all the same."""
    out = passthrough_clean(_raw(text="t", published_at="10. März 2025, 09:30 Uhr"))
    assert (out.published_at, out.published_at_raw) == (
        "2025-03-10T09:30:00Z",
        "10. März 2025, 09:30 Uhr",
    )
