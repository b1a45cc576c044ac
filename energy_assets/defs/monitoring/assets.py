"""The replayed plant feed (one partition per plant day) and the weekly drift report."""

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import pandas as pd
import polars as pl
from dagster_duckdb import DuckDBResource
from pydantic import Field

from energy_assets.defs.monitoring.partitions import plant_feed_partitions
from energy_assets.defs.outputs import emit
from energy_assets.defs.training.assets import ChampionConfig
from energy_assets.domain import paths
from energy_assets.domain.data import frames, schema
from energy_assets.domain.features import splits
from energy_assets.domain.models.estimate.triangle import PowerTriangleEstimator
from energy_assets.domain.monitoring import drift, feed
from energy_assets.domain.tasks import ESTIMATE
from energy_assets.domain.training import champion

#: Partition column of the feed table: the plant day an interval belongs to (by its START).
FEED_DAY = "feed_day"
DRIFT_HISTORY_TABLE = "main.drift_history"
CLEAN = "none"
#: The training group's estimate champion: its bundle supplies the predictions being monitored.
CHAMPION_ESTIMATE = dg.AssetKey("champion_estimate_model")


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
    code_version="1",
    partitions_def=plant_feed_partitions,
    metadata={"partition_expr": FEED_DAY},
)
def plant_feed(
    context: dg.AssetExecutionContext, config: PlantFeedConfig, cleaned_steel_readings: pl.DataFrame
) -> Iterator:
    """One plant day of the held-out period, as if just received from the meter (drift optional)."""
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
    table[FEED_DAY] = day
    context.log.info(f"{day.date()}: {len(table)} intervals, injection {config.scenario}")
    yield from emit(
        frames.to_polars(table),
        metadata={
            "dagster/row_count": len(table),
            "injection": config.scenario,
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
        description="estimate champion bundle; default <ENERGY_CHAMPION_DIR or data dir/champion>/estimate",
    )


def _champion(folder: Path, train: pd.DataFrame) -> tuple[drift.Predictor, str]:
    """The estimate champion's predictor, or the physics estimator while no bundle exists yet."""
    if (folder / champion.BUNDLE_FILE).is_file():
        bundle = champion.load_bundle(folder)
        return drift.champion_predictor(bundle), f"{bundle.family} ({folder})"
    return drift.champion_predictor(PowerTriangleEstimator().fit(train)), "physics (no champion bundle yet)"


def _append_history(duckdb: DuckDBResource, record: dict) -> int:
    row = {"recorded_at": datetime.now(UTC).replace(tzinfo=None), **record}
    with duckdb.get_connection() as conn:
        conn.execute(
            f"""CREATE TABLE IF NOT EXISTS {DRIFT_HISTORY_TABLE} (
                recorded_at TIMESTAMP, window_start VARCHAR, window_end VARCHAR, verdict VARCHAR,
                drift BOOLEAN, max_psi DOUBLE, max_psi_feature VARCHAR, share_drifted_columns DOUBLE,
                rolling_rmse DOUBLE, baseline_rmse DOUBLE, report_path VARCHAR, metrics_json VARCHAR)"""
        )
        conn.execute(
            f"INSERT INTO {DRIFT_HISTORY_TABLE} ({', '.join(row)}) VALUES ({', '.join('?' for _ in row)})",
            list(row.values()),
        )
        return int(conn.execute(f"SELECT count(*) FROM {DRIFT_HISTORY_TABLE}").fetchone()[0])


@dg.asset(
    group_name="monitoring",
    kinds={"evidently", "duckdb"},
    code_version="1",
    deps=[CHAMPION_ESTIMATE],
)
def drift_report(
    context: dg.AssetExecutionContext,
    config: DriftReportConfig,
    duckdb: DuckDBResource,
    plant_feed: pl.DataFrame,
    cleaned_steel_readings: pl.DataFrame,
    steel_splits: pl.DataFrame,
) -> dg.MaterializeResult:
    """The latest week of feed against the training reference: PSI, champion error, verdict."""
    fed = frames.to_pandas(plant_feed)
    if fed.empty:
        raise dg.Failure("plant_feed has no materialized day yet: replay some days first")
    days = sorted(fed[FEED_DAY].unique())[-config.window_days :]
    window = fed[fed[FEED_DAY].isin(days)].drop(columns=[FEED_DAY]).sort_values(schema.TIMESTAMP)
    cleaned = frames.to_pandas(cleaned_steel_readings)
    parts = frames.to_pandas(steel_splits)
    train_stamps = parts.loc[parts[splits.TEMPORAL_SPLIT] == splits.TRAIN, schema.TIMESTAMP]
    train = cleaned[cleaned[schema.TIMESTAMP].isin(train_stamps)]

    folder = (
        paths.resolve(config.champion_folder)
        if config.champion_folder
        else ChampionConfig().root() / ESTIMATE
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
    rows = _append_history(duckdb, drift.history_record(verdict, summary, html))
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
            "drift_history_rows": rows,
            "verdict_json": dg.MetadataValue.json(json.loads(verdict.to_json())),
        }
    )
