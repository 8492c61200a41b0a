"""CLI: --help tells the truth about every option; bad configuration exits 2."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import orjson
import pytest

from service.cli import main
from service.settings import OPTIONS
from service.shell.filemode import CHUNK


def help_text(*args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "service", *args, "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


@pytest.mark.parametrize("command", ["run", "process", "topics", "replay", "dlq redrive"])
def test_help_lists_every_option_with_its_variable(command: str) -> None:
    """`cleanwire COMMAND --help` names each of its options' flag and variable, and no other."""
    text = " ".join(help_text(*command.split()).split())
    for opt in OPTIONS:
        present = f"{opt.flag} " in text and opt.env in text
        wanted = command.split()[0] in opt.commands and not opt.hidden
        assert present == wanted, opt.name


@pytest.mark.parametrize(
    ("command", "listed", "absent"),
    [
        ("run", ["--workers", "--commit-interval-ms", "--stages", "--sasl-username"],
         ["--test-kill-before-commit", "--worker-index"]),
        ("process", ["--stages", "--store"], ["--bootstrap-servers", "--workers"]),
        ("topics", ["--bootstrap-servers", "--raw-topic", "--sasl-password", "--config"],
         ["--stages", "--commit-interval-ms", "--workers", "--test-kill-before-commit",
          "--group-id", "--metrics-addr"]),
        ("replay", ["--group-id", "--raw-topic", "--from-time", "--execute"],
         ["--stages", "--workers", "--delivery"]),
        ("dlq redrive", ["--reason", "--dlq-topic", "--raw-topic", "--execute"],
         ["--stages", "--workers", "--delivery"]),
    ],
)  # fmt: skip
def test_each_command_lists_only_its_own_options(
    command: str, listed: list[str], absent: list[str]
) -> None:
    """Connection options everywhere Kafka is used; pipeline and run options only there."""
    words = set(help_text(*command.split()).replace("[", " ").replace("]", " ").split())
    assert set(listed) <= words
    assert not set(absent) & words


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


EMPTY_HTML = b'{"url": "https://a.example/1", "html": "<html></html>"}\n'


@pytest.mark.parametrize(("level", "want_debug"), [("info", False), ("debug", True)])
def test_normal_input_logs_no_error_lines(level: str, want_debug: bool) -> None:
    """An empty page logs nothing at error level; the HTML library's notes appear only as debug."""
    done = subprocess.run(
        [sys.executable, "-m", "service", "process", "--stages", "clean", "--log-level", level],
        input=EMPTY_HTML,
        capture_output=True,
        check=True,
    )
    lines = [orjson.loads(line) for line in done.stderr.splitlines() if line.startswith(b"{")]
    assert not [x for x in lines if x.get("level") in ("error", "critical")]
    from_library = [x for x in lines if str(x.get("logger", "")).startswith("trafilatura")]
    assert bool(from_library) is want_debug
    assert all(x["level"] == "debug" for x in from_library)


def test_unwritable_output_exits_2_before_loading_and_truncates_nothing(tmp_path: Path) -> None:
    """An output in a missing directory is refused with exit 2; existing outputs keep their bytes."""
    source = tmp_path / "in.jsonl"
    source.write_bytes(EMPTY_HTML)
    kept = tmp_path / "out.jsonl"
    kept.write_bytes(b"earlier run\n")
    missing = tmp_path / "no-such-dir" / "dlq.jsonl"
    code = main(["process", str(source), "-o", str(kept), "--dlq", str(missing)])
    assert code == 2
    assert kept.read_bytes() == b"earlier run\n"
    assert main(["process", str(source), "-o", str(source)]) == 2  # would overwrite its input
    assert source.read_bytes() == EMPTY_HTML


STORY = (
    "The harbour council voted on Tuesday to fund the new ferry terminal, ending a dispute "
    "that had stalled the work for months."
)


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_signal_stops_after_a_whole_chunk_with_a_summary(
    tmp_path: Path, signum: int, code: int
) -> None:
    """On SIGTERM/SIGINT file mode flushes what it did, prints the summary, exits 128+n, no traceback."""
    out, dlq = tmp_path / "out.jsonl", tmp_path / "dlq.jsonl"
    proc = subprocess.Popen(
        [sys.executable, "-m", "service", "process", "--stages", "clean", "-o", str(out),
         "--dlq", str(dlq)],
        stdin=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )  # fmt: skip
    assert proc.stdin is not None
    for n in range(CHUNK):  # one whole chunk, then the process waits for more input
        line = {"url": f"https://a.example/{n}", "text": STORY} if n % 2 else {"url": "x"}
        proc.stdin.write(orjson.dumps(line) + b"\n")
    proc.stdin.flush()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and _lines(out) + _lines(dlq) < CHUNK:
        time.sleep(0.1)
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == code
    assert b"Traceback" not in err
    assert f"stopped by {signal.Signals(signum).name}".encode() in err
    assert f"outputs complete to input line {CHUNK}".encode() in err
    assert (_lines(out), _lines(dlq)) == (CHUNK // 2, CHUNK // 2)


def _lines(path: Path) -> int:
    return len(path.read_bytes().splitlines()) if path.exists() else 0


POD_MEMORY_BYTES = 600 * 1024**2  # the limit a pod must stay under (deploy asks 1 GiB)


@pytest.mark.parametrize("words", [49_000, 690_000])
def test_worst_case_record_stays_within_pod_memory(tmp_path: Path, words: int) -> None:
    """A record of short capitalised words, just within the enrich budget or at the record size limit, stays under 600 MB."""
    source = tmp_path / "big.jsonl"
    event = {"url": "https://a.example/big", "text": " ".join(["Ab"] * words)}
    source.write_bytes(orjson.dumps(event) + b"\n")
    out = tmp_path / "out.jsonl"
    done = subprocess.run(
        [sys.executable, "-c", _PEAK_RSS, "process", str(source), "-o", str(out), "--stages",
         "clean,enrich"],  # dedup's one-off kernel compilation (cold cache) is not the record's
        capture_output=True,
        check=True,
    )  # fmt: skip
    peak = int(done.stdout.split()[-1])
    assert peak < POD_MEMORY_BYTES, f"peak RSS {peak / 1024**2:.0f} MiB"
    [clean] = [orjson.loads(line) for line in out.read_bytes().splitlines()]
    over = words > 50_000
    assert clean["provenance"]["enrich_skipped"] == ("over_budget" if over else None)


_PEAK_RSS = """
import sys
from service.cli import main
code = main(sys.argv[1:])
status = open("/proc/self/status").read().split("VmHWM:")[1].split()[0]
print(int(status) * 1024)
sys.exit(code)
"""  # VmHWM, not ru_maxrss: that counts the forking parent's (pytest's) RSS in too
