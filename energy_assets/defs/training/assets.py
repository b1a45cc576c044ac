"""Training: one asset per model family and task, the leaderboard, and one champion per task.

Family assets return a training result (fitted model + scores) that the ``model_store`` IO manager
keeps as a folder in the model's native format; the leaderboard and the champions read exactly the
results their inputs name. Every family logs a nested MLflow run (dagster-mlflow).
"""

import json
import os
from pathlib import Path
from typing import Any

import dagster as dg
import pandas as pd
import polars as pl

from energy_assets.defs.outputs import emit
from energy_assets.domain import paths
from energy_assets.domain.data import frames, schema
from energy_assets.domain.reporting import explain
from energy_assets.domain.tasks import ESTIMATE, FORECAST, TEMPORAL, VALIDATION
from energy_assets.domain.training import champion, leaderboard, tracking
from energy_assets.domain.training.estimate import (
    DEFAULT_ESTIMATE_TIMEOUT_S,
    DEFAULT_ESTIMATE_TRIALS,
    ESTIMATE_FAMILIES,
    estimate_datasets,
    evaluate_estimator,
)
from energy_assets.domain.training.forecast import (
    CLASSICAL_FORECASTERS,
    FOUNDATION_FORECASTERS,
    ForecastConfig,
    evaluate_ensemble,
    evaluate_forecaster,
)
from energy_assets.domain.training.results import EstimateResult, ForecastResult

GROUP = "training"
POOL = "training"
ESTIMATE_KEYS = {family: f"estimate_{family}" for family in ESTIMATE_FAMILIES}
FORECAST_FAMILIES = (*CLASSICAL_FORECASTERS, *FOUNDATION_FORECASTERS)
FORECAST_KEYS = {family: f"forecast_{family}" for family in FORECAST_FAMILIES}
ENSEMBLE_KEY = "forecast_ensemble"
KINDS = {
    "physics": {"python"},
    "hybrid": {"lightgbm"},
    "cubist": {"python"},
    "xgboost": {"xgboost"},
    "lightgbm": {"lightgbm"},
    "seasonal_naive": {"python"},
    "lightgbm_quantile": {"lightgbm"},
    "xgboost_quantile": {"xgboost"},
    "chronos": {"pytorch"},
    "timesfm": {"pytorch"},
}
#: Models within 1 % of the best validation RMSE count as tied; the smallest saved model wins
#: (on the 2018 data: physics, 0.4 KB, over hybrid, 0.3 % better on validation but worse on test).
CHAMPION_TOLERANCE = 0.01
#: Days of cleaned history shipped with the forecast champion (enough for the weekly lags).
HISTORY_DAYS = 35


class EstimateTrainingConfig(dg.Config):
    """Tuning budget of the estimate families (Optuna trials / seconds, for xgboost and lightgbm)."""

    n_trials: int = DEFAULT_ESTIMATE_TRIALS
    timeout_s: float = DEFAULT_ESTIMATE_TIMEOUT_S
    n_jobs: int = 2
    seed: int = 42


class ForecastTrainingConfig(dg.Config):
    """Backtest size, model sizes and where foundation-model weights are (hub id or local path)."""

    max_origins: int | None = None  # None: one origin per day of each window
    n_estimators: int | None = None  # override for the boosted quantile forecasters
    n_jobs: int = 2
    seed: int = 42
    chronos_model: str = os.environ.get("ENERGY_CHRONOS_MODEL", "amazon/chronos-2")
    chronos_finetune_steps: int = 0
    timesfm_model: str = os.environ.get("ENERGY_TIMESFM_MODEL", "google/timesfm-2.5-200m-pytorch")

    def forecast_config(self) -> ForecastConfig:
        params: dict[str, dict[str, Any]] = {
            "chronos": {
                "model_id_or_path": self.chronos_model,
                "finetune_steps": self.chronos_finetune_steps,
            },
            "timesfm": {"model_id_or_path": self.timesfm_model},
        }
        if self.n_estimators is not None:
            for name in ("lightgbm_quantile", "xgboost_quantile"):
                params[name] = {"n_estimators": self.n_estimators}
        return ForecastConfig(max_origins=self.max_origins, params=params, seed=self.seed, n_jobs=self.n_jobs)


