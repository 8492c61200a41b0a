"""The fault-injection suite, CI size: kill -9 three times, SIGTERM, join/leave, broker kill -9, Redis restart."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.timeout(600)
def test_quick_fault_suite_loses_nothing_and_duplicates_nothing(tmp_path: Path) -> None:
    """Under every fault kind the read_committed oracle finds each record exactly once, in order."""
    log = tmp_path / "faults.log"
    with log.open("wb") as out:
        done = subprocess.run(
            [sys.executable, "-m", "tests.faults", "--quick", "--store", "redis", "--seed", "11"],
            cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, timeout=580,
        )  # fmt: skip
    text = log.read_text()
    summary = "\n".join(line for line in text.splitlines() if line.startswith("faults:"))
    print(summary)
    assert done.returncode == 0, text[-4000:]
    assert "faults: PASS" in summary
    assert "faults: dlq = " in summary and "faults: duplicates = 0" not in summary
