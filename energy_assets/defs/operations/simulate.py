"""``energy simulate-live``: the live loop driven in one process, day by day, through the real
definitions (the inbox sensor and its ingest runs, the day-ahead sensor and its forecast runs).

The UCI year is moved to ``year`` by whole weeks (weekdays kept); the last ``days`` complete days are
delivered one file a day (with a duplicate file, an overlapping correction and a file with bad rows,
as :func:`energy_assets.domain.live.simulator.live_scenario` builds them), everything before them is
the base export. A forecast is issued for each delivered day after the first (13 for 14 days: the
day after the last one has no actuals here) and all of them are scored. Everything lives under ``folder`` (its own warehouse, inbox, champion and Dagster
instance), so the project's ``data/`` is untouched. Without a forecast champion under
``champion_dir`` the weekly seasonal naive, fitted on the base, serves.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import dagster as dg
import pandas as pd

from energy_assets.domain import paths
from energy_assets.domain.data import cleaning, frames, ingest, schema, store
from energy_assets.domain.live import history, simulator
from energy_assets.domain.models.forecast import SeasonalNaiveForecaster
from energy_assets.domain.tasks import FORECAST, TEST, VALIDATION
from energy_assets.domain.training import champion
from energy_assets.domain.training.results import EVALUATED, ForecastResult


def _scenario(raw_csv: Path, days: int, year: int) -> simulator.LiveScenario:
    clean = cleaning.clean(ingest.read_raw(raw_csv)).cleaned
    moved = simulator.shift_weeks(clean, simulator.weeks_to_year(clean, year))
    complete = history.complete_days(moved)
    first = complete[-days]
    kinds = {"duplicate_after": min(4, days), "bad_rows_day": min(7, days), "overlap_after": min(9, days)}
    if days < 2:
        raise ValueError(f"--days must be at least 2 (an overlap re-exports the day before), got {days}")
    return simulator.live_scenario(moved, first_day=first.date(), days=days, **kinds)


def _champion(root: Path, base: pd.DataFrame, source: Path | None) -> str:
    if source is not None and (source / FORECAST).is_dir():
        shutil.copytree(source / FORECAST, root / FORECAST, dirs_exist_ok=True)
        return f"copied from {source / FORECAST}"
    model = SeasonalNaiveForecaster().fit(base)
    result = ForecastResult(
        family=model.name, status=EVALUATED, model=model, metrics={VALIDATION: {}, TEST: None}
    )
    champion.write_bundle(result, root, data_version="simulation", code_version="simulation")
    return "seasonal_naive fitted on the base"


def simulate_live(
    folder: Path,
    *,
    days: int = 14,
    year: int = 2025,
    raw_csv: Path | None = None,
    champion_dir: Path | None = None,
    echo: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Run the live loop over ``days`` delivered days; returns the figures (and checks them)."""
    folder = Path(folder).resolve()
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    raw = raw_csv or paths.raw_dir() / ingest.UCI_FILENAME
    scenario = _scenario(raw, days, year)
    for key, value in {
        "ENERGY_DATA_DIR": str(folder),
        "ENERGY_INBOX_SETTLE_S": "0",
    }.items():
        os.environ[key] = value
    for key in ("ENERGY_WAREHOUSE", "ENERGY_CHAMPION_DIR", "ENERGY_INBOX_DIR", "ENERGY_PLAN_DIR"):
        os.environ.pop(key, None)
    warehouse = store.Warehouse.at(folder / "warehouse.duckdb")
    warehouse.write("cleaned_steel_readings", frames.to_polars(scenario.base))
    served = _champion(folder / "champion", scenario.base, champion_dir)
    echo(
        f"base: {len(scenario.base)} intervals to {scenario.base[schema.TIMESTAMP].max()}; champion: {served}"
    )

    from energy_assets.definitions import defs
    from energy_assets.defs.operations import sensors

    definitions = defs()
    ingest_job = definitions.resolve_job_def("inbox_ingest")
    day_ahead_job = definitions.resolve_job_def("day_ahead")
    inbox = definitions.resources["inbox"]
    cursors: dict[str, str | None] = {"inbox": None, "day_ahead": None}
    latencies: list[float] = []
    issued: list[str] = []
    runs = 0
    (folder / "dagster").mkdir()
    with dg.DagsterInstance.local_temp(str(folder / "dagster")) as instance:
        for delivery in scenario.deliveries:
            landed = time.perf_counter()
            simulator.drop_file(inbox.path(), delivery.name, delivery.data)
            context = dg.build_sensor_context(
                instance=instance, cursor=cursors["inbox"], resources={"inbox": inbox}
            )
            result = sensors.inbox_sensor(context)
            cursors["inbox"] = result.cursor
            for request in result.dynamic_partitions_requests or []:
                instance.add_dynamic_partitions(request.partitions_def_name, list(request.partition_keys))
            for request in result.run_requests or []:
                ingest_job.execute_in_process(
                    instance=instance, partition_key=request.partition_key, tags=request.tags
                )
                runs += 1
            context = dg.build_sensor_context(instance=instance, cursor=cursors["day_ahead"])
            answer = sensors.day_ahead_sensor(context)
            if isinstance(answer, dg.SensorResult):
                cursors["day_ahead"] = answer.cursor
                for request in answer.run_requests or []:
                    if dt.date.fromisoformat(request.partition_key) > scenario.days[-1]:
                        continue  # the day after the last delivered one: no actuals in this simulation
                    day_ahead_job.execute_in_process(instance=instance, partition_key=request.partition_key)
                    issued.append(request.partition_key)
                    runs += 1
                    latencies.append(time.perf_counter() - landed)
                    echo(
                        f"{delivery.name} ({delivery.kind}): forecast of {request.partition_key} issued "
                        f"{latencies[-1]:.1f} s after the file landed"
                    )
            else:
                echo(f"{delivery.name} ({delivery.kind}): ingested, no new complete day")
        if issued:  # the last day's actuals came after its forecast run: score it (the next run would)
            day_ahead_job.execute_in_process(
                instance=instance,
                partition_key=issued[-1],
                asset_selection=[dg.AssetKey("forecast_accuracy")],
            )
            runs += 1

    readings = frames.to_pandas(warehouse.read("plant_readings"))
    expected = scenario.expected
    got = readings.sort_values(schema.TIMESTAMP).reset_index(drop=True)[list(expected.columns)]
    quarantine = frames.to_pandas(warehouse.read("inbox_quarantine"))
    forecasts = warehouse.partitions("day_ahead_forecast")
    scored = frames.to_pandas(warehouse.read("forecast_accuracy"))
    summary = {
        "days": days,
        "deliveries": len(scenario.deliveries),
        "runs": runs,
        "intervals": len(readings),
        "intervals_unique": bool(readings[schema.TIMESTAMP].is_unique),
        "equals_expected_history": bool(
            len(got) == len(expected)
            and (got[schema.TIMESTAMP].to_numpy() == expected[schema.TIMESTAMP].to_numpy()).all()
            and (got[schema.USAGE_KWH].to_numpy() == expected[schema.USAGE_KWH].to_numpy()).all()
        ),
        "quarantined": quarantine["reason"].value_counts().to_dict() if len(quarantine) else {},
        "forecasts_stored": len(forecasts),
        "forecast_days": [forecasts[0], forecasts[-1]] if forecasts else [],
        "days_scored": len(scored),
        "mase_7d_last": float(scored["mase_7d"].iloc[-1]) if len(scored) else None,
        "landing_to_forecast_s": {
            "median": float(pd.Series(latencies).median()) if latencies else None,
            "max": float(max(latencies)) if latencies else None,
        },
        "warehouse": str(warehouse.database),
    }
    return summary
