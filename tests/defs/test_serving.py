"""The serving_readings asset publishes every cleaned reading next to the champion bundles."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pandas as pd

from energy_assets.defs.resources import ChampionStore
from energy_assets.defs.serving.assets import serving_readings
from energy_assets.domain.data import frames
from energy_assets.domain.serving import readings as serving


def test_serving_readings_asset_publishes_all_readings(tmp_path: Path, clean_reference: pd.DataFrame) -> None:
    @dg.asset(name="cleaned_steel_readings")
    def upstream():
        return frames.to_polars(clean_reference)

    resources = {"champion_store": ChampionStore(root=str(tmp_path))}
    result = dg.materialize([upstream, serving_readings], resources=resources)
    assert result.success
    folder = serving.readings_folder(tmp_path)
    manifest = serving.read_manifest(folder)
    assert manifest["rows"] == len(clean_reference) == 35_040
    assert (manifest["first_day"], manifest["last_day"]) == ("2018-01-01", "2018-12-31")
    (event,) = result.asset_materializations_for_node("serving_readings")
    assert event.metadata["rows"].value == 35_040
    again = dg.materialize([upstream, serving_readings], resources=resources)
    assert again.success and serving.read_manifest(folder)["created_at"] >= manifest["created_at"]
