"""Training: one asset per model family and task, each written out (a name grep finds it).

Each family asset returns a training result (fitted model + scores) that the ``model_store`` IO
manager keeps as a folder in the model's native format, and logs a nested MLflow run
(dagster-mlflow). Estimate families are scored on the temporal validation/test split and the
paper's random 75/25 split; forecasters by rolling-origin backtests with one origin per day over the
validation and test windows.
"""

from typing import Any

import dagster as dg
import polars as pl

from energy_assets.defs.resources import ComputeDevice
from energy_assets.defs.training.runs import (
    GROUP,
    POOL,
    EstimateTrainingConfig,
    ForecastTrainingConfig,
    frame_version,
    result_output,
)
from energy_assets.domain.data import frames, schema
from energy_assets.domain.training.estimate import estimate_datasets, evaluate_estimator
from energy_assets.domain.training.forecast import evaluate_ensemble, evaluate_forecaster
from energy_assets.domain.training.intraday import evaluate_nowcast
from energy_assets.domain.training.results import ForecastResult

MODEL_STORE = "model_store"


def train_estimate(
    family: str,
    context: dg.AssetExecutionContext,
    config: EstimateTrainingConfig,
    compute_device: ComputeDevice,
    mlflow: Any,
    steel_features: pl.DataFrame,
    steel_splits: pl.DataFrame,
) -> dg.Output:
    """Tune (trees), fit and score one estimate family on both protocols."""
    feats = frames.to_pandas(steel_features)
    data = estimate_datasets(feats, frames.to_pandas(steel_splits))
    result = evaluate_estimator(
        family,
        data,
        n_trials=config.n_trials,
        timeout_s=config.timeout_s,
        seed=config.seed,
        n_jobs=config.n_jobs,
        device=compute_device.choice(),
    )
    context.log.info(f"{family}: {result.metrics}")
    version = frame_version(feats[list(schema.CLEAN_COLUMNS)])
    return result_output(mlflow, context, result, version, feats, "steel_features")


def train_forecast(
    family: str,
    context: dg.AssetExecutionContext,
    config: ForecastTrainingConfig,
    compute_device: ComputeDevice,
    mlflow: Any,
    plant_readings: pl.DataFrame,
    steel_splits: pl.DataFrame,
) -> dg.Output:
    """Fit one forecaster and backtest it on daily origins of the validation and test windows."""
    clean = frames.to_pandas(plant_readings)
    forecast_config = config.forecast_config(compute_device.choice())
    result = evaluate_forecaster(family, clean, frames.to_pandas(steel_splits), config=forecast_config)
    context.log.info(f"{family}: {result.status} {result.metrics}")
    return result_output(mlflow, context, result, frame_version(clean), clean, "plant_readings")


@dg.asset(group_name=GROUP, kinds={"mlflow", "python"}, io_manager_key=MODEL_STORE, pool=POOL)
def estimate_physics(
    context: dg.AssetExecutionContext,
    config: EstimateTrainingConfig,
    compute_device: ComputeDevice,
    mlflow: dg.ResourceParam[Any],
    steel_features: pl.DataFrame,
    steel_splits: pl.DataFrame,
) -> dg.Output:
    """The physics estimator: kWh from the power triangle alone, no learning."""
    return train_estimate("physics", context, config, compute_device, mlflow, steel_features, steel_splits)


@dg.asset(group_name=GROUP, kinds={"lightgbm", "mlflow"}, io_manager_key=MODEL_STORE, pool=POOL)
def estimate_hybrid(
    context: dg.AssetExecutionContext,
    config: EstimateTrainingConfig,
    compute_device: ComputeDevice,
    mlflow: dg.ResourceParam[Any],
    steel_features: pl.DataFrame,
    steel_splits: pl.DataFrame,
) -> dg.Output:
    """Physics plus a LightGBM residual, clipped into the interval the rounded readings allow."""
    return train_estimate("hybrid", context, config, compute_device, mlflow, steel_features, steel_splits)


@dg.asset(group_name=GROUP, kinds={"mlflow", "python"}, io_manager_key=MODEL_STORE, pool=POOL)
def estimate_cubist(
    context: dg.AssetExecutionContext,
    config: EstimateTrainingConfig,
    compute_device: ComputeDevice,
    mlflow: dg.ResourceParam[Any],
    steel_features: pl.DataFrame,
    steel_splits: pl.DataFrame,
) -> dg.Output:
    """CUBIST rules with committees and neighbours: the published study's model, reproduced."""
    return train_estimate("cubist", context, config, compute_device, mlflow, steel_features, steel_splits)


