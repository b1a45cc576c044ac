# energy-copilot: the two commands a newcomer needs are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
#: API worker processes (one SO_REUSEPORT socket each); 2 suits a 2-core machine, see README "Serving"
API_WORKERS ?= 2
# pytest-xdist workers for `make test` (tests/conftest.py groups the tests that share a fixture)
TEST_WORKERS ?= 2
export DAGSTER_HOME := $(CURDIR)
export ENERGY_DAGSTER_STORAGE ?= $(CURDIR)/data/dagster

.PHONY: install foundation run test docs lint format serve api ui dagster mlflow docker clean-data

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

test: install  ## lint, format check, layer rules and the test suite with coverage (two workers)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadscope --no-loadscope-reorder --cov --cov-report=term --cov-report=xml

docs: install  ## publish the documents `make run` generated (data/reports/documents) into docs/, on purpose
	$(BIN)/energy docs --publish --configuration

lint: install
	$(BIN)/ruff check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

serve: install  ## API on :8000 (docs at /docs), operator app on :8501, Dagster UI on :3000, MLflow UI on :5000; Ctrl-C stops all
	@mkdir -p $(ENERGY_DAGSTER_STORAGE)
	@echo "MLflow UI: $$($(BIN)/energy mlflow-url)"
	@trap 'kill 0' EXIT; \
	$(BIN)/mlflow server --backend-store-uri "$${MLFLOW_TRACKING_URI:-sqlite:///$${ENERGY_DATA_DIR:-$(CURDIR)/data}/mlflow/mlflow.db}" \
	  --host 127.0.0.1 --port 5000 & \
	$(BIN)/python -m energy_api.serve --host 127.0.0.1 --port 8000 --workers $(API_WORKERS) & \
	ENERGY_API_URL=http://127.0.0.1:8000 $(BIN)/streamlit run energy_ui/app.py --server.headless true \
	  --server.address 127.0.0.1 --server.port 8501 --browser.gatherUsageStats false & \
	$(BIN)/dagster dev -w workspace.yaml -h 127.0.0.1 -p 3000

ui: install  ## only the operator app on http://127.0.0.1:8501 (expects the API on :8000)
	ENERGY_API_URL=http://127.0.0.1:8000 $(BIN)/streamlit run energy_ui/app.py --server.headless true \
	  --server.address 127.0.0.1 --server.port 8501 --browser.gatherUsageStats false

docker:  ## build the three images (needs a Docker engine)
	docker build -f deploy/docker/Dockerfile.api -t energy-copilot/api .
	docker build -f deploy/docker/Dockerfile.ui -t energy-copilot/ui .
	docker build -f deploy/docker/Dockerfile.dagster -t energy-copilot/dagster .

api: install  ## only the API on http://127.0.0.1:8000 ($(API_WORKERS) workers; API_WORKERS=1 for one)
	$(BIN)/python -m energy_api.serve --host 127.0.0.1 --port 8000 --workers $(API_WORKERS)

mlflow: install  ## only the MLflow UI on http://127.0.0.1:5000 (open the address it prints first)
	@echo "MLflow UI: $$($(BIN)/energy mlflow-url)"
	$(BIN)/mlflow server --backend-store-uri "$${MLFLOW_TRACKING_URI:-sqlite:///$${ENERGY_DATA_DIR:-$(CURDIR)/data}/mlflow/mlflow.db}" \
	  --host 127.0.0.1 --port 5000

dagster: install  ## only the Dagster UI on http://127.0.0.1:3000
	@mkdir -p $(ENERGY_DAGSTER_STORAGE)
	$(BIN)/dagster dev -w workspace.yaml -h 127.0.0.1 -p 3000

clean-data:  ## remove generated data (keeps data/raw and committed config)
	rm -rf data/warehouse.duckdb data/dagster data/reports data/dirty data/mlruns data/models
