"""Per-source learned boilerplate: lines that recur across a source's articles.

A line that appears in ``min_articles`` different articles of the same source within
``ttl_seconds`` is that source's boilerplate (Media Cloud's per-source sentence dedup).
State sits behind :class:`LineStatsStore`, one call per article.

The in-memory store keeps, per source, three numpy arrays sorted by line hash: the
64-bit line hash, when the line was last seen, and up to ``min_articles`` 32-bit
fingerprints of the articles that had it: 28 bytes per line with the default 3, where
Python objects took about 270, so a full source (20,000 lines) holds about 0.6 MB. It
is bounded: lines unseen for ``ttl_seconds`` are forgotten, and a source holding more
than ``max_lines_per_source`` lines drops its least recently seen ones (ties: lowest
hash first) down to seven eighths of the bound, so eviction is batched. It snapshots to and
restores from bytes (``.npz``; the version 1 JSON snapshot is still read).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import math
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)
_WORD_HINTS = str.maketrans(dict.fromkeys((0x00AD, 0x200B, 0xFEFF)))  # SHY, ZWSP, BOM
_SNAPSHOT_VERSION = 2

U64 = npt.NDArray[np.uint64]
F64 = npt.NDArray[np.float64]
U32 = npt.NDArray[np.uint32]
I64 = npt.NDArray[np.int64]
BOOL = npt.NDArray[np.bool_]
RECENT_LINES = 1024  # new lines kept apart before they are merged into a source's table


def line_key(line: str) -> str:
    """Return the stable key of a line: a short hash of its lower-cased words.

    The key is of the words a reader sees, so that a line keys the same whichever way a
    page encodes them: NFC-normalised (a precomposed and a decomposed accent agree), the
    soft hyphen, ZERO WIDTH SPACE and U+FEFF (hints inside a word) left out. Joiners and
    bidi marks separate words like any other non-word character (a Persian ZWNJ, the
    "half-space", keys like a space). Only the key normalises: the line is never changed.
    """
    if not line.isascii():
        line = unicodedata.normalize("NFC", line.translate(_WORD_HINTS))
    normal = _NON_WORD.sub(" ", line.lower()).strip()
    return hashlib.blake2b(normal.encode("utf-8"), digest_size=8).hexdigest()


def _hash64(key: str) -> int:
    """Return a 64-bit hash of a key; a :func:`line_key` key is read as the hex it is."""
    if len(key) == 16:
        with contextlib.suppress(ValueError):
            raw = bytes.fromhex(key)
            if len(raw) == 8:
                return int.from_bytes(raw, "big")
    return int.from_bytes(hashlib.blake2b(key.encode("utf-8"), digest_size=8).digest(), "big")


def _hashes(keys: Sequence[str]) -> U64:
    """Return :func:`_hash64` of each key (all hex keys in one call)."""
    if all(len(key) == 16 for key in keys):
        with contextlib.suppress(ValueError):
            raw = bytes.fromhex("".join(keys))
            if len(raw) == 8 * len(keys):
                return np.frombuffer(raw, dtype=">u8").astype(np.uint64)
    return np.array([_hash64(key) for key in keys], dtype=np.uint64)


def _article_print(article_id: str) -> int:
    """Return a nonzero 32-bit fingerprint of an article id (0 marks an empty slot)."""
    digest = hashlib.blake2b(article_id.encode("utf-8"), digest_size=4).digest()
    return int.from_bytes(digest, "little") or 1


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


class _Table:
    """Lines as three arrays sorted by line hash."""

    __slots__ = ("articles", "hashes", "oldest", "seen")

    def __init__(self, width: int) -> None:
        self.oldest = math.inf  # at most the lowest of ``seen``: expiry is checked for free
        self.hashes: U64 = np.zeros(0, dtype=np.uint64)
        self.seen: F64 = np.zeros(0, dtype=np.float64)
        self.articles: U32 = np.zeros((0, width), dtype=np.uint32)

    def __len__(self) -> int:
        return len(self.hashes)

    def keep(self, mask: npt.NDArray[np.bool_]) -> None:
        self.hashes, self.seen, self.articles = (
            self.hashes[mask],
            self.seen[mask],
            self.articles[mask],
        )

    def expire(self, horizon: float) -> None:
        """Forget the lines last seen before ``horizon``."""
        if self.oldest < horizon:
            self.keep(self.seen >= horizon)

    def evict_to(self, target: int) -> None:
        """Keep the ``target`` most recently seen lines (ties: the higher hash stays)."""
        if len(self.hashes) > target:
            oldest_first = np.lexsort((self.hashes, self.seen))
            mask = np.zeros(len(self.hashes), dtype=bool)
            mask[oldest_first[len(self.hashes) - target :]] = True
            self.keep(mask)

    def update(self, hashes: U64, article: int, now: float) -> tuple[BOOL, I64, I64]:
        """Count ``article`` for the lines held here.

        Return which lines are held, and their article counts before and after.
        """
        pos = np.searchsorted(self.hashes, hashes)
        found = pos < len(self.hashes)
        found[found] = self.hashes[pos[found]] == hashes[found]
        at = pos[found]
        rows = self.articles[at]
        counts = np.count_nonzero(rows, axis=1)
        add = ~(rows == article).any(axis=1) & (counts < rows.shape[1])
        rows[np.flatnonzero(add), counts[add]] = article
        self.articles[at] = rows
        self.seen[at] = np.maximum(self.seen[at], now)
        return found, counts, counts + add

    def insert(self, hashes: U64, article: int, now: float) -> None:
        """Add lines not held here, each seen once, by ``article``."""
        fresh = np.zeros((len(hashes), self.articles.shape[1]), dtype=np.uint32)
        fresh[:, 0] = article
        self.absorb(hashes, np.full(len(hashes), now), fresh)

    def absorb(self, hashes: U64, seen: F64, articles: U32) -> None:
        """Add rows for lines not held here, keeping the arrays sorted."""
        if len(seen):
            self.oldest = min(self.oldest, float(seen.min()))
        merged = np.concatenate((self.hashes, hashes))
        order = np.argsort(merged, kind="stable")
        self.hashes = merged[order]
        self.seen = np.concatenate((self.seen, seen))[order]
        self.articles = np.concatenate((self.articles, articles))[order]


class _SourceLines:
    """One source's lines: a large settled table and a small one for lines new lately.

    New lines go to the small table, whose sorted insert is cheap; every
    ``RECENT_LINES`` lines it is merged into the settled one. A line is in one of them.
    """

    __slots__ = ("recent", "settled")

    def __init__(self, width: int) -> None:
        self.settled = _Table(width)
        self.recent = _Table(width)

    def __len__(self) -> int:
        return len(self.settled) + len(self.recent)

    def observe(self, hashes: U64, article: int, now: float) -> tuple[I64, I64]:
        """Count ``article`` for each line (hashes unique); return counts before and after."""
        before = np.zeros(len(hashes), dtype=np.int64)  # a new line: 0 articles before,
        after = np.ones(len(hashes), dtype=np.int64)  # 1 after
        held, counts_before, counts_after = self.settled.update(hashes, article, now)
        before[held], after[held] = counts_before, counts_after
        rest = np.flatnonzero(~held)
        in_recent, counts_before, counts_after = self.recent.update(hashes[rest], article, now)
        before[rest[in_recent]], after[rest[in_recent]] = counts_before, counts_after
        self.recent.insert(hashes[rest[~in_recent]], article, now)
        if len(self.recent) >= RECENT_LINES:
            self.merge()
        return before, after

    def merge(self) -> None:
        recent, self.recent = self.recent, _Table(self.recent.articles.shape[1])
        self.settled.absorb(recent.hashes, recent.seen, recent.articles)

    def expire(self, horizon: float) -> None:
        self.settled.expire(horizon)
        self.recent.expire(horizon)

    def evict_to(self, target: int) -> None:
        self.merge()
        self.settled.evict_to(target)


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
        self._sources: dict[str, _SourceLines] = {}

    def observe(self, source: str, article_id: str, keys: Sequence[str], now: float) -> Observation:
        """Record the article's line keys and return its boilerplate keys (see protocol)."""
        lines = self._sources.get(source)
        if lines is None:
            lines = self._sources[source] = _SourceLines(self.min_articles)
        lines.expire(now - self.ttl_seconds)
        unique = list(dict.fromkeys(keys))
        if not unique:
            return Observation(frozenset(), 0)
        before, after = lines.observe(_hashes(unique), _article_print(article_id), now)
        need = self.min_articles
        learned = int(np.count_nonzero((before < need) & (after >= need)))
        boilerplate = frozenset(
            key for key, n in zip(unique, after.tolist(), strict=True) if n >= need
        )
        if len(lines) > self.max_lines_per_source:
            lines.evict_to(self.max_lines_per_source - self.max_lines_per_source // 8)
        return Observation(boilerplate, learned)

    def line_count(self) -> int:
        """Return how many lines are held over all sources (for a gauge)."""
        return sum(len(lines) for lines in self._sources.values())

    def snapshot(self) -> bytes:
        """Serialise the whole state deterministically (``.npz``, sorted sources)."""
        names = sorted(self._sources)
        arrays: dict[str, npt.NDArray[np.generic]] = {}
        for n, name in enumerate(names):
            lines = self._sources[name]
            lines.merge()
            table = lines.settled
            arrays |= {f"h{n}": table.hashes, f"s{n}": table.seen, f"a{n}": table.articles}
        meta = {"version": _SNAPSHOT_VERSION, "sources": names, "width": self.min_articles}
        arrays["meta"] = np.frombuffer(json.dumps(meta).encode("utf-8"), dtype=np.uint8)
        out = io.BytesIO()
        np.savez(out, allow_pickle=False, **arrays)
        return out.getvalue()

    def restore(self, data: bytes) -> None:
        """Replace the state with a snapshot; raise ValueError if it is not one."""
        try:
            if data.lstrip().startswith(b"{"):
                sources = self._from_json_v1(data)
            else:
                sources = self._from_npz(data)
        except (ValueError, KeyError, TypeError, AttributeError, IndexError, EOFError) as exc:
            raise ValueError(f"not a line-stats snapshot: {exc}") from exc
        except (OSError, zipfile.BadZipFile) as exc:
            raise ValueError(f"not a line-stats snapshot: {exc}") from exc
        self._sources = sources

    def _from_npz(self, data: bytes) -> dict[str, _SourceLines]:
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            meta = json.loads(bytes(npz["meta"]).decode("utf-8"))
            if meta["version"] != _SNAPSHOT_VERSION or meta["width"] != self.min_articles:
                raise ValueError(f"unsupported snapshot {meta['version']!r}/{meta['width']!r}")
            sources: dict[str, _SourceLines] = {}
            for n, name in enumerate(meta["sources"]):
                lines = _SourceLines(self.min_articles)
                table = lines.settled
                table.hashes = npz[f"h{n}"].astype(np.uint64, casting="equiv")
                table.seen = npz[f"s{n}"].astype(np.float64, casting="equiv")
                table.articles = npz[f"a{n}"].astype(np.uint32, casting="equiv")
                shapes = {len(table.hashes), len(table.seen), table.articles.shape[0]}
                if len(shapes) != 1 or table.articles.shape[1] != self.min_articles:
                    raise ValueError(f"source {name!r} has arrays of different lengths")
                sources[str(name)] = lines
        return sources

    def _from_json_v1(self, data: bytes) -> dict[str, _SourceLines]:
        """Read the version 1 snapshot (JSON rows of key, last seen, article ids)."""
        doc = json.loads(data)
        if doc["version"] != 1:
            raise ValueError(f"unsupported snapshot version {doc['version']!r}")
        sources: dict[str, _SourceLines] = {}
        for source, rows in doc["sources"].items():
            parsed = list(_rows(rows))
            lines = sources[str(source)] = _SourceLines(self.min_articles)
            hashes = _hashes([key for key, _, _ in parsed])
            seen = np.array([seen for _, seen, _ in parsed], dtype=np.float64)
            articles = np.zeros((len(parsed), self.min_articles), dtype=np.uint32)
            for row, (_, _, ids) in enumerate(parsed):
                prints = list(dict.fromkeys(_article_print(a) for a in ids))[: self.min_articles]
                articles[row, : len(prints)] = prints
            lines.settled.absorb(hashes, seen, articles)
        return sources


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
