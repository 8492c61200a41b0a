# One entry point for people and CI: `make demo` (quick start 1), `make test` (quick start 2 = .ci/run).
SHELL := /bin/bash
VENV := .venv/bin

.PHONY: setup lock services stop demo test unit integration lint faults bench bench-quick ops-check clean

setup:
	@scripts/setup.sh

# Regenerate requirements.lock (runtime: the image) and requirements-dev.lock (setup.sh) with
# hashes from pyproject.toml, for Python 3.11 on every platform, with the uv pinned in the dev
# extra. Existing pins are kept; `make lock UPGRADE=1` lets unpinned transitive ones move.
LOCK := $(VENV)/uv pip compile pyproject.toml --universal --python-version 3.11 \
	--generate-hashes --custom-compile-command "make lock" --quiet $(if $(UPGRADE),--upgrade)
lock:
	@[ -x $(VENV)/uv ] || scripts/setup.sh
	$(LOCK) -o requirements.lock
	$(LOCK) --extra dev -c requirements.lock -o requirements-dev.lock

services: setup
	@scripts/services.sh start

stop:
	@scripts/services.sh stop

demo: services
	@scripts/demo.sh

lint: setup
	$(VENV)/ruff check .
	$(VENV)/ruff format --check .
	$(VENV)/mypy --strict service

unit: setup
	$(VENV)/pytest -q tests/unit

integration: services
	$(VENV)/pytest -q tests/integration

test: services lint
	$(VENV)/pytest -q tests

# Full fault-injection suite: three exactly-once runs and one at-least-once run, 50,000 events each.
faults: services
	$(VENV)/python -m tests.faults --store redis --seed 1
	$(VENV)/python -m tests.faults --store redis --seed 2
	$(VENV)/python -m tests.faults --store redis --seed 3
	$(VENV)/python -m tests.faults --store redis --seed 4 --delivery at_least_once

# Throughput, latency, CPU and RSS against the real broker, with the baselines in the same run.
bench: services
	$(VENV)/python bench/throughput.py $(BENCH_ARGS)

bench-quick: services
	$(VENV)/python bench/throughput.py --quick $(BENCH_ARGS)

# promtool (rules + rule tests), kubeconform (strict, with CRDs), the AsyncAPI parser, hadolint.
ops-check: setup
	@scripts/ops-check.sh

clean:
	rm -rf .cache/services out

# Fault campaign: the fault suite over many seeds, both stores and both delivery modes, each
# worker on a private Kafka + Redis; one table. `make fault-campaign SEEDS=1-50 WORKERS=2`.
.PHONY: fault-campaign
fault-campaign: setup
	$(VENV)/python -m tests.faults.campaign --seeds $(or $(SEEDS),1-50) --alo-seeds $(or $(ALO_SEEDS),1-10) --workers $(or $(WORKERS),2) $(CAMPAIGN_ARGS)

# Fuzzing at scale: 100,000 generated and mutated raw events through the pipeline and file
# mode (3 % with enrich); one summary, exit 1 on a crash, lost input or schema failure.
.PHONY: fuzz
fuzz: setup
	$(VENV)/python -m tests.fuzz --events 100000 --seed 1 $(FUZZ_ARGS)
