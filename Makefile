# Two commands do all the set-up: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
RUNTIME_STAMP := $(VENV)/.installed-runtime
DEV_STAMP     := $(VENV)/.installed-dev
DLT_STAMP     := bench/.venv-dlt/.installed

.PHONY: run test lint typecheck unit bench bench-dlt clean

run: $(RUNTIME_STAMP)
	$(BIN)/flowservice serve

test: $(DEV_STAMP) lint typecheck
	$(BIN)/pytest

lint: $(DEV_STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(DEV_STAMP)
	$(BIN)/mypy

bench: $(DEV_STAMP) $(DLT_STAMP)
	$(BIN)/python bench/api.py
	$(BIN)/python bench/explore.py
	$(BIN)/python bench/ingest.py

# dlt, the ingest benchmark's third side, in a virtual environment of its own (its pins are not ours)
bench-dlt: $(DLT_STAMP)

$(DLT_STAMP):
	$(PYTHON) -m venv bench/.venv-dlt
	bench/.venv-dlt/bin/pip install --quiet 'dlt[filesystem,parquet]>=1.10,<2' 'duckdb>=1.1,<3'
	@touch $@

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "flowservice needs Python 3.11 or newer; set PYTHON=python3.11 (or newer).")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(RUNTIME_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	@touch $@

$(DEV_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $(RUNTIME_STAMP) $@

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
