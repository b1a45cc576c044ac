"""The product's own protocol, measured: an expanding-window refit backtest (issue 17).

The fixed protocol of :func:`~energy_assets.domain.training.forecast.evaluate_forecaster` fits a
family once on train + validation and forecasts every test origin with that one model. The product
does not: the live loop of issue 16 retrains the champion family as readings arrive. This backtest
measures that protocol on the same origins, with the same scores:

- the origins are cut into consecutive blocks of ``every`` origins (7: one week of daily 00:00
  origins); each block's model is fitted on EVERYTHING up to the block's first origin (an expanding
  window), and forecasts only the block's origins;
- the fit is the fixed protocol's, moved forward: the last ``validation_rows`` rows of that history
  (default: as many as the fixed validation window) are the validation tail (early stopping, conformal
  calibration), the rows before it the train part, then the final model is refit on both
  (``make_forecaster(name, config).fit(train, validation)``);
- the fixed-fit model (``make_forecaster(name, config).fit(train, validation)``, what
  ``evaluate_forecaster`` scores on test) is backtested on every origin in the same run (``fixed``),
  beside the refit ones (``refit``); where the first block's history is exactly train + validation
  the first refit is that model and is not fitted twice (on the plant's data it is not: the test
  window starts at 18:15 on 2018-10-01 and its first 00:00 origin is six hours later, so the first
  refit also reads those 24 readings);
- both plan regimes, scored by :func:`~energy_assets.domain.training.forecast.score_run` against the
  weekly seasonal naive fitted on train + validation, as the fixed test scores are.

Nothing here is chosen on the scored origins: every model sees only readings up to its block's first
origin.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from energy_assets.domain.data import schema
from energy_assets.domain.models.forecast import backtest
from energy_assets.domain.models.forecast.base import MEAN, PLAN_REGIMES, PLANT_PLAN, Forecaster
from energy_assets.domain.models.forecast.naive import SeasonalNaiveForecaster
from energy_assets.domain.training.forecast import (
    FOUNDATION_FORECASTERS,
    ForecastConfig,
    ForecastWindows,
    make_forecaster,
    metrics_key,
    score_run,
)

#: Origins per refit block: one week of daily origins (the live loop's weekly retrain).
REFIT_EVERY_ORIGINS = 7
REFIT, FIXED = "refit", "fixed"


@dataclass(frozen=True)
class RefitFit:
    """One refit: its cut (the block's first origin), the rows it saw, and its cost."""

    cut: pd.Timestamp
    n_origins: int
    train_rows: int
    validation_rows: int
    fit_cpu_seconds: float


@dataclass
class RefitBacktest:
    """The refit and fixed-fit backtests of one family on the same origins, by plan regime."""

    family: str
    every: int
    runs: dict[tuple[str, str], pd.DataFrame]  # (REFIT | FIXED, plan) -> backtest
    naive: pd.DataFrame
    fits: list[RefitFit] = field(default_factory=list)

    def scores(self) -> dict[str, dict[str, dict[str, float]]]:
        """``{"refit" | "fixed": {"test" | "test_derived_plan": score_run(...)}}``."""
        out: dict[str, dict[str, dict[str, float]]] = {}
        for (protocol, plan), run in self.runs.items():
            out.setdefault(protocol, {})[metrics_key("test", plan)] = score_run(run, self.naive)
        return out

    def blocks(self) -> pd.DataFrame:
        """Per refit block (and plan): RMSE of the refit model, of the fixed model, of the naive."""
        rows = []
        for plan in sorted({p for _, p in self.runs}):
            refit, fixed = self.runs[(REFIT, plan)], self.runs[(FIXED, plan)]
            for fit in self.fits:
                last = fit.cut + (fit.n_origins - 1) * pd.Timedelta(days=1)
                sel = (refit[backtest.ORIGIN] >= fit.cut) & (refit[backtest.ORIGIN] <= last)
                fsel = (fixed[backtest.ORIGIN] >= fit.cut) & (fixed[backtest.ORIGIN] <= last)
                naive_err = refit.loc[sel, backtest.SEASONAL_NAIVE] - refit.loc[sel, backtest.ACTUAL]
                rows.append(
                    {
                        "plan": plan,
                        "cut": fit.cut,
                        "n_origins": fit.n_origins,
                        "rmse_refit": _rmse(refit.loc[sel, MEAN] - refit.loc[sel, backtest.ACTUAL]),
                        "rmse_fixed": _rmse(fixed.loc[fsel, MEAN] - fixed.loc[fsel, backtest.ACTUAL]),
                        "rmse_naive": _rmse(naive_err),
                    }
                )
        return pd.DataFrame(rows)


def _rmse(err: pd.Series) -> float:
    return float(np.sqrt(np.mean(np.square(err.to_numpy(dtype=float)))))


def refit_blocks(origins: Sequence[pd.Timestamp], every: int) -> list[list[pd.Timestamp]]:
    """Consecutive blocks of ``every`` origins (the last may be shorter)."""
    if every < 1:
        raise ValueError(f"every must be >= 1 origin, got {every}")
    ordered = sorted(pd.Timestamp(o) for o in origins)
    return [ordered[k : k + every] for k in range(0, len(ordered), every)]


def fit_up_to(
    name: str, frame: pd.DataFrame, cut: pd.Timestamp, validation_rows: int, config: ForecastConfig
) -> tuple[Forecaster, int, int]:
    """``name`` fitted on the readings at or before ``cut``: the last ``validation_rows`` of them the
    validation tail, the rest the train part (the fixed protocol's fit); (model, train rows, validation rows)."""
    history = frame.loc[frame[schema.TIMESTAMP] <= cut].reset_index(drop=True)
    if len(history) <= validation_rows:
        raise ValueError(
            f"validation_rows: {validation_rows} leaves no train rows before {cut} ({len(history)} rows)"
        )
    train, validation = history.iloc[:-validation_rows], history.iloc[-validation_rows:]
    return make_forecaster(name, config).fit(train, validation), len(train), len(validation)


def expanding_refit_backtest(
    name: str,
    windows: ForecastWindows,
    config: ForecastConfig,
    *,
    every: int = REFIT_EVERY_ORIGINS,
    origins: Sequence[pd.Timestamp] | None = None,
    validation_rows: int | None = None,
    plans: Sequence[str] = PLAN_REGIMES,
    progress: Any = None,
) -> RefitBacktest:
    """Backtest ``name`` refit every ``every`` origins on an expanding window (module docstring).

    ``origins``: default the test window's daily origins; ``validation_rows``: default the fixed
    validation window's length; ``progress``: called with each :class:`RefitFit` as it is made.
    """
    if name in FOUNDATION_FORECASTERS:
        raise ValueError(f"name: the refit backtest trains its family; {name!r} is a foundation model")
    origins = list(windows.test_origins if origins is None else origins)
    if not origins:
        raise ValueError("origins: no origins to backtest")
    validation_rows = len(windows.validation) if validation_rows is None else validation_rows
    frame = windows.frame
    parts: dict[tuple[str, str], list[pd.DataFrame]] = {}
    fits, fixed_model = [], None
    for block in refit_blocks(origins, every):
        started = time.process_time()
        model, n_train, n_val = fit_up_to(name, frame, block[0], validation_rows, config)
        fit = RefitFit(block[0], len(block), n_train, n_val, time.process_time() - started)
        if not fits and (n_train, n_val) == (len(windows.train), len(windows.validation)):
            fixed_model = model  # the first history is train + validation: the fixed fit itself
        fits.append(fit)
        for plan in plans:
            run = backtest.rolling_origin_backtest(model, frame, block, config.horizon, plan)
            parts.setdefault((REFIT, plan), []).append(run)
        if progress is not None:
            progress(fit)
    runs = {key: pd.concat(chunks, ignore_index=True) for key, chunks in parts.items()}
    if fixed_model is None:
        fixed_model = make_forecaster(name, config).fit(windows.train, windows.validation)
    for plan in plans:
        runs[(FIXED, plan)] = backtest.rolling_origin_backtest(
            fixed_model, frame, origins, config.horizon, plan
        )
    naive_model = SeasonalNaiveForecaster(config.quantiles).fit(windows.train, windows.validation)
    naive = backtest.rolling_origin_backtest(naive_model, frame, origins, config.horizon, PLANT_PLAN)
    return RefitBacktest(family=name, every=every, runs=runs, naive=naive, fits=fits)
