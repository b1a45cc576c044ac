"""Jobs: the data platform, the (re)training, and everything unpartitioned at once (``make run``).

Each runs its steps in one process, whoever launches it (``make run``, the UI's "Materialize", a
schedule): the steps write one DuckDB file, which takes one writing process at a time, and log to one
MLflow parent run. Dagster's default multiprocess executor would run independent steps in parallel
processes that wait on, and after dagster-duckdb's retries fail on, each other's write lock.
"""

import dagster as dg

DATA_GROUPS = ("ingest", "cleaning", "features")
TRAINING_GROUP = "training"
ANALYSIS_GROUP = "analysis"
SERVING_GROUP = "serving"

data_platform = dg.define_asset_job(
    "data_platform",
    executor_def=dg.in_process_executor,
    selection=dg.AssetSelection.groups(*DATA_GROUPS),
    description="Raw UCI data to validated, cleaned, featured and split tables in the warehouse.",
)

materialize_all = dg.define_asset_job(
    "materialize_all",
    executor_def=dg.in_process_executor,
    selection=dg.AssetSelection.groups(*DATA_GROUPS, TRAINING_GROUP, SERVING_GROUP, ANALYSIS_GROUP),
    description="Materialize the data platform, every model, the serving readings and the analysis layer once "
    "on the embedded defaults.",
)

retrain = dg.define_asset_job(
    "retrain",
    executor_def=dg.in_process_executor,
    selection=dg.AssetSelection.groups(TRAINING_GROUP),
    description="Retrain every model family and promote a champion only if it beats the current one. "
    "Launched by the weekly schedule and by the drift sensor (which adds GPU tags).",
)
