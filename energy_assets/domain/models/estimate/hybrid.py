"""Physics first, trees for what physics cannot see: LightGBM learns the triangle's residual.

The physics error concentrates where both power factors sit near 100 % (the triangle divides by
``sqrt(1 - pf^2)`` and amplifies the 2-decimal rounding). A small LightGBM sees the readings, the
physics estimate and the feasible interval, learns a correction, and the result is clipped back
into the interval every rounded reading allows, so it can never contradict the meter.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Self

import numpy as np
import pandas as pd

from energy_assets.domain.models.estimate.base import Estimator, as_float_array
from energy_assets.domain.models.estimate.trees import LightGBMEstimator
from energy_assets.domain.models.estimate.triangle import PowerTriangleEstimator, feasible_kwh_interval
from energy_assets.domain.models.params import DEFAULT_SEED, model_class, state

#: Derived columns the residual model sees besides X (model-internal, not plant columns).
PHYSICS_KWH = "physics_kwh"
FEASIBLE_LOW_KWH = "feasible_low_kwh"
FEASIBLE_HIGH_KWH = "feasible_high_kwh"
DERIVED_COLUMNS: tuple[str, ...] = (PHYSICS_KWH, FEASIBLE_LOW_KWH, FEASIBLE_HIGH_KWH)


@model_class
class HybridEstimator(Estimator):
    """``usage_kwh = clip(physics(X) + lightgbm(X, physics terms), feasible interval)``.

    X must hold the four triangle columns (CO2 too, for the CO2 bound).
    """

    name = "hybrid"

    n_estimators: int = 600
    learning_rate: float = 0.05
    num_leaves: int = 15
    min_child_samples: int = 20
    early_stopping_rounds: int = 50
    seed: int = DEFAULT_SEED
    n_jobs: int = 1
    physics: PowerTriangleEstimator = state(factory=PowerTriangleEstimator)
    residual: LightGBMEstimator = state()

    def __post_init__(self) -> None:
        super().__post_init__()
        self.residual = self._residual_model()

    def _residual_model(self) -> LightGBMEstimator:
        return LightGBMEstimator(subsample=1.0, colsample_bytree=1.0, **self.params())

    def _augment(self, X: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, np.ndarray]:
        base = self.physics.predict(X)
        lo, hi = feasible_kwh_interval(X, self.physics.emission_factor_t_per_kwh)
        extra = pd.DataFrame(
            {
                PHYSICS_KWH: base,
                FEASIBLE_LOW_KWH: lo,
                FEASIBLE_HIGH_KWH: np.where(np.isfinite(hi), hi, np.nan),
            },
            index=X.index,
        )
        return pd.concat([X, extra], axis=1), base, lo, hi

    def fit(
        self,
        X: pd.DataFrame,
        y: pd.Series | np.ndarray,
        X_val: pd.DataFrame | None = None,
        y_val: pd.Series | np.ndarray | None = None,
    ) -> Self:
        self._remember_features(X)
        self.physics.fit(X)
        X_aug, base, _, _ = self._augment(X)
        val_args: tuple[pd.DataFrame | None, np.ndarray | None] = (None, None)
        if X_val is not None and y_val is not None:
            X_val_aug, base_val, _, _ = self._augment(self._select(X_val))
            val_args = (X_val_aug, as_float_array(y_val) - base_val)
        self.residual = self._residual_model().fit(X_aug, as_float_array(y) - base, *val_args)
        return self

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        X_aug, base, lo, hi = self._augment(self._select(X))
        kwh = base + self.residual.predict(X_aug)
        consistent = lo <= hi
        return np.where(consistent, np.clip(kwh, np.where(consistent, lo, -np.inf), hi), kwh)

    def _save_native(self, folder: Path) -> None:
        self.physics._save_native(folder)
        self.residual._save_native(folder)

    @classmethod
    def _load_native(cls, folder: Path, card: dict[str, Any]) -> Self:
        est = cls(**card["params"])
        features = list(card["features"])
        est.physics = PowerTriangleEstimator._load_native(folder, card)
        est.physics.fit(pd.DataFrame(columns=features, dtype=float))
        est.residual = LightGBMEstimator._load_native(folder, {"params": est._residual_model().params()})
        est.residual.feature_names = [*features, *DERIVED_COLUMNS]
        return est
