"""Durability of the embedded store: an append-only log plus a snapshot.

``log.jsonl`` holds one JSON array per inserted entry, tagged with its insert sequence
number, and one per refreshed entry (``["refresh", slot, id, anchors, shingles]``,
applied when the slot still holds that id); ``snapshot.npz`` holds every column and the
posting arrays as of a sequence number. Restoring loads the snapshot, then re-applies the log entries after it (a
crash between writing a snapshot and truncating the log is therefore harmless). A torn
last line, from a crash mid-write, is ignored; any other bad line raises ValueError, and
so does a snapshot written with another ``max_entries`` (slots are seq % max_entries).
A snapshot written with another number of anchors an entry loads: entries keep the
anchors they have, up to the store's number.

``format`` names the files' format version, ``FORMAT``: version 2 holds the exact keys
of :data:`service.dedup.fingerprint.KEY_VERSION` 2. A directory with state files and no
``format`` file (written before version 2), or another version, raises ValueError at
open: its exact keys would never match new ones, so the operator decides (remove the
directory to start an empty index, or keep the older release).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from service.dedup.fingerprint import KEY_VERSION
from service.dedup.stage import MatchPolicy, StoredEntry
from service.models import Origin
from service.stores.embedded.postings import Postings

SNAPSHOT_EVERY = 200_000
REFRESH = "refresh"  # first field of a log line giving an entry new anchors
FORMAT = KEY_VERSION
_FORMAT_TEXT = f"cleanwire-dedup {FORMAT}\n"


class LoggedIndex(Protocol):
    """What a snapshot holds of the store and what restoring writes back.

    :class:`service.stores.embedded.store.EmbeddedStore` is the one implementation; the
    protocol keeps this module from importing it (the store imports the log).
    """

    policy: MatchPolicy
    columns: dict[str, npt.NDArray[Any]]
    anchors: npt.NDArray[np.uint32]
    ids: npt.NDArray[Any]
    long_ids: dict[int, str]
    topics: list[str]
    postings: Postings
    seq: int
    count: int

    def merge_recent(self) -> None: ...
    def used_slots(self) -> int: ...
    def expire(self, now: float) -> None: ...
    def insert(self, entry: StoredEntry) -> None: ...
    def refresh(self, slot: int, anchors: tuple[int, ...], shingles: int) -> None: ...
    def holds(self, slot: int, article_id: str) -> bool: ...


class StoreLog:
    """The files of one embedded store directory; used only by EmbeddedStore."""

    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.directory = directory
        self.log_path = directory / "log.jsonl"
        self.snapshot_path = directory / "snapshot.npz"
        self.format_path = directory / "format"
        self._pending: list[str] = []
        self._logged = 0
        self._check_format()

    def _check_format(self) -> None:
        """Raise ValueError for state of another format; mark a new directory as ours."""
        if self.format_path.exists():
            found = self.format_path.read_text(encoding="utf-8")
            if found != _FORMAT_TEXT:
                raise ValueError(
                    f"{self.directory} holds dedup state in format {found.strip()!r}, not "
                    f"{_FORMAT_TEXT.strip()!r}: remove it (the index starts empty) or use the "
                    "release that wrote it"
                )
            return
        if self.log_path.exists() or self.snapshot_path.exists():
            raise ValueError(
                f"{self.directory} holds dedup state written before format {FORMAT} (its exact "
                "keys are computed differently): remove it (the index starts empty) or use the "
                "release that wrote it"
            )
        temporary = self.directory / "format.tmp"
        with temporary.open("w", encoding="utf-8") as handle:
            handle.write(_FORMAT_TEXT)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, self.format_path)

    def append(self, seq: int, entry: StoredEntry) -> None:
        """Buffer one inserted entry; durable after the next :meth:`flush`."""
        origin = entry.origin
        record = [seq, entry.article_id, origin.topic, origin.partition, origin.offset]
        record += [entry.url_key, entry.body_key, list(entry.anchors), entry.shingles]
        record.append(entry.seen_at)
        self._pending.append(json.dumps(record, separators=(",", ":")))

    def append_refresh(
        self, slot: int, article_id: str, anchors: tuple[int, ...], shingles: int
    ) -> None:
        """Buffer the new anchors of the entry in ``slot`` (a fuller edition of its story)."""
        record = [REFRESH, slot, article_id, list(anchors), shingles]
        self._pending.append(json.dumps(record, separators=(",", ":")))

    def flush(self, store: LoggedIndex) -> None:
        """Write and fsync buffered entries; snapshot when the log has grown long."""
        if self._pending:
            with self.log_path.open("a", encoding="utf-8") as log:
                log.write("\n".join(self._pending) + "\n")
                log.flush()
                os.fsync(log.fileno())
            self._logged += len(self._pending)
            self._pending.clear()
        if self._logged >= SNAPSHOT_EVERY:
            self.snapshot(store)

    def close(self, store: LoggedIndex) -> None:
        """Flush and snapshot."""
        self.flush(store)
        self.snapshot(store)

    def snapshot(self, store: LoggedIndex) -> None:
        """Write the whole store atomically, then truncate the log."""
        store.merge_recent()
        used = store.used_slots()
        arrays = {f"col_{name}": column[:used] for name, column in store.columns.items()}
        arrays |= {
            "anchors": store.anchors[:used],
            "ids": store.ids[:used],
            "long_id_slots": np.array(list(store.long_ids), np.int64),
            "long_ids": np.array(list(store.long_ids.values()), dtype=str),
            "topics": np.array(store.topics, dtype=str),
            "posting_keys": store.postings.keys,
            "posting_slots": store.postings.slots,
            "state": np.array(
                [store.seq, store.count, store.postings.dead, store.policy.max_entries], np.int64
            ),
            "format": np.array([FORMAT], np.int64),
        }
        temporary = self.directory / "snapshot.tmp.npz"
        with temporary.open("wb") as handle:
            np.savez(handle, allow_pickle=False, **arrays)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, self.snapshot_path)
        with self.log_path.open("w", encoding="utf-8") as log:
            os.fsync(log.fileno())
        self._logged = 0

    def restore(self, store: LoggedIndex) -> None:
        """Load the snapshot and the log into an empty ``store``."""
        if self.snapshot_path.exists():
            with np.load(self.snapshot_path, allow_pickle=False) as data:
                found = int(data["format"][0]) if "format" in data else 1
                if found != FORMAT:
                    raise ValueError(
                        f"{self.snapshot_path} is in format {found}, not {FORMAT}: remove the "
                        "directory (the index starts empty) or use the release that wrote it"
                    )
                seq, count, dead, max_entries = (int(v) for v in data["state"])
                if max_entries != store.policy.max_entries:
                    raise ValueError(
                        f"snapshot was written with max_entries={max_entries}, not "
                        f"{store.policy.max_entries}: keep the setting or start a new state dir"
                    )
                used = len(data["ids"])
                for name, column in store.columns.items():
                    column[:used] = data[f"col_{name}"]
                width = min(data["anchors"].shape[1], store.anchors.shape[1])
                store.anchors[:used, :width] = data["anchors"][:, :width]
                n_anchors = store.columns["n_anchors"]
                n_anchors[:used] = np.minimum(n_anchors[:used], width)
                store.ids[:used] = data["ids"]
                slots, long_ids = data["long_id_slots"].tolist(), data["long_ids"].tolist()
                store.long_ids = dict(zip(slots, long_ids, strict=True))
                store.topics = [str(topic) for topic in data["topics"]]
                store.postings.load(data["posting_keys"], data["posting_slots"], dead)
                store.seq, store.count = seq, count
        if not self.log_path.exists():
            return
        lines = self.log_path.read_text(encoding="utf-8").split("\n")
        for number, line in enumerate(lines):
            if not line:
                continue
            try:
                record = json.loads(line)
                if record[0] == REFRESH:
                    _, slot, article_id, anchors, shingles = record
                    if store.holds(slot, article_id):
                        store.refresh(slot, tuple(anchors), shingles)
                    continue
                seq, article_id, topic, partition, offset, url, body, anchors, shingles, seen = (
                    record
                )
            except ValueError:
                if number >= len(lines) - 2:
                    break
                raise
            if seq >= store.seq:
                store.seq = seq
                store.expire(seen)
                origin = Origin(topic, partition, offset)
                entry = StoredEntry(article_id, origin, url, body, tuple(anchors), shingles, seen)
                store.insert(entry)
                self._logged += 1
