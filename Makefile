# energy-copilot: the two commands a newcomer needs are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export DAGSTER_HOME := $(CURDIR)
export ENERGY_DAGSTER_STORAGE ?= $(CURDIR)/data/dagster

.PHONY: install foundation run test lint format serve api dagster clean-data

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	$(BIN)/pip install -q -e '.[dev]'
	@touch $@

install: $(VENV)/.installed  ## create .venv and install the project with its dev tools

foundation: install  ## optional: torch (CPU build) + Chronos/TimesFM for the foundation-model adapters
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[dev,foundation]'

run: install  ## materialize the whole asset graph once and print where every output went
	@mkdir -p $(ENERGY_DAGSTER_STORAGE)
	$(BIN)/energy run

test: install  ## lint, format check and the test suite with coverage
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest --cov --cov-report=term --cov-report=xml

lint: install
	$(BIN)/ruff check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

serve: install  ## API on :8000 (docs at /docs) and the Dagster UI on :3000; Ctrl-C stops both
	@mkdir -p $(ENERGY_DAGSTER_STORAGE)
	@trap 'kill 0' EXIT; \
	$(BIN)/uvicorn energy_api.main:app --host 127.0.0.1 --port 8000 & \
	$(BIN)/dagster dev -w workspace.yaml -h 127.0.0.1 -p 3000

api: install  ## only the API on http://127.0.0.1:8000
	$(BIN)/uvicorn energy_api.main:app --host 127.0.0.1 --port 8000

dagster: install  ## only the Dagster UI on http://127.0.0.1:3000
	@mkdir -p $(ENERGY_DAGSTER_STORAGE)
	$(BIN)/dagster dev -w workspace.yaml -h 127.0.0.1 -p 3000

clean-data:  ## remove generated data (keeps data/raw and committed config)
	rm -rf data/warehouse.duckdb data/dagster data/reports data/dirty data/mlruns data/models
