# Snapshot Sentinel. `make demo` rehearses a nightly run locally; `make test` runs the suite.
# Both create the virtual environment they need (.venv, from pyproject.toml) on first use.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
REGION ?= us-east-1

.PHONY: help venv demo test lint typecheck validate iam build deploy bench emulator security clean

help:
	@echo "make demo      local rehearsal: two nightly runs and a restore (emulated domain + moto), under a minute"
	@echo "make test      the test suite (unit, emulator, custom resource, state machine)"
	@echo "make lint      ruff + cfn-lint;  make typecheck: mypy --strict"
	@echo "make validate  sam validate --lint;  make build: sam build;  make deploy: sam deploy --guided"
	@echo "make bench     benchmarks (cold start, requests and transitions per run, retention planning)"
	@echo "make emulator  serve an emulated domain on 127.0.0.1:9200 (PORT=..., ARGS=--no-sigv4)"
	@echo "make security  cfn-lint, sam validate --lint, IAM '*' audit, checkov, bandit, sam build + arch check"
	@echo "make iam       IAM statements left on '*' after the SAM transform, each with its reason"

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	@touch $@

venv: $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m tests.rehearsal

test: $(STAMP)
	$(BIN)/pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/cfn-lint template.yaml

typecheck: $(STAMP)
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python -m tests.bench.bench_cold_start
	$(BIN)/python -m tests.bench.bench_run
	$(BIN)/python -m tests.bench.bench_retention
	$(BIN)/python -m tests.bench.bench_restore_plan
	$(BIN)/python -m tests.bench.bench_restore
	$(BIN)/python -m tests.bench.bench_alert
	$(BIN)/python -m tests.bench.bench_polling
	$(BIN)/python -m tests.bench.bench_cost

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

# When --guided asks for the "SAM configuration file", answer samconfig.local.toml to keep yours apart.
deploy: build
	.tools/sam/bin/sam deploy --guided

clean:
	rm -rf $(VENV) .tools .aws-sam .pytest_cache .mypy_cache .ruff_cache .hypothesis
