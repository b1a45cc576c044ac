"""Classical day-ahead forecasters: weekly seasonal naive, gradient-boosted quantiles, an ensemble.

Strategy (documented because the API allows 7-day horizons):
- The gradient-boosted forecasters are DIRECT multi-horizon models: one model per quantile (plus one
  squared-error model for the mean) pooled over horizons 1..96, with the horizon as a feature. Beyond
  one day they go day by day: the mean forecast of day d is appended to the history as if observed and
  the next day is forecast from it (direct within a day, recursive across days). Intervals of days
  2..7 are therefore too narrow; the product's horizon is one day.
- The seasonal naive needs no recursion: the target's value one season (a week) earlier, always <= the
  origin for h <= 672 (k seasons earlier when a shorter season is configured and h exceeds it).

Information at the origin (all <= origin): last readings, recent levels, the same slot one day and one
week before the TARGET (when that is <= origin), the latest day with the same operating status.
Known-future covariates: calendar by interval START, South Korean holidays and the plant's planned
``load_type`` (DESIGN.md §2). When ``future_covariates`` are not given, the plan is assumed to repeat
last week's (load_type of the same slot one week before).

Quantiles are calibrated on the validation window (conformalized quantile regression for each
symmetric pair, a residual shift for the median) so that the 10–90 % interval covers 80 % there.
"""

from __future__ import annotations

import json
import os
import warnings
from abc import abstractmethod
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any, ClassVar, Self

import holidays
import numpy as np
import pandas as pd

from energy_assets.domain import schema
from energy_assets.domain.forecasting.base import (
    DEFAULT_HORIZON,
    DEFAULT_QUANTILES,
    MEAN,
    Forecaster,
    check_horizon,
    finish_forecast,
    history_until,
    load_forecaster,
    quantile_column,
    register_forecaster,
    sorted_end,
    target_timestamps,
)

DAY = schema.INTERVALS_PER_DAY
WEEK = 7 * DAY
#: Slot of the 09:00–09:15 interval: on this plant a day is an operating day iff that interval is not
#: Light_Load (verified on all 365 days of 2018: the whole 09:00–23:00 block follows it).
SLOT_0900 = 36
LOAD_TYPE_CODES: dict[str, int] = {name: i for i, name in enumerate(schema.LOAD_TYPES)}
#: History a single forecast needs: four weeks of same-slot lags (and 28 days of same-status search)
#: plus one more week of levels; a forecast from a longer history is identical.
HISTORY_TAIL = 5 * WEEK + DAY

FEATURES: tuple[str, ...] = (
    "horizon",
    "slot",
    "day_of_week",
    "is_holiday",
    "load_type",
    "operating_day",
    "operating_prev_day",
    "lag_1w",
    "load_type_1w",
    "operating_day_1w",
    "lag_2w",
    "lag_1d",
    "lag_2d",
    "lag_same_status",
    "days_back_same_status",
    "mean_same_status_3d",
    "mean_same_status_5d",
    "mean_same_slot_4w",
    "lag_1w_smoothed",
    "origin_usage",
    "origin_mean_1h",
    "origin_mean_1d",
    "origin_mean_1w",
    "origin_change_1w",
    "origin_level_vs_1w",
    "origin_slot",
    "origin_load_type",
)


# --- calendar and series on a regular grid ------------------------------------------------------------
@cache
def _kr_holiday_days(year: int) -> np.ndarray:
    return np.array(sorted(holidays.country_holidays("KR", years=year)), dtype="datetime64[D]")


def _is_holiday(dates: pd.DatetimeIndex) -> np.ndarray:
    """1.0 on South Korean public holidays, by calendar day (vectorised: a served forecast builds
    this flag for five weeks of intervals on every request)."""
    if dates.tz is not None:
        dates = dates.tz_localize(None)
    if len(dates) == 0:
        return np.zeros(0)
    days = dates.to_numpy().astype("datetime64[D]").astype(np.int64)
    first = int(days.min())
    span = np.arange(first, int(days.max()) + 1).astype("datetime64[D]")
    years = np.unique(span.astype("datetime64[Y]").astype(np.int64) + 1970)
    holiday_days = np.concatenate([_kr_holiday_days(int(year)) for year in years])
    return np.isin(span, holiday_days).astype(float)[days - first]


_LOAD_TYPE_INDEX = pd.Index(list(LOAD_TYPE_CODES))


def _load_type_codes(values: pd.Series | np.ndarray) -> np.ndarray:
    """Codes of :data:`LOAD_TYPE_CODES` (NaN where missing); an unknown name is an error."""
    values = np.asarray(values, dtype=object)
    codes = _LOAD_TYPE_INDEX.get_indexer(values).astype(float)
    missing = codes < 0
    if missing.any():
        unknown = pd.notna(values) & missing
        if unknown.any():
            raise ValueError(f"unknown load_type values: {sorted(set(values[unknown]))}")
        codes[missing] = np.nan
    return codes


