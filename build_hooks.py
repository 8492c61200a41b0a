"""setuptools build hook: ship the repository's event schemas inside the wheel.

``schemas/`` at the repository root is the only copy.
``build_py`` copies ``schemas/*.json`` and ``schemas/*.yaml`` to ``service/schemas/`` in the
build tree, so a wheel (and an image built from it) carries them as package data, read with
``importlib.resources.files("service") / "schemas" / "raw-article.v1.json"``. Nothing is
copied in the source tree, so there is no second copy to drift, and no symlink for Windows
checkouts or archive tools to mangle. ``get_source_files`` names the schemas, so an sdist
carries them too. Wired up in pyproject.toml under ``[tool.setuptools.cmdclass]``;
tests/unit/test_packaging.py builds the wheel and checks its listing.
"""

from __future__ import annotations

import glob
import os

from setuptools.command.build_py import build_py

SOURCE = "schemas"
PATTERNS = ("*.json", "*.yaml")
TARGET = os.path.join("service", "schemas")


def schema_files() -> list[str]:
    """Return the schema files, relative to the project root (the build's working dir)."""
    found = sorted(f for pattern in PATTERNS for f in glob.glob(os.path.join(SOURCE, pattern)))
    if not any(f.endswith(".json") for f in found):
        raise FileNotFoundError(f"no JSON Schemas under {os.path.abspath(SOURCE)}")
    return found


class BuildPy(build_py):
    """``build_py`` that also copies ``schemas/`` into the ``service`` package."""

    def _schema_targets(self) -> list[tuple[str, str]]:
        return [
            (f, os.path.join(self.build_lib, TARGET, os.path.basename(f))) for f in schema_files()
        ]

    def run(self) -> None:
        super().run()
        if self.editable_mode:  # an editable install imports service/ from the tree
            return
        for source, target in self._schema_targets():
            self.mkpath(os.path.dirname(target))
            self.copy_file(source, target, preserve_mode=False)

    def get_outputs(self, include_bytecode: bool = True) -> list[str]:
        outputs = list(super().get_outputs(include_bytecode))
        if not self.editable_mode:
            outputs += [target for _, target in self._schema_targets()]
        return outputs

    def get_source_files(self) -> list[str]:
        return [*super().get_source_files(), *schema_files()]
