"""The cross-article alias table: stable canonical names and Wikidata QIDs.

The shipped table (``service/data/aliases.json``) lists countries with their common
alternative names, major international organisations and some heads of state or
government. Its facts come from Wikidata (CC0 1.0).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any, cast

from service.errors import ConfigError
from service.models import EntityType

_TYPES: frozenset[str] = frozenset({"PERSON", "ORG", "LOC", "MISC"})
_GEOPOLITICAL: frozenset[str] = frozenset({"ORG", "LOC"})


def normalise_key(name: str) -> str:
    """Return the lookup key of a name: case-folded, dots dropped, spaces collapsed."""
    key = " ".join(name.replace(".", "").replace("\u2019", "'").casefold().split())
    return key.removeprefix("the ")


@dataclass(frozen=True, slots=True)
class AliasEntry:
    """One real-world thing: its canonical name, type and (when known) Wikidata QID."""

    name: str
    type: EntityType
    wikidata: str | None
    aliases: tuple[str, ...] = ()


def _compatible(table_type: str, mention_type: str) -> bool:
    """Say whether a mention typed ``mention_type`` may be the table's thing.

    Country names are often tagged ORG (a government) and vice versa, so ORG and LOC
    mix; a person never matches a place or an organisation.
    """
    if table_type == mention_type:
        return True
    return table_type in _GEOPOLITICAL and mention_type in _GEOPOLITICAL


class AliasTable:
    """An immutable name -> :class:`AliasEntry` index over canonical names and aliases."""

    def __init__(self, entries: Iterable[AliasEntry] = ()) -> None:
        self._entries = tuple(entries)
        index: dict[str, AliasEntry] = {}
        for entry in self._entries:
            for name in (entry.name, *entry.aliases):
                index.setdefault(normalise_key(name), entry)
        self._index: Mapping[str, AliasEntry] = index

    def __iter__(self) -> Iterator[AliasEntry]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def lookup(self, name: str, mention_type: EntityType) -> AliasEntry | None:
        """Return the entry ``name`` is a known name of, if its type is compatible."""
        entry = self._index.get(normalise_key(name))
        if entry is None or not _compatible(entry.type, mention_type):
            return None
        return entry

    @classmethod
    def from_json(cls, document: Mapping[str, Any]) -> AliasTable:
        """Build a table from the JSON shape of ``aliases.json``; raise ConfigError if bad."""
        try:
            rows = cast(list[dict[str, Any]], document["entities"])
            entries = [
                AliasEntry(
                    name=str(row["name"]),
                    type=_checked_type(row["type"]),
                    wikidata=str(row["wikidata"]) if row.get("wikidata") else None,
                    aliases=tuple(str(a) for a in row.get("aliases", ())),
                )
                for row in rows
            ]
        except (KeyError, TypeError, ValueError) as exc:
            raise ConfigError(f"alias table is malformed: {exc!r}") from exc
        return cls(entries)


def _checked_type(value: object) -> EntityType:
    if value not in _TYPES:
        raise ValueError(f"unknown entity type {value!r}")
    return cast(EntityType, value)


def load_shipped_aliases() -> AliasTable:
    """Load the alias table shipped in ``service/data``; raise ConfigError if unreadable."""
    try:
        raw = resources.files("service").joinpath("data/aliases.json").read_text("utf-8")
        return AliasTable.from_json(json.loads(raw))
    except (OSError, json.JSONDecodeError) as exc:
        raise ConfigError(f"cannot read the shipped alias table: {exc}") from exc
