"""The power triangle as a model: no learning, kWh straight from reactive energy and power factor.

Every reading is stored with two decimals, so each one only says "the true value lies in a box of
half a step either side". Each side of the triangle (lagging, leading) therefore bounds P to an
interval, and CO2 (= P x emission factor, rounded to 0.01 t) bounds it to a third one. The
``interval`` method returns the centre of their intersection; the ``better_side`` method is
DESIGN.md section 3's rule (the side with the smaller PF). On the reference's temporal test split
they give RMSE 0.023 and 0.030 kWh, against 0.241 for the published CUBIST anchor.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Self

import numpy as np
import pandas as pd

from energy_assets.domain import power_triangle
from energy_assets.domain.data import schema
from energy_assets.domain.models.estimate.base import (
    Estimator,
    Features,
    ModelFolderError,
    as_float_array,
    column,
    has_column,
    n_rows,
)
from energy_assets.domain.models.params import model_class

TRIANGLE_COLUMNS: tuple[str, ...] = (
    schema.LAGGING_REACTIVE_KVARH,
    schema.LAGGING_POWER_FACTOR,
    schema.LEADING_REACTIVE_KVARH,
    schema.LEADING_POWER_FACTOR,
)
PARAMS_FILE = "physics.json"
#: Half of the last stored digit of every reading (kWh, kVarh, %, tCO2).
HALF_STEP = power_triangle.HALF_STEP
Method = Literal["interval", "better_side"]


def triangle_kwh(X: Features) -> np.ndarray:
    """kWh from the better-conditioned side; NaN where both sides read PF = 100 %."""
    return power_triangle.estimate_active_kwh(*(column(X, c) for c in TRIANGLE_COLUMNS))


def _side_bounds(reactive_kvarh: np.ndarray, power_factor: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """[lo, hi] of P consistent with one side's rounded (Q, PF); [0, inf) where it says nothing.

    P = Q * pf / sqrt(1 - pf^2) grows with both Q and pf, so the box corners bound it. A PF within
    half a step of 100 % allows any P (Q could be all rounding).
    """
    q_lo = np.maximum(reactive_kvarh - HALF_STEP, 0.0)
    pf_lo = np.maximum(power_factor - HALF_STEP, 0.0)
    lo = power_triangle.active_from_reactive(q_lo, pf_lo)
    # NaN where PF + half a step reaches 100 % (unbounded) or a reading is missing: both mean inf
    hi = power_triangle.active_from_reactive(reactive_kvarh + HALF_STEP, power_factor + HALF_STEP)
    return np.where(np.isnan(lo), 0.0, lo), np.where(np.isnan(hi), np.inf, hi)


@dataclass(frozen=True)
class TriangleCheck:
    """Per row: the kWh range each side of the triangle allows, and whether any kWh fits both.

    A row ``conflicts`` when no active energy in ``[0, max_kwh]`` (the plant's physical range)
    agrees with both sides' rounded readings: such readings cannot come from one interval (a
    leading power factor of 0 with a lagging side that implies 40 kWh; 200 kVarh at a power
    factor of 100 %, which needs about 20,000 kWh).
    """

    lagging: tuple[np.ndarray, np.ndarray]
    leading: tuple[np.ndarray, np.ndarray]
    max_kwh: float
    conflicts: np.ndarray

    def explain(self, i: int) -> tuple[list[str], str]:
        """The fields and the rule broken by row ``i`` (which must conflict)."""
        lag_fields = [schema.LAGGING_REACTIVE_KVARH, schema.LAGGING_POWER_FACTOR]
        lead_fields = [schema.LEADING_REACTIVE_KVARH, schema.LEADING_POWER_FACTOR]
        ranges = {"lagging": self.lagging, "leading": self.leading}
        for side, fields in (("lagging", lag_fields), ("leading", lead_fields)):
            lo = float(ranges[side][0][i])
            if lo > self.max_kwh + HALF_STEP:
                return fields, (
                    f"the {side} readings imply at least {lo:,.2f} kWh (P = Q x pf / sqrt(1 - pf^2)), more "
                    f"than the {self.max_kwh:g} kWh a 15-minute interval can hold"
                )
        (a_lo, a_hi), (b_lo, b_hi) = ((float(x[i]) for x in pair) for pair in (self.lagging, self.leading))
        return lag_fields + lead_fields, (
            f"the power triangle cannot hold on both sides: the lagging readings imply "
            f"{_kwh_range(a_lo, a_hi)} kWh, the leading readings {_kwh_range(b_lo, b_hi)} kWh; "
            "readings of one interval share one active energy"
        )


def _kwh_range(lo: float, hi: float) -> str:
    return f"at least {lo:,.2f}" if not np.isfinite(hi) else f"{lo:,.2f} to {hi:,.2f}"


def _active_one(q: float, pf: float) -> float:
    """:func:`power_triangle.active_from_reactive` of one reading, in Python floats (the same IEEE
    operations in the same order: x * x is NumPy's ``x**2``, sqrt and division are correctly rounded)."""
    x = pf / 100.0
    if not (x >= 0 and x < 1):  # NaN too: undetermined
        return math.nan
    return q * x / math.sqrt(1.0 - x * x)


def _side_bounds_one(q: float, pf: float) -> tuple[float, float]:
    """:func:`_side_bounds` of one reading (NaN-propagating maxima, as ``np.maximum``)."""
    q_lo, pf_lo = q - HALF_STEP, pf - HALF_STEP
    q_lo = q_lo if q_lo != q_lo or q_lo >= 0.0 else 0.0
    pf_lo = pf_lo if pf_lo != pf_lo or pf_lo >= 0.0 else 0.0
    lo, hi = _active_one(q_lo, pf_lo), _active_one(q + HALF_STEP, pf + HALF_STEP)
    return (0.0 if lo != lo else lo), (math.inf if hi != hi else hi)


def _check_one(X: Features, max_kwh: float) -> TriangleCheck:
    """:func:`check_triangle` of a single row (/predict): Python floats instead of some twenty NumPy
    calls on one-element arrays, which cost /predict as much as the estimate itself (measured)."""
    lag = _side_bounds_one(
        float(column(X, schema.LAGGING_REACTIVE_KVARH)[0]), float(column(X, schema.LAGGING_POWER_FACTOR)[0])
    )
    lead = _side_bounds_one(
        float(column(X, schema.LEADING_REACTIVE_KVARH)[0]), float(column(X, schema.LEADING_POWER_FACTOR)[0])
    )
    lo = max(lag[0], lead[0])  # never NaN (the bounds replace NaN)
    hi = min(lag[1], lead[1], max_kwh + HALF_STEP)
    return TriangleCheck(
        lagging=(np.array([lag[0]]), np.array([lag[1]])),
        leading=(np.array([lead[0]]), np.array([lead[1]])),
        max_kwh=max_kwh,
        conflicts=np.array([lo > hi + 1e-9]),
    )


def check_triangle(X: Features, max_kwh: float = schema.RANGES[schema.USAGE_KWH].high) -> TriangleCheck:
    """Which rows' readings no single interval could produce (see :class:`TriangleCheck`)."""
    if n_rows(X) == 1:
        return _check_one(X, max_kwh)
    return _check_rows(X, max_kwh)


def _check_rows(X: Features, max_kwh: float) -> TriangleCheck:
    """:func:`check_triangle` in NumPy, for any number of rows."""
    lag = _side_bounds(column(X, schema.LAGGING_REACTIVE_KVARH), column(X, schema.LAGGING_POWER_FACTOR))
    lead = _side_bounds(column(X, schema.LEADING_REACTIVE_KVARH), column(X, schema.LEADING_POWER_FACTOR))
    lo = np.maximum(lag[0], lead[0])
    hi = np.minimum(np.minimum(lag[1], lead[1]), max_kwh + HALF_STEP)
    # a small tolerance: the bounds already widen every reading by half a step
    conflicts = lo > hi + 1e-9
    return TriangleCheck(lagging=lag, leading=lead, max_kwh=max_kwh, conflicts=conflicts)


def feasible_kwh_interval(
    X: Features, emission_factor_t_per_kwh: float | None = schema.DEFAULT_EMISSION_FACTOR_T_PER_KWH
) -> tuple[np.ndarray, np.ndarray]:
    """[lo, hi] of the kWh consistent with every rounded reading of the row.

    Intersects the lagging and leading triangle intervals, then the CO2 box when X has CO2 and a
    factor is given and the box agrees with the triangle (99.7 % of the reference's rows: CO2 =
    round(P x 0.000459, 2)); a disagreeing box is ignored, never trusted over the triangle.
    Rows whose triangle sides disagree (corrupt readings) get lo > hi; callers fall back.
    """
    if n_rows(X) == 1:
        return _feasible_one(X, emission_factor_t_per_kwh)
    lag_lo, lag_hi = _side_bounds(
        column(X, schema.LAGGING_REACTIVE_KVARH), column(X, schema.LAGGING_POWER_FACTOR)
    )
    lead_lo, lead_hi = _side_bounds(
        column(X, schema.LEADING_REACTIVE_KVARH), column(X, schema.LEADING_POWER_FACTOR)
    )
    lo, hi = np.maximum(lag_lo, lead_lo), np.minimum(lag_hi, lead_hi)
    if emission_factor_t_per_kwh is not None and has_column(X, schema.CO2_TCO2):
        co2 = column(X, schema.CO2_TCO2)
        co2_lo = np.maximum(co2 - HALF_STEP, 0.0) / emission_factor_t_per_kwh
        co2_hi = (co2 + HALF_STEP) / emission_factor_t_per_kwh
        co2_lo, co2_hi = np.where(np.isnan(co2_lo), 0.0, co2_lo), np.where(np.isnan(co2_hi), np.inf, co2_hi)
        both_lo, both_hi = np.maximum(lo, co2_lo), np.minimum(hi, co2_hi)
        agree = both_lo <= both_hi
        lo, hi = np.where(agree, both_lo, lo), np.where(agree, both_hi, hi)
    return lo, hi


def _feasible_one(X: Features, emission_factor_t_per_kwh: float | None) -> tuple[np.ndarray, np.ndarray]:
    """:func:`feasible_kwh_interval` of a single row (/predict) in Python floats, as :func:`_check_one`."""
    lag_lo, lag_hi = _side_bounds_one(
        float(column(X, schema.LAGGING_REACTIVE_KVARH)[0]), float(column(X, schema.LAGGING_POWER_FACTOR)[0])
    )
    lead_lo, lead_hi = _side_bounds_one(
        float(column(X, schema.LEADING_REACTIVE_KVARH)[0]), float(column(X, schema.LEADING_POWER_FACTOR)[0])
    )
    lo, hi = max(lag_lo, lead_lo), min(lag_hi, lead_hi)  # never NaN (the bounds replace NaN)
    if emission_factor_t_per_kwh is not None and has_column(X, schema.CO2_TCO2):
        co2 = float(column(X, schema.CO2_TCO2)[0])
        co2_lo = co2 - HALF_STEP
        co2_lo = (co2_lo if co2_lo != co2_lo or co2_lo >= 0.0 else 0.0) / emission_factor_t_per_kwh
        co2_hi = (co2 + HALF_STEP) / emission_factor_t_per_kwh
        co2_lo, co2_hi = (0.0 if co2_lo != co2_lo else co2_lo), (math.inf if co2_hi != co2_hi else co2_hi)
        both_lo, both_hi = max(lo, co2_lo), min(hi, co2_hi)
        if both_lo <= both_hi:
            lo, hi = both_lo, both_hi
    return np.array([lo]), np.array([hi])


@model_class
class PowerTriangleEstimator(Estimator):
    """kWh from the readings by physics alone (see the module docstring for the two methods).

    Fallback where the triangle is undetermined (both sides at PF = 100 % and no usable CO2 box,
    or readings missing): CO2 / emission factor when CO2 is present (coarse: 0.01 t is about
    22 kWh, but unbiased), otherwise 0. The reference has no such row; a plant feed may.
    ``round_decimals=2`` rounds like the meter: on the reference it lowers MAE by about 5 % and
    raises RMSE by about 0.2 %, so it is off by default (RMSE decides).
    """

    name = "physics"

    method: Method = "interval"
    round_decimals: int | None = None
    emission_factor_t_per_kwh: float = schema.DEFAULT_EMISSION_FACTOR_T_PER_KWH

    def __post_init__(self) -> None:
        if self.method not in ("interval", "better_side"):
            raise ValueError(f"method must be 'interval' or 'better_side', not {self.method!r}")
        if self.emission_factor_t_per_kwh <= 0:
            raise ValueError("emission_factor_t_per_kwh must be positive")
        super().__post_init__()

    def fit(
        self,
        X: pd.DataFrame,
        y: pd.Series | np.ndarray | None = None,
        X_val: pd.DataFrame | None = None,
        y_val: pd.Series | np.ndarray | None = None,
    ) -> Self:
        """Nothing to learn; checks the columns and records which ones predict() will read."""
        missing = [c for c in TRIANGLE_COLUMNS if c not in X.columns]
        if missing:
            raise KeyError(f"physics: the power triangle needs columns {missing}")
        if y is not None and len(as_float_array(y)) != len(X):
            raise ValueError("physics: X and y have different lengths")
        self.feature_names = [
            *TRIANGLE_COLUMNS,
            *([schema.CO2_TCO2] if schema.CO2_TCO2 in X.columns else []),
        ]
        return self

    def _fitted_columns(self, X: Features) -> dict[str, np.ndarray]:
        """The fitted columns as float arrays (no frame is built: the API predicts single rows)."""
        self._require_features(X)
        return {c: column(X, c) for c in self.feature_names}

    def undetermined(self, X: Features) -> np.ndarray:
        """Rows that get the fallback: the method cannot bound or compute kWh from the readings."""
        X = self._fitted_columns(X)
        if self.method == "better_side":
            return np.isnan(triangle_kwh(X))
        lo, hi = feasible_kwh_interval(X, self.emission_factor_t_per_kwh)
        return ~((lo <= hi) & np.isfinite(hi)) & np.isnan(triangle_kwh(X))

    def predict(self, X: Features) -> np.ndarray:
        return self.predict_with_bounds(X)[0]

    def predict_with_bounds(self, X: Features) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """kWh per row and the [lo, hi] kWh range consistent with the rows' rounded readings.

        lo > hi or hi = inf where the readings do not bound kWh; the API reports the range as the
        estimate's interval, so it comes from the same computation as the estimate.
        """
        X = self._fitted_columns(X)
        lo, hi = feasible_kwh_interval(X, self.emission_factor_t_per_kwh)
        if self.method == "interval":
            finite_hi = np.isfinite(hi)
            bounded = (lo <= hi) & finite_hi
            if bounded.all():  # the usual case: the better-side kWh is not needed
                kwh = (lo + hi) / 2.0
            else:
                kwh = triangle_kwh(X)
                clipped = np.where(lo <= hi, np.clip(kwh, lo, np.where(finite_hi, hi, np.inf)), kwh)
                kwh = np.where(bounded, (lo + np.where(bounded, hi, 0.0)) / 2.0, clipped)
        else:
            kwh = triangle_kwh(X)
        gap = np.isnan(kwh)
        if gap.any():
            if schema.CO2_TCO2 in self.feature_names:
                fallback = X[schema.CO2_TCO2] / self.emission_factor_t_per_kwh
                fallback = np.where(np.isnan(fallback), 0.0, fallback)
            else:
                fallback = np.zeros(n_rows(X))
            kwh = np.where(gap, fallback, kwh)
        if self.round_decimals is not None:
            kwh = np.round(kwh, self.round_decimals)
        return kwh, lo, hi

    def _save_native(self, folder: Path) -> None:
        (folder / PARAMS_FILE).write_text(json.dumps(self.params(), indent=2) + "\n")

    @classmethod
    def _load_native(cls, folder: Path, card: dict[str, Any]) -> Self:
        path = folder / PARAMS_FILE
        if not path.is_file():
            raise ModelFolderError(f"{folder}: {PARAMS_FILE} is missing")
        return cls(**json.loads(path.read_text()))
