"""Per-source learned boilerplate: lines that recur across a source's articles.

A line that appears in ``min_articles`` different articles of the same source within
``ttl_seconds`` is that source's boilerplate (Media Cloud's per-source sentence dedup).
State sits behind :class:`LineStatsStore`, one call per article; the in-memory store is
bounded (TTL window, ``max_lines_per_source``) and snapshots to / restores from bytes.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)
_SNAPSHOT_VERSION = 1


def line_key(line: str) -> str:
    """Return the stable key of a line: a short hash of its lower-cased words."""
    normal = _NON_WORD.sub(" ", line.lower()).strip()
    return hashlib.blake2b(normal.encode("utf-8"), digest_size=8).hexdigest()


@dataclass(frozen=True, slots=True)
class Observation:
    """What the store answered for one article."""

    boilerplate: frozenset[str]  # keys of this article's lines that are the source's boilerplate
    newly_learned: int  # keys that became boilerplate with this article


class LineStatsStore(Protocol):
    """Where per-source line statistics live (in memory here; Redis later)."""

    def observe(self, source: str, article_id: str, keys: Sequence[str], now: float) -> Observation:
        """Record that ``article_id`` of ``source`` has ``keys`` at time ``now``.

        Return which of ``keys`` are boilerplate for the source. Idempotent: replaying
        the same article never counts it twice, so a retry sees the same answer or a
        stricter one (more articles seen), never a different article's count twice.
        """
        ...


@dataclass(slots=True)
class _LineSeen:
    last_seen: float
    articles: list[str]  # distinct article ids, capped at min_articles


class InMemoryLineStats:
    """A bounded, deterministic :class:`LineStatsStore` held in process memory."""

    def __init__(
        self,
        *,
        min_articles: int = 3,
        ttl_seconds: float = 7 * 86400.0,
        max_lines_per_source: int = 20_000,
    ) -> None:
        if min_articles < 2 or ttl_seconds <= 0 or max_lines_per_source < 1:
            raise ValueError("min_articles >= 2, ttl_seconds > 0, max_lines_per_source >= 1")
        self.min_articles = min_articles
        self.ttl_seconds = ttl_seconds
        self.max_lines_per_source = max_lines_per_source
        self._sources: dict[str, OrderedDict[str, _LineSeen]] = {}

    def observe(self, source: str, article_id: str, keys: Sequence[str], now: float) -> Observation:
        """Record the article's line keys and return its boilerplate keys (see protocol)."""
        lines = self._sources.setdefault(source, OrderedDict())
        self._expire(lines, now)
        boilerplate: set[str] = set()
        learned = 0
        for key in dict.fromkeys(keys):
            seen = lines.get(key)
            if seen is None:
                seen = lines[key] = _LineSeen(now, [])
            was = len(seen.articles) >= self.min_articles
            if article_id not in seen.articles and len(seen.articles) < self.min_articles:
                seen.articles.append(article_id)
            seen.last_seen = max(seen.last_seen, now)
            lines.move_to_end(key)
            if len(seen.articles) >= self.min_articles:
                boilerplate.add(key)
                learned += not was
        while len(lines) > self.max_lines_per_source:
            lines.popitem(last=False)
        return Observation(frozenset(boilerplate), learned)

    def _expire(self, lines: OrderedDict[str, _LineSeen], now: float) -> None:
        horizon = now - self.ttl_seconds
        while lines:
            key, seen = next(iter(lines.items()))
            if seen.last_seen >= horizon:
                break
            del lines[key]

    def line_count(self) -> int:
        """Return how many lines are held over all sources (for a gauge)."""
        return sum(len(lines) for lines in self._sources.values())

    def snapshot(self) -> bytes:
        """Serialise the whole state deterministically (JSON, sorted sources)."""
        state = {
            source: [[key, seen.last_seen, seen.articles] for key, seen in lines.items()]
            for source, lines in sorted(self._sources.items())
        }
        doc = {"version": _SNAPSHOT_VERSION, "sources": state}
        return json.dumps(doc, separators=(",", ":"), sort_keys=True).encode("utf-8")

    def restore(self, data: bytes) -> None:
        """Replace the state with a snapshot; raise ValueError if it is not one."""
        try:
            doc = json.loads(data)
            if doc["version"] != _SNAPSHOT_VERSION:
                raise ValueError(f"unsupported snapshot version {doc['version']!r}")
            sources: dict[str, OrderedDict[str, _LineSeen]] = {}
            for source, rows in doc["sources"].items():
                lines: OrderedDict[str, _LineSeen] = OrderedDict()
                for key, last_seen, articles in _rows(rows):
                    lines[key] = _LineSeen(last_seen, articles)
                sources[str(source)] = lines
        except (KeyError, TypeError, AttributeError, json.JSONDecodeError) as exc:
            raise ValueError(f"not a line-stats snapshot: {exc}") from exc
        self._sources = sources


def _rows(rows: Iterable[object]) -> Iterable[tuple[str, float, list[str]]]:
    for row in rows:
        if not isinstance(row, list) or len(row) != 3:
            raise TypeError("snapshot row must be [key, last_seen, articles]")
        key, last_seen, articles = row
        if not isinstance(key, str) or not isinstance(last_seen, int | float):
            raise TypeError("snapshot row has a bad key or time")
        if not isinstance(articles, list) or not all(isinstance(a, str) for a in articles):
            raise TypeError("snapshot row has bad article ids")
        yield key, float(last_seen), articles
