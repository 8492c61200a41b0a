"""Packaging: the wheel carries schemas/, builds without warnings, and the locks match pyproject.

The wheel is built the way a release would be: an sdist from the working tree, then a wheel
from that sdist (so a file the sdist forgets fails here too), with the venv's setuptools and
no network (``--no-build-isolation``). About 3 s.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = sorted((ROOT / "schemas").glob("*.json"))
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
WARNING = re.compile(r"warn|deprecat", re.IGNORECASE)


@dataclass(frozen=True)
class Built:
    sdist: Path
    wheel: Path
    output: str


def run(*args: str, cwd: Path) -> str:
    # PYTHONDONTWRITEBYTECODE (set on some machines) only makes distutils print
    # "byte-compiling is disabled" warnings: unset, so any warning left is the project's.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    done = subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, f"{' '.join(args)} exited {done.returncode}:\n{output}"
    return output


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    out = tmp_path_factory.mktemp("dist")
    sdist_log = run(
        sys.executable,
        "-c",
        "import sys; from setuptools import build_meta; build_meta.build_sdist(sys.argv[1])",
        str(out),
        cwd=ROOT,
    )
    (sdist,) = out.glob("cleanwire-*.tar.gz")
    wheel_log = run(
        sys.executable, "-m", "pip", "wheel", "-v", "--no-deps", "--no-build-isolation",
        "--no-index", "-w", str(out), str(sdist),
        cwd=out,
    )  # fmt: skip
    (wheel,) = out.glob("cleanwire-*.whl")
    return Built(sdist, wheel, sdist_log + wheel_log)


def test_wheel_lists_every_schema(built: Built) -> None:
    """Every schemas/*.json is in the wheel as service/schemas/<name>."""
    assert SCHEMAS, "no schemas/*.json in the repository"
    names = set(zipfile.ZipFile(built.wheel).namelist())
    missing = [p.name for p in SCHEMAS if f"service/schemas/{p.name}" not in names]
    assert not missing, f"not in {built.wheel.name}: {missing}"


def test_schemas_open_from_the_wheel_byte_identical(built: Built) -> None:
    """Read straight from the zip (no install): same bytes as schemas/, valid JSON Schemas."""
    with zipfile.ZipFile(built.wheel) as wheel:
        for path in SCHEMAS:
            data = wheel.read(f"service/schemas/{path.name}")
            assert data == path.read_bytes(), path.name
            Draft202012Validator.check_schema(json.loads(data))


def test_build_prints_no_warning(built: Built) -> None:
    """Neither the sdist nor the wheel build warns (deprecations included)."""
    warnings = [line for line in built.output.splitlines() if WARNING.search(line)]
    assert not warnings, "\n".join(warnings)


def test_wheel_holds_only_the_package(built: Built) -> None:
    """Top level: service/ and the dist-info; package data and the typing marker are in."""
    names = zipfile.ZipFile(built.wheel).namelist()
    assert {name.split("/")[0] for name in names} == {"service", "cleanwire-0.1.0.dist-info"}
    assert {"service/py.typed", "service/data/rules.toml", "service/cli.py"} <= set(names)


def test_sdist_carries_the_schemas_and_the_build_hook(built: Built) -> None:
    """A wheel built from the sdist alone (as above) needs both."""
    with tarfile.open(built.sdist) as sdist:
        names = {name.split("/", 1)[-1] for name in sdist.getnames()}
    assert {f"schemas/{p.name}" for p in SCHEMAS} | {"build_hooks.py"} <= names


def test_schemas_have_one_copy_in_the_tree() -> None:
    """The wheel's service/schemas/ is made at build time, never kept in the source tree."""
    assert not (ROOT / "service" / "schemas").exists()


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(lock: str) -> dict[str, str]:
    """Return ``{name: version}`` for the requirement lines of a lock file."""
    text = (ROOT / lock).read_text(encoding="utf-8")
    found = re.findall(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)", text, re.MULTILINE)
    return {normalize(name): version for name, version in found}


def declared(requirements: list[str]) -> dict[str, str]:
    out = {}
    for requirement in requirements:
        match = re.fullmatch(r"\s*([A-Za-z0-9._-]+)\s*==\s*([^\s;]+)\s*(;.*)?", requirement)
        assert match, f"pyproject.toml: not pinned with ==: {requirement!r}"
        out[normalize(match[1])] = match[2]
    return out


@pytest.mark.parametrize(
    ("lock", "groups"),
    [("requirements.lock", ["runtime"]), ("requirements-dev.lock", ["runtime", "dev"])],
)
def test_lock_pins_every_pyproject_dependency(lock: str, groups: list[str]) -> None:
    """Each ``name==version`` of pyproject.toml is in the lock with that version."""
    project = PYPROJECT["project"]
    wanted: dict[str, str] = {}
    for group in groups:
        reqs = project["dependencies"] if group == "runtime" else project["optional-dependencies"][group]  # fmt: skip
        wanted |= declared(reqs)
    locked = pins(lock)
    wrong = {name: (v, locked.get(name)) for name, v in wanted.items() if locked.get(name) != v}
    assert not wrong, f"{lock} is stale (pyproject, lock): {wrong}; run `make lock`"


def test_locks_agree_and_every_pin_has_a_hash() -> None:
    """The dev lock holds the runtime lock's versions; every requirement carries hashes."""
    runtime, dev = pins("requirements.lock"), pins("requirements-dev.lock")
    assert {name: dev.get(name) for name in runtime} == runtime
    for lock in ("requirements.lock", "requirements-dev.lock"):
        text = (ROOT / lock).read_text(encoding="utf-8")
        entries = re.split(r"^(?=[A-Za-z0-9])", text, flags=re.MULTILINE)[1:]
        bare = [entry.split()[0] for entry in entries if "--hash=sha256:" not in entry]
        assert not bare, f"{lock}: no hash for {bare}"
