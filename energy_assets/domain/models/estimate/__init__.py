"""*estimate*-task model families behind one interface, and the loader that picks the family.

>>> model = ESTIMATORS["hybrid"]().fit(X_train, y_train, X_val, y_val)
>>> model.save(folder)
>>> load_estimator(folder).predict(X_test)
"""

from __future__ import annotations

import os
from pathlib import Path

from energy_assets.domain.models.estimate.base import Estimator, ModelFolderError, read_card
from energy_assets.domain.models.estimate.cubist_rules import CubistEstimator
from energy_assets.domain.models.estimate.hybrid import HybridEstimator
from energy_assets.domain.models.estimate.trees import LightGBMEstimator, XGBoostEstimator
from energy_assets.domain.models.estimate.triangle import PowerTriangleEstimator

ESTIMATORS: dict[str, type[Estimator]] = {
    PowerTriangleEstimator.name: PowerTriangleEstimator,
    HybridEstimator.name: HybridEstimator,
    CubistEstimator.name: CubistEstimator,
    XGBoostEstimator.name: XGBoostEstimator,
    LightGBMEstimator.name: LightGBMEstimator,
}


def load_estimator(folder: str | os.PathLike[str]) -> Estimator:
    """Load any family's folder, dispatching on the ``family`` entry of its ``model.json``."""
    folder = Path(folder)
    family = read_card(folder)["family"]
    if family not in ESTIMATORS:
        raise ModelFolderError(
            f"{folder}: unknown model family '{family}'; known families: {sorted(ESTIMATORS)}"
        )
    return ESTIMATORS[family].load(folder)


__all__ = [
    "ESTIMATORS",
    "CubistEstimator",
    "Estimator",
    "HybridEstimator",
    "LightGBMEstimator",
    "ModelFolderError",
    "PowerTriangleEstimator",
    "XGBoostEstimator",
    "load_estimator",
]