def frame_version(frame: pd.DataFrame) -> str:
    """Content hash of a training table: the data version recorded with every model and metric."""
    return tracking.frame_version(frame)


def _split_metrics(result: EstimateResult | ForecastResult) -> dict[str, Any]:
    return {"status": result.status, "device": result.device, **tracking.score_metrics(result)}


def _log_result(context, result, data_version: str) -> None:
    tracking.log_model_run(
        context.resources.mlflow,
        run_name=f"{result.task}-{result.family}",
        params=result.params,
        metrics=tracking.result_metrics(result),
        tags={
            **tracking.result_tags(result),
            "data_version": data_version,
            "code_version": champion.code_version(),
            "dagster_run_id": context.run_id,
        },
    )


def _result_output(context, result, data_version: str) -> dg.Output:
    _log_result(context, result, data_version)
    metadata = {
        **_split_metrics(result),
        "data_version": data_version,
        "code_version": champion.code_version(),
    }
    if result.fit_seconds is not None:
        metadata["fit_seconds"] = float(result.fit_seconds)
    detail = getattr(result, "detail", None)
    if detail:
        metadata["detail"] = detail
    return dg.Output(result, metadata=metadata)


def _estimate_asset(family: str) -> dg.AssetsDefinition:
    @dg.asset(
        name=ESTIMATE_KEYS[family],
        group_name=GROUP,
        kinds=KINDS[family] | {"mlflow"},
        io_manager_key="model_store",
        required_resource_keys={"mlflow"},
        pool=POOL,
        code_version="1",
        description=f"The {family} estimator (usage_kwh from the same interval's readings), scored on the "
        "temporal validation/test split and the paper's random 75/25 split.",
    )
    def _asset(
        context: dg.AssetExecutionContext,
        config: EstimateTrainingConfig,
        steel_features: pl.DataFrame,
        steel_splits: pl.DataFrame,
    ) -> dg.Output:
        feats = frames.to_pandas(steel_features)
        data = estimate_datasets(feats, frames.to_pandas(steel_splits))
        result = evaluate_estimator(
            family,
            data,
            n_trials=config.n_trials,
            timeout_s=config.timeout_s,
            seed=config.seed,
            n_jobs=config.n_jobs,
        )
        context.log.info(f"{family}: {result.metrics}")
        return _result_output(context, result, frame_version(feats[list(schema.CLEAN_COLUMNS)]))

    return _asset


def _forecast_asset(family: str) -> dg.AssetsDefinition:
    @dg.asset(
        name=FORECAST_KEYS[family],
        group_name=GROUP,
        kinds=KINDS[family] | {"mlflow"},
        io_manager_key="model_store",
        required_resource_keys={"mlflow"},
        pool=POOL,
        code_version="1",
        description=f"The {family} forecaster (next 96 intervals with quantiles), rolling-origin backtests "
        "with one origin per day over the validation and test windows.",
    )
    def _asset(
        context: dg.AssetExecutionContext,
        config: ForecastTrainingConfig,
        cleaned_steel_readings: pl.DataFrame,
        steel_splits: pl.DataFrame,
    ) -> dg.Output:
        clean = frames.to_pandas(cleaned_steel_readings)
        result = evaluate_forecaster(
            family, clean, frames.to_pandas(steel_splits), config=config.forecast_config()
        )
        context.log.info(f"{family}: {result.status} {result.metrics}")
        return _result_output(context, result, frame_version(clean))

    return _asset


ESTIMATE_ASSETS = [_estimate_asset(f) for f in ESTIMATE_FAMILIES]
FORECAST_ASSETS = [_forecast_asset(f) for f in FORECAST_FAMILIES]


