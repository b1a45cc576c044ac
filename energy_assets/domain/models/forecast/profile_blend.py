"""The day-ahead model of issue 17: the LightGBM direct model blended with day-class profiles.

The plant's daily level does not persist from one day to the next (the 09:00-12:00 level of
consecutive operating weekdays correlates -0.01 in the test window), so a tree model of the day's
level gains little from more features; averaging it with robust profiles of earlier days of the same
class does (researcher's report, scratch17 REPORT.md §5):

    mean   = w_lgbm * LightGBM mean + w_ew * EW profile + w_med * median profile
    day class of a target  0 non-operating, 1 operating Mon-Fri, 2 operating Saturday, 3 operating
                           Sunday (operating: the planned load type of the day's 09:00 interval is not
                           Light_Load; the day and weekday of the interval START)
    EW profile             same-slot mean over the last 40 complete days of that class, weights
                           0.5 ** (k / ew_halflife) (k = 0 the latest)
    median profile         same-slot median over the last ``median_days`` complete days of that class
    deciles                the q10/q90 boosters shifted by quantile_shift * (mean - LightGBM mean)
                           around a centre (1 - c) * mean + c * median profile (c =
                           median_centre_weight), the other deciles by a normal shape
                           (:func:`~energy_assets.domain.models.forecast.quantiles.normal_shape`),
                           then conformal offsets per symmetric pair learned on validation

The default weights 0.54 / 0.12 / 0.34 are non-negative least squares on three rolling validation
folds inside train + validation (origins 2018-06-01..07-05, 07-06..08-07 and the validation window,
each forecast by a model trained before it); the test window never entered them.

Complete days: the days with all 96 readings at or before the origin, within the history a forecast
reads (:data:`~energy_assets.domain.features.forecast.HISTORY_TAIL`), plus the last
:data:`STORE_DAYS` complete days of every class kept from the training data (an operating Sunday's 20
predecessors reach back months); where both hold a day, the history's copy wins. A class without a
day falls back to the LightGBM mean. Three boosters are served (mean, q10, q90) against the plain
model's four, which pays for the profiles.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from energy_assets.domain import calendar
from energy_assets.domain.data import schema
from energy_assets.domain.features.forecast import DAY, HISTORY_TAIL, SLOT_0900, Grid
from energy_assets.domain.models.forecast.base import MEAN, quantile_column, register_forecaster
from energy_assets.domain.models.forecast.boosted import LightGBMQuantileForecaster
from energy_assets.domain.models.forecast.quantiles import normal_shape
from energy_assets.domain.models.params import model_class, state

#: Complete days kept per class from the training data (and the EW profile's reach).
STORE_DAYS = 40
PROFILE_FILE = "profiles.json"
_NS_DAY = 86_400 * 10**9
_CLASSES = 4
_CENTRE_LEVELS = (0.1, 0.5, 0.9)


def day_class(operating: np.ndarray, weekday: np.ndarray) -> np.ndarray:
    """0 non-operating, 1 operating Mon-Fri, 2 operating Saturday, 3 operating Sunday; NaN unknown."""
    klass = np.where(
        operating == 1,
        np.where(weekday < calendar.SATURDAY, 1.0, np.where(weekday == calendar.SATURDAY, 2.0, 3.0)),
        0.0,
    )
    return np.where(np.isnan(operating), np.nan, klass)


def _wall_ns(stamps: pd.DatetimeIndex) -> np.ndarray:
    return (stamps.tz_localize(None) if stamps.tz is not None else stamps).asi8


class ProfileDays:
    """Complete days (96 readings by interval start) with their class, sorted by day number
    (days since 1970-01-01 on the plant's wall clock)."""

    def __init__(self, day: np.ndarray, klass: np.ndarray, usage: np.ndarray) -> None:
        order = np.argsort(day, kind="stable")
        self.day = np.asarray(day, dtype=np.int64)[order]
        self.klass = np.asarray(klass, dtype=np.int64)[order]
        self.usage = np.asarray(usage, dtype=float).reshape(-1, DAY)[order]

    @classmethod
    def empty(cls) -> ProfileDays:
        return cls(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros((0, DAY)))

    @classmethod
    def from_grid(cls, grid: Grid, last_pos: int) -> ProfileDays:
        """The complete days of ``grid`` whose readings all lie at or before position ``last_pos``."""
        slot0 = int(grid.slot[0])
        first = (DAY - slot0) % DAY  # the first position that starts a day
        count = (last_pos + 1 - first) // DAY
        if count <= 0:
            return cls.empty()
        usage = grid.usage[first : first + count * DAY].reshape(count, DAY)
        at_nine = grid.load_type[first + SLOT_0900 : first + count * DAY : DAY]
        operating = np.where(np.isnan(at_nine), np.nan, (at_nine > 0).astype(float))
        start_ns = _wall_ns(grid.timestamps[first : first + 1])[0] - schema.INTERVAL.value
        day = start_ns // _NS_DAY + np.arange(count)
        klass = day_class(operating, ((day + 3) % 7).astype(float))  # 1970-01-01 was a Thursday
        ok = ~np.isnan(usage).any(axis=1) & ~np.isnan(klass)
        return cls(day[ok], klass[ok], usage[ok])

    @classmethod
    def from_frame(cls, frame: pd.DataFrame) -> ProfileDays:
        grid = Grid.from_frame(frame)
        return cls.from_grid(grid, len(grid.usage) - 1)

    def select(self, keep: np.ndarray) -> ProfileDays:
        return ProfileDays(self.day[keep], self.klass[keep], self.usage[keep])

    def merged(self, other: ProfileDays) -> ProfileDays:
        """These days, plus those of ``other`` on dates these lack."""
        extra = ~np.isin(other.day, self.day)
        return ProfileDays(
            np.concatenate([self.day, other.day[extra]]),
            np.concatenate([self.klass, other.klass[extra]]),
            np.vstack([self.usage, other.usage[extra]]),
        )

    def tail(self, n: int) -> ProfileDays:
        """The latest ``n`` days of every class."""
        keep = np.zeros(len(self.day), dtype=bool)
        for k in range(_CLASSES):
            keep[np.flatnonzero(self.klass == k)[-n:]] = True
        return self.select(keep)

    def profiles(
        self, klass: int, last_day: int, halflife: float, median_days: int
    ) -> tuple[np.ndarray, np.ndarray] | None:
        """(EW mean, median) slot vectors of the class's complete days up to ``last_day``; None if none."""
        idx = np.flatnonzero((self.klass == klass) & (self.day <= last_day))
        if len(idx) == 0:
            return None
        latest_first = idx[-STORE_DAYS:][::-1]
        weights = 0.5 ** (np.arange(len(latest_first)) / halflife)
        ew = (self.usage[latest_first] * weights[:, None]).sum(axis=0) / weights.sum()
        return ew, np.median(self.usage[idx[-median_days:]], axis=0)

    def to_json(self) -> dict[str, Any]:
        return {
            "day": self.day.tolist(),
            "class": self.klass.tolist(),
            "usage": np.round(self.usage, 4).tolist(),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ProfileDays:
        return cls(
            np.array(data["day"], dtype=np.int64),
            np.array(data["class"], dtype=np.int64),
            np.array(data["usage"], dtype=float).reshape(-1, DAY),
        )


@register_forecaster
@model_class
class ProfileBlendForecaster(LightGBMQuantileForecaster):
    """LightGBM direct model blended with rolling day-class profiles; nine monotone deciles from
    three boosters (mean, q10, q90). See the module docstring for the construction."""

    name: ClassVar[str] = "profile_blend"

    booster_quantiles: Sequence[float] = (0.1, 0.9)
    blend_weights: Sequence[float] = (0.54, 0.12, 0.34)
    ew_halflife: float = 5.0
    median_days: int = 20
    quantile_shift: float = 0.5
    median_centre_weight: float = 0.5
    store: ProfileDays = state(factory=ProfileDays.empty)

    def __post_init__(self) -> None:
        super().__post_init__()
        self.blend_weights = tuple(float(w) for w in self.blend_weights)
        if len(self.blend_weights) != 3 or min(self.blend_weights) < 0:
            raise ValueError(f"blend_weights must be three non-negative weights, got {self.blend_weights}")
        if self.booster_quantiles != (0.1, 0.9):
            raise ValueError(f"{self.name} fits the 0.1 and 0.9 boosters, got {self.booster_quantiles}")

    def describe(self) -> dict[str, Any]:
        return {
            **super().describe(),
            "strategy": "LightGBM direct model blended with day-class profiles (EW and median)",
            "stored_profile_days": len(self.store.day),
        }

    def _train_all(self, history: pd.DataFrame) -> None:
        super()._train_all(history)
        self.store = ProfileDays.from_frame(history).tail(STORE_DAYS)

    def _profile_columns(self, grid: Grid, o: np.ndarray, h: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """EW and median profile of every (origin, horizon) pair's target slot, NaN where its class
        has no complete day; each origin sees the complete days of its own history window + the store."""
        t = o + h
        wall = _wall_ns(grid.timestamps)
        observed = ProfileDays.from_grid(grid, int(o.max()))
        klass = day_class(grid.operating(t, o + self.day_horizon, o), grid.take(grid.day_of_week, t))
        slot = grid.take(grid.slot.astype(float), t)
        ew = np.full(len(t), np.nan)
        med = np.full(len(t), np.nan)
        tail_ns = HISTORY_TAIL * schema.INTERVAL.value
        for origin in np.unique(o):
            origin_ns = int(wall[origin])
            # the latest complete day: the one whose last interval ends at or before the origin
            last_day = (origin_ns - schema.INTERVAL.value) // _NS_DAY - (origin_ns % _NS_DAY != 0)
            first_ns = origin_ns - tail_ns  # the history a forecast reads: stamps after this
            window = (observed.day * _NS_DAY + schema.INTERVAL.value > first_ns) & (observed.day <= last_day)
            days = observed.select(window).merged(self.store)
            rows = o == origin
            for k in np.unique(klass[rows][~np.isnan(klass[rows])]).astype(int):
                found = days.profiles(int(k), int(last_day), self.ew_halflife, self.median_days)
                if found is None:
                    continue
                sel = rows & (klass == k)
                at = slot[sel].astype(np.int64)
                ew[sel], med[sel] = found[0][at], found[1][at]
        return ew, med

    def _batch(
        self, grid: Grid, o: np.ndarray, h: np.ndarray, x: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        x = self._features(grid, o, h) if x is None else x
        lgbm = self._apply(self.models[MEAN], x)
        lo, hi = (self._apply(self.models[quantile_column(q)], x) for q in self.booster_quantiles)
        ew, med = self._profile_columns(grid, o, h)
        ew = np.where(np.isnan(ew), lgbm, ew)
        med = np.where(np.isnan(med), lgbm, med)
        w_lgbm, w_ew, w_med = self.blend_weights
        mean = w_lgbm * lgbm + w_ew * ew + w_med * med
        shift = self.quantile_shift * (mean - lgbm)
        centre = (1 - self.median_centre_weight) * mean + self.median_centre_weight * med
        shaped = normal_shape(
            np.column_stack([lo + shift, centre, hi + shift]), _CENTRE_LEVELS, self.quantiles
        )
        offsets = np.array([self.offsets[quantile_column(q)] for q in self.quantiles])
        return mean, shaped + offsets[None, :]

    def _save_artifacts(self, folder: Path) -> None:
        super()._save_artifacts(folder)
        (folder / PROFILE_FILE).write_text(json.dumps(self.store.to_json()), encoding="utf-8")

    def _load_artifacts(self, folder: Path) -> None:
        super()._load_artifacts(folder)
        self.store = ProfileDays.from_json(json.loads((folder / PROFILE_FILE).read_text(encoding="utf-8")))
