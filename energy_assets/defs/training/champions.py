"""The leaderboard of every family, and one champion per task shipped as a self-contained bundle."""

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import dagster as dg
import pandas as pd
import polars as pl

from energy_assets.defs.analysis.assets import figure_markdown
from energy_assets.defs.outputs import emit, readable, rounded
from energy_assets.defs.resources import ChampionStore
from energy_assets.defs.training.runs import (
    CHAMPION_TOLERANCE,
    GROUP,
    HISTORY_DAYS,
    ChampionConfig,
    dagster_tags,
    frame_version,
    split_metrics,
)
from energy_assets.domain import paths
from energy_assets.domain.data import frames, schema
from energy_assets.domain.models.forecast.nowcast import INTRADAY_CARD_KEY
from energy_assets.domain.reporting import explain, forecast_quality
from energy_assets.domain.tasks import ESTIMATE, FORECAST, TEMPORAL, TEST, VALIDATION
from energy_assets.domain.training import champion, comparison, intraday, leaderboard, tracking
from energy_assets.domain.training.estimate import estimate_datasets
from energy_assets.domain.training.results import EstimateResult, ForecastResult


def _rounded(value: Any) -> Any:
    """A card section as the UI shows it: every float rounded (the card itself keeps full precision)."""
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_rounded(v) for v in value]
    if isinstance(value, float):
        return rounded(value)
    return value


def leaderboard_json_path() -> Path:
    return paths.reports_dir() / "leaderboard.json"


@dg.asset(group_name=GROUP, kinds={"duckdb"})
def model_leaderboard(
    context: dg.AssetExecutionContext,
    estimate_physics: EstimateResult,
    estimate_hybrid: EstimateResult,
    estimate_cubist: EstimateResult,
    estimate_xgboost: EstimateResult,
    estimate_lightgbm: EstimateResult,
    forecast_seasonal_naive: ForecastResult,
    forecast_lightgbm_quantile: ForecastResult,
    forecast_xgboost_quantile: ForecastResult,
    forecast_profile_blend: ForecastResult,
    forecast_chronos: ForecastResult,
    forecast_timesfm: ForecastResult,
    forecast_ensemble: ForecastResult,
):
    """Every family side by side, the published CUBIST anchor beside them, champions marked."""
    estimates = [estimate_physics, estimate_hybrid, estimate_cubist, estimate_xgboost, estimate_lightgbm]
    forecasts = [
        forecast_seasonal_naive,
        forecast_lightgbm_quantile,
        forecast_xgboost_quantile,
        forecast_profile_blend,
        forecast_chronos,
        forecast_timesfm,
        forecast_ensemble,
    ]
    champions = {}
    for task, pool in ((ESTIMATE, estimates), (FORECAST, forecasts)):
        try:
            champions[task] = champion.pick_champion(pool, task, rel_tolerance=CHAMPION_TOLERANCE).family
        except ValueError:
            context.log.warning(f"no evaluated {task} model: no champion")
    table = leaderboard.leaderboard_rows(estimates, forecasts, champions=champions)
    path = leaderboard_json_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(leaderboard.to_json_records(table), indent=1) + "\n", encoding="utf-8")
    not_evaluated = table.loc[~table["status"].isin(["evaluated", "published"]), ["model", "status"]]
    yield from emit(
        pl.from_pandas(table),
        metadata={
            "dagster/row_count": len(table),
            "leaderboard": dg.MetadataValue.md(leaderboard.to_markdown(table)),
            "champions": dg.MetadataValue.json(champions),
            "not_evaluated": dg.MetadataValue.json(not_evaluated.to_dict("records")),
            "json_path": dg.MetadataValue.path(str(path)),
        },
    )


