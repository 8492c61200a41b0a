"""CLI: --help tells the truth about every option; bad configuration exits 2."""

from __future__ import annotations

import subprocess
import sys

import pytest

from service.cli import main
from service.settings import OPTIONS


def help_text(*args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "service", *args, "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


@pytest.mark.parametrize(
    ("command", "scopes"), [("run", {"common", "run"}), ("process", {"common"})]
)
def test_help_lists_every_option_with_its_variable(command: str, scopes: set[str]) -> None:
    """`cleanwire COMMAND --help` names each option's flag and environment variable."""
    text = " ".join(help_text(command).split())
    for opt in OPTIONS:
        present = opt.flag in text and opt.env in text
        assert present == (opt.scope in scopes), opt.name


def test_process_help_documents_its_files() -> None:
    """`cleanwire process --help` documents INPUT, --output, --duplicates, --dlq and --state."""
    text = help_text("process")
    for word in ("INPUT", "--output", "--duplicates", "--dlq", "--state"):
        assert word in text


def test_top_level_help_lists_commands() -> None:
    """`cleanwire --help` lists run, process and topics."""
    text = help_text()
    assert all(c in text for c in ("run", "process", "topics"))


def test_bad_configuration_exits_2_with_a_clear_message(capsys: pytest.CaptureFixture[str]) -> None:
    """An invalid value is reported on stderr, naming the flag, with exit code 2."""
    assert main(["process", "--max-json-depth", "deep"]) == 2
    err = capsys.readouterr().err
    assert "--max-json-depth='deep': expected int" in err
