#!/usr/bin/env bash
# Set up a development environment: system tools (Debian packages), .venv with pinned
# dependencies, the local Kafka's jars. Idempotent; a second run takes a few seconds.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

need=()
command -v redis-server >/dev/null || need+=(redis-server)
command -v kcat >/dev/null || command -v kafkacat >/dev/null || need+=(kcat)
command -v promtool >/dev/null || need+=(prometheus)
command -v java >/dev/null || need+=(openjdk-17-jre-headless)
command -v mvn >/dev/null || need+=(maven)
if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${need[*]}" >&2
  sudo_cmd=""; [ "$(id -u)" -eq 0 ] || sudo_cmd=sudo
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

py=${PYTHON:-python3}
"$py" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "setup: Python 3.11+ required" >&2; exit 1; }
[ -x .venv/bin/python ] || "$py" -m venv .venv
stamp=.venv/.cleanwire-installed
want=$(cat pyproject.toml requirements-dev.lock | sha256sum | cut -c1-16)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  # Every package (the spaCy model, setuptools and uv included) from the hash-pinned lock;
  # then the project itself, editable, built with that setuptools (no download).
  echo "setup: installing Python dependencies into .venv (requirements-dev.lock)" >&2
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q --require-hashes -r requirements-dev.lock
  .venv/bin/python -m pip install -q --no-deps --no-build-isolation -e .
  .venv/bin/python -m pip check >&2 \
    || { echo "setup: the lock does not satisfy pyproject.toml: run 'make lock'" >&2; exit 1; }
  echo "$want" >"$stamp"
fi
scripts/services.sh fetch
echo "setup: ready (.venv, Kafka jars cached in .cache/kafka)" >&2
