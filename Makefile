# Snapshot Sentinel. `make demo` rehearses a nightly run locally; `make test` runs the suite.
# Both create the virtual environment they need (.venv, from pyproject.toml) on first use.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
REGION ?= us-east-1

# sam build needs the Lambda runtime's interpreter (python3.13) on PATH. pyenv installs keep it
# under $(pyenv root)/versions/3.13.*/bin, where the pyenv shim may refuse to run it.
PY313_DIR := $(shell for d in $$(command -v pyenv >/dev/null && ls -d $$(pyenv root)/versions/3.13*/bin 2>/dev/null | sort -V | tail -n 1) $$(dirname "$$(command -v python3.13 2>/dev/null)" 2>/dev/null) /usr/local/bin /usr/bin; do \
	[ -x "$$d/python3.13" ] && "$$d/python3.13" -c 'import sys' >/dev/null 2>&1 && { echo "$$d"; break; }; done)

.PHONY: help venv demo test lint typecheck validate build deploy bench emulator security clean

help:
	@echo "make demo      local rehearsal of a nightly run (emulated domain + moto), under a minute"
	@echo "make test      the test suite (unit, emulator, custom resource, state machine)"
	@echo "make lint      ruff + cfn-lint;  make typecheck: mypy --strict"
	@echo "make validate  sam validate --lint;  make build: sam build;  make deploy: sam deploy --guided"
	@echo "make bench     benchmarks (cold start, requests and transitions per run, retention planning)"
	@echo "make emulator  serve an emulated domain on 127.0.0.1:9200 (PORT=..., ARGS=--no-sigv4)"
	@echo "make security  cfn-lint, sam validate --lint, checkov, bandit, sam build + arch check"

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

emulator: $(STAMP)
	$(BIN)/python -m tests.emulator --port $(or $(PORT),9200) $(ARGS)

security:
	bash .ci/security-checks

validate:
	bash .ci/security-checks validate

build:
	@[ -n "$(PY313_DIR)" ] || { echo "sam build needs python3.13: 'pyenv install 3.13' (or apt/python.org), then re-run"; exit 1; }
	PATH="$(PY313_DIR):$$PATH" bash .ci/security-checks build

deploy: build
	.tools/sam/bin/sam deploy --guided

clean:
	rm -rf $(VENV) .tools .aws-sam .pytest_cache .mypy_cache .ruff_cache .hypothesis
