"""MLflow bookkeeping shared by the training assets: where runs go and what each one records.

The default store is local: a sqlite file and an artifact folder under ``<data dir>/mlflow`` (MLflow 3
keeps its plain file store in maintenance mode and refuses it by default).

Each model's run holds its params, metrics and tags, ``metrics.json`` and the backtests' per-origin
scores as artifacts, the training table as an MLflow dataset (its data version as digest), and the
model itself as an MLflow model: the LightGBM and XGBoost estimators in their native flavour, every
other family as a pyfunc over its own folder (:mod:`pyfunc_model`), each with a signature and an input
example. A champion is registered as ``energy-copilot-<task>`` with the alias ``champion``.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

from energy_assets.domain import paths

EXPERIMENT = "energy-copilot"
CHAMPION_ALIAS = "champion"
#: The MLflow 3 UI shows an experiment tagged so as model development (runs, models), not GenAI.
EXPERIMENT_KIND_TAG = "mlflow.experimentKind"
EXPERIMENT_KIND = "custom_model_development"
#: Estimate families logged in an MLflow flavour of their own (the rest: pyfunc over their folder).
NATIVE_FLAVOURS: dict[str, str] = {"lightgbm": "lightgbm", "xgboost": "xgboost"}
#: Forecasters' input example: enough history for the weekly lags (8 days of 15-minute readings).
FORECAST_EXAMPLE_ROWS = 8 * 96
ESTIMATE_EXAMPLE_ROWS = 5
DAGSTER_UI_ENV = "ENERGY_DAGSTER_UI_URL"
MLFLOW_UI_ENV = "ENERGY_MLFLOW_UI_URL"


def tracking_uri() -> str:
    """``MLFLOW_TRACKING_URI`` if set, else the local sqlite store."""
    if os.environ.get("MLFLOW_TRACKING_URI"):
        return os.environ["MLFLOW_TRACKING_URI"]
    return f"sqlite:///{paths.data_dir() / 'mlflow' / 'mlflow.db'}"


def artifact_root() -> str:
    return (paths.data_dir() / "mlflow" / "artifacts").resolve().as_uri()


def ensure_experiment(uri: str, name: str = EXPERIMENT, artifact_location: str | None = None) -> str:
    """Create the experiment with an absolute artifact location (never ./mlruns of the CWD)."""
    import mlflow

    if uri.startswith("sqlite:///"):
        Path(uri.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    client = mlflow.MlflowClient(tracking_uri=uri)
    experiment = client.get_experiment_by_name(name)
    if experiment is None:
        experiment_id = client.create_experiment(name, artifact_location=artifact_location or artifact_root())
    else:
        experiment_id = experiment.experiment_id
    if experiment is None or experiment.tags.get(EXPERIMENT_KIND_TAG) != EXPERIMENT_KIND:
        # MLflow 3 lays an experiment out for GenAI (traces, prompts) unless told it holds models
        client.set_experiment_tag(experiment_id, EXPERIMENT_KIND_TAG, EXPERIMENT_KIND)
    return experiment_id


def frame_version(frame: pd.DataFrame) -> str:
    """``frame:<sha256 prefix>`` of a table's content: the data version of what a model saw."""
    import hashlib

    import pandas as pd

    hashed = pd.util.hash_pandas_object(frame.reset_index(drop=True), index=False).to_numpy()
    return "frame:" + hashlib.sha256(hashed.tobytes()).hexdigest()[:16]


def flat_metrics(prefix: str, values: dict[str, Any]) -> dict[str, float]:
    """Numeric entries only, prefixed: {'test_rmse': 0.02, ...}; None (not evaluated) is left out."""
    out = {}
    for key, value in values.items():
        if isinstance(value, bool) or value is None:
            continue
        if isinstance(value, int | float):
            out[f"{prefix}{key}"] = float(value)
    return out


#: A result's costs logged beside its scores (the ones it has: estimates time rows, forecasts whole days).
COST_METRICS: tuple[str, ...] = (
    "fit_seconds",
    "predict_us_per_row",
    "predict_ms_per_forecast",
    "model_size_bytes",
)


def score_metrics(result: Any) -> dict[str, float]:
    """A result's scores as one flat dict (``validation_rmse``, ``test_mase``, ``paper_test_cv_pct`` ...).

    Empty scores are left out (MLflow has no null): a model that was not evaluated has none.
    """
    out: dict[str, float] = {}
    for split, scores in result.metrics.items():
        out.update(flat_metrics(f"{split}_", scores or {}))
    return out


