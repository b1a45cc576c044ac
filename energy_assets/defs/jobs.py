"""Jobs: the data platform, the (re)training, and everything unpartitioned at once (``make run``)."""

import dagster as dg

DATA_GROUPS = ("ingest", "cleaning", "features")
TRAINING_GROUP = "training"
ANALYSIS_GROUP = "analysis"
SERVING_GROUP = "serving"

data_platform = dg.define_asset_job(
    "data_platform",
    selection=dg.AssetSelection.groups(*DATA_GROUPS),
    description="Raw UCI data to validated, cleaned, featured and split tables in the warehouse.",
)

materialize_all = dg.define_asset_job(
    "materialize_all",
    selection=dg.AssetSelection.groups(*DATA_GROUPS, TRAINING_GROUP, SERVING_GROUP, ANALYSIS_GROUP),
    description="Materialize the data platform, every model, the serving readings and the analysis layer once "
    "on the embedded defaults.",
)

retrain = dg.define_asset_job(
    "retrain",
    selection=dg.AssetSelection.groups(TRAINING_GROUP),
    description="Retrain every model family and promote a champion only if it beats the current one. "
    "Launched by the weekly schedule and by the drift sensor (which adds GPU tags).",
)
