"""The serving champion scored on the candidate's validation window, so promotion compares like with like.

When the history moved (new readings came in, so the splits moved), the card's validation score of
the serving champion was measured on an older window and says nothing about the new one. Before a
candidate replaces it, the OLD bundle is loaded and scored exactly where the candidate was scored:

- estimate: the candidate's temporal validation rows (the same X and y);
- forecast: the candidate's validation backtest origins and horizon, plant plan (what
  ``validation_rmse`` measures), on the same cleaned history.

The old model is scored as it is served (not refitted): the question is whether the new one is
better than what the plant would keep using. Part of the new window may lie inside the old model's
training data, which flatters it; the comparison is conservative (a candidate must beat it even so).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from energy_assets.domain import scores
from energy_assets.domain.data import schema
from energy_assets.domain.models.forecast import backtest
from energy_assets.domain.models.forecast.base import MEAN, ORIGIN, PLANT_PLAN
from energy_assets.domain.tasks import ESTIMATE, FORECAST
from energy_assets.domain.training.estimate import EstimateData
from energy_assets.domain.training.results import EstimateResult, ForecastResult


@dataclass(frozen=True)
class WindowScores:
    """Old champion and new candidate, validation RMSE on the same window."""

    window_start: str
    window_end: str
    points: int
    champion_family: str
    champion_rmse: float
    candidate_family: str
    candidate_rmse: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "window_start": self.window_start,
            "window_end": self.window_end,
            "points": self.points,
            "champion_family": self.champion_family,
            "champion_rmse": self.champion_rmse,
            "candidate_family": self.candidate_family,
            "candidate_rmse": self.candidate_rmse,
        }


def estimate_on_window(
    model: Any, feature_columns: Sequence[str], data: EstimateData, candidate: EstimateResult, family: str
) -> WindowScores:
    """The old estimate model's RMSE on the candidate's temporal validation rows."""
    if data.X_validation is None or data.y_validation is None or data.X_validation.empty:
        raise ValueError(f"{ESTIMATE}: the temporal split has no validation rows to compare on")
    missing = [c for c in feature_columns if c not in data.X_validation.columns]
    if missing:
        raise ValueError(f"{ESTIMATE}: the champion reads columns the new features lack: {missing}")
    predicted = model.predict(data.X_validation[list(feature_columns)])
    index = data.X_validation.index
    return WindowScores(
        window_start=str(index.min()),
        window_end=str(index.max()),
        points=len(index),
        champion_family=family,
        champion_rmse=float(scores.rmse(data.y_validation, predicted)),
        candidate_family=candidate.family,
        candidate_rmse=float(candidate.validation_rmse),
    )


def forecast_on_window(
    model: Any, clean_frame: pd.DataFrame, candidate: ForecastResult, family: str
) -> WindowScores:
    """The old forecaster's RMSE at the candidate's validation origins (plant plan, same horizon)."""
    run = candidate.validation_backtest
    if run is None or run.empty:
        raise ValueError(f"{FORECAST}: {candidate.family} has no validation backtest to compare on")
    origins = sorted(pd.to_datetime(run[ORIGIN]).unique())
    frame = clean_frame.sort_values(schema.TIMESTAMP).reset_index(drop=True)
    frame[schema.TIMESTAMP] = pd.to_datetime(frame[schema.TIMESTAMP]).astype("datetime64[ns]")
    old = backtest.rolling_origin_backtest(
        model, frame, [pd.Timestamp(o) for o in origins], candidate.horizon, PLANT_PLAN
    )
    return WindowScores(
        window_start=str(min(origins)),
        window_end=str(pd.to_datetime(run[schema.TIMESTAMP]).max()),
        points=len(old),
        champion_family=family,
        champion_rmse=float(scores.rmse(old[backtest.ACTUAL], old[MEAN])),
        candidate_family=candidate.family,
        candidate_rmse=float(candidate.validation_rmse),
    )