@dg.asset(group_name=GROUP, kinds={"duckdb", "matplotlib"})
def forecast_horizon_bands(
    context: dg.AssetExecutionContext,
    forecast_seasonal_naive: ForecastResult,
    forecast_lightgbm_quantile: ForecastResult,
    forecast_xgboost_quantile: ForecastResult,
    forecast_profile_blend: ForecastResult,
    forecast_chronos: ForecastResult,
    forecast_timesfm: ForecastResult,
    forecast_ensemble: ForecastResult,
):
    """RMSE, MAE, MASE and the ratios to persistence by horizon band (15 min .. 24 h), per forecaster,
    split, plan regime and origins (daily 00:00; hourly, pooled and per origin hour, when the run's
    ``hourly_origin_step`` is set); the band figures and the deciles' reliability diagram as metadata."""
    results = [
        forecast_seasonal_naive,
        forecast_lightgbm_quantile,
        forecast_xgboost_quantile,
        forecast_profile_blend,
        forecast_chronos,
        forecast_timesfm,
        forecast_ensemble,
    ]
    table = leaderboard.band_rows(results)
    figures = [
        p
        for p in (
            forecast_quality.band_figure(table),
            forecast_quality.band_figure(table, origins="hourly"),
            forecast_quality.reliability_figure(results),
        )
        if p is not None
    ]
    reliability = forecast_quality.reliability_points(results)
    yield from emit(
        pl.from_pandas(table),
        metadata={
            "dagster/row_count": len(table),
            "figures": dg.MetadataValue.md(figure_markdown(figures)),
            "figure_paths": dg.MetadataValue.json([str(p) for p in figures]),
            "reliability_test": dg.MetadataValue.md(
                reliability.to_markdown(index=False, floatfmt=".3f") if len(reliability) else "none"
            ),
        },
    )


def promote(
    context: dg.AssetExecutionContext,
    mlflow: Any,
    store: ChampionStore,
    config: ChampionConfig,
    task: str,
    results: list,
    data_version: str,
    training_frame: pd.DataFrame,
    attachments: dict[str, pd.DataFrame] | None = None,
    score_on_window: Callable[[champion.Bundle, Any], comparison.WindowScores] | None = None,
    companions: Any = None,
) -> tuple[Any, dict[str, Any]]:
    """Pick the task's champion; if it beats the current one, log its model, register it (alias
    ``champion``) and write its bundle naming that registry version; returns the champion and the
    materialization's metadata.

    When the current champion was trained on other data, ``score_on_window(old_bundle, candidate)``
    scores it on the candidate's validation window and the decision compares those two scores (both
    kept in the new card's ``extra.promotion_comparison`` and in the metadata)."""
    candidate = champion.pick_champion(results, task, rel_tolerance=CHAMPION_TOLERANCE)
    root = store.folder(config.folder)
    card = champion.current_card(root, task)
    on_window, problem = _old_on_new_window(root, task, card, candidate, data_version, score_on_window)
    if config.force:
        on_window = None
    decided, reason = champion.promotion_decision(
        candidate, card, config.force, data_version, on_window=on_window, rescore_problem=problem
    )
    context.log.info(reason)
    compared = (
        {k: rounded(v) if isinstance(v, float) else v for k, v in on_window.as_dict().items()}
        if on_window is not None
        else None
    )
    folder = champion.bundle_folder(root, task)
    code_version = champion.code_version()
    logged = tracking.log_model_run(
        mlflow,
        run_name=f"champion-{task}",
        params={"family": candidate.family, "promoted": decided},
        metrics=tracking.flat_metrics("validation_", candidate.metrics.get(VALIDATION) or {}),
        tags={
            "task": task,
            "decision": reason,
            "data_version": data_version,
            "code_version": code_version,
            **dagster_tags(context),
        },
        result=candidate if decided else None,
        example=tracking.input_example(candidate, training_frame) if decided else None,
    )
    metadata: dict[str, Any] = {}
    if decided:
        models, sections = companions(candidate) if companions is not None else ({}, {})
        name = tracking.registered_name(task)
        version = tracking.register_champion(
            logged.model_uri,
            task,
            tags={"data_version": data_version, "code_version": code_version, "family": candidate.family},
        )
        registry = {
            "name": name,
            "version": version,
            "alias": tracking.CHAMPION_ALIAS,
            "mlflow_run": logged.url,
        }
        folder = champion.write_bundle(
            candidate,
            root,
            data_version=data_version,
            code_version=code_version,
            extra={
                "training_data_version": data_version,
                "promotion": reason,
                "registry": registry,
                "promotion_comparison": compared,
            },
            attachments=attachments,
            companions=models,
            sections=sections,
        )
        metadata.update({f"card_{k}": dg.MetadataValue.json(_rounded(v)) for k, v in sections.items()})
        tracking.set_champion_alias(task, version)
        metadata["registered_model"] = f"{name} version {version} (@{tracking.CHAMPION_ALIAS})"
    if folder.exists():
        tracking.log_artifact_to(logged.run_id, folder / champion.BUNDLE_FILE)
    return candidate, readable(
        {
            "family": candidate.family,
            "promoted": decided,
            "decision": dg.MetadataValue.md(reason),
            "bundle_path": dg.MetadataValue.path(str(folder)),
            "mlflow_run": dg.MetadataValue.url(logged.url),
            **metadata,
            **({"promotion_comparison": dg.MetadataValue.json(compared)} if compared else {}),
            **(
                {
                    "new_window_old_champion_rmse": compared["champion_rmse"],
                    "new_window_candidate_rmse": compared["candidate_rmse"],
                }
                if compared
                else {}
            ),
            **{k: v for k, v in split_metrics(candidate).items() if isinstance(v, float)},
        }
    )


