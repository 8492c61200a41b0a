"""Boilerplate rules: site-specific and default phrases, loaded from a TOML file.

The file (shipped default: ``service/data/rules.toml``) has a ``[defaults]`` table and
optional ``[sources."<source>"]`` tables, each with any of these keys, all lists of
strings:

* ``drop_lines``   regexes; a line of at most 300 characters that matches (``re.search``,
  case-insensitive) is dropped.
* ``drop_phrases`` plain phrases; a line of at most 300 characters that contains one
  (case-insensitive) is dropped.
* ``block_starts`` regexes that must match a *whole* line of at most 80 characters
  (case-insensitive): such a line
  opens a trailing block ("also read", "related stories"); once the body is under way it
  and everything after it are cut.
* ``drop_buttons`` regexes that must match a *whole* line of at most 40 characters
  (case-insensitive): a call-to-action button ("Book now", "Learn more"), dropped from
  the body after it is chosen. Unlike a ``drop_lines`` match it is no sign of chrome
  around it: buttons sit between the sections of a list article.

A source's rules add to the defaults. :func:`load_rules` validates everything at
start-up and raises :class:`~service.errors.ConfigError` naming the file, the rule and
what is wrong.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from service.errors import ConfigError

DEFAULT_RULES_PATH = Path(__file__).parent / "data" / "rules.toml"
MAX_DROP_LINE_CHARS = 300  # longer lines are paragraphs: drop rules never test them
MAX_BLOCK_START_CHARS = 80  # longer lines are never block-start markers
MAX_BUTTON_CHARS = 40  # longer lines are never buttons
_KEYS = ("drop_lines", "drop_phrases", "block_starts", "drop_buttons")


@dataclass(frozen=True, slots=True)
class SourceRules:
    """The compiled rules that apply to one source (defaults plus its own).

    Rules written in lower case run without ``re.IGNORECASE`` on the lower-cased line
    (the same matches, found faster); the others run case-insensitively on the line.
    """

    drop_at_start: re.Pattern[str] | None = None  # lower-case ``^``-anchored drop_lines
    drop_at_start_any_case: re.Pattern[str] | None = None  # the other ``^``-anchored ones
    drop_anywhere: tuple[tuple[str, re.Pattern[str], bool], ...] = ()  # (literal, rule, lower)
    drop_phrases: re.Pattern[str] | None = None  # all drop_phrases, escaped, lower-case
    block_start: re.Pattern[str] | None = None  # lower-case block_starts
    block_start_any_case: re.Pattern[str] | None = None
    button: re.Pattern[str] | None = None  # all drop_buttons, case-insensitive

    def drops(self, line: str) -> bool:
        """Return whether ``line`` is a boilerplate line to drop (lines over 300 chars never are)."""
        if len(line) > MAX_DROP_LINE_CHARS:
            return False
        lowered = line.lower()
        if self.drop_at_start is not None and self.drop_at_start.match(lowered) is not None:
            return True
        if (
            self.drop_at_start_any_case is not None
            and self.drop_at_start_any_case.match(line) is not None
        ):
            return True
        for literal, rule, lower in self.drop_anywhere:
            if literal in lowered and rule.search(lowered if lower else line) is not None:
                return True
        return self.drop_phrases is not None and self.drop_phrases.search(lowered) is not None

    def starts_block(self, line: str) -> bool:
        """Return whether ``line`` opens a trailing block (related links, read more)."""
        if len(line) > MAX_BLOCK_START_CHARS:
            return False
        if self.block_start is not None and self.block_start.fullmatch(line.lower()) is not None:
            return True
        return (
            self.block_start_any_case is not None
            and self.block_start_any_case.fullmatch(line) is not None
        )

    def is_button(self, line: str) -> bool:
        """Return whether ``line`` is a call-to-action button (lines over 40 chars never are)."""
        return (
            len(line) <= MAX_BUTTON_CHARS
            and self.button is not None
            and self.button.fullmatch(line) is not None
        )


@dataclass(frozen=True, slots=True)
class Rules:
    """Validated rules: defaults plus per-source additions, compiled once per source."""

    defaults: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    sources: Mapping[str, Mapping[str, tuple[str, ...]]] = field(default_factory=dict)
    _compiled: dict[str, SourceRules] = field(default_factory=dict, compare=False, repr=False)

    def for_source(self, source: str) -> SourceRules:
        """Return the compiled rules for ``source`` (the defaults when it has none)."""
        key = source if source in self.sources else ""
        hit = self._compiled.get(key)
        if hit is None:
            hit = _compile(self.defaults, self.sources.get(key, {}))
            self._compiled[key] = hit
        return hit


def _is_lower(pattern: str) -> bool:
    """Return whether ``pattern`` can run case-sensitively on lower-cased text."""
    return pattern == pattern.lower()


def _alternation(patterns: list[str], flags: int = re.IGNORECASE) -> re.Pattern[str] | None:
    if not patterns:
        return None
    return re.compile("|".join(f"(?:{p})" for p in patterns), flags)


_LITERAL_RUN = re.compile(r"(?:\\b)?((?:[\w ]|\\[^\w\s])+)([?*{]?)")


def required_literal(pattern: str) -> str:
    """Return a lower-case string every match of ``pattern`` contains ("" if unknown).

    Only a plain prefix is used (after an optional ``\\b``); a top-level ``|`` or an
    inline flag gives "", so the rule is always tried.
    """
    depth, escaped = 0, False
    for char in pattern:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        elif char == "|" and depth == 0:
            return ""
    match = _LITERAL_RUN.match(pattern)
    if match is None or pattern.startswith("(?"):
        return ""
    literal = re.sub(r"\\(.)", r"\1", match.group(1))
    if match.group(2):
        literal = literal[:-1]  # the last character is optional or repeated
    return literal.lower()


def _compile(
    defaults: Mapping[str, tuple[str, ...]], own: Mapping[str, tuple[str, ...]]
) -> SourceRules:
    def get(key: str) -> list[str]:
        return [*defaults.get(key, ()), *own.get(key, ())]

    drop = get("drop_lines")
    anchored = [p for p in drop if p.startswith("^")]
    blocks = get("block_starts")
    return SourceRules(
        drop_at_start=_alternation([p for p in anchored if _is_lower(p)], 0),
        drop_at_start_any_case=_alternation([p for p in anchored if not _is_lower(p)]),
        drop_anywhere=tuple(
            (required_literal(p), re.compile(p, 0 if _is_lower(p) else re.IGNORECASE), _is_lower(p))
            for p in drop
            if not p.startswith("^")
        ),
        drop_phrases=_alternation([re.escape(p.lower()) for p in get("drop_phrases")], 0),
        block_start=_alternation([p for p in blocks if _is_lower(p)], 0),
        block_start_any_case=_alternation([p for p in blocks if not _is_lower(p)]),
        button=_alternation(get("drop_buttons")),
    )


def _check_table(path: Path, where: str, table: Any) -> dict[str, tuple[str, ...]]:
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [{where}] must be a table, got {type(table).__name__}")
    checked: dict[str, tuple[str, ...]] = {}
    for key, values in table.items():
        if key not in _KEYS:
            raise ConfigError(
                f"{path}: [{where}] unknown key {key!r} (allowed: {', '.join(_KEYS)})"
            )
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise ConfigError(f"{path}: [{where}].{key} must be a list of strings")
        for value in values:
            if not value.strip():
                raise ConfigError(f"{path}: [{where}].{key} has an empty rule")
            if key != "drop_phrases":
                try:
                    re.compile(value)
                except re.error as exc:
                    raise ConfigError(
                        f"{path}: [{where}].{key} rule {value!r} is not a valid regex: {exc}"
                    ) from exc
        checked[key] = tuple(values)
    return checked


def parse_rules(document: Mapping[str, Any], path: Path) -> Rules:
    """Validate a parsed rules document; raise ConfigError on any bad key, type or regex."""
    unknown = set(document) - {"defaults", "sources"}
    if unknown:
        raise ConfigError(f"{path}: unknown top-level key(s) {sorted(unknown)}")
    defaults = _check_table(path, "defaults", document.get("defaults", {}))
    sources_doc = document.get("sources", {})
    if not isinstance(sources_doc, dict):
        raise ConfigError(f"{path}: [sources] must be a table of per-source tables")
    sources = {
        name: _check_table(path, f'sources."{name}"', table) for name, table in sources_doc.items()
    }
    return Rules(defaults=defaults, sources=sources)


def load_rules(path: Path | str = DEFAULT_RULES_PATH) -> Rules:
    """Read and validate a rules file; raise ConfigError if it is missing or invalid."""
    path = Path(path)
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read rules file: {exc}") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    return parse_rules(document, path)
