"""The intraday nowcast: the next few hours from the latest readings, and the served switch to it.

A day-ahead model reads the day's level from yesterday and last week; within the day the latest
readings tell more (the morning and afternoon blocks of a day correlate 0.59). At 15 minutes ahead
the day-ahead models are worse than persistence (test MAE 7.1 against 5.8 kWh over every interval).

- :class:`NowcastForecaster`: the LightGBM back-end on the day-ahead features plus the last
  ``lags`` readings before the origin and the last step (reading at the origin minus the one before),
  trained on horizons 1..``max_horizon`` (16 = 4 h) from every interval, with the same conformal
  calibration; it forecasts at most ``max_horizon`` intervals.
- :class:`IntradayForecaster`: what ``/forecast`` serves: a day-ahead model, with the nowcast's
  values for the horizon bands where the nowcast had the lower validation RMSE at origins during the
  operating day (:func:`intraday_rule`, the one place the rule is decided; the forecast bundle's
  card carries its result as ``intraday`` and the served object is built from it). "During the
  operating day": the interval ending at the origin is a Medium or Maximum load interval
  (09:00-23:00 of an operating day). Other origins, and every other horizon, get the day-ahead
  model's forecast unchanged.
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
from energy_assets.domain.features.forecast import (
    FORECAST_FEATURES,
    WEEK,
    Grid,
    feature_matrix,
    training_pairs,
)
from energy_assets.domain.features.history import check_seen, history_until
from energy_assets.domain.models.forecast.backtest import ACTUAL, HORIZON_BANDS
from energy_assets.domain.models.forecast.base import (
    DEFAULT_HORIZON,
    DEFAULT_QUANTILES,
    MEAN,
    ORIGIN,
    PLANT_PLAN,
    TARGET_HORIZON,
    Forecaster,
    check_horizon,
    finish_forecast,
    load_forecaster,
    quantile_column,
    register_forecaster,
)
from energy_assets.domain.models.forecast.boosted import (
    LightGBMQuantileForecaster,
    _BoostedQuantileForecaster,
)
from energy_assets.domain.models.forecast.plan import plan_codes
from energy_assets.domain.models.params import model_class, not_a_param, state

#: Reach of the nowcast: 4 hours.
NOWCAST_HORIZON = 16
INTRADAY_FILE = "intraday.json"
#: The forecast bundle's card entry holding the served switch (:func:`intraday_rule`), and the
#: bundle folder of the nowcast's native save.
INTRADAY_CARD_KEY = "intraday"
NOWCAST_DIR = "nowcast"
OPERATING_ORIGINS = (
    "origins during the operating day: the interval ending at the origin is a Medium or Maximum load "
    "interval (09:00-23:00 of an operating day)"
)
RULE_TEXT = (
    "at origins during the operating day, horizons 1..horizons come from the nowcast (the horizon bands "
    "where it had the lower RMSE than the day-ahead model on validation); every other interval and "
    "origin from the day-ahead model"
)


@register_forecaster
@model_class
class NowcastForecaster(LightGBMQuantileForecaster):
    """LightGBM on the day-ahead features + the latest readings, horizons 1..``max_horizon``."""

    name: ClassVar[str] = "nowcast"

    booster_quantiles: Sequence[float] = (0.1, 0.9)
    n_estimators: int = 300
    learning_rate: float = 0.05
    num_leaves: int = 31
    min_child_samples: int = 200
    l2_regularization: float = 10.0
    origin_step: int = 1
    horizons_per_origin: int = 4
    max_horizon: int = NOWCAST_HORIZON
    lags: int = 8

    def __post_init__(self) -> None:
        super().__post_init__()
        if not 1 <= self.max_horizon <= self.day_horizon:
            raise ValueError(f"max_horizon must be 1..{self.day_horizon}, got {self.max_horizon}")
        if self.lags < 2:
            raise ValueError(
                f"lags must be at least 2 (the origin's reading and the one before), got {self.lags}"
            )

    def feature_names(self) -> tuple[str, ...]:
        lags = tuple(f"usage_minus_{k * 15}min" for k in range(1, self.lags))
        return (*FORECAST_FEATURES, *lags, "last_step")

    def _features(self, grid: Grid, o: np.ndarray, h: np.ndarray) -> np.ndarray:
        return self.with_latest(grid, o, feature_matrix(grid, o, h, o + self.day_horizon))

    def with_latest(self, grid: Grid, o: np.ndarray, day_ahead: np.ndarray) -> np.ndarray:
        """The nowcast's features from the day-ahead ones of the same pairs: + the latest readings."""
        lags = [grid.take(grid.usage, o - k) for k in range(1, self.lags)]
        last_step = grid.take(grid.usage, o) - grid.take(grid.usage, o - 1)
        return np.column_stack([day_ahead, *lags, last_step])

    def _training_rows(self, grid: Grid) -> tuple[np.ndarray, np.ndarray]:
        o, h = training_pairs(
            grid, self.origin_step, self.max_horizon, self.horizons_per_origin, self.seed, min_history=WEEK
        )
        return self._features(grid, o, h), grid.usage[o + h]

    def _scored_horizon(self) -> int:
        return self.max_horizon

    def _calibration_origins(self, grid: Grid, origins: np.ndarray) -> np.ndarray:
        """Only origins during the operating day (Medium/Maximum load at the origin): the only ones
        the nowcast is served at; the night's narrow spread made its bands too narrow there."""
        return origins[grid.load_type[origins] > 0]

    def describe(self) -> dict[str, Any]:
        return {
            **super().describe(),
            "strategy": f"direct, horizons 1..{self.max_horizon} from the latest readings",
        }

    def _check_reach(self, horizon: int) -> None:
        if horizon > self.max_horizon:
            raise ValueError(
                f"{self.name} forecasts at most {self.max_horizon} intervals, got horizon {horizon}"
            )

    def predict(
        self,
        history: pd.DataFrame,
        origin: pd.Timestamp,
        horizon: int = NOWCAST_HORIZON,
        future_covariates: pd.DataFrame | None = None,
    ) -> pd.DataFrame:
        self._check_reach(horizon)
        return super().predict(history, origin, horizon, future_covariates)

    def predict_origins(
        self,
        frame: pd.DataFrame,
        origins: Sequence[pd.Timestamp],
        horizon: int = NOWCAST_HORIZON,
        plan: str = PLANT_PLAN,
    ) -> pd.DataFrame:
        self._check_reach(horizon)
        return super().predict_origins(frame, origins, horizon, plan)


