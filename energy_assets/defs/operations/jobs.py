"""Jobs of live operations: ingest one inbox file (and rebuild the history), issue a day's forecast."""

import dagster as dg

from energy_assets.defs.operations.partitions import forecast_days, inbox_files

#: The assets one ingest run materializes: the file's partition, then the history built from all.
HISTORY_ASSETS = ("plant_readings", "plant_readings_sources", "readings_ingest_audit")

inbox_ingest = dg.define_asset_job(
    "inbox_ingest",
    selection=dg.AssetSelection.groups("inbox") | dg.AssetSelection.assets(*HISTORY_ASSETS),
    partitions_def=inbox_files,
    description="Clean one inbox file into its partition (quarantine and repairs included), then rebuild "
    "plant_readings from the base export and every file in arrival order. Launched by inbox_sensor.",
)

day_ahead = dg.define_asset_job(
    "day_ahead",
    selection=dg.AssetSelection.assets("day_ahead_forecast", "forecast_accuracy"),
    partitions_def=forecast_days,
    description="Issue the day's official day-ahead forecast from the serving champion, then score every "
    "issued day whose actuals are in. Launched by day_ahead_sensor (or by hand for one day).",
)
