"""Jobs: the whole graph once (what ``make run`` materializes)."""

import dagster as dg

materialize_all = dg.define_asset_job(
    "materialize_all",
    selection=dg.AssetSelection.all(),
    description="Materialize every asset once on the embedded defaults: raw data to features and splits.",
)
