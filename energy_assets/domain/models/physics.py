"""The power triangle as a model: no learning, kWh straight from reactive energy and power factor.

On the temporal test split it already lands near RMSE 0.03 kWh (DESIGN.md section 3), eight times
better than the published CUBIST anchor, so it is both a baseline and the base of the hybrid.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Self

import numpy as np
import pandas as pd

from energy_assets.domain import physics, schema
from energy_assets.domain.models.base import Estimator, ModelFolderError, as_float_array

TRIANGLE_COLUMNS: tuple[str, ...] = (
    schema.LAGGING_REACTIVE_KVARH,
    schema.LAGGING_POWER_FACTOR,
    schema.LEADING_REACTIVE_KVARH,
    schema.LEADING_POWER_FACTOR,
)
PARAMS_FILE = "physics.json"


def triangle_kwh(X: pd.DataFrame) -> np.ndarray:
    """kWh from the better-conditioned side; NaN where both sides read PF = 100 %."""
    return physics.estimate_active_kwh(*(X[c].to_numpy(dtype=float) for c in TRIANGLE_COLUMNS))


def undetermined(X: pd.DataFrame) -> np.ndarray:
    """Rows where the triangle cannot give kWh (both PF = 100 %, or a reading missing)."""
    return np.isnan(triangle_kwh(X))


class PowerTriangleEstimator(Estimator):
    """``P = Q * pf / sqrt(1 - pf^2)`` on the side with the smaller power factor.

    Fallback where the triangle is undetermined (both sides at PF = 100 %, or a reading missing):
    CO2 / emission factor when a CO2 column is present (coarse: 0.01 t is about 22 kWh, but
    unbiased), otherwise 0. The reference has no such row; a plant feed may. ``round_decimals``
    rounds the output like the meter does: it lowers MAE slightly and raises RMSE slightly on the
    reference, so it is off by default (RMSE is the deciding metric).
    """

    name = "physics"

    def __init__(
        self,
        round_decimals: int | None = None,
        emission_factor_t_per_kwh: float = schema.DEFAULT_EMISSION_FACTOR_T_PER_KWH,
    ) -> None:
        super().__init__()
        if emission_factor_t_per_kwh <= 0:
            raise ValueError("emission_factor_t_per_kwh must be positive")
        self.round_decimals = round_decimals
        self.emission_factor_t_per_kwh = emission_factor_t_per_kwh

    def params(self) -> dict[str, Any]:
        return {
            "round_decimals": self.round_decimals,
            "emission_factor_t_per_kwh": self.emission_factor_t_per_kwh,
        }

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
        used = [*TRIANGLE_COLUMNS, *([schema.CO2_TCO2] if schema.CO2_TCO2 in X.columns else [])]
        self.feature_names = used
        return self

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        X = self._select(X)
        kwh = triangle_kwh(X)
        gap = np.isnan(kwh)
        if gap.any():
            if schema.CO2_TCO2 in self.feature_names:
                fallback = X[schema.CO2_TCO2].to_numpy(dtype=float) / self.emission_factor_t_per_kwh
                fallback = np.nan_to_num(fallback, nan=0.0)
            else:
                fallback = np.zeros(len(X))
            kwh = np.where(gap, fallback, kwh)
        if self.round_decimals is not None:
            kwh = np.round(kwh, self.round_decimals)
        return kwh

    def _save_native(self, folder: Path) -> None:
        (folder / PARAMS_FILE).write_text(json.dumps(self.params(), indent=2) + "\n")

    @classmethod
    def _load_native(cls, folder: Path, card: dict[str, Any]) -> Self:
        path = folder / PARAMS_FILE
        if not path.is_file():
            raise ModelFolderError(f"{folder}: {PARAMS_FILE} is missing")
        return cls(**json.loads(path.read_text()))
