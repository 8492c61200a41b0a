"""Boilerplate rules: site-specific and default phrases, loaded from a TOML file.

The file (shipped default: ``service/data/rules.toml``) has a ``[defaults]`` table and
optional ``[sources."<source>"]`` tables, each with any of these keys, all lists of
strings:

* ``drop_lines``   regexes; a line of at most 300 characters that matches (``re.search``,
  case-insensitive) is dropped.
* ``drop_phrases`` plain phrases; a line of at most 300 characters that contains one
  (case-insensitive) is dropped.
* ``drop_openers`` regexes for a call to action that opens a sentence: a line of at
  most 300 characters is dropped when one matches (``re.match``, case-insensitive) at
  its start - after up to four non-word characters (a bullet, an emoji) - or at the
  start of its second or third sentence, when the sentences before are at most 80
  characters each and end in ". ", "! ", "? " or ": " ("Want more? Sign up for our
  newsletter"). They run as one regex, far cheaper than the same ``drop_lines``.
* ``block_starts`` regexes that must match a *whole* line of at most 80 characters
  (case-insensitive): such a line
  opens a trailing block ("also read", "related stories"); once the body is under way it
  and everything after it are cut.
* ``drop_buttons`` regexes that must match a *whole* line of at most 40 characters
  (case-insensitive): a call-to-action button ("Book now", "Learn more"), dropped from
  the body after it is chosen. Unlike a ``drop_lines`` match it is no sign of chrome
  around it: buttons sit between the sections of a list article.

In ``drop_lines`` the placeholder ``{site}`` stands for the source's own name (see
:func:`site_pattern`): ``gadgethub.com`` gives a pattern that matches "GadgetHub",
"Gadget Hub" and "gadgethub.com", so a rule can tell the site advertising itself
("Find the latest phones on GadgetHub") from a story naming another outlet. A rule with
``{site}`` is off for a source that yields no name.

A source's rules add to the defaults. :func:`load_rules` validates everything at
start-up and raises :class:`~service.errors.ConfigError` naming the file, the rule and
what is wrong.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from service.errors import ConfigError

DEFAULT_RULES_PATH = Path(__file__).parent.parent / "data" / "rules.toml"
MAX_DROP_LINE_CHARS = 300  # longer lines are paragraphs: drop rules never test them
MAX_BLOCK_START_CHARS = 80  # longer lines are never block-start markers
MAX_BUTTON_CHARS = 40  # longer lines are never buttons
_KEYS = ("drop_lines", "drop_phrases", "drop_openers", "block_starts", "drop_buttons")
OPENER_LEAD = r"^[^\w]{0,4}+(?:[^.!?:]{1,80}+[.!?:] ){0,2}"  # before a drop_openers rule
SITE = "{site}"  # in a drop_lines rule: the source's own name (see site_pattern)
SITE_MIN_CHARS = 3  # a shorter name ("x", "ap") is no usable site name
MAX_SITE_SOURCES = 4096  # sources whose compiled {site} rules are kept (then all go)
_NAME_NOISE = frozenset(
    {
        *("www", "www2", "www3", "m", "mobile", "amp", "wap", "web", "en", "edition"),
        *("news", "blog", "blogs", "home", "static", "beta", "app", "apps", "english"),
        *("newsletter", "newsletters", "shop", "store", "login", "account", "go"),
    }
)  # host labels that name no site
_SECOND_LEVEL = frozenset(
    {"co", "com", "net", "org", "gov", "ac", "edu", "or", "ne", "go", "gob", "nic", "ltd"}
)  # "co" in "bbc.co.uk": part of the public suffix, not the site's name
_NAME_CHARS = re.compile(r"[\W_]+")


@dataclass(frozen=True, slots=True)
class SourceRules:
    """The compiled rules that apply to one source (defaults plus its own).

    Rules written in lower case run without ``re.IGNORECASE`` on the lower-cased line
    (the same matches, found faster); the others run case-insensitively on the line.
    """

    drop_at_start: re.Pattern[str] | None = None  # lower-case ``^``-anchored drop_lines
    drop_at_start_any_case: re.Pattern[str] | None = None  # the other ``^``-anchored ones
    drop_anywhere: tuple[tuple[str, re.Pattern[str], bool], ...] = ()  # (literal, rule, lower)
    # Rules that only match non-ASCII text (other scripts' notices): skipped on ASCII lines.
    drop_at_start_non_ascii: re.Pattern[str] | None = None  # on the lower-cased line
    drop_anywhere_non_ascii: tuple[tuple[str, re.Pattern[str], bool], ...] = ()
    drop_phrases: re.Pattern[str] | None = None  # all drop_phrases, escaped, lower-case
    opener: re.Pattern[str] | None = None  # all drop_openers after OPENER_LEAD, lower-case
    block_start: re.Pattern[str] | None = None  # lower-case block_starts
    block_start_any_case: re.Pattern[str] | None = None
    button: re.Pattern[str] | None = None  # all drop_buttons, case-insensitive
    site_name: re.Pattern[str] | None = None  # the source's name, lower-case (a cheap gate)
    site_rules: re.Pattern[str] | None = None  # the {site} drop_lines, the name filled in

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
        if not line.isascii():
            if (
                self.drop_at_start_non_ascii is not None
                and self.drop_at_start_non_ascii.match(lowered) is not None
            ):
                return True
            for literal, rule, lower in self.drop_anywhere_non_ascii:
                if literal in lowered and rule.search(lowered if lower else line) is not None:
                    return True
        if self.drop_phrases is not None and self.drop_phrases.search(lowered) is not None:
            return True
        if self.opener is not None and self.opener.match(lowered) is not None:
            return True
        return (
            self.site_rules is not None
            and self.site_name is not None
            and self.site_name.search(lowered) is not None
            and self.site_rules.search(line) is not None
        )

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
    _site_compiled: dict[str, SourceRules] = field(  # per source, with its {site} rules
        default_factory=dict, compare=False, repr=False
    )

    def for_source(self, source: str) -> SourceRules:
        """Return the compiled rules for ``source`` (the defaults when it has none).

        Rules with ``{site}`` are compiled once per source, with the source's name.
        """
        key = source if source in self.sources else ""
        hit = self._compiled.get(key)
        if hit is None:
            hit = _compile(self.defaults, self.sources.get(key, {}))
            self._compiled[key] = hit
        own = self._site_compiled.get(source)
        if own is None:
            own = self._with_site(hit, key, source)
            if len(self._site_compiled) >= MAX_SITE_SOURCES:
                self._site_compiled.clear()  # bounded; recompiling a source's is cheap
            self._site_compiled[source] = own
        return own

    def _with_site(self, base: SourceRules, key: str, source: str) -> SourceRules:
        rules = [
            p
            for p in (
                *self.defaults.get("drop_lines", ()),
                *self.sources.get(key, {}).get("drop_lines", ()),
            )
            if SITE in p
        ]
        name = site_pattern(source)
        if not rules or name is None:
            return base
        return replace(
            base,
            site_name=re.compile(name),
            site_rules=_alternation([p.replace(SITE, name) for p in rules]),
        )


def site_names(source: str) -> list[str]:
    """Return the names a source goes by: its host's own labels, or its outlet name.

    ``www.gadgethub.com`` gives ``["gadgethub"]``, ``timesofindia.indiatimes.com`` gives
    ``["timesofindia", "indiatimes"]``, ``bbc.co.uk`` gives ``["bbc"]``, "Daily Sample
    News" gives ``["dailysamplenews"]``: lower case, letters and digits only, at least
    SITE_MIN_CHARS long; the top-level domain, a second-level one ("co", "com") and
    labels that name no site ("www", "m", "news", "blog") are left out.
    """
    text = source.strip().lower()
    if "://" in text:
        text = text.split("://", 1)[1].split("/", 1)[0]
    if "." in text and " " not in text:  # a host name
        labels = [label for label in text.split(":", 1)[0].split(".") if label][:-1]
        if len(labels) > 1 and labels[-1] in _SECOND_LEVEL:
            labels = labels[:-1]
        candidates = [label for label in labels if label not in _NAME_NOISE]
    else:
        candidates = [text]
    names = [_NAME_CHARS.sub("", name) for name in candidates]
    return list(dict.fromkeys(n for n in names if len(n) >= SITE_MIN_CHARS and not n.isdigit()))


def site_pattern(source: str) -> str | None:
    """Return a lower-case regex for the source's names (None when it has none).

    A name's letters may be split by a space, dot or hyphen ("timesofindia" matches
    "Times of India", "gadgethub" matches "Gadget-Hub"), and the name stands as a word.
    """
    names = site_names(source)
    if not names:
        return None
    spelled = ["[\\s.-]?".join(re.escape(char) for char in name) for name in names]
    return "(?<![^\\W_])(?:" + "|".join(spelled) + ")(?![^\\W_])"


def _is_lower(pattern: str) -> bool:
    """Return whether ``pattern`` can run case-sensitively on lower-cased text."""
    return pattern == pattern.lower()


def _alternation(patterns: list[str], flags: int = re.IGNORECASE) -> re.Pattern[str] | None:
    if not patterns:
        return None
    return re.compile("|".join(f"(?:{without_captures(p)})" for p in patterns), flags)


_BACKREFERENCE = re.compile(r"\\[1-9]|\(\?P=")


def without_captures(pattern: str) -> str:
    """Return ``pattern`` with its capturing groups made non-capturing (same matches).

    Rules only ever say whether a line matches, and the regex engine saves every group's
    position as it backtracks through a repeat: with the hundreds of groups of an
    alternation of rules that more than doubles the time a line takes. A pattern with a
    backreference is returned as it is (its groups are needed).
    """
    if "(" not in pattern or _BACKREFERENCE.search(pattern):
        return pattern
    out: list[str] = []
    escaped = False
    class_from = -1  # inside a [...] set: where its members start (a "]" there is one)
    for i, char in enumerate(pattern):
        out.append(char)
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif class_from >= 0:
            if char == "^" and i == class_from and pattern[i - 1] == "[":
                class_from += 1
            elif char == "]" and i > class_from:
                class_from = -1
        elif char == "[":
            class_from = i + 1
        elif char == "(" and not pattern.startswith("?", i + 1):
            out.append("?:")
    return "".join(out)


_LITERAL_RUN = re.compile(r"(?:\\b)?((?:[\w ]|\\[^\w\s])+)([?*{]?)")


def required_literal(pattern: str) -> str:
    """Return a lower-case string every match of ``pattern`` contains ("" if unknown).

    Only a plain prefix is used (after an optional ``\\b``); a top-level ``|`` or an
    inline flag gives "", so the rule is always tried.
    """
    if len(_top_level_split(pattern)) > 1:
        return ""
    match = _LITERAL_RUN.match(pattern)
    if match is None or pattern.startswith("(?"):
        return ""
    literal = re.sub(r"\\(.)", r"\1", match.group(1))
    if match.group(2):
        literal = literal[:-1]  # the last character is optional or repeated
    return literal.lower()


def _top_level_split(pattern: str) -> list[str]:
    """Return the top-level ``|`` alternatives of ``pattern``."""
    parts, depth, escaped, start = [], 0, False, 0
    for index, char in enumerate(pattern):
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        elif char == "|" and depth == 0:
            parts.append(pattern[start:index])
            start = index + 1
    return [*parts, pattern[start:]]


def _group_end(pattern: str) -> int:
    """Return the index of the ``)`` closing the group ``pattern`` opens (-1 if none)."""
    depth = 0
    for index, char in enumerate(pattern):
        depth += char == "("
        depth -= char == ")"
        if depth == 0:
            return index
    return -1


def _opens_non_ascii(branch: str) -> bool:
    """Return whether every match of ``branch`` (one alternative, maybe ``^``-anchored)
    starts with a non-ASCII character: a non-ASCII literal first, or a group first whose
    alternatives all do (neither optional)."""
    branch = branch.removeprefix("^")
    if not branch:
        return False
    if branch[0] == "(" and not branch.startswith("(?"):
        end = _group_end(branch)
        if end < 0 or branch[end + 1 : end + 2] in ("?", "*", "{"):
            return False
        return all(_opens_non_ascii(alt) for alt in _top_level_split(branch[1:end]))
    return not branch[0].isascii() and branch[1:2] not in ("?", "*", "{")


def needs_non_ascii(pattern: str) -> bool:
    """Return whether ``pattern`` can only match a line holding a non-ASCII character.

    True when the literal every match contains (:func:`required_literal`) is not ASCII,
    or when every top-level alternative starts with a non-ASCII character.
    """
    literal = required_literal(pattern)
    if literal and not literal.isascii():
        return True
    return all(_opens_non_ascii(branch) for branch in _top_level_split(pattern))


def _openers(patterns: list[str]) -> re.Pattern[str] | None:
    """Compile drop_openers into one regex after OPENER_LEAD, for the lower-cased line.

    A rule with capitals (``\\S``, ``\\W``) keeps its matches through ``(?i:...)``.
    """
    if not patterns:
        return None
    parts = [
        without_captures(p) if _is_lower(p) else f"(?i:{without_captures(p)})" for p in patterns
    ]
    return re.compile(OPENER_LEAD + "(?:" + "|".join(f"(?:{p})" for p in parts) + ")")


def _compile(
    defaults: Mapping[str, tuple[str, ...]], own: Mapping[str, tuple[str, ...]]
) -> SourceRules:
    def get(key: str) -> list[str]:
        return [*defaults.get(key, ()), *own.get(key, ())]

    drop = [p for p in get("drop_lines") if SITE not in p]
    other = [p for p in drop if needs_non_ascii(p)]
    anchored = [p for p in drop if p.startswith("^") and p not in other]
    blocks = get("block_starts")

    def anywhere(patterns: list[str]) -> tuple[tuple[str, re.Pattern[str], bool], ...]:
        return tuple(
            (
                required_literal(p),
                re.compile(without_captures(p), 0 if _is_lower(p) else re.IGNORECASE),
                _is_lower(p),
            )
            for p in patterns
            if not p.startswith("^")
        )

    return SourceRules(
        drop_at_start=_alternation([p for p in anchored if _is_lower(p)], 0),
        drop_at_start_any_case=_alternation([p for p in anchored if not _is_lower(p)]),
        drop_anywhere=anywhere([p for p in drop if p not in other]),
        drop_at_start_non_ascii=_alternation([p for p in other if p.startswith("^")]),
        drop_anywhere_non_ascii=anywhere(other),
        drop_phrases=_alternation([re.escape(p.lower()) for p in get("drop_phrases")], 0),
        opener=_openers(get("drop_openers")),
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
            if key == "drop_openers" and value.startswith("^"):
                raise ConfigError(
                    f"{path}: [{where}].{key} rule {value!r}: openers are anchored already (no ^)"
                )
            if SITE in value and key != "drop_lines":
                raise ConfigError(
                    f"{path}: [{where}].{key} rule {value!r}: {SITE} works in drop_lines only"
                )
            if key != "drop_phrases":
                try:
                    re.compile(value.replace(SITE, "(?:site)"))
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
