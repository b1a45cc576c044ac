"""Monitoring jobs: one replayed feed day, and the drift report over the latest week of feed."""

import dagster as dg

from energy_assets.defs.monitoring.partitions import plant_feed_partitions

#: The training job (``defs/jobs.py``, group "training"); the sensor and the weekly schedule launch it
#: by name.
RETRAIN_JOB = "retrain"

plant_feed_job = dg.define_asset_job(
    "plant_feed_replay",
    selection=dg.AssetSelection.assets("plant_feed"),
    partitions_def=plant_feed_partitions,
    description="Replay one plant day of the held-out period into the warehouse (drift injectable by config).",
)

drift_monitoring_job = dg.define_asset_job(
    "drift_monitoring",
    selection=dg.AssetSelection.assets("drift_report", "drift_history"),
    description="Compare the latest week of feed with the training reference; write the Evidently report "
    "and add the verdict to drift_history.",
)
