"""Resources per environment, chosen by ``ENERGY_ENV`` (``local``, the default, or ``gcp``).

This module is where the Dagster process reads its configuration: each resource below takes its
value from an environment variable through ``dg.EnvVar`` (shown as such in the UI) when the
variable is set, else from the project's default under the data folder.

local: the DuckDB warehouse file that analysts open read-only, through the polars IO manager; MLflow
tracking (dagster-mlflow) on a local sqlite store under the data folder; the model store; the
champion store; the compute device of training runs.
gcp: the same, plus GCS for bundle/report files and an optional BigQuery mirror (``defs/cloud.py``).
"""

import os
from pathlib import Path
from typing import Any

import dagster as dg
import mlflow
from dagster_duckdb import DuckDBResource
from dagster_duckdb_polars import DuckDBPolarsIOManager
from dagster_mlflow import mlflow_tracking

from energy_assets.defs import cloud
from energy_assets.defs.training.io import ModelStoreIOManager
from energy_assets.domain import device, paths
from energy_assets.domain.training import champion, tracking

WAREHOUSE_SCHEMA = "main"
WAREHOUSE_ENV = "ENERGY_WAREHOUSE"
CHAMPION_DIR_ENV = "ENERGY_CHAMPION_DIR"
MODEL_STORE_ENV = "ENERGY_MODEL_STORE"


class ChampionStore(dg.ConfigurableResource):
    """Where the champion bundles are written and read (``ENERGY_CHAMPION_DIR``, default
    ``<data dir>/champion``): the one place the pipeline resolves that folder."""

    root: str = ""

    def folder(self, override: str = "") -> Path:
        """The store's root; ``override`` (an asset's run config) wins when given."""
        if override:
            return paths.resolve(override)
        return paths.resolve(self.root) if self.root else paths.champion_dir()

    def bundle_folder(self, task: str, override: str = "") -> Path:
        return champion.bundle_folder(self.folder(override), task)


class ComputeDevice(dg.ConfigurableResource):
    """Where training runs compute (``ENERGY_DEVICE``: cpu, cuda or auto; empty = no preference).

    The training assets hand :attr:`requested` to the domain, which reads it with
    :func:`energy_assets.domain.device.requested_device` (the same rule for every XGBoost model).
    """

    requested: str = ""

    def choice(self) -> str:
        """The validated request (``""`` when none): what the domain's device functions take."""
        return device.requested_device(self.requested) or ""


def _from_env(name: str, default: str) -> Any:
    """``dg.EnvVar(name)`` when the variable is set (the UI then shows where the value comes from)."""
    return dg.EnvVar(name) if os.environ.get(name) else default


def _failed_steps(context) -> int:
    """How many steps of this Dagster run have failed so far (0 without an instance)."""
    if context.instance is None:
        return 0
    records = context.instance.get_records_for_run(
        context.run_id, of_type=dg.DagsterEventType.STEP_FAILURE, limit=1
    )
    return len(records.records)


def _mlflow_with_local_experiment(context):
    """dagster-mlflow's resource (one parent MLflow run per Dagster run), after creating the experiment
    with an absolute artifact root. The parent run links to the Dagster run, and ends FAILED when a
    step of the Dagster run failed (dagster-mlflow alone leaves it looking finished)."""
    tracking.ensure_experiment(
        context.resource_config["mlflow_tracking_uri"], context.resource_config["experiment_name"]
    )
    inner = mlflow_tracking.resource_fn(context)
    mlf = next(inner)
    parent_run_id = mlflow.active_run().info.run_id  # mlf.mlflow_run_id stays None for a new run
    url = tracking.dagster_run_url(context.run_id)
    mlf.set_tags(
        {"dagster_run_url": url, "mlflow.note.content": f"Dagster run [{context.run_id[:8]}]({url})."}
    )
    try:
        yield mlf
    finally:
        inner.close()
        tracking.end_parent_run(parent_run_id, failed=_failed_steps(context) > 0)


def mlflow_resource() -> dg.ResourceDefinition:
    definition = dg.ResourceDefinition(
        resource_fn=_mlflow_with_local_experiment,
        config_schema=mlflow_tracking.config_schema,
        description="MLflow tracking through dagster-mlflow (one parent run per Dagster run).",
    )
    return definition.configured(
        {"experiment_name": tracking.EXPERIMENT, "mlflow_tracking_uri": tracking.tracking_uri()}
    )


def local_resources() -> dict[str, object]:
    database = _from_env(WAREHOUSE_ENV, str(paths.warehouse_path()))
    return {
        "io_manager": DuckDBPolarsIOManager(database=database, schema=WAREHOUSE_SCHEMA),
        "duckdb": DuckDBResource(database=database),
        "mlflow": mlflow_resource(),
        "model_store": ModelStoreIOManager(
            base_dir=_from_env(MODEL_STORE_ENV, str(paths.data_dir() / "models"))
        ),
        "champion_store": ChampionStore(root=_from_env(CHAMPION_DIR_ENV, "")),
        "compute_device": ComputeDevice(requested=_from_env(device.DEVICE_ENV, "")),
    }


def resources_for_env(env: str | None = None) -> dict[str, object]:
    """The resource set for ``env`` (default: ``ENERGY_ENV``); local needs no cloud package."""
    env = env or cloud.current_env()
    if env == "local":
        return local_resources()
    if not cloud.HAVE_DAGSTER_GCP:
        raise ImportError(f"ENERGY_ENV={env} needs dagster-gcp: pip install dagster-gcp==0.29.27")
    return cloud.gcp_resources(local_resources())


@dg.definitions
def resources() -> dg.Definitions:
    return dg.Definitions(resources=resources_for_env())
