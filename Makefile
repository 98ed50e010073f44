# Snapshot Sentinel. `make demo` rehearses a nightly run locally; `make test` runs the suite.
# Both create the virtual environment they need (.venv, from pyproject.toml) on first use.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
REGION ?= us-east-1
# The pinned SAM CLI under .tools/ (make build, make deploy) sends no usage telemetry to AWS.
export SAM_CLI_TELEMETRY := 0

.PHONY: help venv demo test test-engine engine lint typecheck validate iam build deploy bench emulator security clean

help:
	@echo "make demo      local rehearsal: two nightly runs, a restore, a drill, then sentinel status/snapshots/doctor against it (emulated domain + moto), under a minute once .venv exists"
	@echo "make test      the test suite (unit, emulator, custom resource, state machine)"
	@echo "make lint      ruff + cfn-lint;  make typecheck: mypy --strict"
	@echo "make validate  sam validate --lint;  make build: sam build (pinned SAM CLI under .tools/)"
	@echo "make deploy    make build, then sam deploy --guided (ARGS='--config-file samconfig.local.toml')"
	@echo "make bench     benchmarks and costs (docs/figures.md: cold start, requests per run, retention, restore, alerts, what a month costs)"
	@echo "make test-engine  the scenarios against a real OpenSearch 2.19 (needs Java 17+ and Maven; see docs/testing.md)"
	@echo "make engine    a real OpenSearch 2.19 behind Amazon's front on 127.0.0.1:9200 (PORT=..., ARGS=--no-sigv4)"
	@echo "make emulator  serve an emulated domain on 127.0.0.1:9200 (PORT=..., ARGS=--no-sigv4)"
	@echo "make security  cfn-lint, sam validate --lint, IAM '*' audit, checkov, bandit, sam build + arch check"
	@echo "make iam       IAM statements left on '*' after the SAM transform, each with its reason"

# First use only: 1 to 2 minutes on 2 cores (pip downloads and installs ~90 packages; 109 s measured
# with an empty pip cache on a busy machine). Each step says what it does, so a quiet pip does not
# look like a hang.
$(STAMP): pyproject.toml
	@echo "== creating $(VENV) with $(PYTHON) (a few seconds)"
	$(PYTHON) -m venv $(VENV)
	@echo "== pip: upgrading pip in $(VENV) (about 5 s)"
	$(BIN)/pip install --quiet --upgrade pip
	@echo "== pip: installing the project and its dev tools (boto3, moto, pytest, hypothesis, ruff, mypy and the boto3 stubs, cfn-lint; ~90 packages) into $(VENV): 1 to 2 minutes on 2 cores, once"
	$(BIN)/pip install --quiet -e ".[dev]"
	@touch $@
	@echo "== $(VENV) ready"

venv: $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m tests.rehearsal

test: $(STAMP)
	$(BIN)/pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/cfn-lint template.yaml vault/template.yaml

typecheck: $(STAMP)
	$(BIN)/mypy

# Every figure of docs/figures.md. The cold start is measured three times: with bytecode
# caches, and compiling every module on import, which is what Lambda sees (sam build ships no .pyc),
# both with tracing off (Tracing=PassThrough); then compiling, with tracing on (Tracing=Active).
bench: $(STAMP)
	$(BIN)/python -m tests.bench.bench_cold_start
	$(BIN)/python -m tests.bench.bench_cold_start --cold-bytecode
	$(BIN)/python -m tests.bench.bench_cold_start --cold-bytecode --traced
	@set -e; for script in tests/bench/bench_*.py; do \
		name=$$(basename $$script .py); \
		if [[ $$name != bench_cold_start ]]; then echo; echo "== $$name"; $(BIN)/python -m tests.bench.$$name; fi; \
	done

# The real engine: Maven builds the launcher (first use downloads OpenSearch into ~/.m2), one JVM
# with a 512 MB heap runs a single node, and Amazon's front serves it. Java 17+ and Maven needed.
engine: $(STAMP)
	$(BIN)/python -m tests.engine --port $(or $(PORT),9200) $(ARGS)

test-engine: $(STAMP)
	$(BIN)/pytest -q -m engine tests/engine

emulator: $(STAMP)
	$(BIN)/python -m tests.emulator --port $(or $(PORT),9200) $(ARGS)

security:
	bash .ci/security-checks

validate:
	bash .ci/security-checks validate

iam:
	bash .ci/security-checks iam

# sam build needs python3.13 (the Lambda runtime); the script finds a pyenv 3.13 or one on PATH,
# or says how to get it.
build:
	bash .ci/security-checks build

# sam deploy with the SAM CLI that make build installed under .tools/sam (no sam on PATH needed),
# using your AWS credentials and region. When --guided asks for the "SAM configuration file", answer
# samconfig.local.toml to keep yours apart; later: make deploy ARGS="--config-file samconfig.local.toml".
deploy: build
	.tools/sam/bin/sam deploy $(or $(ARGS),--guided)

clean:
	rm -rf $(VENV) .tools .aws-sam .pytest_cache .mypy_cache .ruff_cache .hypothesis tests/engine/java/target