def result_metrics(result: Any) -> dict[str, float]:
    """What a model's MLflow run records as metrics: :func:`score_metrics` and the known costs."""
    out = score_metrics(result)
    for name in COST_METRICS:
        value = getattr(result, name, None)
        if isinstance(value, int | float):
            out[name] = float(value)
    return out


def result_tags(result: Any) -> dict[str, str]:
    """Strings that identify a model's run: task, family, status, device."""
    return {"task": result.task, "family": result.family, "status": result.status, "device": result.device}


def log_model_run(
    mlflow_api: Any,
    *,
    run_name: str,
    params: dict[str, Any],
    metrics: dict[str, float],
    tags: dict[str, str],
    artifacts: list[Path] | None = None,
    result: Any = None,
    example: pd.DataFrame | None = None,
    dataset: dict[str, Any] | None = None,
) -> LoggedRun:
    """One nested MLflow run per model: params, metrics, tags and artifact folders/files; with a
    ``result``, its metrics/backtests as artifacts and its model (input example: ``example``); with a
    ``dataset`` (:func:`log_dataset`'s keywords plus ``frame``), the training data."""
    with mlflow_api.start_run(run_name=run_name, nested=True) as run:
        if params:
            mlflow_api.log_params({k: str(v)[:500] for k, v in params.items()})
        if metrics:
            mlflow_api.log_metrics(metrics)
        mlflow_api.set_tags(tags)
        for artifact in artifacts or []:
            if artifact.is_dir():
                mlflow_api.log_artifacts(str(artifact), artifact_path=artifact.name)
            elif artifact.exists():
                mlflow_api.log_artifact(str(artifact))
        if dataset is not None:
            log_dataset(**dataset)
        model_uri = None
        if result is not None:
            log_result_artifacts(result)
            if example is not None:
                model_uri = log_model(result, example)
        info = run.info
        return LoggedRun(
            info.run_id, info.experiment_id, mlflow_run_url(info.experiment_id, info.run_id), model_uri
        )


def dagster_ui_url() -> str:
    """Base URL of the Dagster UI the MLflow runs link back to (``make serve``: port 3000)."""
    return os.environ.get(DAGSTER_UI_ENV, "http://127.0.0.1:3000").rstrip("/")


def mlflow_ui_url() -> str:
    """Base URL of the MLflow UI the Dagster assets link to (``make serve``: port 5000)."""
    return os.environ.get(MLFLOW_UI_ENV, "http://127.0.0.1:5000").rstrip("/")


def dagster_run_url(run_id: str) -> str:
    return f"{dagster_ui_url()}/runs/{run_id}"


def mlflow_run_url(experiment_id: str, run_id: str) -> str:
    return f"{mlflow_ui_url()}/#/experiments/{experiment_id}/runs/{run_id}"


def experiment_url(experiment_id: str) -> str:
    """The experiment's runs page in the machine-learning view: where to open the MLflow UI (its own
    home page is the GenAI one, which shows nothing of this project)."""
    return f"{mlflow_ui_url()}/#/experiments/{experiment_id}/runs?workflowType=machine_learning"


def registered_name(task: str) -> str:
    """The Model Registry entry of a task's champion."""
    return f"{EXPERIMENT}-{task}"


@dataclass(frozen=True)
class LoggedRun:
    """What a model's MLflow run left: its ids, URL and (when a model was logged) the model's URI."""

    run_id: str
    experiment_id: str
    url: str
    model_uri: str | None = None


def _requirements(*packages: str) -> list[str]:
    """Pinned requirements written with a logged model (given, so MLflow need not infer them)."""
    out = []
    for name in packages:
        try:
            out.append(f"{name}=={importlib_metadata.version(name)}")
        except importlib_metadata.PackageNotFoundError:
            out.append(name)
    return out


def input_example(result: Any, frame: pd.DataFrame) -> pd.DataFrame:
    """A few rows of what ``result``'s model predicts from: feature rows (estimates) or a history
    in the cleaned schema long enough for the weekly lags (forecasts)."""
    if result.task == "estimate":
        return (
            frame.loc[:, list(result.model.feature_names)].head(ESTIMATE_EXAMPLE_ROWS).reset_index(drop=True)
        )
    from energy_assets.domain.training.champion import FORECAST_INPUT_COLUMNS

    return frame.loc[:, list(FORECAST_INPUT_COLUMNS)].tail(FORECAST_EXAMPLE_ROWS).reset_index(drop=True)