def operating_origin(load_type_at_origin: Any) -> bool:
    """An origin during the operating day: its last interval is a Medium or Maximum load interval."""
    code = calendar.load_type_codes([load_type_at_origin])[0]
    return bool(code > 0)


def band_scores(
    day_ahead: pd.DataFrame,
    nowcast: pd.DataFrame,
    frame: pd.DataFrame,
    bands: Sequence[tuple[str, int, int]] = HORIZON_BANDS,
) -> list[dict[str, Any]]:
    """RMSE of the day-ahead model and of the nowcast per horizon band (within the nowcast's reach)
    on the same origins and targets of two backtests, at origins during the operating day only: those
    whose reading in ``frame`` is a Medium or Maximum load interval (:func:`operating_origin`)."""
    keys = [ORIGIN, schema.TIMESTAMP]
    merged = day_ahead[[*keys, TARGET_HORIZON, ACTUAL, MEAN]].merge(
        nowcast[[*keys, MEAN]].rename(columns={MEAN: "nowcast"}), on=keys, how="inner", validate="1:1"
    )
    at_origin = frame.set_index(schema.TIMESTAMP)[schema.LOAD_TYPE].reindex(merged[ORIGIN])
    merged = merged.loc[calendar.load_type_codes(at_origin.to_numpy()) > 0]
    reach = int(nowcast[TARGET_HORIZON].max())
    out = []
    for name, first, last in bands:
        if last > reach:
            continue
        part = merged.loc[(merged[TARGET_HORIZON] >= first) & (merged[TARGET_HORIZON] <= last)]
        if part.empty:
            continue
        err_day = float(np.sqrt(np.mean((part[ACTUAL] - part[MEAN]) ** 2)))
        err_now = float(np.sqrt(np.mean((part[ACTUAL] - part["nowcast"]) ** 2)))
        out.append(
            {
                "band": name,
                "first_horizon": first,
                "last_horizon": last,
                "n_origins": int(part[ORIGIN].nunique()),
                "n_targets": len(part),
                "day_ahead_rmse": err_day,
                "nowcast_rmse": err_now,
                "nowcast_wins": err_now < err_day,
            }
        )
    return out


def intraday_bands(
    day_ahead: pd.DataFrame,
    nowcast: pd.DataFrame,
    frame: pd.DataFrame,
    bands: Sequence[tuple[str, int, int]] = HORIZON_BANDS,
) -> list[str]:
    """The horizon bands (within the nowcast's reach) where the nowcast's RMSE is lower than the
    day-ahead model's, on the same (validation) origins during the operating day (:func:`band_scores`)."""
    return [b["band"] for b in band_scores(day_ahead, nowcast, frame, bands) if b["nowcast_wins"]]


