"""MLflow bookkeeping shared by the training assets: where runs go and what each one records.

The default store is local: a sqlite file and an artifact folder under ``<data dir>/mlflow`` (MLflow 3
keeps its plain file store in maintenance mode and refuses it by default).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

from energy_assets.domain import paths

EXPERIMENT = "energy-copilot"


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
    if experiment is not None:
        return experiment.experiment_id
    return client.create_experiment(name, artifact_location=artifact_location or artifact_root())


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
) -> str:
    """One nested MLflow run per model: params, metrics, tags and artifact folders/files."""
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
        return run.info.run_id