@dg.asset(
    group_name=GROUP,
    kinds={"python", "mlflow"},
    io_manager_key="model_store",
    required_resource_keys={"mlflow"},
    pool=POOL,
    code_version="1",
    ins={
        "cleaned_steel_readings": dg.AssetIn(),
        "steel_splits": dg.AssetIn(),
        **{key: dg.AssetIn(key=key) for key in FORECAST_KEYS.values()},
    },
)
def forecast_ensemble(
    context: dg.AssetExecutionContext, config: ForecastTrainingConfig, **inputs
) -> dg.Output:
    """Weighted ensemble of the two forecasters with the best validation RMSE."""
    clean = frames.to_pandas(inputs.pop("cleaned_steel_readings"))
    split_frame = frames.to_pandas(inputs.pop("steel_splits"))
    members = [inputs[key] for key in FORECAST_KEYS.values()]
    result = evaluate_ensemble(members, clean, split_frame, config=config.forecast_config())
    return _result_output(context, result, frame_version(clean))


ALL_RESULT_KEYS = [*ESTIMATE_KEYS.values(), *FORECAST_KEYS.values(), ENSEMBLE_KEY]


def leaderboard_json_path() -> Path:
    return paths.reports_dir() / "leaderboard.json"


@dg.asset(
    group_name=GROUP,
    kinds={"duckdb"},
    code_version="1",
    ins={key: dg.AssetIn(key=key) for key in ALL_RESULT_KEYS},
)
def model_leaderboard(context: dg.AssetExecutionContext, **results):
    """Every family side by side, the published CUBIST anchor beside them, champions marked."""
    estimates = [results[k] for k in ESTIMATE_KEYS.values()]
    forecasts = [results[k] for k in [*FORECAST_KEYS.values(), ENSEMBLE_KEY]]
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


class ChampionConfig(dg.Config):
    """Where bundles go (``ENERGY_CHAMPION_DIR`` or ``<data dir>/champion``) and the promotion rule."""

    folder: str = ""
    force: bool = False  # promote even if the current champion scores better on validation

    def root(self) -> Path:
        if self.folder:
            return paths.resolve(self.folder)
        return Path(os.environ.get("ENERGY_CHAMPION_DIR", paths.data_dir() / "champion")).resolve()


def promotion_decision(
    candidate, current_card: dict[str, Any] | None, force: bool, data_version: str
) -> tuple[bool, str]:
    """Promote when there is no champion, when forced, or when the candidate's validation RMSE is lower.

    Validation scores are comparable only on the same data: a champion trained on other data
    (another data version) is replaced.
    """
    new = candidate.validation_rmse
    if current_card is None:
        return True, f"no current champion; {candidate.family} validation RMSE {new:.4f}"
    old = (current_card.get("metrics") or {}).get(VALIDATION, {}) or {}
    old_rmse = old.get("rmse")
    if force:
        return True, f"forced; {candidate.family} {new:.4f} replaces {current_card.get('family')} {old_rmse}"
    if (current_card.get("extra") or {}).get("training_data_version") != data_version:
        return True, f"current champion was trained on other data; {candidate.family} {new:.4f} promoted"
    if old_rmse is None or new < old_rmse:
        return (
            True,
            f"{candidate.family} validation RMSE {new:.4f} beats {current_card.get('family')} {old_rmse}",
        )
    return (
        False,
        f"kept {current_card.get('family')} (validation RMSE {old_rmse}) over {candidate.family} ({new:.4f})",
    )


def _current_card(root: Path, task: str) -> dict[str, Any] | None:
    try:
        return champion.read_bundle_card(champion.bundle_folder(root, task))
    except (champion.BundleError, FileNotFoundError, OSError):
        return None


