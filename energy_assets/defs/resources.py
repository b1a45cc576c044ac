"""Resources per environment, chosen by ``ENERGY_ENV`` (only ``local`` exists so far).

local: the DuckDB warehouse file that analysts open read-only, through the polars IO manager, and
MLflow tracking (dagster-mlflow) on a local sqlite store under the data folder.
"""

import dagster as dg
from dagster_duckdb import DuckDBResource
from dagster_duckdb_polars import DuckDBPolarsIOManager
from dagster_mlflow import mlflow_tracking

from energy_assets.defs.training.io import ModelStoreIOManager
from energy_assets.domain import paths, tracking

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


@dg.definitions
def resources() -> dg.Definitions:
    return dg.Definitions(resources=local_resources())
