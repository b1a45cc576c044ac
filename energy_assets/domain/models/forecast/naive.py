"""The weekly seasonal naive: the benchmark every forecaster's MASE is measured against.

No recursion is needed: the target's value one season (a week) earlier is always <= the origin for
h <= 672 (k seasons earlier when a shorter season is configured and h exceeds it).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar, Self

import numpy as np
import pandas as pd

from energy_assets.domain import calendar
from energy_assets.domain.data import schema
from energy_assets.domain.features.forecast import WEEK, Grid
from energy_assets.domain.features.history import history_until
from energy_assets.domain.models.forecast.base import (
    DEFAULT_HORIZON,
    DEFAULT_QUANTILES,
    PLANT_PLAN,
    Forecaster,
    check_horizon,
    check_plan_regime,
    finish_forecast,
    finish_forecasts,
    register_forecaster,
    target_timestamps,
)
from energy_assets.domain.models.forecast.plan import backtest_grid, origin_positions, plan_codes
from energy_assets.domain.models.params import model_class, state


@register_forecaster
@model_class
class SeasonalNaiveForecaster(Forecaster):
    """Weekly seasonal naive: the target's value one week earlier (k seasons earlier when h > season).

    Quantiles = point + empirical quantiles of its residuals on the fit data, per bucket of the target's
    load_type (the spread is much wider in operating hours). The horizon does not change a weekly
    naive's error within a week, so buckets by horizon would all hold the same distribution.
    """

    name: ClassVar[str] = "seasonal_naive"

    quantiles: Sequence[float] = DEFAULT_QUANTILES
    season: int = WEEK
    residual_quantiles: dict[str, list[float]] = state(factory=dict)

    def fit(self, history: pd.DataFrame, validation: pd.DataFrame | None = None) -> Self:
        frame = history if validation is None else pd.concat([history, validation], ignore_index=True)
        grid = Grid.from_frame(frame)
        resid = grid.usage[self.season :] - grid.usage[: -self.season]
        lt = grid.load_type[self.season :]
        ok = ~np.isnan(resid)
        if ok.sum() < 10:
            raise ValueError(f"{self.name}: need more than one season ({self.season} intervals) of history")
        self.residual_quantiles = {}
        for name, code in [("all", None), *calendar.LOAD_TYPE_CODES.items()]:
            sel = ok if code is None else ok & (lt == code)
            if sel.sum() >= 10:
                self.residual_quantiles[name] = [float(np.quantile(resid[sel], q)) for q in self.quantiles]
        self.fitted = True
        return self

    def describe(self) -> dict[str, Any]:
        return {"residual_quantiles": self.residual_quantiles}

    def predict(
        self,
        history: pd.DataFrame,
        origin: pd.Timestamp,
        horizon: int = DEFAULT_HORIZON,
        future_covariates: pd.DataFrame | None = None,
    ) -> pd.DataFrame:
        self._require_fitted()
        check_horizon(horizon)
        origin = pd.Timestamp(origin)
        seen = history_until(history, origin).set_index(schema.TIMESTAMP)
        targets = target_timestamps(origin, horizon)
        h = np.arange(1, horizon + 1)
        weeks = np.ceil(h / self.season).astype(int)
        source = targets - pd.to_timedelta(weeks * self.season * 15, unit="min")
        point = seen[schema.USAGE_KWH].reindex(source).to_numpy(dtype=float)
        if np.isnan(point).any():
            missing = int(np.isnan(point).sum())
            raise ValueError(f"{self.name}: {missing} target(s) lack a value one season before {origin}")
        codes = plan_codes(origin, horizon, future_covariates)
        return finish_forecast(origin, point, point[:, None] + self._offsets(codes), self.quantiles)

    def predict_origins(
        self,
        frame: pd.DataFrame,
        origins: Sequence[pd.Timestamp],
        horizon: int = DEFAULT_HORIZON,
        plan: str = PLANT_PLAN,
    ) -> pd.DataFrame:
        """Vectorised on one grid of the frame; the same values as :meth:`predict` per origin."""
        check_plan_regime(plan)
        check_horizon(horizon)
        self._require_fitted()
        grid = backtest_grid(frame, plan, max(horizon, DEFAULT_HORIZON))
        pos = origin_positions(grid, origins) if len(origins) else None
        if pos is None:
            return super().predict_origins(frame, origins, horizon, plan)
        h = np.arange(1, horizon + 1)
        back = np.ceil(h / self.season).astype(np.int64) * self.season
        point = grid.take(grid.usage, pos[:, None] + (h - back)[None, :])
        if np.isnan(point).any():
            row = int(np.flatnonzero(np.isnan(point).any(axis=1))[0])
            missing = int(np.isnan(point[row]).sum())
            raise ValueError(
                f"{self.name}: {missing} target(s) lack a value one season before {pd.Timestamp(origins[row])}"
            )
        t = pos[:, None] + h[None, :]
        codes = grid.plan_at(t, pos[:, None]).ravel()
        point = point.ravel()
        return finish_forecasts(
            origins, horizon, point, point[:, None] + self._offsets(codes), self.quantiles
        )

    def _offsets(self, codes: np.ndarray) -> np.ndarray:
        """Residual quantiles of each target by its planned load type (codes, NaN: all)."""
        fallback = self.residual_quantiles["all"]
        table = np.array(
            [self.residual_quantiles.get(name, fallback) for name in schema.LOAD_TYPES] + [fallback]
        )
        index = np.where(np.isnan(codes), len(schema.LOAD_TYPES), np.nan_to_num(codes)).astype(np.int64)
        return table[index]

    def _save_artifacts(self, folder: Path) -> None:
        (folder / "residual_quantiles.json").write_text(json.dumps(self.residual_quantiles, indent=2))

    def _load_artifacts(self, folder: Path) -> None:
        self.residual_quantiles = json.loads((folder / "residual_quantiles.json").read_text())
