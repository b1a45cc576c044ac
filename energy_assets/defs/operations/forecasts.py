"""Forecasts out and scored: the official day-ahead forecast per plant day, and its accuracy.

``day_ahead_forecast`` (one partition per target day, plant time) runs the serving champion on
``plant_readings`` up to the end of the day before, with the production plan where the plant sent one
and the derived plan elsewhere (the same function the operator's on-demand call runs:
``domain/live/day_ahead.py``). ``forecast_accuracy`` scores every stored day whose actuals are in.
"""

from collections.abc import Iterator

import dagster as dg
import pandas as pd
import polars as pl

from energy_assets.defs.operations.partitions import forecast_days
from energy_assets.defs.outputs import emit
from energy_assets.defs.resources import ChampionStore, ProductionPlan
from energy_assets.domain.data import frames, schema
from energy_assets.domain.live import accuracy, day_ahead
from energy_assets.domain.tasks import FORECAST
from energy_assets.domain.training import champion, tracking

GROUP = "operations"
DAY_AHEAD = dg.AssetKey("day_ahead_forecast")


def model_version(bundle: champion.Bundle) -> str:
    """``<family>@<created_at>``: the same stamp the API reports for the loaded champion."""
    return f"{bundle.family}@{bundle.metadata.get('created_at', 'unknown')}"


class DayAheadConfig(dg.Config):
    """``from_latest``: issue from the latest reading while the day before is still running (the
    evening schedule's runs); off, the day before must be complete (the day-ahead sensor's runs)."""

    from_latest: bool = False


@dg.asset(group_name=GROUP, partitions_def=forecast_days, kinds={"parquet"})
def day_ahead_forecast(
    context: dg.AssetExecutionContext,
    config: DayAheadConfig,
    champion_store: ChampionStore,
    production_plan: ProductionPlan,
    plant_readings: pl.DataFrame,
) -> Iterator:
    """The official forecast of the partition's day (96 intervals, mean and quantiles), issued from the
    serving champion in the evening before (from the latest reading) or once the day before is in;
    stored with issued_at, the plan used, model and data versions."""
    day = context.partition_key
    bundle = champion.load_bundle(champion_store.bundle_folder(FORECAST))
    readings = frames.to_pandas(plant_readings)
    origin = day_ahead.origin_of(day)
    known = readings.loc[pd.to_datetime(readings[schema.TIMESTAMP]) <= origin]
    forecast = day_ahead.issue(
        bundle.model,
        readings,
        day,
        planned=day_ahead.read_plans(production_plan.path()),
        model_version=model_version(bundle),
        data_version=tracking.frame_version(known),
        from_latest=config.from_latest,
    )
    sources = forecast[day_ahead.PLAN_SOURCE].value_counts().to_dict()
    context.log.info(f"{day}: {forecast['mean'].sum():.1f} kWh forecast, plan {sources}")
    yield from emit(
        frames.to_polars(forecast),
        metadata={
            "dagster/row_count": len(forecast),
            "total_kwh": dg.MetadataValue.float(float(forecast["mean"].sum())),
            "peak_kwh": dg.MetadataValue.float(float(forecast["mean"].max())),
            "plan": dg.MetadataValue.json({k: int(v) for k, v in sources.items()}),
            "model_version": str(forecast[day_ahead.MODEL_VERSION].iloc[0]),
            "data_version": str(forecast[day_ahead.DATA_VERSION].iloc[0]),
            "origin": str(
                forecast[day_ahead.TARGET].iloc[0]
                - int(forecast[day_ahead.HORIZON].iloc[0]) * schema.INTERVAL
            ),
        },
    )


class AccuracyConfig(dg.Config):
    """``mase_threshold``: the rolling 7-day MASE past which the forecast is ``degraded`` (a retrain
    reason beside drift, and an alert, through the drift sensors)."""

    mase_threshold: float = accuracy.DEFAULT_MASE_THRESHOLD


@dg.asset(group_name=GROUP, kinds={"parquet"})
def forecast_accuracy(
    config: AccuracyConfig, day_ahead_forecast: pl.DataFrame, plant_readings: pl.DataFrame
) -> Iterator:
    """Every issued day whose 96 actuals are in: RMSE, MAE, MASE vs the weekly seasonal naive, pinball
    loss and q10..q90 coverage, for the day and rolling over 7 and 28 scored days; ``verdict`` says
    whether the rolling 7-day MASE is past the threshold."""
    scored = accuracy.score_forecasts(
        frames.to_pandas(day_ahead_forecast) if not day_ahead_forecast.is_empty() else pd.DataFrame(),
        frames.to_pandas(plant_readings),
    )
    metadata: dict = {"dagster/row_count": len(scored), "units": dg.MetadataValue.json(accuracy.UNITS)}
    if len(scored):
        last = scored.iloc[-1]
        metadata["last_scored_day"] = str(pd.Timestamp(last["forecast_day"]).date())
        for name in accuracy.METRICS:
            for suffix in ("", "_7d", "_28d"):
                metadata[f"{name}{suffix}"] = dg.MetadataValue.float(float(last[f"{name}{suffix}"]))
        metadata["preview"] = dg.MetadataValue.md(scored.tail(7).to_markdown(index=False))
        metadata["mase_threshold"] = dg.MetadataValue.float(config.mase_threshold)
        degraded = accuracy.degraded(scored, config.mase_threshold)
        metadata["verdict"] = "degraded" if degraded else "ok"
    yield from emit(pl.from_pandas(scored), metadata=metadata)
