"""Publication dates normalised to RFC 3339 UTC (``2025-03-04T08:30:00Z``).

Sources write dates every way there is: ISO 8601 with or without an offset, RFC 2822
(``Tue, 04 Mar 2025 09:30:00 +0100``), bare dates, epoch seconds or milliseconds, and
dates in words in many languages (``10. März 2025, 09:30 Uhr``, ``4 de marzo de 2025``).
:func:`normalise` turns one such string into one RFC 3339 UTC instant, or None.

The rules, so that one input always gives one output (no wall clock, no locale of the
machine, no memory of earlier calls):

* Output is ``YYYY-MM-DDTHH:MM:SSZ``; a fraction of a second is kept only when the input
  has a non-zero one (trailing zeros trimmed, at most microseconds:
  ``09:30:00.120+01:00`` -> ``08:30:00.12Z``).
* A date without a time is midnight of that day (``2025-03-04`` ->
  ``2025-03-04T00:00:00Z``); the string as written stays in ``published_at_raw``.
* A time without an offset or zone is taken in ``default_tz`` (UTC unless said).
* Day, month and year must all be written: ``March 2025`` or ``4 March`` is None (a
  parser would fill the gap from today's date).
* Relative dates (``yesterday``, ``2 hours ago``, ``vor 2 Stunden``) are None: resolving
  them needs the wall clock.
* Years before 1900 or after 2100 are None; so are empty strings, strings longer than
  :data:`MAX_CHARS` and anything else no rule reads.
* Numeric dates with slashes or dashes are month first, as dateparser reads them by
  default, whatever words surround them (``03/04/2025`` is 4 March), unless the first
  number cannot be a month (``31/12/2024``); with dots they are day first, the only way
  dots are written (``04.03.2025`` is 4 March).
* Pure digits of 9 to 11 characters are epoch seconds (a fraction may follow), of 12 to
  14 epoch milliseconds; 8 digits are an ISO 8601 basic date (``20250304``); other digit
  strings are None.

Fast paths (``datetime.fromisoformat``, ``email.utils.parsedate_to_datetime``, epoch
digits) take the common machine-written forms in microseconds; the rest goes to
dateparser (absolute dates only, in any of its languages), which takes 1-2 ms, and 10-15
ms to give up on a string it cannot read; a string that writes no year (no 4 digits, no
``d/m/yy``) is None without asking it. Results are cached (:func:`normalise` is pure).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, tzinfo
from email.utils import parsedate_to_datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from dateparser.date import DateDataParser  # type: ignore[import-untyped]  # no stubs

MIN_YEAR = 1900
MAX_YEAR = 2100
MAX_CHARS = 100  # longer strings are prose, not a date: never handed to dateparser

_EPOCH = re.compile(r"\d{9,11}(?:\.\d{1,6})?|\d{12,14}")
_ISO = re.compile(r"\d{4}-?\d{2}-?\d{2}(?:[Tt ].*)?|\d{4}-W\d{2}(?:-\d)?")
_RFC2822 = re.compile(
    r"(?:[A-Za-z]{3},? *)?\d{1,2} +[A-Za-z]{3} +\d{2,4} +\d{1,2}:\d{2}(?::\d{2})?"
    r"(?: *(?:[+-]\d{4}|[A-Za-z]{1,5}))?"
)
# dateparser only sees strings that write a year: 4 digits, or a numeric d/m/yy date
_YEAR = re.compile(r"\d{4}|\d{1,2}([./-])\d{1,2}\1\d{2}\b")
_DOTTED = re.compile(r"\d{1,2}\.\d{1,2}\.\d{2,4}\b")
_SETTINGS: dict[str, Any] = {
    # absolute dates only: no "timestamp" (epoch is ours), no "relative-time" (wall clock)
    "PARSERS": ["absolute-time"],
    "REQUIRE_PARTS": ["day", "month", "year"],
    "STRICT_PARSING": True,
    # never the machine's zone; RETURN_AS_TIMEZONE_AWARE left unset: a string that names
    # no zone comes back naive (then taken in default_tz)
    "TIMEZONE": "UTC",
    "PREFER_DATES_FROM": "past",
    "DATE_ORDER": "MDY",
    "PREFER_LOCALE_DATE_ORDER": True,
}


class PubDate(NamedTuple):
    """A publication date: ``value`` normalised (or None), ``raw`` as written (or None)."""

    value: str | None
    raw: str | None


def pub_date(raw: str | None, default_tz: tzinfo = UTC) -> PubDate:
    """Return ``raw`` with its normalised value (None when absent or unreadable)."""
    return PubDate(normalise(raw, default_tz) if raw else None, raw)


def first_pub_date(*options: PubDate) -> PubDate:
    """Return the first option that normalises; else the first given raw string, as None.

    ``published_at_raw`` is thus always the string ``published_at`` was read from, and a
    source that gave an unreadable date only shows when no later source has a readable one.
    """
    for option in options:
        if option.value is not None:
            return option
    for option in options:
        if option.raw is not None and option.raw.strip():
            return PubDate(None, option.raw)
    return PubDate(None, None)


def format_utc(moment: datetime) -> str:
    """Return an aware datetime as RFC 3339 UTC with ``Z``; a zero fraction is left out."""
    moment = moment.astimezone(UTC)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    if moment.microsecond:
        text += f".{moment.microsecond:06d}".rstrip("0")
    return text + "Z"


@lru_cache(maxsize=8192)
def normalise(raw: str, default_tz: tzinfo = UTC) -> str | None:
    """Return ``raw`` as an RFC 3339 UTC instant (``2025-03-04T08:30:00Z``), else None.

    See the module docstring for the rules; never raises on any string.
    """
    text = " ".join(raw.split())
    if not text or len(text) > MAX_CHARS:
        return None
    moment = _read(text)
    if moment is None:
        return None
    if moment.tzinfo is None or moment.utcoffset() is None:
        moment = moment.replace(tzinfo=default_tz)
    try:
        moment = moment.astimezone(UTC)
    except (OverflowError, ValueError):
        return None
    if not MIN_YEAR <= moment.year <= MAX_YEAR:
        return None
    return format_utc(moment)


def _read(text: str) -> datetime | None:
    """Return the datetime ``text`` writes (naive when it names no zone), else None."""
    if _EPOCH.fullmatch(text):
        return _epoch(text)
    if _ISO.fullmatch(text):
        try:
            return datetime.fromisoformat(text.upper())
        except ValueError:
            pass
    if _RFC2822.fullmatch(text):
        try:
            moment = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            moment = None
        if moment is not None and moment.tzinfo is not None:
            return moment  # a zone it does not know (CET) comes back naive: dateparser reads it
    if text.isdigit() or not _YEAR.search(text):
        return None  # digits that are neither epoch nor ISO basic; no year written
    return _dateparser(text)


def _epoch(digits: str) -> datetime | None:
    whole, _, fraction = digits.partition(".")
    number = int(whole)
    try:
        if len(whole) >= 12:  # milliseconds
            return datetime.fromtimestamp(number // 1000, UTC).replace(
                microsecond=number % 1000 * 1000
            )
        moment = datetime.fromtimestamp(number, UTC)
        return moment.replace(microsecond=int(fraction.ljust(6, "0"))) if fraction else moment
    except (OverflowError, OSError, ValueError):
        return None


@lru_cache(maxsize=2)
def _parser(day_first: bool) -> DateDataParser:
    from dateparser.date import DateDataParser  # slow to import: on first use only

    settings = dict(_SETTINGS)
    if day_first:
        settings.update(DATE_ORDER="DMY", PREFER_LOCALE_DATE_ORDER=False)
    # try_previous_locales=False: a result never depends on what was parsed before
    return DateDataParser(settings=settings, try_previous_locales=False)


def _dateparser(text: str) -> datetime | None:
    parser = _parser(_DOTTED.match(text) is not None)  # outside the try: bad settings raise
    try:
        found = parser.get_date_data(text)
    except (ValueError, TypeError, OverflowError, LookupError):  # never raise on input
        return None
    moment = found["date_obj"]
    if not isinstance(moment, datetime) or found["period"] not in (None, "day", "time"):
        return None
    return moment
