"""The contract every forecaster honours, so the backtest, the API and the registry treat them alike.

A forecaster predicts ``usage_kwh`` for the ``horizon`` intervals that follow an origin (the END of the
last interval it may see). Output: one row per target interval with ``timestamp``, ``horizon``
(1..h), ``mean`` (the point forecast) and one column per quantile (``q10``, ``q20`` ... ``q90``).

Persistence is native and inspectable: ``model.json`` (name, class, params, quantiles) plus whatever
the model needs in its own format (LightGBM text models, JSON tables). Never pickle: a bundle must be
readable by a later version of the code and safe to load from a shared bucket.
"""

from __future__ import annotations

import json
import os
from abc import ABC, abstractmethod
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any, ClassVar, Self, TypeVar

import numpy as np
import pandas as pd

from energy_assets.domain.data import schema
from energy_assets.domain.models.params import DerivedParams

#: Every forecaster's default output: the nine deciles 0.1..0.9 (plus the mean).
DEFAULT_QUANTILES: tuple[float, ...] = tuple(round(k / 10, 1) for k in range(1, 10))
#: One day of 15-minute intervals: the product's forecast horizon.
DEFAULT_HORIZON = schema.INTERVALS_PER_DAY
#: One week: the longest horizon the API accepts.
MAX_HORIZON = 7 * schema.INTERVALS_PER_DAY
MODEL_FILE = "model.json"
FORMAT_VERSION = 1

TARGET_HORIZON = "horizon"
MEAN = "mean"
ORIGIN = "origin"
#: The two plan regimes a backtest scores: the plant's own plan (its actual ``load_type``) is sent,
#: or no plan is sent and the forecaster derives one from the calendar (:mod:`.plan`).
PLANT_PLAN = "plant"
DERIVED_PLAN = "derived"
PLAN_REGIMES: tuple[str, ...] = (PLANT_PLAN, DERIVED_PLAN)


def check_plan_regime(plan: str) -> None:
    if plan not in PLAN_REGIMES:
        raise ValueError(f"plan must be one of {list(PLAN_REGIMES)}, got {plan!r}")


def quantile_column(q: float) -> str:
    """Column name of a quantile: 0.1 -> ``q10``, 0.5 -> ``q50``, 0.025 -> ``q2.5``."""
    if not 0.0 < q < 1.0:
        raise ValueError(f"quantile {q} must be strictly between 0 and 1")
    return f"q{round(q * 100, 4):g}"


def target_timestamps(origin: pd.Timestamp, horizon: int) -> pd.DatetimeIndex:
    """Interval ends origin+15 min .. origin+horizon*15 min."""
    check_horizon(horizon)
    return pd.date_range(pd.Timestamp(origin) + schema.INTERVAL, periods=horizon, freq=schema.INTERVAL)


def check_horizon(horizon: int) -> None:
    if not 1 <= int(horizon) <= MAX_HORIZON:
        raise ValueError(f"horizon must be between 1 and {MAX_HORIZON} intervals (7 days), got {horizon}")


def finish_forecast(
    origin: pd.Timestamp,
    mean: np.ndarray,
    quantile_values: np.ndarray,
    quantiles: Sequence[float],
) -> pd.DataFrame:
    """Assemble the output frame; sorts quantiles per row so q10 <= q50 <= q90 always holds.

    ``quantile_values`` has shape (horizon, len(quantiles)). Energy cannot be negative, so everything is
    clipped at 0.
    """
    mean = np.clip(np.asarray(mean, dtype=float), 0.0, None)
    qv = np.sort(np.clip(np.asarray(quantile_values, dtype=float), 0.0, None), axis=1)
    horizon = len(mean)
    columns: dict[str, Any] = {
        schema.TIMESTAMP: target_timestamps(origin, horizon),
        TARGET_HORIZON: np.arange(1, horizon + 1, dtype="int64"),
        MEAN: mean,
    }
    columns.update(zip(_quantile_columns(tuple(quantiles)), qv.T, strict=True))
    # copied into one block on purpose: a frame of uncopied columns builds faster but every later
    # column read consolidates it, which cost the /forecast handler more than it saved (measured)
    return pd.DataFrame(columns)


@lru_cache(maxsize=32)
def _quantile_columns(quantiles: tuple[float, ...]) -> tuple[str, ...]:
    return tuple(quantile_column(q) for q in quantiles)


