"""The README and docs/ tell the truth: links resolve, settings match, shown commands work.

Fast and offline: links and anchors are checked against the files and their headings
(GitHub's heading slugs), the configuration page against ``service.settings.OPTIONS``, the
metrics and reason-code tables against the code, and the commands shown in ``sh`` blocks are
either run (``--help``, ``--version``, ``cleanwire process`` on the bundled sample) or
checked: their scripts exist, their flags appear in the script's ``--help``, and their make
targets exist.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

from service.errors import REASONS
from service.settings import OPTIONS

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
DOCS = ROOT / "docs"
PAGES = [README, *sorted(DOCS.rglob("*.md"))]
BIN = Path(sys.executable).parent

FENCE = re.compile(r"^(`{3,}|~{3,})\s*([\w+-]*)")
LINK = re.compile(r"!?\[(?:[^\]\[]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
INLINE_CODE = re.compile(r"(`+)(?:(?!\1).)+?\1")


def rel(path: Path) -> str:
    return str(path.relative_to(ROOT))


def split_fences(text: str) -> tuple[list[str], list[tuple[str, list[str]]]]:
    """Return the prose lines (code lines blanked) and the fenced blocks as (lang, lines)."""
    prose: list[str] = []
    blocks: list[tuple[str, list[str]]] = []
    fence: str | None = None
    for line in text.splitlines():
        m = FENCE.match(line.strip())
        if fence is None and m:
            fence = m.group(1)
            blocks.append((m.group(2).lower(), []))
            prose.append("")
        elif fence is not None and line.strip().startswith(fence):
            fence = None
            prose.append("")
        elif fence is not None:
            blocks[-1][1].append(line)
            prose.append("")
        else:
            prose.append(line)
    return prose, blocks


def github_slug(heading: str) -> str:
    """GitHub's anchor for a heading: links reduced to their text, lower case, punctuation
    other than '-' and '_' removed, spaces to hyphens."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)
    text = re.sub(r"<[^>]+>", "", text).strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


@cache
def anchors(path: Path) -> frozenset[str]:
    prose, _ = split_fences(path.read_text())
    seen: dict[str, int] = {}
    out: set[str] = set()
    for line in prose:
        m = HEADING.match(line)
        if not m:
            continue
        slug = github_slug(m.group(2))
        n = seen.get(slug, 0)
        seen[slug] = n + 1
        out.add(slug if n == 0 else f"{slug}-{n}")
    return frozenset(out)


def links(path: Path) -> Iterator[tuple[int, str]]:
    prose, _ = split_fences(path.read_text())
    for number, line in enumerate(prose, 1):
        for m in LINK.finditer(INLINE_CODE.sub("", line)):
            yield number, m.group(1)


def test_the_pages_exist() -> None:
    """The README links into docs/, and the pages it promises are there."""
    names = {rel(p) for p in PAGES}
    for page in ("architecture", "configuration", "delivery", "operations", "benchmarks"):
        assert f"docs/{page}.md" in names


@pytest.mark.parametrize("page", PAGES, ids=rel)
def test_relative_links_and_anchors_resolve(page: Path) -> None:
    """Every relative link names a file or folder of the repository, and every #anchor a
    heading of the page it points to."""
    broken: list[str] = []
    for number, target in links(page):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # https:, mailto:
            continue
        path_part, _, anchor = target.partition("#")
        dest = (page.parent / path_part).resolve() if path_part else page
        where = f"{rel(page)}:{number}: {target}"
        if not dest.is_relative_to(ROOT):
            broken.append(f"{where} (outside the repository)")
        elif not dest.exists():
            broken.append(f"{where} (no such file)")
        elif anchor and (dest.suffix != ".md" or anchor not in anchors(dest)):
            broken.append(f"{where} (no heading with anchor #{anchor})")
    assert not broken, "\n".join(broken)


FORBIDDEN = {
    r"\.\./": "a path outside the repository",
    r"design card": "a development word",
    r"\bissues? #?\d+": "an issue number",
    r"\bcommit [0-9a-f]{7,40}\b": "a commit hash",
    r"\bthis (?:session|change)\b": "a development word",
}


