# mlops-gov: `make run` serves the product with demo data; `make test` runs the whole suite. Both set up .venv.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
RUNTIME_STAMP := $(VENV)/.installed-runtime
DEV_STAMP := $(VENV)/.installed-dev

# axe-core (pinned in package.json/package-lock.json) for the browser crawl's accessibility checks; test-only.
AXE := node_modules/axe-core/axe.min.js

.PHONY: axe run test lint format bench requirements upgrade-requirements clean-var system-run system-test messages

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(RUNTIME_STAMP): requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(DEV_STAMP): requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(RUNTIME_STAMP) $@

# System packages first (Pango, HarfBuzz, Chromium for the tests): installed as root, else one command to run.
system-run:
	@PYTHON="$(PYTHON)" scripts/system-packages run

system-test:
	@PYTHON="$(PYTHON)" scripts/system-packages test

# The translation catalogues (.po, in git) compile to .mo files (not in git) on every run and test: under a second
# or two, and a compiled file can never lag behind its source. Needs msgfmt (gettext, in scripts/system-packages).
COMPILE_MESSAGES = $(BIN)/python manage.py compilemessages --verbosity 0 --ignore .venv --ignore node_modules --ignore var

messages: $(RUNTIME_STAMP)
	$(COMPILE_MESSAGES)

run: system-run $(RUNTIME_STAMP)
	$(COMPILE_MESSAGES)
	$(BIN)/python manage.py bootstrap
	$(BIN)/python -m mlops_gov.supervisor

test: system-test $(DEV_STAMP) $(AXE)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	MLOPS_GOV_ENV=test $(BIN)/mypy
	MLOPS_GOV_ENV=test $(BIN)/python manage.py makemigrations --check --dry-run
	MLOPS_GOV_ENV=test $(COMPILE_MESSAGES)
	MLOPS_GOV_ENV=test $(BIN)/python -m pytest

lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	MLOPS_GOV_ENV=test $(BIN)/mypy

format: $(DEV_STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: $(DEV_STAMP)
	$(BIN)/python bench/run_all.py $(BENCH_ARGS)

# The pins are generated from pyproject.toml's dependency lists: `make requirements` after editing them,
# `make upgrade-requirements` to move every pin to the newest version the ranges allow (then `make test`).
PIP_COMPILE = CUSTOM_COMPILE_COMMAND="make upgrade-requirements  (or make requirements after editing pyproject.toml)" \
	$(BIN)/pip-compile --quiet --strip-extras --no-allow-unsafe --no-emit-index-url --no-emit-find-links

requirements: $(DEV_STAMP)
	$(PIP_COMPILE) -o requirements.txt pyproject.toml
	$(PIP_COMPILE) --extra dev -c requirements.txt -o requirements-dev.txt pyproject.toml

upgrade-requirements: $(DEV_STAMP)
	$(PIP_COMPILE) --upgrade -o requirements.txt pyproject.toml
	$(PIP_COMPILE) --upgrade --extra dev -c requirements.txt -o requirements-dev.txt pyproject.toml

clean-var:
	rm -rf var

$(AXE): package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm is missing (apt-get install npm): the browser crawl needs axe-core" >&2; exit 1; }
	npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	touch $@

axe: $(AXE)