def finish_forecasts(
    origins: Sequence[pd.Timestamp],
    horizon: int,
    mean: np.ndarray,
    quantile_values: np.ndarray,
    quantiles: Sequence[float],
) -> pd.DataFrame:
    """:func:`finish_forecast` for many origins at once: rows origin-major (origin, then horizon
    1..``horizon``), with an ``origin`` column first; the same clipping and sorting."""
    stamps = pd.DatetimeIndex([pd.Timestamp(o) for o in origins])
    steps = np.arange(1, horizon + 1)
    origin_col = np.repeat(stamps.to_numpy(), horizon)
    columns: dict[str, Any] = {
        ORIGIN: origin_col,
        schema.TIMESTAMP: origin_col + np.tile(steps * schema.INTERVAL.to_timedelta64(), len(stamps)),
        TARGET_HORIZON: np.tile(steps.astype("int64"), len(stamps)),
        MEAN: np.clip(np.asarray(mean, dtype=float), 0.0, None),
    }
    qv = np.sort(np.clip(np.asarray(quantile_values, dtype=float), 0.0, None), axis=1)
    for j, q in enumerate(quantiles):
        columns[quantile_column(q)] = qv[:, j]
    out = pd.DataFrame(columns)
    if stamps.tz is not None:
        out[ORIGIN] = out[ORIGIN].dt.tz_localize("UTC").dt.tz_convert(stamps.tz)
        out[schema.TIMESTAMP] = out[schema.TIMESTAMP].dt.tz_localize("UTC").dt.tz_convert(stamps.tz)
    return out


class Forecaster(DerivedParams, ABC):
    """Predicts usage_kwh for the intervals after an origin, with quantiles.

    Subclasses are ``@model_class`` dataclasses: they set ``name`` (the registry key), declare their
    hyperparameters as fields (``quantiles`` among them), implement ``fit``/``predict`` and, when
    they hold learned state, ``_save_artifacts``/``_load_artifacts``. ``params()`` (derived from the
    fields) is what ``load`` rebuilds the object from.
    """

    name: ClassVar[str] = "forecaster"
    quantiles: tuple[float, ...]
    fitted: bool

    def __post_init__(self) -> None:
        super().__post_init__()
        qs = tuple(sorted(float(q) for q in self.quantiles))
        for q in qs:
            quantile_column(q)
        if len(set(qs)) != len(qs):
            raise ValueError(f"duplicate quantiles in {self.quantiles}")
        self.quantiles = qs
        self.fitted = False

    # --- the contract ----------------------------------------------------------------------------
    @abstractmethod
    def fit(self, history: pd.DataFrame, validation: pd.DataFrame | None = None) -> Self:
        """Learn from cleaned-schema ``history``; ``validation`` (the rows that follow it) calibrates."""

    @abstractmethod
    def predict(
        self,
        history: pd.DataFrame,
        origin: pd.Timestamp,
        horizon: int = DEFAULT_HORIZON,
        future_covariates: pd.DataFrame | None = None,
    ) -> pd.DataFrame:
        """Forecast the ``horizon`` intervals after ``origin`` from rows with timestamp <= origin.

        ``future_covariates``: optional frame with ``timestamp`` and ``load_type`` for the target
        intervals (the plant's planned schedule). Rows of ``history`` after the origin are ignored.
        """

    def predict_origins(
        self,
        frame: pd.DataFrame,
        origins: Sequence[pd.Timestamp],
        horizon: int = DEFAULT_HORIZON,
        plan: str = PLANT_PLAN,
    ) -> pd.DataFrame:
        """Forecasts from many origins of one frame: ``origin`` then :meth:`predict`'s columns, one
        row per origin x horizon, the same values as :meth:`predict` from each origin.

        ``plan``: ``"plant"`` gives each forecast the frame's own ``load_type`` after its origin as the
        plan (for the next day at least, as a plant would send it); ``"derived"`` sends none, so the
        forecaster uses the derived calendar plan. Models with a vectorised path override this loop.
        """
        check_plan_regime(plan)
        covariates = frame[[schema.TIMESTAMP, schema.LOAD_TYPE]]
        stamps = covariates[schema.TIMESTAMP].to_numpy()
        reach = max(int(horizon), DEFAULT_HORIZON) * schema.INTERVAL
        parts = []
        for origin in origins:
            origin = pd.Timestamp(origin)
            planned = None
            if plan == PLANT_PLAN:
                inside = (stamps > origin.to_datetime64()) & (stamps <= (origin + reach).to_datetime64())
                planned = covariates.loc[inside]
            forecast = self.predict(frame, origin, horizon, future_covariates=planned)
            forecast.insert(0, ORIGIN, origin)
            parts.append(forecast)
        return pd.concat(parts, ignore_index=True)

    def describe(self) -> dict[str, Any]:
        """Learned facts worth showing (calibration offsets, weights...), JSON-serialisable."""
        return {}

    def set_prediction_threads(self, threads: int) -> None:
        """Threads a served forecast may use (no-op for models without a threaded back-end).

        Separate from the training ``n_jobs`` stored with the model: the API knows its own cores.
        """
        return None

    # --- persistence -------------------------------------------------------------------------------
    def save(self, folder: str | os.PathLike[str]) -> Path:
        """Write ``model.json`` and the model's native artifacts into ``folder``; returns the folder."""
        if not self.fitted:
            raise RuntimeError(f"{self.name}: fit before save")
        path = Path(folder)
        path.mkdir(parents=True, exist_ok=True)
        meta = {
            "format_version": FORMAT_VERSION,
            "name": self.name,
            "class": type(self).__qualname__,
            "params": self.params(),
            "quantiles": list(self.quantiles),
            "description": self.describe(),
        }
        self._save_artifacts(path)
        (path / MODEL_FILE).write_text(json.dumps(meta, indent=2, sort_keys=True), encoding="utf-8")
        return path

    @classmethod
    def load(cls, folder: str | os.PathLike[str]) -> Self:
        path = Path(folder)
        meta = read_model_json(path)
        if meta["name"] != cls.name:
            raise ValueError(f"{path} holds a {meta['name']!r} forecaster, not {cls.name!r}")
        obj = cls(**meta["params"])
        obj._load_artifacts(path)
        obj.fitted = True
        return obj

    def _save_artifacts(self, folder: Path) -> None:
        """Write learned state in native formats (override when there is any)."""

    def _load_artifacts(self, folder: Path) -> None:
        """Read what ``_save_artifacts`` wrote."""

    def _require_fitted(self) -> None:
        if not self.fitted:
            raise RuntimeError(f"{self.name}: call fit() (or load a saved model) before predict()")


