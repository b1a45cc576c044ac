"""What a training run yields per model: the fitted model, its scores and what it costs.

``status`` is ``evaluated`` or says why not (a foundation model without its weights is recorded
as such, with no metrics, never with a made-up number).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from energy_assets.domain.models.estimate import Estimator
from energy_assets.domain.models.forecast.base import DEFAULT_HORIZON, DEFAULT_QUANTILES, Forecaster
from energy_assets.domain.tasks import ESTIMATE, FORECAST, TEST, VALIDATION

EVALUATED = "evaluated"
EXTRA_NOT_INSTALLED = "foundation extra not installed"


def folder_size_bytes(folder: str | os.PathLike[str]) -> int:
    """Total bytes of the files under ``folder`` (what a model costs to store and ship)."""
    return sum(p.stat().st_size for p in Path(folder).rglob("*") if p.is_file())


def saved_size_bytes(save: Callable[[Path], Any]) -> int:
    """Bytes a model's native save writes (into a temporary folder)."""
    with tempfile.TemporaryDirectory(prefix="energy-model-size-") as tmp:
        target = Path(tmp) / "model"
        save(target)
        return folder_size_bytes(target)


@dataclass
class EstimateResult:
    """One estimate family, fitted on the temporal train (the model a bundle would ship)."""

    family: str
    model: Estimator
    params: dict[str, Any]
    metrics: dict[str, dict[str, float] | None]
    fit_seconds: float
    predict_us_per_row: float
    model_size_bytes: int
    feature_columns: tuple[str, ...]
    device: str
    tuning: dict[str, Any] | None = None
    status: str = EVALUATED
    task: str = ESTIMATE

    @property
    def validation_rmse(self) -> float | None:
        scores = self.metrics.get(VALIDATION)
        return None if scores is None else scores["rmse"]


@dataclass
class ForecastResult:
    """One forecaster: status, validation/test backtest scores (None when not evaluated), costs."""

    family: str
    status: str
    model: Forecaster | None = None
    params: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, dict[str, float] | None] = field(
        default_factory=lambda: {VALIDATION: None, TEST: None}
    )
    fit_seconds: float | None = None
    predict_ms_per_forecast: float | None = None
    model_size_bytes: int | None = None
    device: str = "cpu"
    quantiles: tuple[float, ...] = DEFAULT_QUANTILES
    horizon: int = DEFAULT_HORIZON
    detail: str | None = None
    validation_backtest: pd.DataFrame | None = None
    test_backtest: pd.DataFrame | None = None
    task: str = FORECAST
    #: The same backtests with no plan sent (the derived calendar plan), by split.
    derived_plan_backtests: dict[str, pd.DataFrame] = field(default_factory=dict)
    #: Scores by horizon band (``backtest.band_report``) with ``split`` and ``plan`` columns.
    bands: pd.DataFrame | None = None
    #: Out-of-sample backtests at the hourly origins (plant plan), by split, cut to the first hours
    #: the intraday rule compares (the served nowcast switch is chosen on the validation one).
    hourly_backtests: dict[str, pd.DataFrame] = field(default_factory=dict)

    @property
    def validation_rmse(self) -> float | None:
        scores = self.metrics.get(VALIDATION)
        return None if scores is None else scores["rmse"]

    @property
    def evaluated(self) -> bool:
        return self.status == EVALUATED
