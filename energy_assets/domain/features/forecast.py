"""The forecast task's inputs: the 27 features of the boosted forecasters, on a regular 15-minute grid.

A forecaster receives cleaned-schema history (``timestamp``, ``usage_kwh``, ``load_type``) and the
plant's planned ``load_type`` after the origin. :class:`Grid` lays them on a regular grid (gaps are
NaN, never a value shifted from the wrong time); :func:`feature_matrix` computes
:data:`FORECAST_FEATURES` for (origin, horizon) pairs from it, using only usage at or before each
origin: the same slot one day and one week before the TARGET (when that is <= origin), the latest
day with the same operating status, recent levels, and the known-future covariates (calendar by
interval START, South Korean holidays, the planned ``load_type``, DESIGN.md §2). The plan after an
origin is handed in as codes (:func:`energy_assets.domain.models.forecast.plan.plan_codes`: the plant's
plan where sent, the calendar's elsewhere).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from energy_assets.domain import calendar
from energy_assets.domain.data import schema
from energy_assets.domain.features.history import history_until, prepared, sorted_end

DAY = schema.INTERVALS_PER_DAY
WEEK = 7 * DAY
#: Slot of the 09:00–09:15 interval: on this plant a day is an operating day iff that interval is not
#: Light_Load (verified on all 365 days of 2018: the whole 09:00–23:00 block follows it).
SLOT_0900 = 36
#: History a single forecast needs: four weeks of same-slot lags (and 28 days of same-status search)
#: plus one more week of levels; a forecast from a longer history is identical.
HISTORY_TAIL = 5 * WEEK + DAY

#: The inputs of the boosted forecasters, in the column order of :func:`feature_matrix`.
FORECAST_FEATURES: tuple[str, ...] = (
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


_NS = np.dtype("datetime64[ns]")


def on_grid(stamps: np.ndarray, start: pd.Timestamp, length: int) -> tuple[np.ndarray, np.ndarray]:
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


class Grid:
    """A regular 15-minute series with usage (NaN where unseen) and the planned load_type codes.

    ``future_load_type`` (batch backtests of many origins on one grid): the plan a forecast sees after
    its origin, where it differs from ``load_type`` (the derived plan); None: ``load_type`` is the plan
    everywhere (the plant's plan, or a one-origin grid whose tail already holds the plan).
    """

    def __init__(
        self,
        timestamps: pd.DatetimeIndex,
        usage: np.ndarray,
        load_type: np.ndarray,
        future_load_type: np.ndarray | None = None,
    ) -> None:
        self.timestamps = timestamps
        self.usage = usage
        self.load_type = load_type
        self.future_load_type = future_load_type
        # calendar by interval start (DESIGN.md §2); slot, weekday and holiday by integer arithmetic on
        # wall-clock nanoseconds (pandas' index arithmetic and field accessors cost more than the rest
        # of a served forecast's grid); 1970-01-01 was a Thursday (3)
        if timestamps.tz is None and timestamps.dtype == _NS:
            wall = timestamps.asi8 - schema.INTERVAL.value
            is_holiday = None
        else:
            start = calendar.interval_start_index(timestamps)
            wall = (start.tz_localize(None) if start.tz is not None else start).asi8
            is_holiday = calendar.holiday_flags(start)
        minute_of_day = (wall // 60_000_000_000) % 1440
        self.slot = minute_of_day // 15
        day = wall // 86_400_000_000_000
        self.day_of_week = ((day + 3) % 7).astype(float)
        self.is_holiday = calendar.holiday_day_flags(day) if is_holiday is None else is_holiday
        finite = np.nan_to_num(usage)
        self._cum = np.concatenate([[0.0], np.cumsum(finite)])
        self._cnt = np.concatenate([[0], np.cumsum(~np.isnan(usage))])

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, extend: int = 0) -> Grid:
        """Whole frame on a regular grid (gaps become NaN), plus ``extend`` unseen intervals after its
        end; used for training and batch prediction."""
        ts = pd.DatetimeIndex(frame[schema.TIMESTAMP])
        full = pd.date_range(ts.min(), ts.max() + extend * schema.INTERVAL, freq=schema.INTERVAL)
        indexed = frame.set_index(schema.TIMESTAMP)
        usage = indexed[schema.USAGE_KWH].reindex(full).to_numpy(dtype=float)
        lt = calendar.load_type_codes(indexed[schema.LOAD_TYPE].reindex(full))
        return cls(full, usage, lt)

    @classmethod
    def for_origin(
        cls,
        history: pd.DataFrame,
        origin: pd.Timestamp,
        horizon: int,
        plan: np.ndarray,
    ) -> tuple[Grid, int]:
        """Grid from the history tail to origin+horizon; usage unseen after the origin, whose
        load_type codes are ``plan`` (one per interval after the origin, ``horizon`` of them)."""
        first = origin - HISTORY_TAIL * schema.INTERVAL
        end = sorted_end(history, origin)
        ready = prepared(history) if end is not None else None
        codes = None
        if end is not None:  # sorted (a served history): the tail by binary search on its columns
            if end == 0:
                history_until(history, origin)  # raises: nothing at or before the origin
            if ready is not None:  # prepared once per loaded history: its load-type codes too
                all_stamps = ready.stamps
                tail = slice(int(np.searchsorted(all_stamps[:end], first.to_datetime64(), side="right")), end)
                stamps, usage_kwh, codes = all_stamps[tail], ready.usage[tail], ready.load_type[tail]
            else:
                all_stamps = history[schema.TIMESTAMP].to_numpy()
                tail = slice(int(np.searchsorted(all_stamps[:end], first.to_datetime64(), side="right")), end)
                stamps = all_stamps[tail]
                usage_kwh = history[schema.USAGE_KWH].to_numpy(dtype=float)[tail]
                load_type = history[schema.LOAD_TYPE].to_numpy()[tail]
        else:
            seen = history_until(history, origin)
            seen = seen.loc[seen[schema.TIMESTAMP] > first]
            stamps = seen[schema.TIMESTAMP].to_numpy()
            usage_kwh = seen[schema.USAGE_KWH].to_numpy(dtype=float)
            load_type = seen[schema.LOAD_TYPE].to_numpy()
        start = min(pd.Timestamp(stamps.min()), origin)
        full = pd.date_range(start, origin + horizon * schema.INTERVAL, freq=schema.INTERVAL)
        rows, pos = on_grid(stamps, start, len(full))
        usage = np.full(len(full), np.nan)
        usage[pos] = usage_kwh[rows]
        lt = np.full(len(full), np.nan)
        lt[pos] = calendar.load_type_codes(load_type[rows]) if codes is None else codes[rows]
        origin_pos = len(full) - 1 - horizon
        plan = np.asarray(plan, dtype=float)
        if plan.shape != (horizon,):
            raise ValueError(f"plan has {plan.size} codes for {horizon} intervals after the origin")
        lt[origin_pos + 1 :] = plan
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

    def plan_at(self, pos: np.ndarray, origin: np.ndarray) -> np.ndarray:
        """Load-type codes at ``pos`` as a forecast from ``origin`` sees them: the readings' own at or
        before the origin, the plan after it."""
        code = self.take(self.load_type, pos)
        if self.future_load_type is None:
            return code
        return np.where(pos > origin, self.take(self.future_load_type, pos), code)

    def operating(self, pos: np.ndarray, known_until: np.ndarray, origin: np.ndarray) -> np.ndarray:
        """1 if the day of ``pos`` is an operating day (its 09:00 interval not Light_Load), 0 if not,
        NaN when that day's plan is not known at the origin (beyond the plan's horizon)."""
        slot = (self.slot[0] + pos) % DAY  # the grid is regular, so this holds outside it too
        pos9 = pos - slot + SLOT_0900
        code = self.plan_at(pos9, origin)
        flag = np.where(np.isnan(code), np.nan, (code > 0).astype(float))
        return np.where(pos9 <= known_until, flag, np.nan)


def feature_matrix(
    grid: Grid, origin_pos: np.ndarray, horizon: np.ndarray, known_until: np.ndarray
) -> np.ndarray:
    """The :data:`FORECAST_FEATURES` of (origin, horizon) pairs, using only usage at positions <= origin."""
    i = origin_pos.astype(np.int64)
    h = horizon.astype(np.int64)
    t = i + h
    y = grid.usage

    def lag(k: int) -> np.ndarray:
        src = t - k
        return np.where(src <= i, grid.take(y, src), np.nan)

    op_t = grid.operating(t, known_until, i)
    # same slot on the latest days before the target, already observed, whose operating status
    # matches the target's (a Monday after a Sunday, a working day after a holiday)
    src = t[:, None] - np.arange(1, 29)[None, :] * DAY  # the same slot 1..28 days before the target
    cand = np.where(src <= i[:, None], grid.take(y, src), np.nan)
    same_status = np.where(grid.operating(src, (i + DAY)[:, None], i[:, None]) == op_t[:, None], cand, np.nan)
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
        grid.plan_at(np.where(t <= known_until, t, -1), i),
        op_t,
        grid.operating(t - DAY, known_until, i),
        lag(WEEK),
        grid.plan_at(t - WEEK, i),
        grid.operating(t - WEEK, known_until, i),
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


def training_pairs(
    grid: Grid, origin_step: int, horizon: int, horizons_per_origin: int, seed: int, min_history: int
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


def training_rows(
    grid: Grid, origin_step: int, horizon: int, horizons_per_origin: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """(:data:`FORECAST_FEATURES` matrix, target) of the :func:`training_pairs` of ``grid``: what the
    boosted forecasters learn from (origins after the first week, so the weekly lags exist)."""
    o, h = training_pairs(grid, origin_step, horizon, horizons_per_origin, seed, min_history=WEEK)
    return feature_matrix(grid, o, h, o + horizon), grid.usage[o + h]
