"""scripts/ops-check.sh: promtool, kubeconform, the AsyncAPI parser and hadolint all pass."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]


# A cold .cache/ (fresh clone) builds kubeconform and kustomize and fetches schemas from the
# registries first: minutes. Warm, the script takes about 20 s.
@pytest.mark.timeout(900)
def test_ops_check_passes() -> None:
    """Alert rules, their unit tests, manifests, AsyncAPI, Dockerfile and dashboard all check out."""
    run = subprocess.run(
        ["bash", str(REPO / "scripts/ops-check.sh")],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=880,
        check=False,
    )
    out = run.stdout + run.stderr
    assert run.returncode == 0, out[-6000:]
    assert "\n8 passed, 0 failed\n" in run.stdout, out[-6000:]
    # Deployment, PDB, ConfigMap, Secret, Namespace, 2 Services, StatefulSet, ServiceMonitor,
    # ScaledObject, TriggerAuthentication: all validated, none skipped for a missing schema.
    summary = re.search(r"Valid: (\d+), Invalid: 0, Errors: 0, Skipped: 0", run.stdout)
    assert summary and int(summary.group(1)) >= 11, out[-6000:]