def _old_on_new_window(
    root: Path,
    task: str,
    card: dict[str, Any] | None,
    candidate: Any,
    data_version: str,
    score_on_window: Callable[[champion.Bundle, Any], comparison.WindowScores] | None,
) -> tuple[comparison.WindowScores | None, str | None]:
    """The serving champion scored on the candidate's validation window, when it was trained on
    other data (else None: the card's validation score is from the same window)."""
    if card is None or score_on_window is None:
        return None, None
    if (card.get("extra") or {}).get("training_data_version") == data_version:
        return None, None
    try:
        return score_on_window(champion.load_bundle(champion.bundle_folder(root, task)), candidate), None
    except (champion.BundleError, OSError, ValueError, KeyError) as exc:
        return None, f"it could not be scored on the new window: {exc}"


@dg.asset(group_name=GROUP, kinds={"mlflow", "shap"})
def champion_estimate_model(
    context: dg.AssetExecutionContext,
    config: ChampionConfig,
    champion_store: ChampionStore,
    mlflow: dg.ResourceParam[Any],
    steel_features: pl.DataFrame,
    steel_splits: pl.DataFrame,
    estimate_physics: EstimateResult,
    estimate_hybrid: EstimateResult,
    estimate_cubist: EstimateResult,
    estimate_xgboost: EstimateResult,
    estimate_lightgbm: EstimateResult,
) -> dg.MaterializeResult:
    """The estimate champion (best validation RMSE) as a self-contained bundle, with its SHAP summary;
    after the history moved, the serving champion is scored on the new validation window first and
    kept unless the candidate beats it there."""
    feats = frames.to_pandas(steel_features)
    results = [estimate_physics, estimate_hybrid, estimate_cubist, estimate_xgboost, estimate_lightgbm]
    data_version = frame_version(feats[list(schema.CLEAN_COLUMNS)])
    data = estimate_datasets(feats, frames.to_pandas(steel_splits))[TEMPORAL]

    def on_window(old: champion.Bundle, candidate: EstimateResult) -> comparison.WindowScores:
        return comparison.estimate_on_window(old.model, old.feature_columns, data, candidate, old.family)

    candidate, metadata = promote(
        context,
        mlflow,
        champion_store,
        config,
        ESTIMATE,
        results,
        data_version,
        feats,
        score_on_window=on_window,
    )
    summary = explain.shap_summary(candidate.model, data.X_test, list(candidate.model.feature_names))
    plot = paths.reports_dir() / "shap_estimate_champion.png"
    explain.save_summary_plot(summary, plot, title=f"SHAP, estimate champion ({candidate.family})")
    mlflow.log_artifact(str(plot))
    metadata["shap_summary"] = dg.MetadataValue.md(summary.to_markdown(index=False, floatfmt=".4g"))
    metadata["shap_plot"] = dg.MetadataValue.path(str(plot))
    return dg.MaterializeResult(metadata=metadata)


