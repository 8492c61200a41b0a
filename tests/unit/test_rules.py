"""Tests for service.rules: loading, validation and matching of boilerplate rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.errors import ConfigError
from service.rules import DEFAULT_RULES_PATH, load_rules


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "rules.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_rules_load() -> None:
    """The shipped default rules file loads and drops a typical share line."""
    rules = load_rules(DEFAULT_RULES_PATH).for_source("any")
    assert rules.drops("Share this article")
    assert rules.drops("Copyright 2024 Example Media. All rights reserved.")
    assert not rules.drops("The minister said the talks would resume on Monday.")


def test_shipped_block_starts() -> None:
    """Also-read and related headings open a trailing block; body sentences do not."""
    rules = load_rules().for_source("any")
    assert rules.starts_block("also read")
    assert rules.starts_block("Related Stories:")
    assert not rules.starts_block("Read more about how the talks went wrong in the report.")


def test_source_rules_add_to_defaults(tmp_path: Path) -> None:
    """A source's own phrases apply to it only, on top of the defaults."""
    path = _write(
        tmp_path,
        '[defaults]\ndrop_lines = ["^advert$"]\n'
        '[sources."example.com"]\ndrop_phrases = ["Visit the Example shop"]\n',
    )
    rules = load_rules(path)
    own = rules.for_source("example.com")
    other = rules.for_source("other.org")
    assert own.drops("Please visit the example shop today")
    assert own.drops("Advert")
    assert not other.drops("Please visit the example shop today")
    assert other.drops("advert")


def test_drop_buttons_match_whole_short_lines(tmp_path: Path) -> None:
    """drop_buttons match a whole line of at most 40 characters, in any case."""
    path = _write(tmp_path, '[defaults]\ndrop_buttons = ["book now", "Get A Quote"]\n')
    rules = load_rules(path).for_source("any")
    assert rules.is_button("Book Now")
    assert rules.is_button("get a quote")
    assert not rules.is_button("Book now and save 10 percent on ferry tickets this week")
    assert not rules.drops("Book now")
    assert not load_rules(_write(tmp_path, "[defaults]\n")).for_source("x").is_button("Book now")


def test_bad_regex_names_file_and_rule(tmp_path: Path) -> None:
    """A bad regex raises ConfigError naming the file, the table and the rule."""
    path = _write(tmp_path, '[sources."x.com"]\ndrop_lines = ["(unclosed"]\n')
    with pytest.raises(ConfigError, match=r'rules\.toml: \[sources\."x\.com"\]\.drop_lines') as err:
        load_rules(path)
    assert "(unclosed" in str(err.value)


def test_unknown_key_is_rejected(tmp_path: Path) -> None:
    """An unknown key raises ConfigError listing the allowed keys."""
    path = _write(tmp_path, '[defaults]\ndrop_line = ["x"]\n')
    with pytest.raises(ConfigError, match="unknown key 'drop_line'"):
        load_rules(path)


def test_wrong_type_is_rejected(tmp_path: Path) -> None:
    """A rule list that is not a list of strings raises ConfigError."""
    path = _write(tmp_path, "[defaults]\nblock_starts = 'also read'\n")
    with pytest.raises(ConfigError, match="must be a list of strings"):
        load_rules(path)


def test_unknown_top_level_and_bad_toml(tmp_path: Path) -> None:
    """Unknown top-level tables and invalid TOML raise ConfigError."""
    with pytest.raises(ConfigError, match="unknown top-level"):
        load_rules(_write(tmp_path, "[extra]\na = 1\n"))
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_rules(_write(tmp_path, "[defaults\n"))


def test_missing_file(tmp_path: Path) -> None:
    """A missing rules file raises ConfigError, not OSError."""
    with pytest.raises(ConfigError, match="cannot read"):
        load_rules(tmp_path / "nope.toml")