@pytest.mark.parametrize("page", PAGES, ids=rel)
def test_no_development_words(page: Path) -> None:
    """User text names no issue, commit, design card or path outside the repository."""
    prose, blocks = split_fences(page.read_text())
    text = "\n".join(prose + [line for _, lines in blocks for line in lines])
    for line in text.splitlines():
        for pattern, what in FORBIDDEN.items():
            if pattern == r"\.\./":  # relative links into the repo are fine; leaving it is not
                for target in re.findall(r"\]\(([^)]*)\)", line):
                    dest = (page.parent / target.partition("#")[0]).resolve()
                    assert dest.is_relative_to(ROOT), f"{rel(page)}: {what}: {line.strip()}"
                continue
            assert not re.search(pattern, line, re.I), f"{rel(page)}: {what}: {line.strip()}"
        assert "/shared/" not in line, f"{rel(page)}: a path outside the repository: {line}"


def section(text: str, title: str) -> str:
    """The text under the level-2 heading ``title``, up to the next level-2 heading."""
    m = re.search(rf"^## {re.escape(title)}\s*$(.*?)(?=^## |\Z)", text, re.M | re.S)
    assert m, f"no '## {title}' section"
    return m.group(1)


def command_lines(lines: list[str]) -> list[str]:
    """Shell lines of a code block: continuations joined, comments and blank lines dropped."""
    out: list[str] = []
    pending = ""
    for line in lines:
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        full = (pending + line).strip()
        pending = ""
        if shlex.split(full, comments=True):
            out.append(full)
    return out


def words(command: str) -> list[str]:
    """A command's words, its comment dropped (operators such as '>' stay words)."""
    return shlex.split(command, comments=True)


def test_readme_is_short() -> None:
    """The README is read in five minutes: at most 250 lines."""
    lines = README.read_text().splitlines()
    assert len(lines) <= 250, f"README.md has {len(lines)} lines"


def test_quick_start_has_exactly_two_commands() -> None:
    """The quick start is two commands: set up and run the sample, then run every test."""
    _, blocks = split_fences(section(README.read_text(), "Quick start"))
    commands = [" ".join(words(c)) for _, lines in blocks for c in command_lines(lines)]
    assert commands == ["make demo", "make test"]
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in ci.split("\n", 2)[-1]  # CI runs the second command


# --- configuration ---------------------------------------------------------------------

CONFIGURATION = DOCS / "configuration.md"


def table_rows(text: str) -> Iterator[list[str]]:
    prose, _ = split_fences(text)
    for line in prose:
        if line.startswith("|") and not re.match(r"^\|[\s:|-]+\|$", line):
            cells = re.split(r"(?<!\\)\|", line.strip().strip("|"))
            yield [c.strip() for c in cells]


def tables(text: str) -> list[list[list[str]]]:
    """Each table as its rows of cells, the header row first (the delimiter row dropped)."""
    prose, _ = split_fences(text)
    out: list[list[list[str]]] = []
    previous = False
    for line in prose:
        is_row = line.startswith("|")
        if is_row and not re.match(r"^\|[\s:|-]+\|$", line):
            cells = [c.strip() for c in re.split(r"(?<!\\)\|", line.strip().strip("|"))]
            if not previous:
                out.append([])
            out[-1].append(cells)
        previous = is_row
    return out


def documented_options() -> dict[str, list[str]]:
    rows: dict[str, list[str]] = {}
    for cells in table_rows(CONFIGURATION.read_text()):
        if len(cells) == 5 and re.fullmatch(r"`--[a-z0-9-]+`", cells[0]):
            assert cells[0] not in rows, f"{cells[0]} is documented twice"
            rows[cells[0].strip("`")] = cells
    return rows


def default_cell(default: object) -> str:
    return "*(empty)*" if default == "" else f"`{default}`"


