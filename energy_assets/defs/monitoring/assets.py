"""The replayed plant feed (one partition per plant day), the weekly drift report and its history.

``plant_feed`` is the plant's exporter, simulated: each replayed day (drift optional) is dropped into
the readings inbox as a day file in the UCI export layout (``domain/live/simulator.py``, the same
exporter ``energy simulate-live`` and the live tests use), so the inbox sensor ingests it through the
cleaner into ``plant_readings`` like any delivery; the table it keeps is what was sent, which the
drift report judges (the cleaner would repair part of an injected fault).

``drift_report`` judges the latest week of feed and records its verdict as metadata;
``drift_history`` is the table of every verdict so far, rebuilt from those materializations (the
warehouse table analysts and the operator app read).
"""

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import dagster as dg
import pandas as pd
import polars as pl
from pydantic import Field

from energy_assets.defs.monitoring.partitions import plant_feed_partitions
from energy_assets.defs.monitoring.sensors import drift_reports_after, metadata_value
from energy_assets.defs.outputs import emit
from energy_assets.defs.resources import ChampionStore, Inbox
from energy_assets.domain import paths
from energy_assets.domain.data import frames, schema
from energy_assets.domain.features import splits
from energy_assets.domain.live import inbox as inbox_files
from energy_assets.domain.live import simulator
from energy_assets.domain.models.estimate.triangle import PowerTriangleEstimator
from energy_assets.domain.monitoring import drift, feed
from energy_assets.domain.tasks import ESTIMATE
from energy_assets.domain.training import champion

#: Partition column of the feed table: the plant day an interval belongs to (by its START).
FEED_DAY = "feed_day"
CLEAN = "none"
#: The estimate champion: its bundle supplies the predictions being monitored.
CHAMPION_ESTIMATE = dg.AssetKey("champion_estimate_model")
DRIFT_REPORT = dg.AssetKey("drift_report")
#: Columns of the drift_history table (the operator app and the analysts read them).
DRIFT_HISTORY_SCHEMA: dict[str, Any] = {
    "recorded_at": pl.Datetime("us"),
    "window_start": pl.String,
    "window_end": pl.String,
    "verdict": pl.String,
    "drift": pl.Boolean,
    "max_psi": pl.Float64,
    "max_psi_feature": pl.String,
    "share_drifted_columns": pl.Float64,
    "rolling_rmse": pl.Float64,
    "baseline_rmse": pl.Float64,
    "report_path": pl.String,
    "metrics_json": pl.String,
}


class PlantFeedConfig(dg.Config):
    """Drift to inject into the replayed day (``none`` replays it as recorded)."""

    scenario: str = Field(default=CLEAN, description=f"'{CLEAN}' or one of {', '.join(feed.SCENARIOS)}")
    seed: int = Field(default=0, description="same seed, same injected day")
    share: float | None = Field(
        default=None, description="share of eligible rows touched (scenario default if unset)"
    )
    factor: float | None = Field(
        default=None, description="multiplier / frozen value (scenario default if unset)"
    )


@dg.asset(
    group_name="monitoring",
    kinds={"pandas", "duckdb"},
    partitions_def=plant_feed_partitions,
    metadata={"partition_expr": FEED_DAY},
)
def plant_feed(
    context: dg.AssetExecutionContext,
    config: PlantFeedConfig,
    inbox: Inbox,
    cleaned_steel_readings: pl.DataFrame,
) -> Iterator:
    """One plant day of the held-out period, as the meter sends it (drift optional): dropped into the
    inbox as ``readings_<day>.csv`` (UCI export layout; the inbox sensor ingests it) and kept as sent."""
    day = pd.Timestamp(context.partition_key)
    injection = (
        None
        if config.scenario == CLEAN
        else feed.Injection(
            config.scenario,
            seed=config.seed,
            share=config.share,
            factor=config.factor,  # type: ignore[arg-type]
        )
    )
    table = feed.replay_day(frames.to_pandas(cleaned_steel_readings), day, injection)
    data = simulator.export_bytes(simulator.to_export(table))
    delivered = simulator.drop_file(inbox.path(), simulator.day_name(day.date()), data)
    table[FEED_DAY] = day
    context.log.info(
        f"{day.date()}: {len(table)} intervals, injection {config.scenario}, dropped as {delivered}"
    )
    yield from emit(
        frames.to_polars(table),
        metadata={
            "dagster/row_count": len(table),
            "injection": config.scenario,
            "inbox_file": dg.MetadataValue.path(str(delivered)),
            "inbox_sha256": inbox_files.sha256_bytes(data),
            "usage_kwh_total": round(float(table[schema.USAGE_KWH].sum()), 2),
            "preview": dg.MetadataValue.md(frames.markdown_preview(table[list(schema.CLEAN_COLUMNS)])),
        },
    )


class DriftReportConfig(dg.Config):
    """Window and thresholds of the drift verdict (README: "Drift monitoring")."""

    window_days: int = Field(default=7, description="latest feed days compared with the reference")
    psi_threshold: float = Field(
        default=drift.DEFAULT_PSI_THRESHOLD, description="PSI above this on an alarm feature is drift"
    )
    rmse_threshold_kwh: float = Field(
        default=drift.DEFAULT_RMSE_THRESHOLD_KWH,
        description="champion RMSE on the window above this is drift",
    )
    alarm_features: list[str] = Field(default_factory=lambda: list(drift.DEFAULT_ALARM_FEATURES))
    champion_folder: str | None = Field(
        default=None,
        description="estimate champion bundle; default the champion store's estimate folder",
    )