# --- registry --------------------------------------------------------------------------------------
FORECASTERS: dict[str, type[Forecaster]] = {}
F = TypeVar("F", bound=type[Forecaster])


def register_forecaster(cls: F) -> F:
    """Class decorator: makes ``load_forecaster`` able to rebuild ``cls`` from its ``name``."""
    existing = FORECASTERS.get(cls.name)
    if existing is not None and existing is not cls:
        raise ValueError(f"forecaster name {cls.name!r} already registered by {existing.__qualname__}")
    FORECASTERS[cls.name] = cls
    return cls


def read_model_json(folder: str | os.PathLike[str]) -> dict[str, Any]:
    path = Path(folder) / MODEL_FILE
    if not path.exists():
        raise FileNotFoundError(f"{path} not found: not a saved forecaster folder")
    meta = json.loads(path.read_text(encoding="utf-8"))
    if meta.get("format_version") != FORMAT_VERSION:
        raise ValueError(f"{path}: unsupported format_version {meta.get('format_version')}")
    return meta


def load_forecaster(folder: str | os.PathLike[str]) -> Forecaster:
    """Rebuild any registered forecaster from its folder (reads ``model.json`` to pick the class)."""
    meta = read_model_json(folder)
    cls = FORECASTERS.get(meta["name"])
    if cls is None:
        _import_optional_modules()
        cls = FORECASTERS.get(meta["name"])
    if cls is None:
        raise ValueError(f"unknown forecaster {meta['name']!r}; known: {sorted(FORECASTERS)}")
    return cls.load(folder)


def _import_optional_modules() -> None:
    """Modules that register forecasters on import; foundation models need optional packages."""
    import importlib

    for module in (
        "energy_assets.domain.models.forecast.naive",
        "energy_assets.domain.models.forecast.boosted",
        "energy_assets.domain.models.forecast.profile_blend",
        "energy_assets.domain.models.forecast.nowcast",
        "energy_assets.domain.models.forecast.ensemble",
        "energy_assets.domain.models.forecast.foundation",
    ):
        try:
            importlib.import_module(module)
        except ImportError:
            continue
