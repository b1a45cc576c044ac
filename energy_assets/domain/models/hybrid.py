"""Physics first, trees for what physics cannot see: LightGBM learns the triangle's residual.

The triangle's error concentrates where both power factors sit near 100 % (the formula divides by
``sqrt(1 - pf^2)`` and amplifies the 2-decimal rounding). A small LightGBM given the readings, both
sides' kWh and the physics estimate learns that correction; everywhere else it adds about zero.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Self

import numpy as np
import pandas as pd

from energy_assets.domain import physics, schema
from energy_assets.domain.models.base import DEFAULT_SEED, Estimator, as_float_array
from energy_assets.domain.models.physics import PowerTriangleEstimator
from energy_assets.domain.models.trees import LightGBMEstimator

#: Derived columns the residual model sees besides X (not plant columns: model-internal).
PHYSICS_KWH = "physics_kwh"
LAGGING_SIDE_KWH = "lagging_side_kwh"
LEADING_SIDE_KWH = "leading_side_kwh"


class HybridEstimator(Estimator):
    """``usage_kwh = triangle(X) + lightgbm([X, triangle terms])``; X must hold the triangle columns."""

    name = "hybrid"

    def __init__(
        self,
        n_estimators: int = 600,
        learning_rate: float = 0.05,
        num_leaves: int = 31,
        min_child_samples: int = 20,
        early_stopping_rounds: int = 50,
        seed: int = DEFAULT_SEED,
        n_jobs: int = 1,
    ) -> None:
        super().__init__()
        self._params = {
            "n_estimators": int(n_estimators),
            "learning_rate": float(learning_rate),
            "num_leaves": int(num_leaves),
            "min_child_samples": int(min_child_samples),
            "early_stopping_rounds": int(early_stopping_rounds),
            "seed": int(seed),
            "n_jobs": int(n_jobs),
        }
        self.physics = PowerTriangleEstimator()
        self.residual = self._residual_model()

    def params(self) -> dict[str, Any]:
        return dict(self._params)

    def _residual_model(self) -> LightGBMEstimator:
        return LightGBMEstimator(subsample=1.0, colsample_bytree=1.0, **self._params)

    def _augment(self, X: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
        base = self.physics.predict(X)
        lag = physics.active_from_reactive(
            X[schema.LAGGING_REACTIVE_KVARH].to_numpy(float), X[schema.LAGGING_POWER_FACTOR].to_numpy(float)
        )
        lead = physics.active_from_reactive(
            X[schema.LEADING_REACTIVE_KVARH].to_numpy(float), X[schema.LEADING_POWER_FACTOR].to_numpy(float)
        )
        extra = pd.DataFrame(
            {PHYSICS_KWH: base, LAGGING_SIDE_KWH: lag, LEADING_SIDE_KWH: lead}, index=X.index
        )
        return pd.concat([X, extra], axis=1), base

    def fit(
        self,
        X: pd.DataFrame,
        y: pd.Series | np.ndarray,
        X_val: pd.DataFrame | None = None,
        y_val: pd.Series | np.ndarray | None = None,
    ) -> Self:
        self._remember_features(X)
        self.physics.fit(X)
        X_aug, base = self._augment(X)
        val_args: tuple[pd.DataFrame | None, np.ndarray | None] = (None, None)
        if X_val is not None and y_val is not None:
            X_val_aug, base_val = self._augment(self._select(X_val))
            val_args = (X_val_aug, as_float_array(y_val) - base_val)
        self.residual = self._residual_model().fit(X_aug, as_float_array(y) - base, *val_args)
        return self

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        X_aug, base = self._augment(self._select(X))
        return base + self.residual.predict(X_aug)

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
        est.residual.feature_names = [*features, PHYSICS_KWH, LAGGING_SIDE_KWH, LEADING_SIDE_KWH]
        return est