@dg.asset(group_name=GROUP, kinds={"mlflow"})
def champion_forecast_model(
    context: dg.AssetExecutionContext,
    config: ChampionConfig,
    champion_store: ChampionStore,
    mlflow: dg.ResourceParam[Any],
    plant_readings: pl.DataFrame,
    forecast_seasonal_naive: ForecastResult,
    forecast_lightgbm_quantile: ForecastResult,
    forecast_xgboost_quantile: ForecastResult,
    forecast_profile_blend: ForecastResult,
    forecast_chronos: ForecastResult,
    forecast_timesfm: ForecastResult,
    forecast_ensemble: ForecastResult,
    forecast_nowcast: ForecastResult,
) -> dg.MaterializeResult:
    """The forecast champion as a bundle, with the recent history the API forecasts from and the
    intraday nowcast it switches to at origins during the operating day, by the rule chosen on
    validation (the card's ``intraday`` entry); after the history moved, the serving champion is
    backtested on the candidate's validation origins first and kept unless the candidate beats it
    there."""
    clean = frames.to_pandas(plant_readings)

    def on_window(old: champion.Bundle, candidate: ForecastResult) -> comparison.WindowScores:
        return comparison.forecast_on_window(old.model, clean, candidate, old.family)

    results = [
        forecast_seasonal_naive,
        forecast_lightgbm_quantile,
        forecast_xgboost_quantile,
        forecast_profile_blend,
        forecast_chronos,
        forecast_timesfm,
        forecast_ensemble,
    ]
    last = clean[schema.TIMESTAMP].max()
    history = clean[clean[schema.TIMESTAMP] > last - pd.Timedelta(days=HISTORY_DAYS)].reset_index(drop=True)

    served: dict[str, Any] = {}  # the promoted card's intraday.served_15min

    def with_nowcast(candidate: ForecastResult) -> tuple[dict[str, Any], dict[str, Any]]:
        rule = intraday.intraday_entry(candidate, forecast_nowcast, frames.on_ns(clean))
        served.update((rule or {}).get(intraday.SERVED_15MIN_KEY) or {})
        if rule is None or not rule["bands"] or forecast_nowcast.model is None:
            context.log.info(f"no intraday switch for {candidate.family}: {rule}")
            return {}, {} if rule is None else {INTRADAY_CARD_KEY: rule}
        context.log.info(f"intraday switch: nowcast for horizons 1..{rule['horizons']} ({rule['bands']})")
        return {rule["model_dir"]: forecast_nowcast.model}, {INTRADAY_CARD_KEY: rule}

    _, metadata = promote(
        context,
        mlflow,
        champion_store,
        config,
        FORECAST,
        results,
        frame_version(clean),
        clean,
        attachments={"history.parquet": history},
        score_on_window=on_window,
        companions=with_nowcast,
    )
    metadata["history_rows"] = len(history)
    # the served forecast 15 minutes ahead at the hourly operating-day origins (card: intraday.served_15min)
    served_15min: dict[str, Any] = {"served_15min_model": served["model"]} if served else {}
    for split in (VALIDATION, TEST):
        for key, value in (served.get(split) or {}).items():
            if value is not None:
                served_15min[f"served_15min_{split}_{key}"] = float(value)
    metadata.update(readable(served_15min))
    return dg.MaterializeResult(metadata=metadata)