def test_configuration_documents_every_option_as_declared() -> None:
    """Each option has one row: its flag, its variable, its default as declared, the
    commands that take it, and a meaning; and no row names an option that does not exist."""
    rows = documented_options()
    problems: list[str] = []
    for opt in OPTIONS:
        cells = rows.pop(opt.flag, None)
        if cells is None:
            problems.append(f"{opt.flag}: missing from {rel(CONFIGURATION)}")
            continue
        _, env, default, commands, meaning = cells
        if env != f"`{opt.env}`":
            problems.append(f"{opt.flag}: variable {env}, declared {opt.env}")
        shown = default.split(" (")[0].strip()
        if shown != default_cell(opt.default):
            problems.append(f"{opt.flag}: default {shown}, declared {default_cell(opt.default)}")
        if {c.strip(" `") for c in commands.split(",")} != set(opt.commands):
            problems.append(f"{opt.flag}: commands {commands}, scope {opt.scope}")
        if not meaning:
            problems.append(f"{opt.flag}: no meaning")
    problems += [f"{flag}: documented but not an option" for flag in rows]
    assert not problems, "\n".join(problems)


def test_every_variable_named_in_the_docs_exists() -> None:
    """A CLEANWIRE_* variable named anywhere in the README or docs is a real setting."""
    known = {opt.env for opt in OPTIONS} | {"CLEANWIRE_TEST_BOOTSTRAP"}
    unknown: list[str] = []
    for page in PAGES:
        for name in re.findall(r"\bCLEANWIRE_[A-Z0-9_]*[A-Z0-9]\b(?!_)", page.read_text()):
            if name not in known:
                unknown.append(f"{rel(page)}: {name}")
    assert not unknown, "\n".join(unknown)


def test_reason_codes_match_the_code() -> None:
    """The README's and the event page's DLQ reason tables list exactly the code's reasons."""
    for page in (README, DOCS / "events.md"):
        reason_tables = [t for t in tables(page.read_text()) if t[0][0].startswith("Reason")]
        assert len(reason_tables) == 1, rel(page)
        codes = [cells[0].strip("`") for cells in reason_tables[0][1:]]
        assert sorted(codes) == sorted(REASONS), rel(page)


def test_operations_lists_every_metric() -> None:
    """docs/operations.md's metrics table lists exactly the cleanwire_* series exported."""
    from prometheus_client import CollectorRegistry

    from service.shell.metrics import Metrics

    suffix = {"counter": "_total", "info": "_info"}
    exported = {
        family.name + suffix.get(family.type, "")
        for family in Metrics(CollectorRegistry()).registry.collect()
        if family.name.startswith("cleanwire_")
    }
    documented = {
        cells[0].strip("`")
        for cells in table_rows((DOCS / "operations.md").read_text())
        if len(cells) == 4 and cells[0].startswith("`cleanwire_")
    }
    assert documented == exported


def test_operations_lists_every_alert() -> None:
    """docs/operations.md's alert table lists exactly the rules in deploy/prometheus/."""
    rules = (ROOT / "deploy" / "prometheus" / "alerts.yml").read_text()
    shipped = set(re.findall(r"^\s*- alert: (\w+)", rules, re.M))
    alert_tables = [t for t in tables((DOCS / "operations.md").read_text()) if t[0][0] == "Alert"]
    assert len(alert_tables) == 1
    documented = {cells[0].strip("`") for cells in alert_tables[0][1:]}
    assert documented == shipped


# --- commands shown in the docs --------------------------------------------------------


def shown_commands() -> list[tuple[str, str, list[str]]]:
    """(page, command, words) of every command in an ``sh`` block; the words lose the
    command's leading environment assignments."""
    out: list[tuple[str, str, list[str]]] = []
    for page in PAGES:
        _, blocks = split_fences(page.read_text())
        for lang, lines in blocks:
            if lang not in ("sh", "bash", "shell"):
                continue
            for line in command_lines(lines):
                tokens = words(line)
                while tokens and re.fullmatch(r"[A-Z_][A-Z0-9_]*=.*", tokens[0]):
                    tokens = tokens[1:]
                if tokens:
                    out.append((rel(page), line, tokens))
    return out


SHOWN = shown_commands()
SUBCOMMANDS = ("run", "process", "topics", "replay", "dlq redrive")


def program(tokens: list[str]) -> tuple[str, ...] | None:
    """The documented program a command runs, as the argv prefix that asks it for --help."""
    if tokens[0] == "cleanwire":
        for sub in SUBCOMMANDS:
            words = sub.split()
            if tokens[1 : 1 + len(words)] == words:
                return ("cleanwire", *words)
        return ("cleanwire",)
    if tokens[0] == "python" and len(tokens) > 2 and tokens[1] == "-m":
        return ("python", "-m", tokens[2])
    if tokens[0] == "python" and len(tokens) > 1 and tokens[1].endswith(".py"):
        return ("python", tokens[1])
    return None