def intraday_rule(
    day_ahead: pd.DataFrame,
    nowcast: pd.DataFrame,
    frame: pd.DataFrame,
    *,
    day_ahead_family: str,
    window: str = "validation",
) -> dict[str, Any]:
    """THE served switch, as the forecast bundle's card records it (``card["intraday"]``): the bands
    the nowcast won on ``window`` (out-of-sample backtests of both models at the same origins during
    the operating day), the horizons they cover (1..``horizons``; 0: the nowcast is never served),
    where the nowcast is stored in the bundle, and the evidence (:func:`band_scores`)."""
    scores = band_scores(day_ahead, nowcast, frame)
    chosen = [b["band"] for b in scores if b["nowcast_wins"]]
    last = [b["last_horizon"] for b in scores if b["nowcast_wins"]]
    return {
        "model_dir": NOWCAST_DIR,
        "model": NowcastForecaster.name,
        "day_ahead": day_ahead_family,
        "bands": chosen,
        "horizons": int(max(last, default=0)),
        "origins": OPERATING_ORIGINS,
        "rule": RULE_TEXT,
        "chosen_on": window,
        "scores": scores,
    }


@register_forecaster
@model_class
class IntradayForecaster(Forecaster):
    """A day-ahead model whose first hours come from the nowcast at origins during the operating day,
    in the bands where the nowcast won on validation (``bands``; see :func:`intraday_rule`).

    Served from the forecast bundle: :func:`~energy_assets.domain.training.champion.load_bundle`
    builds it from the champion (``model/``), the nowcast (``nowcast/``) and the card's ``intraday``
    entry (:meth:`from_rule`), so the rule is read from the card, never written into the API.
    """

    name: ClassVar[str] = "intraday"

    day_ahead: Forecaster | None = not_a_param(None)
    nowcast: NowcastForecaster | None = not_a_param(None)
    bands: Sequence[str] = ()
    quantiles: Sequence[float] = DEFAULT_QUANTILES
    reach: int = state(0)

    def __post_init__(self) -> None:
        super().__post_init__()
        known = {b[0] for b in HORIZON_BANDS}
        unknown = sorted(set(self.bands) - known)
        if unknown:
            raise ValueError(f"unknown horizon bands {unknown}; known: {sorted(known)}")
        self.bands = tuple(self.bands)
        if self.day_ahead is not None and self.nowcast is not None:
            self._check_members()
            self.fitted = self.day_ahead.fitted and self.nowcast.fitted

    @classmethod
    def from_rule(cls, day_ahead: Forecaster, nowcast: NowcastForecaster, rule: dict[str, Any]) -> Self:
        """The served switch a bundle card's ``intraday`` entry (:func:`intraday_rule`) describes."""
        served = cls(day_ahead=day_ahead, nowcast=nowcast, bands=tuple(rule.get("bands") or ()))
        if int(rule.get("horizons", served.reach)) != served.reach:
            raise ValueError(
                f"the card's intraday horizons {rule.get('horizons')} disagree with its bands "
                f"{list(served.bands)} (horizons 1..{served.reach})"
            )
        return served

    def _check_members(self) -> None:
        assert self.day_ahead is not None and self.nowcast is not None
        if tuple(self.day_ahead.quantiles) != tuple(self.nowcast.quantiles):
            raise ValueError("the day-ahead model and the nowcast must answer the same quantiles")
        self.quantiles = tuple(self.day_ahead.quantiles)
        last = [b[2] for b in HORIZON_BANDS if b[0] in self.bands]
        self.reach = min(max(last, default=0), self.nowcast.max_horizon)

    def fit(self, history: pd.DataFrame, validation: pd.DataFrame | None = None) -> Self:
        raise TypeError(
            f"{self.name} is built from a fitted day-ahead model and a fitted nowcast, not fitted"
        )

    def describe(self) -> dict[str, Any]:
        return {
            "day_ahead": None if self.day_ahead is None else self.day_ahead.name,
            "nowcast_bands": list(self.bands),
            "nowcast_horizons": self.reach,
            "rule": RULE_TEXT,
        }

    def set_prediction_threads(self, threads: int) -> None:
        """The day-ahead model gets ``threads``; the nowcast always one: its 16 rows are too few to
        split, and a second thread only added CPU per served forecast (results are the same)."""
        if self.day_ahead is not None:
            self.day_ahead.set_prediction_threads(threads)
        if self.nowcast is not None:
            self.nowcast.set_prediction_threads(1)

    def sources(self, steps: int, horizon: int) -> list[tuple[str, int, int]]:
        """Which model answered which horizons of a forecast whose first ``steps`` came from the
        nowcast: ``(model name, first horizon, last horizon)`` blocks."""
        assert self.day_ahead is not None and self.nowcast is not None
        blocks = []
        if steps > 0:
            blocks.append((self.nowcast.name, 1, steps))
        if steps < horizon:
            blocks.append((self.day_ahead.name, steps + 1, horizon))
        return blocks

    def predict(
        self,
        history: pd.DataFrame,
        origin: pd.Timestamp,
        horizon: int = DEFAULT_HORIZON,
        future_covariates: pd.DataFrame | None = None,
    ) -> pd.DataFrame:
        return self.predict_sourced(history, origin, horizon, future_covariates)[0]

    def predict_sourced(
        self,
        history: pd.DataFrame,
        origin: pd.Timestamp,
        horizon: int = DEFAULT_HORIZON,
        future_covariates: pd.DataFrame | None = None,
    ) -> tuple[pd.DataFrame, int]:
        """The forecast, and how many leading intervals the nowcast answered (0 at an origin outside
        the operating day or with an empty rule); :meth:`sources` turns that into blocks."""
        self._require_fitted()
        assert self.day_ahead is not None and self.nowcast is not None
        check_horizon(horizon)
        origin = pd.Timestamp(origin)
        steps = min(self.reach, horizon)
        if steps and self._shares_grid(horizon):
            return self._predict_shared(history, origin, horizon, steps, future_covariates)
        forecast = self.day_ahead.predict(history, origin, horizon, future_covariates)
        if steps == 0:
            return forecast, 0
        seen = history_until(history, origin)
        at_origin = seen.iloc[-1:]
        if at_origin[schema.TIMESTAMP].iloc[0] != origin:  # unsorted history: look the origin up
            at_origin = seen.loc[seen[schema.TIMESTAMP] == origin]
        if at_origin.empty or not operating_origin(at_origin[schema.LOAD_TYPE].iloc[-1]):
            return forecast, 0
        near = self.nowcast.predict(history, origin, steps, future_covariates)
        columns = [MEAN, *(quantile_column(q) for q in self.quantiles)]
        forecast.loc[: steps - 1, columns] = near[columns].to_numpy()
        return forecast, steps

    def _shares_grid(self, horizon: int) -> bool:
        """Both members are boosted direct models on the same day grid (the served case): one grid
        and one feature build serve both."""
        day = self.day_ahead
        return (
            isinstance(day, _BoostedQuantileForecaster)
            and type(day)._features is _BoostedQuantileForecaster._features  # the day-ahead features
            and self.nowcast is not None
            and day.day_horizon == self.nowcast.day_horizon
            and horizon <= day.day_horizon
        )

    def _predict_shared(
        self,
        history: pd.DataFrame,
        origin: pd.Timestamp,
        horizon: int,
        steps: int,
        future_covariates: pd.DataFrame | None,
    ) -> tuple[pd.DataFrame, int]:
        """The same values as the members' own ``predict`` (tested), from one grid: the day-ahead
        model answers only the horizons the nowcast does not."""
        day = self.day_ahead
        assert isinstance(day, _BoostedQuantileForecaster) and self.nowcast is not None
        check_seen(history, origin)
        planned = plan_codes(origin, day.day_horizon, future_covariates)
        # Grid.for_origin reads only the rows at or before the origin (as history_until would keep)
        grid, pos = Grid.for_origin(history, origin, day.day_horizon, planned)
        if not grid.load_type[pos] > 0:  # NaN (no reading at the origin) or Light load
            steps = 0
        # the day-ahead features of every horizon once: the day-ahead model reads those after the
        # nowcast's reach, the nowcast the first ``steps`` plus the latest readings
        o = np.full(horizon, pos)
        x = feature_matrix(grid, o, np.arange(1, horizon + 1), o + day.day_horizon)
        h = np.arange(steps + 1, horizon + 1)
        mean, qv = day._batch(grid, o[steps:], h, x[steps:])
        if steps:
            near = self.nowcast.with_latest(grid, o[:steps], x[:steps])
            near_mean, near_qv = self.nowcast._batch(grid, o[:steps], np.arange(1, steps + 1), near)
            mean = np.concatenate([near_mean, mean])
            qv = np.vstack([near_qv, qv]) if len(h) else near_qv
        return finish_forecast(origin, mean, qv, self.quantiles), steps

    def _save_artifacts(self, folder: Path) -> None:
        assert self.day_ahead is not None and self.nowcast is not None
        self.day_ahead.save(folder / "day_ahead")
        self.nowcast.save(folder / "nowcast")
        (folder / INTRADAY_FILE).write_text(json.dumps(self.describe(), indent=2), encoding="utf-8")

    def _load_artifacts(self, folder: Path) -> None:
        self.day_ahead = load_forecaster(folder / "day_ahead")
        nowcast = load_forecaster(folder / "nowcast")
        if not isinstance(nowcast, NowcastForecaster):
            raise ValueError(f"{folder / 'nowcast'} holds a {nowcast.name!r} forecaster, not a nowcast")
        self.nowcast = nowcast
        self._check_members()