@dg.asset(group_name=GROUP, kinds={"mlflow", "xgboost"}, io_manager_key=MODEL_STORE, pool=POOL)
def estimate_xgboost(
    context: dg.AssetExecutionContext,
    config: EstimateTrainingConfig,
    compute_device: ComputeDevice,
    mlflow: dg.ResourceParam[Any],
    steel_features: pl.DataFrame,
    steel_splits: pl.DataFrame,
) -> dg.Output:
    """XGBoost trees tuned with Optuna on time-ordered folds."""
    return train_estimate("xgboost", context, config, compute_device, mlflow, steel_features, steel_splits)


@dg.asset(group_name=GROUP, kinds={"lightgbm", "mlflow"}, io_manager_key=MODEL_STORE, pool=POOL)
def estimate_lightgbm(
    context: dg.AssetExecutionContext,
    config: EstimateTrainingConfig,
    compute_device: ComputeDevice,
    mlflow: dg.ResourceParam[Any],
    steel_features: pl.DataFrame,
    steel_splits: pl.DataFrame,
) -> dg.Output:
    """LightGBM trees tuned with Optuna on time-ordered folds."""
    return train_estimate("lightgbm", context, config, compute_device, mlflow, steel_features, steel_splits)


@dg.asset(group_name=GROUP, kinds={"mlflow", "python"}, io_manager_key=MODEL_STORE, pool=POOL)
def forecast_seasonal_naive(
    context: dg.AssetExecutionContext,
    config: ForecastTrainingConfig,
    compute_device: ComputeDevice,
    mlflow: dg.ResourceParam[Any],
    plant_readings: pl.DataFrame,
    steel_splits: pl.DataFrame,
) -> dg.Output:
    """The weekly seasonal naive: every forecaster's MASE is measured against it."""
    return train_forecast(
        "seasonal_naive", context, config, compute_device, mlflow, plant_readings, steel_splits
    )


@dg.asset(group_name=GROUP, kinds={"lightgbm", "mlflow"}, io_manager_key=MODEL_STORE, pool=POOL)
def forecast_lightgbm_quantile(
    context: dg.AssetExecutionContext,
    config: ForecastTrainingConfig,
    compute_device: ComputeDevice,
    mlflow: dg.ResourceParam[Any],
    plant_readings: pl.DataFrame,
    steel_splits: pl.DataFrame,
) -> dg.Output:
    """LightGBM direct multi-horizon quantile forecaster, calibrated on validation."""
    return train_forecast(
        "lightgbm_quantile", context, config, compute_device, mlflow, plant_readings, steel_splits
    )


@dg.asset(group_name=GROUP, kinds={"mlflow", "xgboost"}, io_manager_key=MODEL_STORE, pool=POOL)
def forecast_xgboost_quantile(
    context: dg.AssetExecutionContext,
    config: ForecastTrainingConfig,
    compute_device: ComputeDevice,
    mlflow: dg.ResourceParam[Any],
    plant_readings: pl.DataFrame,
    steel_splits: pl.DataFrame,
) -> dg.Output:
    """XGBoost direct multi-horizon quantile forecaster, calibrated on validation."""
    return train_forecast(
        "xgboost_quantile", context, config, compute_device, mlflow, plant_readings, steel_splits
    )


@dg.asset(group_name=GROUP, kinds={"lightgbm", "mlflow"}, io_manager_key=MODEL_STORE, pool=POOL)
def forecast_profile_blend(
    context: dg.AssetExecutionContext,
    config: ForecastTrainingConfig,
    compute_device: ComputeDevice,
    mlflow: dg.ResourceParam[Any],
    plant_readings: pl.DataFrame,
    steel_splits: pl.DataFrame,
) -> dg.Output:
    """LightGBM blended with day-class profiles (issue 17's day-ahead model), calibrated on validation."""
    return train_forecast(
        "profile_blend", context, config, compute_device, mlflow, plant_readings, steel_splits
    )