def run_shell(command: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    return subprocess.run(
        ["bash", "-c", command], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


@cache
def help_of(prog: tuple[str, ...]) -> str:
    argv = [sys.executable if p == "python" else p for p in prog if p]
    done = run_shell(shlex.join([*argv, "--help"]), ROOT)
    assert done.returncode == 0, f"{' '.join(prog)} --help: exit {done.returncode}\n{done.stderr}"
    return done.stdout


PROGRAMS = sorted({p for _, _, tokens in SHOWN if (p := program(tokens)) is not None})


def test_the_docs_show_the_commands() -> None:
    """The docs show every cleanwire command's help, and the benchmark and fault scripts."""
    assert ("cleanwire",) in PROGRAMS
    assert {("cleanwire", *sub.split()) for sub in SUBCOMMANDS} <= set(PROGRAMS)
    assert ("python", "-m", "tests.faults") in PROGRAMS
    assert {"bench/throughput.py", "bench/extraction.py", "bench/dedup.py"} <= {
        p[1] for p in PROGRAMS if p[0] == "python"
    }


@pytest.mark.parametrize("prog", PROGRAMS, ids=" ".join)
def test_shown_programs_exist_and_take_the_flags_shown(prog: tuple[str, ...]) -> None:
    """Each documented program answers --help with exit 0, and every --flag the docs pass
    to it is one it lists."""
    text = help_of(prog)
    wrong: list[str] = []
    for page, command, tokens in SHOWN:
        if program(tokens) != prog:
            continue
        for token in tokens:
            flag = token.split("=", 1)[0]
            if flag.startswith("--") and flag != "--help" and flag not in text:
                wrong.append(f"{page}: {command}: {flag}")
    assert not wrong, "\n".join(wrong)


def quick_commands() -> list[tuple[str, str]]:
    """The shown commands that run offline in seconds: --help, --version, and
    ``cleanwire process`` on the bundled sample."""
    out: list[tuple[str, str]] = []
    for page, command, tokens in SHOWN:
        prog = program(tokens)
        if prog is None:
            continue
        asks = "--help" in tokens or (prog == ("cleanwire",) and "--version" in tokens)
        on_sample = prog == ("cleanwire", "process") and any(
            t.startswith("samples/") for t in tokens
        )
        if asks or on_sample:
            out.append((page, command))
    return sorted(set(out))


QUICK = quick_commands()


def test_quick_commands_were_found() -> None:
    """The README's file-mode example is among the commands that are run."""
    assert any(
        page == "README.md" and cmd.startswith("cleanwire process samples/") for page, cmd in QUICK
    )
    assert ("README.md", "cleanwire --help") in QUICK


@pytest.mark.parametrize(("page", "command"), QUICK, ids=[c for _, c in QUICK])
def test_quick_commands_run(page: str, command: str, tmp_path: Path) -> None:
    """The command exits 0, run as shown (in a scratch directory holding ``samples/``)."""
    (tmp_path / "samples").symlink_to(ROOT / "samples")
    is_python = re.search(r"(^|\s)python\s", command) is not None
    shell = re.sub(r"(^|\s)python\s", rf"\1{shlex.quote(sys.executable)} ", command, count=1)
    cwd = ROOT if is_python else tmp_path  # repository scripts run from the repository root
    done = run_shell(shell, cwd)
    assert done.returncode == 0, f"{page}: {command}: exit {done.returncode}\n{done.stderr}"
    if command.startswith("cleanwire process samples/"):
        summary = "9 read, 3 published, 2 duplicates, 4 to the DLQ"
        assert summary in done.stderr and summary in README.read_text()


def test_make_targets_shown_exist() -> None:
    """Every `make TARGET` the docs show, in code blocks or inline, is a Makefile target."""
    targets = set(re.findall(r"^([\w-]+):", (ROOT / "Makefile").read_text(), re.M))
    shown: set[str] = set()
    for page in PAGES:
        shown |= set(re.findall(r"(?:`|^)make ([a-z][\w-]*)", page.read_text(), re.M))
    assert shown, "no make targets found"
    assert shown <= targets, sorted(shown - targets)