def log_model(result: Any, example: pd.DataFrame) -> str | None:
    """Log ``result``'s fitted model in the active run as ``model``; returns its URI (None: no model)."""
    if result.model is None:
        return None
    import mlflow
    import numpy as np
    from mlflow.models import infer_signature

    if result.task == "estimate":
        # kWh per row: the output's schema needs no prediction (Cubist takes ~3 s for any batch)
        output: Any = np.zeros(len(example), dtype=float)
    else:
        # a day, or the model's whole reach when shorter (the nowcast: 4 h)
        output = result.model.predict(example, example["timestamp"].max(), min(96, result.horizon))
    signature = infer_signature(example, output)
    flavour = NATIVE_FLAVOURS.get(result.family) if result.task == "estimate" else None
    common = {"name": "model", "signature": signature, "input_example": example}
    if flavour == "lightgbm":
        info = mlflow.lightgbm.log_model(
            result.model.booster, pip_requirements=_requirements("lightgbm"), **common
        )
    elif flavour == "xgboost":
        info = mlflow.xgboost.log_model(
            result.model.model, pip_requirements=_requirements("xgboost"), model_format="ubj", **common
        )
    else:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp) / "model"
            result.model.save(folder)
            info = mlflow.pyfunc.log_model(
                python_model=str(Path(__file__).with_name("pyfunc_model.py")),
                artifacts={"model": str(folder)},
                model_config={"task": result.task, "family": result.family},
                pip_requirements=_requirements("energy-copilot", "mlflow"),
                **common,
            )
    return info.model_uri


#: Rows the dataset's schema is read from (types only; a full-table inference costs seconds per model).
SCHEMA_SAMPLE_ROWS = 200


def log_dataset(frame: pd.DataFrame, *, name: str, data_version: str, source: str) -> None:
    """Log ``frame`` as the active run's training dataset: its source, its data version as digest,
    its schema and (as the input's tag ``rows``) its size; the rows themselves stay in the warehouse."""
    import mlflow
    from mlflow.data.dataset_source_registry import resolve_dataset_source
    from mlflow.data.meta_dataset import MetaDataset
    from mlflow.types.utils import _infer_schema

    dataset = MetaDataset(
        resolve_dataset_source(source),
        name=name,
        digest=data_version,
        schema=_infer_schema(frame.head(SCHEMA_SAMPLE_ROWS)),
    )
    mlflow.log_input(dataset, context="training", tags={"rows": str(len(frame))})


def log_result_artifacts(result: Any) -> None:
    """``metrics.json`` and the backtests' per-origin scores (``backtest/<split>.csv``) of a result."""
    import mlflow

    from energy_assets.domain.training.champion import json_safe

    mlflow.log_text(json.dumps(json_safe(result.metrics), indent=1), "metrics.json")
    for split in ("validation", "test"):
        table = getattr(result, f"{split}_backtest", None)
        if table is not None and len(table):
            mlflow.log_text(table.to_csv(index=False), f"backtest/{split}.csv")


def register_champion(model_uri: str, task: str, tags: dict[str, str]) -> str:
    """A new version of the task's registered model from ``model_uri``; returns the version number.
    The alias moves with :func:`set_champion_alias`, once the bundle naming this version is written."""
    import mlflow

    version = mlflow.register_model(model_uri, registered_name(task), tags=tags)
    return str(version.version)


def set_champion_alias(task: str, version: str) -> None:
    import mlflow

    mlflow.MlflowClient().set_registered_model_alias(registered_name(task), CHAMPION_ALIAS, version)


def log_artifact_to(run_id: str, path: Path) -> None:
    """Add a file to a run that is no longer the active one."""
    import mlflow

    mlflow.MlflowClient().log_artifact(run_id, str(path))


def end_parent_run(run_id: str, failed: bool) -> None:
    """Mark the Dagster run's MLflow run FAILED (a step failed) or FINISHED, and leave it inactive,
    so that the next Dagster run in this process starts a parent run of its own."""
    import mlflow

    status = "FAILED" if failed else "FINISHED"
    active = mlflow.active_run()
    if active is not None and active.info.run_id == run_id:
        mlflow.end_run(status=status)
    else:
        mlflow.MlflowClient().set_terminated(run_id, status=status)