def _champion(folder: Path, train: pd.DataFrame) -> tuple[drift.Predictor, str]:
    """The estimate champion's predictor, or the physics estimator while no bundle exists yet."""
    if (folder / champion.BUNDLE_FILE).is_file():
        bundle = champion.load_bundle(folder)
        return drift.champion_predictor(bundle), f"{bundle.family} ({folder})"
    return drift.champion_predictor(PowerTriangleEstimator().fit(train)), "physics (no champion bundle yet)"


@dg.asset(group_name="monitoring", kinds={"evidently"}, deps=[CHAMPION_ESTIMATE])
def drift_report(
    context: dg.AssetExecutionContext,
    config: DriftReportConfig,
    champion_store: ChampionStore,
    plant_feed: pl.DataFrame,
    plant_readings: pl.DataFrame,
    steel_splits: pl.DataFrame,
) -> dg.MaterializeResult:
    """The latest week of feed against the training reference (the train split of the ingested
    history, ``plant_readings``: what the models learnt from): PSI, champion error, verdict."""
    fed = frames.to_pandas(plant_feed)
    if fed.empty:
        raise dg.Failure("plant_feed has no materialized day yet: replay some days first")
    days = sorted(fed[FEED_DAY].unique())[-config.window_days :]
    window = fed[fed[FEED_DAY].isin(days)].drop(columns=[FEED_DAY]).sort_values(schema.TIMESTAMP)
    cleaned = frames.to_pandas(plant_readings)
    parts = frames.to_pandas(steel_splits)
    train_stamps = parts.loc[parts[splits.TEMPORAL_SPLIT] == splits.TRAIN, schema.TIMESTAMP]
    train = cleaned[cleaned[schema.TIMESTAMP].isin(train_stamps)]

    folder = (
        paths.resolve(config.champion_folder)
        if config.champion_folder
        else champion_store.bundle_folder(ESTIMATE)
    )
    predictor, champion_name = _champion(folder, train)
    thresholds = drift.DriftThresholds(
        psi=config.psi_threshold,
        rmse_kwh=config.rmse_threshold_kwh,
        alarm_features=tuple(config.alarm_features),
    )
    reference = drift.monitoring_frame(train, predictor)
    current = drift.monitoring_frame(window, predictor)
    verdict = drift.evaluate_drift(reference, current, thresholds)
    snapshot = drift.evidently_report(reference, current, thresholds)
    summary = drift.evidently_summary(snapshot)
    html = drift.save_report(snapshot, drift.report_path(pd.Timestamp(days[-1])))
    record = drift.history_record(verdict, summary, html)
    context.log.info(
        f"verdict {verdict.verdict}: {verdict.reasons or 'no threshold crossed'} (champion {champion_name})"
    )
    psi_table = pd.DataFrame(
        {"feature": list(verdict.psi), "psi": [round(v, 4) for v in verdict.psi.values()]}
    )
    return dg.MaterializeResult(
        metadata={
            "verdict": verdict.verdict,
            "drift": verdict.drift,
            "reasons": dg.MetadataValue.json(verdict.reasons),
            "share_drifted_columns": verdict.share_drifted_columns,
            "evidently_drifted_columns_share": summary.get("drifted_columns_share"),
            "max_psi": verdict.max_psi,
            "max_psi_feature": verdict.max_psi_feature,
            "rolling_rmse": verdict.rolling_rmse,
            "rolling_mae": verdict.rolling_mae,
            "baseline_rmse": verdict.baseline_rmse,
            "window_start": verdict.window_start,
            "window_end": verdict.window_end,
            "window_days": len(days),
            "champion": champion_name,
            "thresholds": dg.MetadataValue.json(verdict.thresholds),
            "psi_by_feature": dg.MetadataValue.md(psi_table.to_markdown(index=False)),
            "report_html": dg.MetadataValue.path(str(html)),
            "history_record": dg.MetadataValue.json(record),
            "verdict_json": dg.MetadataValue.json(json.loads(verdict.to_json())),
        }
    )


def history_rows(instance: dg.DagsterInstance) -> list[dict[str, Any]]:
    """One row per drift_report materialization (oldest first): its recorded verdict and when."""
    rows, after = [], None
    while records := drift_reports_after(instance, after):
        for record in records:
            saved = metadata_value(record, "history_record")
            if saved is not None:
                recorded = datetime.fromtimestamp(record.timestamp, UTC).replace(tzinfo=None)
                rows.append({"recorded_at": recorded, **saved})
        after = records[-1].storage_id
    return rows


@dg.asset(group_name="monitoring", kinds={"duckdb"}, deps=[DRIFT_REPORT])
def drift_history(context: dg.AssetExecutionContext) -> Iterator:
    """Every drift verdict so far, one row per drift_report materialization (metrics as JSON text)."""
    rows = history_rows(context.instance)
    table = pl.DataFrame(rows, schema=DRIFT_HISTORY_SCHEMA)
    yield from emit(
        table,
        metadata={
            "dagster/row_count": table.height,
            "drift_verdicts": int(table["drift"].sum()) if table.height else 0,
            "preview": dg.MetadataValue.md(
                table.drop("metrics_json").tail(5).to_pandas().to_markdown(index=False)
            ),
        },
    )