@dg.asset(group_name=GROUP, kinds={"mlflow", "pytorch"}, io_manager_key=MODEL_STORE, pool=POOL)
def forecast_chronos(
    context: dg.AssetExecutionContext,
    config: ForecastTrainingConfig,
    compute_device: ComputeDevice,
    mlflow: dg.ResourceParam[Any],
    plant_readings: pl.DataFrame,
    steel_splits: pl.DataFrame,
) -> dg.Output:
    """Chronos (Chronos-2 / Chronos-Bolt) on its real weights, or not evaluated without them."""
    return train_forecast("chronos", context, config, compute_device, mlflow, plant_readings, steel_splits)


@dg.asset(group_name=GROUP, kinds={"mlflow", "pytorch"}, io_manager_key=MODEL_STORE, pool=POOL)
def forecast_timesfm(
    context: dg.AssetExecutionContext,
    config: ForecastTrainingConfig,
    compute_device: ComputeDevice,
    mlflow: dg.ResourceParam[Any],
    plant_readings: pl.DataFrame,
    steel_splits: pl.DataFrame,
) -> dg.Output:
    """TimesFM 2.5 zero-shot on its real weights, or not evaluated without them."""
    return train_forecast("timesfm", context, config, compute_device, mlflow, plant_readings, steel_splits)


@dg.asset(group_name=GROUP, kinds={"mlflow", "python"}, io_manager_key=MODEL_STORE, pool=POOL)
def forecast_ensemble(
    context: dg.AssetExecutionContext,
    config: ForecastTrainingConfig,
    compute_device: ComputeDevice,
    mlflow: dg.ResourceParam[Any],
    plant_readings: pl.DataFrame,
    steel_splits: pl.DataFrame,
    forecast_seasonal_naive: ForecastResult,
    forecast_lightgbm_quantile: ForecastResult,
    forecast_xgboost_quantile: ForecastResult,
    forecast_profile_blend: ForecastResult,
    forecast_chronos: ForecastResult,
    forecast_timesfm: ForecastResult,
) -> dg.Output:
    """Weighted ensemble of the two forecasters with the best validation RMSE."""
    clean = frames.to_pandas(plant_readings)
    members = [
        forecast_seasonal_naive,
        forecast_lightgbm_quantile,
        forecast_xgboost_quantile,
        forecast_profile_blend,
        forecast_chronos,
        forecast_timesfm,
    ]
    forecast_config = config.forecast_config(compute_device.choice())
    result = evaluate_ensemble(members, clean, frames.to_pandas(steel_splits), config=forecast_config)
    return result_output(mlflow, context, result, frame_version(clean), clean, "plant_readings")


@dg.asset(group_name=GROUP, kinds={"lightgbm", "mlflow"}, io_manager_key=MODEL_STORE, pool=POOL)
def forecast_nowcast(
    context: dg.AssetExecutionContext,
    config: ForecastTrainingConfig,
    compute_device: ComputeDevice,
    mlflow: dg.ResourceParam[Any],
    plant_readings: pl.DataFrame,
    steel_splits: pl.DataFrame,
) -> dg.Output:
    """The intraday nowcast (the next 4 h from the latest readings), backtested at the hourly origins
    during the operating day; the forecast champion ships it with the switch chosen on validation."""
    clean = frames.to_pandas(plant_readings)
    forecast_config = config.forecast_config(compute_device.choice())
    result = evaluate_nowcast(clean, frames.to_pandas(steel_splits), config=forecast_config)
    context.log.info(f"nowcast: {result.metrics}")
    return result_output(mlflow, context, result, frame_version(clean), clean, "plant_readings")


#: Asset keys of the family assets (run config is keyed by them).
ESTIMATE_KEYS: dict[str, str] = {
    "physics": "estimate_physics",
    "hybrid": "estimate_hybrid",
    "cubist": "estimate_cubist",
    "xgboost": "estimate_xgboost",
    "lightgbm": "estimate_lightgbm",
}
FORECAST_KEYS: dict[str, str] = {
    "seasonal_naive": "forecast_seasonal_naive",
    "lightgbm_quantile": "forecast_lightgbm_quantile",
    "xgboost_quantile": "forecast_xgboost_quantile",
    "profile_blend": "forecast_profile_blend",
    "chronos": "forecast_chronos",
    "timesfm": "forecast_timesfm",
}
ENSEMBLE_KEY = "forecast_ensemble"
NOWCAST_KEY = "forecast_nowcast"
