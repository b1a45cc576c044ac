"""What every training asset shares: its run config, the MLflow run it logs, the metadata it shows."""

import os
from typing import Any

import dagster as dg
import pandas as pd

from energy_assets.defs.outputs import readable
from energy_assets.domain import paths
from energy_assets.domain.training import champion, tracking
from energy_assets.domain.training.estimate import DEFAULT_ESTIMATE_TIMEOUT_S, DEFAULT_ESTIMATE_TRIALS
from energy_assets.domain.training.forecast import ForecastConfig
from energy_assets.domain.training.results import EstimateResult, ForecastResult

GROUP = "training"
POOL = "training"
#: Models within 1 % of the best validation RMSE count as tied; the smallest saved model wins
#: (on the 2018 data: physics, 0.4 KB, over hybrid, 0.3 % better on validation but worse on test).
CHAMPION_TOLERANCE = 0.01
#: Days of cleaned history shipped with the forecast champion (enough for the weekly lags).
HISTORY_DAYS = 35
CHRONOS_MODEL_ENV = "ENERGY_CHRONOS_MODEL"
TIMESFM_MODEL_ENV = "ENERGY_TIMESFM_MODEL"

Result = EstimateResult | ForecastResult


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
    chronos_model: str = os.environ.get(CHRONOS_MODEL_ENV, "amazon/chronos-2")
    chronos_finetune_steps: int = 0
    timesfm_model: str = os.environ.get(TIMESFM_MODEL_ENV, "google/timesfm-2.5-200m-pytorch")
    #: Also backtest at origins 00:00, 03:00, ..., 21:00 of every window day (every
    #: ``hourly_origin_step``-th hour; scored by horizon band and origin hour in forecast_horizon_bands;
    #: about 1/8 of the benchmark's all-hours cost); None: daily 00:00 origins only.
    hourly_origin_step: int | None = 3

    def forecast_config(self, device: str) -> ForecastConfig:
        """The domain's config; ``device`` is the run's ENERGY_DEVICE request (``ComputeDevice``)."""
        params: dict[str, dict[str, Any]] = {
            "chronos": {
                "model_id_or_path": self.chronos_model,
                "finetune_steps": self.chronos_finetune_steps,
            },
            "timesfm": {"model_id_or_path": self.timesfm_model},
        }
        if self.n_estimators is not None:
            for name in ("lightgbm_quantile", "xgboost_quantile", "profile_blend", "nowcast"):
                params[name] = {"n_estimators": self.n_estimators}
        return ForecastConfig(
            max_origins=self.max_origins,
            params=params,
            seed=self.seed,
            n_jobs=self.n_jobs,
            device=device,
            hourly_origin_step=self.hourly_origin_step,
        )


class ChampionConfig(dg.Config):
    """The promotion rule, and a folder that overrides the champion store's for this run."""

    folder: str = ""
    force: bool = False  # promote even if the current champion scores better on validation


def split_metrics(result: Result) -> dict[str, Any]:
    """Status, device and every score, as the UI shows them on a materialization."""
    return {"status": result.status, "device": result.device, **tracking.score_metrics(result)}


def dagster_tags(context: dg.AssetExecutionContext) -> dict[str, str]:
    """The tags that lead from an MLflow run back to the Dagster run and asset that logged it."""
    return {
        "dagster_run_id": context.run_id,
        "dagster_run_url": tracking.dagster_run_url(context.run_id),
        "dagster_asset": context.asset_key.to_user_string(),
    }


def log_result(
    mlflow: Any,
    context: dg.AssetExecutionContext,
    result: Result,
    data_version: str,
    training_frame: pd.DataFrame,
    dataset_name: str,
) -> tracking.LoggedRun:
    """The family's nested MLflow run: scores, artifacts, the training dataset and the model."""
    example = tracking.input_example(result, training_frame) if result.model is not None else None
    return tracking.log_model_run(
        mlflow,
        run_name=f"{result.task}-{result.family}",
        params=result.params,
        metrics=tracking.result_metrics(result),
        tags={
            **tracking.result_tags(result),
            "data_version": data_version,
            "code_version": champion.code_version(),
            **dagster_tags(context),
            "mlflow.note.content": f"Logged by Dagster asset `{context.asset_key.to_user_string()}`, "
            f"run [{context.run_id[:8]}]({tracking.dagster_run_url(context.run_id)}).",
        },
        result=result,
        example=example,
        dataset={
            "frame": training_frame,
            "name": dataset_name,
            "data_version": data_version,
            "source": str(paths.warehouse_path()),
        },
    )


def result_output(
    mlflow: Any,
    context: dg.AssetExecutionContext,
    result: Result,
    data_version: str,
    training_frame: pd.DataFrame,
    dataset_name: str,
) -> dg.Output:
    """Log the result's MLflow run and hand it to the model store with its scores as metadata."""
    logged = log_result(mlflow, context, result, data_version, training_frame, dataset_name)
    metadata = {
        **split_metrics(result),
        "data_version": data_version,
        "code_version": champion.code_version(),
        "mlflow_run": dg.MetadataValue.url(logged.url),
    }
    if result.fit_seconds is not None:
        metadata["fit_seconds"] = float(result.fit_seconds)
    detail = getattr(result, "detail", None)
    if detail:
        metadata["detail"] = dg.MetadataValue.md(detail)
    return dg.Output(result, metadata=readable(metadata))


def frame_version(frame: pd.DataFrame) -> str:
    """Content hash of a training table: the data version recorded with every model and metric."""
    return tracking.frame_version(frame)