def _promote(context, task: str, results: list, config: ChampionConfig, data_version: str, attachments=None):
    candidate = champion.pick_champion(results, task, rel_tolerance=CHAMPION_TOLERANCE)
    root = config.root()
    promote, reason = promotion_decision(candidate, _current_card(root, task), config.force, data_version)
    context.log.info(reason)
    folder = champion.bundle_folder(root, task)
    if promote:
        folder = champion.write_bundle(
            candidate,
            root,
            data_version=data_version,
            extra={"training_data_version": data_version, "promotion": reason},
            attachments=attachments,
        )
    tracking.log_model_run(
        context.resources.mlflow,
        run_name=f"champion-{task}",
        params={"family": candidate.family, "promoted": promote},
        metrics=tracking.flat_metrics("validation_", candidate.metrics.get(VALIDATION) or {}),
        tags={
            "task": task,
            "decision": reason,
            "data_version": data_version,
            "code_version": champion.code_version(),
        },
        artifacts=[folder / champion.BUNDLE_FILE] if folder.exists() else [],
    )
    return candidate, promote, reason, folder


def _champion_metadata(candidate, promote: bool, reason: str, folder: Path) -> dict[str, Any]:
    return {
        "family": candidate.family,
        "promoted": promote,
        "decision": reason,
        "bundle_path": dg.MetadataValue.path(str(folder)),
        **{k: v for k, v in _split_metrics(candidate).items() if isinstance(v, float)},
    }


@dg.asset(
    group_name=GROUP,
    kinds={"mlflow", "shap"},
    required_resource_keys={"mlflow"},
    code_version="1",
    ins={
        "steel_features": dg.AssetIn(),
        "steel_splits": dg.AssetIn(),
        **{key: dg.AssetIn(key=key) for key in ESTIMATE_KEYS.values()},
    },
)
def champion_estimate_model(context: dg.AssetExecutionContext, config: ChampionConfig, **inputs):
    """The estimate champion (best validation RMSE) as a self-contained bundle, with its SHAP summary."""
    feats = frames.to_pandas(inputs.pop("steel_features"))
    split_frame = frames.to_pandas(inputs.pop("steel_splits"))
    results = [inputs[key] for key in ESTIMATE_KEYS.values()]
    data_version = frame_version(feats[list(schema.CLEAN_COLUMNS)])
    candidate, promote, reason, folder = _promote(context, ESTIMATE, results, config, data_version)
    data = estimate_datasets(feats, split_frame)[TEMPORAL]
    summary = explain.shap_summary(candidate.model, data.X_test, list(candidate.model.feature_names))
    plot = paths.reports_dir() / "shap_estimate_champion.png"
    explain.save_summary_plot(summary, plot, title=f"SHAP, estimate champion ({candidate.family})")
    context.resources.mlflow.log_artifact(str(plot))
    metadata = _champion_metadata(candidate, promote, reason, folder)
    metadata["shap_summary"] = dg.MetadataValue.md(summary.to_markdown(index=False, floatfmt=".4g"))
    metadata["shap_plot"] = dg.MetadataValue.path(str(plot))
    return dg.MaterializeResult(metadata=metadata)


@dg.asset(
    group_name=GROUP,
    kinds={"mlflow"},
    required_resource_keys={"mlflow"},
    code_version="1",
    ins={
        "cleaned_steel_readings": dg.AssetIn(),
        **{key: dg.AssetIn(key=key) for key in [*FORECAST_KEYS.values(), ENSEMBLE_KEY]},
    },
)
def champion_forecast_model(context: dg.AssetExecutionContext, config: ChampionConfig, **inputs):
    """The forecast champion as a bundle, with the recent history the API forecasts from."""
    clean = frames.to_pandas(inputs.pop("cleaned_steel_readings"))
    results = [inputs[key] for key in [*FORECAST_KEYS.values(), ENSEMBLE_KEY]]
    last = clean[schema.TIMESTAMP].max()
    history = clean[clean[schema.TIMESTAMP] > last - pd.Timedelta(days=HISTORY_DAYS)].reset_index(drop=True)
    candidate, promote, reason, folder = _promote(
        context,
        FORECAST,
        results,
        config,
        frame_version(clean),
        attachments={"history.parquet": history},
    )
    metadata = _champion_metadata(candidate, promote, reason, folder)
    metadata["history_rows"] = len(history)
    return dg.MaterializeResult(metadata=metadata)
