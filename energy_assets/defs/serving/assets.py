"""Serving: every cleaned reading published next to the champion bundles for the API.

The API reads ``<champion root>/readings/readings.parquet`` (checked against its manifest) into
memory and never opens the warehouse, so analysts' read-only sessions and the pipeline's writes
never block it, and the copilot, ``/query``, ``/explain/peak`` and the what-if baselines see the
whole history after ``make run``.
"""

import dagster as dg
import polars as pl

from energy_assets.defs.resources import ChampionStore
from energy_assets.defs.training.runs import ChampionConfig, frame_version
from energy_assets.domain.data import frames
from energy_assets.domain.serving.readings import READINGS_FILE, publish_readings, readings_folder

GROUP = "serving"


@dg.asset(group_name=GROUP, kinds={"parquet"})
def serving_readings(
    context: dg.AssetExecutionContext,
    config: ChampionConfig,
    champion_store: ChampionStore,
    cleaned_steel_readings: pl.DataFrame,
) -> dg.MaterializeResult:
    """All cleaned readings as ``readings/readings.parquet`` + ``manifest.json``, swapped atomically."""
    clean = frames.to_pandas(cleaned_steel_readings)
    root = champion_store.folder(config.folder)
    manifest = publish_readings(clean, root, data_version=frame_version(clean))
    folder = readings_folder(root)
    context.log.info(
        f"published {manifest['rows']} readings ({manifest['first_day']} to {manifest['last_day']}) to {folder}"
    )
    return dg.MaterializeResult(
        metadata={
            "rows": manifest["rows"],
            "first_day": manifest["first_day"],
            "last_day": manifest["last_day"],
            "data_version": manifest["data_version"],
            "sha256": manifest["files"][READINGS_FILE]["sha256"],
            "readings_path": dg.MetadataValue.path(str(folder / READINGS_FILE)),
        }
    )