def _on_grid(stamps: np.ndarray, start: pd.Timestamp, length: int) -> tuple[np.ndarray, np.ndarray]:
    """(row indices, grid positions) of the rows whose timestamp falls on the 15-minute grid that
    starts at ``start`` and holds ``length`` intervals: what ``reindex`` onto that grid keeps."""
    step = schema.INTERVAL.value
    offset = (stamps.astype("datetime64[ns]") - start.to_datetime64()).astype(np.int64)
    pos = offset // step
    keep = np.flatnonzero((offset % step == 0) & (pos >= 0) & (pos < length))
    ordered = stamps if len(stamps) < 2 or (stamps[1:] >= stamps[:-1]).all() else np.sort(stamps)
    if len(ordered) > 1 and (ordered[1:] == ordered[:-1]).any():  # as reindex: any repeat, on grid or not
        raise ValueError("cannot reindex on an axis with duplicate labels: the history repeats a timestamp")
    return keep, pos[keep]


class _Grid:
    """A regular 15-minute series with usage (NaN where unseen) and the planned load_type codes."""

    def __init__(self, timestamps: pd.DatetimeIndex, usage: np.ndarray, load_type: np.ndarray) -> None:
        self.timestamps = timestamps
        self.usage = usage
        self.load_type = load_type
        start = timestamps - schema.INTERVAL  # calendar by interval start (DESIGN.md §2)
        # slot and weekday by integer arithmetic on wall-clock nanoseconds (pandas' field accessors
        # cost more than the rest of a served forecast's grid); 1970-01-01 was a Thursday (3)
        wall = (start.tz_localize(None) if start.tz is not None else start).asi8
        minute_of_day = (wall // 60_000_000_000) % 1440
        self.slot = minute_of_day // 15
        self.day_of_week = ((wall // 86_400_000_000_000 + 3) % 7).astype(float)
        self.is_holiday = _is_holiday(start)
        finite = np.nan_to_num(usage)
        self._cum = np.concatenate([[0.0], np.cumsum(finite)])
        self._cnt = np.concatenate([[0], np.cumsum(~np.isnan(usage))])

    @classmethod
    def from_frame(cls, frame: pd.DataFrame) -> _Grid:
        """Whole frame on a regular grid (gaps become NaN); used for training and batch prediction."""
        ts = pd.DatetimeIndex(frame[schema.TIMESTAMP])
        full = pd.date_range(ts.min(), ts.max(), freq=schema.INTERVAL)
        indexed = frame.set_index(schema.TIMESTAMP)
        usage = indexed[schema.USAGE_KWH].reindex(full).to_numpy(dtype=float)
        lt = _load_type_codes(indexed[schema.LOAD_TYPE].reindex(full))
        return cls(full, usage, lt)

    @classmethod
    def for_origin(
        cls,
        history: pd.DataFrame,
        origin: pd.Timestamp,
        horizon: int,
        future_covariates: pd.DataFrame | None,
    ) -> tuple[_Grid, int]:
        """Grid from the history tail to origin+horizon; usage unseen after the origin.

        Planned load_type after the origin comes from ``future_covariates``; where absent, the plan of
        the same slot one week earlier is assumed.
        """
        seen = history_until(history, origin)
        first = origin - HISTORY_TAIL * schema.INTERVAL
        cut = sorted_end(seen, first)
        seen = seen.iloc[cut:] if cut is not None else seen.loc[seen[schema.TIMESTAMP] > first]
        stamps = seen[schema.TIMESTAMP].to_numpy()
        start = min(pd.Timestamp(stamps.min()), origin)
        full = pd.date_range(start, origin + horizon * schema.INTERVAL, freq=schema.INTERVAL)
        rows, pos = _on_grid(stamps, start, len(full))
        usage = np.full(len(full), np.nan)
        usage[pos] = seen[schema.USAGE_KWH].to_numpy(dtype=float)[rows]
        lt = np.full(len(full), np.nan)
        lt[pos] = _load_type_codes(seen[schema.LOAD_TYPE].to_numpy()[rows])
        origin_pos = len(full) - 1 - horizon
        if future_covariates is not None and schema.LOAD_TYPE in future_covariates:
            cov = future_covariates.loc[future_covariates[schema.TIMESTAMP] > origin]
            planned = _load_type_codes(cov.set_index(schema.TIMESTAMP)[schema.LOAD_TYPE].reindex(full))
            after = np.arange(len(full)) > origin_pos
            lt = np.where(after & ~np.isnan(planned), planned, lt)
        # unplanned intervals repeat the plan of one week earlier, a week-long block at a time
        for block in range(origin_pos + 1, len(full), WEEK):
            span = np.arange(block, min(block + WEEK, len(full)))
            src = span - WEEK
            fill = np.isnan(lt[span]) & (src >= 0)
            lt[span[fill]] = lt[src[fill]]
        return cls(full, usage, lt), origin_pos

    # positions may fall outside the grid: those read as NaN
    def take(self, values: np.ndarray, pos: np.ndarray) -> np.ndarray:
        ok = (pos >= 0) & (pos < len(values))
        out = np.full(pos.shape, np.nan)
        out[ok] = values[pos[ok]]
        return out

    def window_mean(self, end_pos: np.ndarray, length: int) -> np.ndarray:
        """Mean of observed usage over (end_pos-length, end_pos]; NaN when nothing observed."""
        hi = np.clip(end_pos + 1, 0, len(self.usage))
        lo = np.clip(end_pos + 1 - length, 0, len(self.usage))
        total = self._cum[hi] - self._cum[lo]
        count = self._cnt[hi] - self._cnt[lo]
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(count > 0, total / np.maximum(count, 1), np.nan)

    def operating(self, pos: np.ndarray, known_until: np.ndarray) -> np.ndarray:
        """1 if the day of ``pos`` is an operating day (its 09:00 interval not Light_Load), 0 if not,
        NaN when that day's plan is not known at the origin (beyond the covariates)."""
        slot = (self.slot[0] + pos) % DAY  # the grid is regular, so this holds outside it too
        pos9 = pos - slot + SLOT_0900
        code = self.take(self.load_type, pos9)
        flag = np.where(np.isnan(code), np.nan, (code > 0).astype(float))
        return np.where(pos9 <= known_until, flag, np.nan)


def _features(
    grid: _Grid, origin_pos: np.ndarray, horizon: np.ndarray, known_until: np.ndarray
) -> np.ndarray:
    """Feature matrix (rows = (origin, horizon) pairs) using only usage at positions <= origin."""
    i = origin_pos.astype(np.int64)
    h = horizon.astype(np.int64)
    t = i + h
    y = grid.usage

    def lag(k: int) -> np.ndarray:
        src = t - k
        return np.where(src <= i, grid.take(y, src), np.nan)

    op_t = grid.operating(t, known_until)
    # same slot on the latest days before the target, already observed, whose operating status
    # matches the target's (a Monday after a Sunday, a working day after a holiday)
    src = t[:, None] - np.arange(1, 29)[None, :] * DAY  # the same slot 1..28 days before the target
    cand = np.where(src <= i[:, None], grid.take(y, src), np.nan)
    same_status = np.where(grid.operating(src, (i + DAY)[:, None]) == op_t[:, None], cand, np.nan)
    found = ~np.isnan(same_status)
    rank = np.cumsum(found, axis=1)
    first = np.argmax(found, axis=1)
    rows = np.arange(len(t))
    latest_same = np.where(found.any(axis=1), same_status[rows, first], np.nan)
    days_back = np.where(found.any(axis=1), first + 1.0, np.nan)

    def mean_first(n: int) -> np.ndarray:
        sel = found & (rank <= n)
        count = sel.sum(axis=1)
        total = np.where(sel, same_status, 0.0).sum(axis=1)
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)

    weekly = np.column_stack([lag(k * WEEK) for k in range(1, 5)])
    around_1w = np.column_stack([grid.take(y, np.minimum(t - WEEK + d, i)) for d in range(-2, 3)])
    with warnings.catch_warnings():  # all-NaN rows (too little history) are meant to give NaN
        warnings.simplefilter("ignore", RuntimeWarning)
        mean_4w = np.nanmean(weekly, axis=1)
        smoothed_1w = np.nanmean(around_1w, axis=1)
    y_i = grid.take(y, i)
    mean_1d = grid.window_mean(i, DAY)
    columns = [
        h.astype(float),
        grid.take(grid.slot.astype(float), t),
        grid.take(grid.day_of_week, t),
        grid.take(grid.is_holiday, t),
        grid.take(grid.load_type, np.where(t <= known_until, t, -1)),
        op_t,
        grid.operating(t - DAY, known_until),
        lag(WEEK),
        grid.take(grid.load_type, t - WEEK),
        grid.operating(t - WEEK, known_until),
        lag(2 * WEEK),
        lag(DAY),
        lag(2 * DAY),
        latest_same,
        days_back,
        mean_first(3),
        mean_first(5),
        mean_4w,
        smoothed_1w,
        y_i,
        grid.window_mean(i, 4),
        mean_1d,
        grid.window_mean(i, WEEK),
        y_i - grid.take(y, i - WEEK),
        mean_1d - grid.window_mean(i - WEEK, DAY),
        grid.take(grid.slot.astype(float), i),
        grid.take(grid.load_type, i),
    ]
    return np.column_stack(columns)


def _training_pairs(
    grid: _Grid, origin_step: int, horizon: int, horizons_per_origin: int, seed: int, min_history: int
) -> tuple[np.ndarray, np.ndarray]:
    """(origin, horizon) pairs with an observed target: origins every ``origin_step`` intervals, a
    random subset of horizons each (keeps training to a few minutes on 2 cores)."""
    rng = np.random.default_rng(seed)
    n = len(grid.usage)
    origins = np.arange(min_history, n - 1, origin_step)
    k = min(horizons_per_origin, horizon)
    hs = np.stack([rng.choice(np.arange(1, horizon + 1), size=k, replace=False) for _ in origins])
    o = np.repeat(origins, k)
    h = hs.ravel()
    keep = (o + h < n) & ~np.isnan(grid.take(grid.usage, o + h))
    return o[keep], h[keep]


def conformal_offsets(
    actual: np.ndarray, predicted: np.ndarray, quantiles: Sequence[float]
) -> dict[str, float]:
    """Additive offsets per quantile column, learned on held-out forecasts.

    Symmetric pairs (q, 1-q) get conformalized quantile regression (Romano et al., 2019): with
    E = max(lo - y, y - hi), both bounds move outwards by the (1-2q)(1+1/n) empirical quantile of E, so
    the interval covers 1-2q of the held-out points. Widening both sides together stays valid when
    the level drifts either way between the validation and the test period (a per-quantile shift
    chases the validation window's direction of drift; measured here it covered 74 % of the test
    period against 79 % for this). Unpaired quantiles (the median) get a plain shift by the
    q-quantile of their residuals.
    """
    actual = np.asarray(actual, dtype=float)
    predicted = np.asarray(predicted, dtype=float)
    n = len(actual)
    offsets: dict[str, float] = {}
    for j, q in enumerate(quantiles):
        col = quantile_column(q)
        if col in offsets:
            continue
        partner = [k for k, other in enumerate(quantiles) if abs(other - (1 - q)) < 1e-9 and k != j]
        if partner:
            lo, hi = sorted((j, partner[0]), key=lambda k: quantiles[k])
            level = min(1.0, (1 - 2 * quantiles[lo]) * (1 + 1 / n))
            score = np.maximum(predicted[:, lo] - actual, actual - predicted[:, hi])
            width = float(np.quantile(score, level))
            offsets[quantile_column(quantiles[lo])] = -width
            offsets[quantile_column(quantiles[hi])] = width
        else:
            offsets[col] = float(np.quantile(actual - predicted[:, j], q))
    return offsets


# --- seasonal naive ----------------------------------------------------------------------------------
@register_forecaster
class SeasonalNaiveForecaster(Forecaster):
    """Weekly seasonal naive: the target's value one week earlier (k seasons earlier when h > season).

    Quantiles = point + empirical quantiles of its residuals on the fit data, per bucket of the target's
    load_type (the spread is much wider in operating hours). The horizon does not change a weekly
    naive's error within a week, so buckets by horizon would all hold the same distribution.
    """

    name: ClassVar[str] = "seasonal_naive"

    def __init__(self, quantiles: Sequence[float] = DEFAULT_QUANTILES, season: int = WEEK) -> None:
        super().__init__(quantiles)
        self.season = int(season)
        self.residual_quantiles: dict[str, list[float]] = {}

    def get_params(self) -> dict[str, Any]:
        return {"quantiles": list(self.quantiles), "season": self.season}

    def fit(self, history: pd.DataFrame, validation: pd.DataFrame | None = None) -> Self:
        frame = history if validation is None else pd.concat([history, validation], ignore_index=True)
        grid = _Grid.from_frame(frame)
        resid = grid.usage[self.season :] - grid.usage[: -self.season]
        lt = grid.load_type[self.season :]
        ok = ~np.isnan(resid)
        if ok.sum() < 10:
            raise ValueError(f"{self.name}: need more than one season ({self.season} intervals) of history")
        self.residual_quantiles = {}
        for name, code in [("all", None), *LOAD_TYPE_CODES.items()]:
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
        if future_covariates is not None and schema.LOAD_TYPE in future_covariates:
            lt = future_covariates.set_index(schema.TIMESTAMP)[schema.LOAD_TYPE].reindex(targets)
            lt = lt.fillna(seen[schema.LOAD_TYPE].reindex(source).set_axis(targets))
        else:
            lt = seen[schema.LOAD_TYPE].reindex(source).set_axis(targets)
        fallback = self.residual_quantiles["all"]
        offsets = np.array([self.residual_quantiles.get(name, fallback) for name in lt.to_numpy()])
        return finish_forecast(origin, point, point[:, None] + offsets, self.quantiles)

    def _save_artifacts(self, folder: Path) -> None:
        (folder / "residual_quantiles.json").write_text(json.dumps(self.residual_quantiles, indent=2))

    def _load_artifacts(self, folder: Path) -> None:
        self.residual_quantiles = json.loads((folder / "residual_quantiles.json").read_text())


# --- gradient-boosted direct quantile models ---------------------------------------------------------
class _BoostedQuantileForecaster(Forecaster):
    """Direct multi-horizon model shared by the LightGBM and XGBoost back-ends.

    One squared-error model gives the mean (what RMSE judges); one model per quantile gives the
    quantiles, then :func:`conformal_offsets` calibrates them on the validation window. Features:
    :data:`FEATURES`. Training rows: origins every ``origin_step`` intervals with
    ``horizons_per_origin`` random horizons each (about 160k rows for the 60 % window).
    """

    model_suffix: ClassVar[str] = ".txt"

    def __init__(
        self,
        quantiles: Sequence[float] = DEFAULT_QUANTILES,
        n_estimators: int = 300,
        learning_rate: float = 0.03,
        num_leaves: int = 15,
        min_child_samples: int = 500,
        l2_regularization: float = 50.0,
        refit_on_validation: bool = True,
        origin_step: int = 4,
        horizons_per_origin: int = 32,
        calibration_step: int = 4,
        day_horizon: int = DEFAULT_HORIZON,
        n_jobs: int = 2,
        seed: int = 42,
    ) -> None:
        super().__init__(quantiles)
        self.n_estimators = int(n_estimators)
        self.learning_rate = float(learning_rate)
        self.num_leaves = int(num_leaves)
        self.min_child_samples = int(min_child_samples)
        self.l2_regularization = float(l2_regularization)
        self.refit_on_validation = bool(refit_on_validation)
        self.origin_step = int(origin_step)
        self.horizons_per_origin = int(horizons_per_origin)
        self.calibration_step = int(calibration_step)
        self.day_horizon = int(day_horizon)
        self.n_jobs = int(n_jobs)
        self.seed = int(seed)
        self.models: dict[str, Any] = {}
        self.predict_threads: int | None = None
        self.offsets: dict[str, float] = {quantile_column(q): 0.0 for q in self.quantiles}
        self.validation_coverage: dict[str, float] = {}

    def get_params(self) -> dict[str, Any]:
        return {
            "quantiles": list(self.quantiles),
            "n_estimators": self.n_estimators,
            "learning_rate": self.learning_rate,
            "num_leaves": self.num_leaves,
            "min_child_samples": self.min_child_samples,
            "l2_regularization": self.l2_regularization,
            "refit_on_validation": self.refit_on_validation,
            "origin_step": self.origin_step,
            "horizons_per_origin": self.horizons_per_origin,
            "calibration_step": self.calibration_step,
            "day_horizon": self.day_horizon,
            "n_jobs": self.n_jobs,
            "seed": self.seed,
        }

    def describe(self) -> dict[str, Any]:
        return {
            "features": list(FEATURES),
            "conformal_offsets_kwh": self.offsets,
            "validation_coverage": self.validation_coverage,
            "strategy": "direct multi-horizon within a day, recursive by day beyond",
        }

    def set_prediction_threads(self, threads: int) -> None:
        """Threads per tree-ensemble call when serving (results are identical for any count: each
        row is summed by one thread); measured on a 24 h forecast, 2 threads cut the four boosters'
        wall time from 2.3 to 1.5 ms."""
        self.predict_threads = max(1, int(threads))

    def _threads(self) -> int:
        return self.predict_threads or self.n_jobs

    # back-end hooks, one implementation per boosting library
    @abstractmethod
    def _train(self, x: np.ndarray, y: np.ndarray, quantile: float | None) -> Any:
        """Implemented by each boosting back-end."""

    @abstractmethod
    def _apply(self, model: Any, x: np.ndarray) -> np.ndarray:
        """Implemented by each boosting back-end."""

    @abstractmethod
    def _write_model(self, model: Any, path: Path) -> None:
        """Implemented by each boosting back-end."""

    @abstractmethod
    def _read_model(self, path: Path) -> Any:
        """Implemented by each boosting back-end."""

    def _model_keys(self) -> list[str]:
        return [MEAN, *(quantile_column(q) for q in self.quantiles)]

    def fit(self, history: pd.DataFrame, validation: pd.DataFrame | None = None) -> Self:
        """Train on ``history``; with ``validation``: calibrate the quantiles on it (out of sample),
        then, if ``refit_on_validation``, retrain on history + validation with the same settings and
        keep the offsets (the most recent weeks matter most for next week's plant)."""
        self.offsets = {quantile_column(q): 0.0 for q in self.quantiles}
        self.validation_coverage = {}
        self._train_all(history)
        self.fitted = True
        if validation is not None and len(validation) > 0:
            self.calibrate(history, validation)
            if self.refit_on_validation:
                self._train_all(pd.concat([history, validation], ignore_index=True))
        return self

    def _train_all(self, history: pd.DataFrame) -> None:
        grid = _Grid.from_frame(history)
        o, h = _training_pairs(
            grid, self.origin_step, self.day_horizon, self.horizons_per_origin, self.seed, min_history=WEEK
        )
        if len(o) < 100:
            raise ValueError(f"{self.name}: history too short to train (need more than one week)")
        x = _features(grid, o, h, o + self.day_horizon)
        y = grid.usage[o + h]
        models = {MEAN: self._train(x, y, None)}
        for q in self.quantiles:
            models[quantile_column(q)] = self._train(x, y, q)
        self.models = models

    def _batch(self, grid: _Grid, o: np.ndarray, h: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        x = _features(grid, o, h, o + self.day_horizon)
        mean = self._apply(self.models[MEAN], x)
        qv = np.column_stack(
            [
                self._apply(self.models[quantile_column(q)], x) + self.offsets[quantile_column(q)]
                for q in self.quantiles
            ]
        )
        return mean, qv

    def calibrate(self, history: pd.DataFrame, validation: pd.DataFrame) -> dict[str, float]:
        """Conformal calibration on the validation origins (see :func:`conformal_offsets`)."""
        frame = pd.concat([history, validation], ignore_index=True)
        grid = _Grid.from_frame(frame)
        first = int(np.searchsorted(grid.timestamps, validation[schema.TIMESTAMP].min()))
        origins = np.arange(max(first - 1, WEEK), len(grid.usage) - 1, self.calibration_step)
        h = np.tile(np.arange(1, self.day_horizon + 1), len(origins))
        o = np.repeat(origins, self.day_horizon)
        keep = (o + h < len(grid.usage)) & ~np.isnan(grid.take(grid.usage, o + h))
        o, h = o[keep], h[keep]
        self.offsets = {quantile_column(q): 0.0 for q in self.quantiles}
        _, qv = self._batch(grid, o, h)
        actual = grid.usage[o + h]
        self.offsets = conformal_offsets(actual, qv, self.quantiles)
        _, qv = self._batch(grid, o, h)
        qv = np.sort(np.clip(qv, 0, None), axis=1)
        # share of validation actuals at or below each quantile, and inside the 10-90 % interval
        self.validation_coverage = {
            f"below_{quantile_column(q)}": float(np.mean(actual <= qv[:, j]))
            for j, q in enumerate(self.quantiles)
        }
        if 0.1 in self.quantiles and 0.9 in self.quantiles:
            lo, hi = self.quantiles.index(0.1), self.quantiles.index(0.9)
            inside = (actual >= qv[:, lo]) & (actual <= qv[:, hi])
            self.validation_coverage["interval_10_90"] = float(np.mean(inside))
        return self.offsets

    def _predict_day(
        self,
        history: pd.DataFrame,
        origin: pd.Timestamp,
        horizon: int,
        future_covariates: pd.DataFrame | None,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Mean, quantiles and planned load_type codes for the first ``horizon`` (<= a day) targets.

        The grid always spans a full day ahead, as in training, so the operating-day flags of a short
        forecast see the same plan as a day-ahead one.
        """
        grid, origin_pos = _Grid.for_origin(history, origin, self.day_horizon, future_covariates)
        h = np.arange(1, horizon + 1)
        mean, qv = self._batch(grid, np.full(horizon, origin_pos), h)
        return mean, qv, grid.load_type[origin_pos + 1 : origin_pos + 1 + horizon]

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
        seen = history_until(history, origin)
        if horizon <= self.day_horizon:
            mean, qv, _ = self._predict_day(seen, origin, horizon, future_covariates)
            return finish_forecast(origin, mean, qv, self.quantiles)
        # beyond a day: recursive by day on the mean forecast
        means, qvs = [], []
        block_origin, done, extended = origin, 0, seen
        while done < horizon:
            step = min(self.day_horizon, horizon - done)
            mean, qv, planned = self._predict_day(extended, block_origin, step, future_covariates)
            means.append(mean)
            qvs.append(qv)
            block = pd.DataFrame(
                {
                    schema.TIMESTAMP: target_timestamps(block_origin, step),
                    schema.USAGE_KWH: np.clip(mean, 0, None),
                    schema.LOAD_TYPE: [None if np.isnan(c) else schema.LOAD_TYPES[int(c)] for c in planned],
                }
            )
            extended = pd.concat([extended[[schema.TIMESTAMP, schema.USAGE_KWH, schema.LOAD_TYPE]], block])
            block_origin = block_origin + step * schema.INTERVAL
            done += step
        return finish_forecast(origin, np.concatenate(means), np.vstack(qvs), self.quantiles)

    def _save_artifacts(self, folder: Path) -> None:
        for key, model in self.models.items():
            self._write_model(model, folder / f"{key}{self.model_suffix}")
        calib = {"offsets": self.offsets, "validation_coverage": self.validation_coverage}
        (folder / "calibration.json").write_text(json.dumps(calib, indent=2))

    def _load_artifacts(self, folder: Path) -> None:
        self.models = {
            key: self._read_model(folder / f"{key}{self.model_suffix}") for key in self._model_keys()
        }
        calib = json.loads((folder / "calibration.json").read_text())
        self.offsets = {k: float(v) for k, v in calib["offsets"].items()}
        self.validation_coverage = calib["validation_coverage"]


@register_forecaster
class LightGBMQuantileForecaster(_BoostedQuantileForecaster):
    """LightGBM back-end (always on CPU: its CUDA build is not the pip wheel's); text model files."""

    name: ClassVar[str] = "lightgbm_quantile"
    model_suffix: ClassVar[str] = ".txt"

    def _train(self, x: np.ndarray, y: np.ndarray, quantile: float | None) -> Any:
        import lightgbm as lgb

        params: dict[str, Any] = {
            "objective": "regression" if quantile is None else "quantile",
            "learning_rate": self.learning_rate,
            "num_leaves": self.num_leaves,
            "min_data_in_leaf": self.min_child_samples,
            "lambda_l2": self.l2_regularization,
            "feature_fraction": 0.9,
            "bagging_fraction": 0.8,
            "bagging_freq": 1,
            "num_threads": self.n_jobs,
            "seed": self.seed,
            "deterministic": True,
            "verbosity": -1,
        }
        if quantile is not None:
            params["alpha"] = quantile
        data = lgb.Dataset(x, label=y, feature_name=list(FEATURES), free_raw_data=True)
        return lgb.train(params, data, num_boost_round=self.n_estimators)

    def _apply(self, model: Any, x: np.ndarray) -> np.ndarray:
        return model.predict(x, num_threads=self._threads())

    def _write_model(self, model: Any, path: Path) -> None:
        model.save_model(str(path))

    def _read_model(self, path: Path) -> Any:
        import lightgbm as lgb

        return lgb.Booster(model_file=str(path))


@register_forecaster
class XGBoostQuantileForecaster(_BoostedQuantileForecaster):
    """XGBoost back-end: ``reg:quantileerror`` per quantile; on CUDA when ENERGY_DEVICE=cuda; JSON models."""

    name: ClassVar[str] = "xgboost_quantile"
    model_suffix: ClassVar[str] = ".json"

    def _train(self, x: np.ndarray, y: np.ndarray, quantile: float | None) -> Any:
        import xgboost as xgb

        params: dict[str, Any] = {
            "objective": "reg:squarederror" if quantile is None else "reg:quantileerror",
            "eta": self.learning_rate,
            "max_depth": 0,
            "max_leaves": self.num_leaves,
            "grow_policy": "lossguide",
            "tree_method": "hist",
            "min_child_weight": float(self.min_child_samples),
            "reg_lambda": self.l2_regularization,
            "subsample": 0.8,
            "colsample_bytree": 0.9,
            "nthread": self.n_jobs,
            "seed": self.seed,
            "device": "cuda" if os.environ.get("ENERGY_DEVICE", "").lower() == "cuda" else "cpu",
        }
        if quantile is not None:
            params["quantile_alpha"] = quantile
        data = xgb.DMatrix(x, label=y, feature_names=list(FEATURES), nthread=self.n_jobs)
        return xgb.train(params, data, num_boost_round=self.n_estimators)

    def _apply(self, model: Any, x: np.ndarray) -> np.ndarray:
        import xgboost as xgb

        model.set_param({"nthread": self._threads()})
        return model.predict(xgb.DMatrix(x, feature_names=list(FEATURES), nthread=self._threads()))

    def _write_model(self, model: Any, path: Path) -> None:
        model.save_model(str(path))

    def _read_model(self, path: Path) -> Any:
        import xgboost as xgb

        booster = xgb.Booster()
        booster.load_model(str(path))
        booster.set_param({"nthread": self.n_jobs})
        return booster


# --- ensemble ----------------------------------------------------------------------------------------
def _clone(model: Forecaster, **overrides: Any) -> Forecaster:
    params = {**model.get_params(), **overrides}
    return type(model)(**params)


@register_forecaster
class WeightedEnsembleForecaster(Forecaster):
    """Convex blend of the two candidates with the lowest validation RMSE.

    Selection, weight and calibration use OUT-OF-SAMPLE validation forecasts: each candidate is first
    trained on ``history`` alone (no refit). The weight minimises the blend's squared error on the
    validation origins (closed form, clipped to [0, 1]); quantiles are blended with the same weight and
    conformally shifted on that window. The two chosen members are then fitted as configured (which
    for the boosted models means calibrate on validation, then refit on history + validation).
    """

    name: ClassVar[str] = "weighted_ensemble"

    def __init__(
        self,
        candidates: Sequence[Forecaster] = (),
        quantiles: Sequence[float] = DEFAULT_QUANTILES,
        validation_step: int = 32,
    ) -> None:
        super().__init__(quantiles)
        self.candidates = list(candidates)
        self.validation_step = int(validation_step)
        self.members: list[Forecaster] = []
        self.weights: list[float] = []
        self.offsets: dict[str, float] = {quantile_column(q): 0.0 for q in self.quantiles}
        self.validation_rmse: dict[str, float] = {}

    def get_params(self) -> dict[str, Any]:
        return {"quantiles": list(self.quantiles), "validation_step": self.validation_step}

    def describe(self) -> dict[str, Any]:
        return {
            "members": [m.name for m in self.members],
            "weights": self.weights,
            "validation_rmse": self.validation_rmse,
            "conformal_offsets_kwh": self.offsets,
        }

    def fit(self, history: pd.DataFrame, validation: pd.DataFrame | None = None) -> Self:
        from energy_assets.domain.forecasting.backtest import rolling_origin_backtest

        if validation is None or len(validation) == 0:
            raise ValueError(f"{self.name}: needs a validation window to choose members and weights")
        if len(self.candidates) < 2:
            raise ValueError(f"{self.name}: needs at least two candidate forecasters")
        names = [c.name for c in self.candidates]
        if len(set(names)) != len(names):
            raise ValueError(f"{self.name}: candidate names must differ, got {names}")
        frame = pd.concat([history, validation], ignore_index=True)
        ts = validation[schema.TIMESTAMP]
        origins = list(
            pd.date_range(
                ts.min() - schema.INTERVAL,
                ts.max() - DEFAULT_HORIZON * schema.INTERVAL,
                freq=self.validation_step * schema.INTERVAL,
            )
        )
        runs = {}
        for candidate in self.candidates:
            probe = candidate
            if isinstance(candidate, _BoostedQuantileForecaster):
                probe = _clone(candidate, refit_on_validation=False)
                probe.fit(history, validation)  # calibrated on validation, trained on history only
            else:
                probe = _clone(candidate).fit(history)
            runs[candidate.name] = rolling_origin_backtest(probe, frame, origins, horizon=DEFAULT_HORIZON)
        self.validation_rmse = {
            name: float(np.sqrt(np.mean((r["actual"] - r[MEAN]) ** 2))) for name, r in runs.items()
        }
        best = sorted(self.candidates, key=lambda m: self.validation_rmse[m.name])[:2]
        a, b = runs[best[0].name], runs[best[1].name]
        actual = a["actual"].to_numpy()
        diff = (a[MEAN] - b[MEAN]).to_numpy()
        denom = float(np.dot(diff, diff))
        w = 1.0 if denom == 0 else float(np.clip(np.dot(actual - b[MEAN].to_numpy(), diff) / denom, 0, 1))
        self.weights = [w, 1.0 - w]
        blended = np.column_stack(
            [
                w * a[quantile_column(q)].to_numpy() + (1 - w) * b[quantile_column(q)].to_numpy()
                for q in self.quantiles
            ]
        )
        self.offsets = conformal_offsets(actual, blended, self.quantiles)
        self.members = [_clone(m).fit(history, validation) for m in best]
        self.fitted = True
        return self

    def set_prediction_threads(self, threads: int) -> None:
        for member in self.members:
            member.set_prediction_threads(threads)

    def predict(
        self,
        history: pd.DataFrame,
        origin: pd.Timestamp,
        horizon: int = DEFAULT_HORIZON,
        future_covariates: pd.DataFrame | None = None,
    ) -> pd.DataFrame:
        self._require_fitted()
        forecasts = [m.predict(history, origin, horizon, future_covariates) for m in self.members]
        mean = sum(w * f[MEAN].to_numpy() for w, f in zip(self.weights, forecasts, strict=True))
        qv = np.column_stack(
            [
                sum(
                    w * f[quantile_column(q)].to_numpy() for w, f in zip(self.weights, forecasts, strict=True)
                )
                + self.offsets[quantile_column(q)]
                for q in self.quantiles
            ]
        )
        return finish_forecast(pd.Timestamp(origin), mean, qv, self.quantiles)

    def _save_artifacts(self, folder: Path) -> None:
        names = []
        for k, member in enumerate(self.members):
            member.save(folder / f"member_{k}")
            names.append(member.name)
        state = {
            "members": names,
            "weights": self.weights,
            "offsets": self.offsets,
            "validation_rmse": self.validation_rmse,
        }
        (folder / "ensemble.json").write_text(json.dumps(state, indent=2))

    def _load_artifacts(self, folder: Path) -> None:
        state = json.loads((folder / "ensemble.json").read_text())
        self.members = [load_forecaster(folder / f"member_{k}") for k in range(len(state["members"]))]
        self.weights = [float(w) for w in state["weights"]]
        self.offsets = {k: float(v) for k, v in state["offsets"].items()}
        self.validation_rmse = state["validation_rmse"]


__all__ = [
    "FEATURES",
    "LightGBMQuantileForecaster",
    "SeasonalNaiveForecaster",
    "WeightedEnsembleForecaster",
    "XGBoostQuantileForecaster",
]
