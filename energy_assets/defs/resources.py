"""Resources per environment, chosen by ``ENERGY_ENV`` (``local``, the default, or ``gcp``).

local: the DuckDB warehouse file that analysts open read-only, through the polars IO manager, and
MLflow tracking (dagster-mlflow) on a local sqlite store under the data folder.
gcp: the same, plus GCS for bundle/report files and an optional BigQuery mirror (``defs/cloud.py``).
"""

import dagster as dg
from dagster_duckdb import DuckDBResource
from dagster_duckdb_polars import DuckDBPolarsIOManager
from dagster_mlflow import mlflow_tracking

from energy_assets.defs import cloud
from energy_assets.defs.training.io import ModelStoreIOManager
from energy_assets.domain import paths
from energy_assets.domain.training import tracking

WAREHOUSE_SCHEMA = "main"


def _mlflow_with_local_experiment(context):
    """dagster-mlflow's resource, after creating the experiment with an absolute artifact root."""
    tracking.ensure_experiment(
        context.resource_config["mlflow_tracking_uri"], context.resource_config["experiment_name"]
    )
    return mlflow_tracking.resource_fn(context)


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
    database = str(paths.warehouse_path())
    return {
        "io_manager": DuckDBPolarsIOManager(database=database, schema=WAREHOUSE_SCHEMA),
        "duckdb": DuckDBResource(database=database),
        "mlflow": mlflow_resource(),
        "model_store": ModelStoreIOManager(),
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
