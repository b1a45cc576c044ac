"""The contract every *estimate* model keeps: fit, predict, save to a native format, load back.

*estimate* = ``usage_kwh`` of an interval from the same interval's readings. A model folder always
holds a small ``model.json`` (family, params, feature list) next to the family's native file
(XGBoost JSON, LightGBM text, physics JSON, Cubist's own text model), never a pickle, so a bundle
can be inspected, diffed and loaded without executing code. Hyperparameters are dataclass fields
(:mod:`energy_assets.domain.models.params`): ``params()`` and the card are derived from them.
"""

from __future__ import annotations

import json
import os
from abc import ABC, abstractmethod
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar, Self

import numpy as np
import pandas as pd

from energy_assets.domain.models.params import DerivedParams

#: Feature input of :meth:`Estimator.predict`: a frame, or named 1-D arrays of equal length. The API
#: passes arrays for single readings, where building a DataFrame costs more than the physics itself.
Features = pd.DataFrame | Mapping[str, np.ndarray]

MODEL_CARD = "model.json"
CARD_VERSION = 1


class ModelFolderError(ValueError):
    """A model folder that cannot be loaded: missing card, unknown family, wrong family."""


class Estimator(DerivedParams, ABC):
    """An *estimate*-task model over a numeric feature frame (categoricals already encoded).

    Subclasses are ``@model`` dataclasses: their fields are the hyperparameters.
    """

    name: ClassVar[str]
    task: ClassVar[str] = "estimate"
    feature_names: list[str]

    def __post_init__(self) -> None:
        super().__post_init__()
        self.feature_names = []

    # --- learning -------------------------------------------------------------------------------
    @abstractmethod
    def fit(
        self,
        X: pd.DataFrame,
        y: pd.Series | np.ndarray,
        X_val: pd.DataFrame | None = None,
        y_val: pd.Series | np.ndarray | None = None,
    ) -> Self:
        """Learn from (X, y); families that early-stop use (X_val, y_val) for it."""

    @abstractmethod
    def predict(self, X: Features) -> np.ndarray:
        """kWh per row of X (a frame or named arrays), float64."""

    # --- persistence ----------------------------------------------------------------------------
    @abstractmethod
    def _save_native(self, folder: Path) -> None:
        """Write the family's native model file(s) into ``folder``."""

    @classmethod
    @abstractmethod
    def _load_native(cls, folder: Path, card: dict[str, Any]) -> Self:
        """Rebuild a fitted model from ``folder`` and its parsed ``model.json``."""

    def save(self, folder: str | os.PathLike[str]) -> None:
        """Write ``model.json`` and the native model into ``folder`` (created if needed)."""
        if not self.feature_names:
            raise RuntimeError(f"{self.name}: fit the model before saving it")
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        self._save_native(folder)
        card = {
            "card_version": CARD_VERSION,
            "task": self.task,
            "family": self.name,
            "params": self.params(),
            "features": list(self.feature_names),
        }
        (folder / MODEL_CARD).write_text(json.dumps(card, indent=2, sort_keys=True) + "\n")

    @classmethod
    def load(cls, folder: str | os.PathLike[str]) -> Self:
        """Load a folder written by :meth:`save` of this same family."""
        folder = Path(folder)
        card = read_card(folder)
        if card["family"] != cls.name:
            raise ModelFolderError(
                f"{folder} holds a '{card['family']}' model, not '{cls.name}'; "
                "use energy_assets.domain.models.estimate.load_estimator to load any family"
            )
        model = cls._load_native(folder, card)
        model.feature_names = list(card["features"])
        return model

    # --- helpers for the families ---------------------------------------------------------------
    def _remember_features(self, X: pd.DataFrame) -> None:
        self.feature_names = [str(c) for c in X.columns]

    def _require_features(self, X: Features) -> None:
        """A precise error naming every fitted column that X lacks."""
        missing = [c for c in self.feature_names if not has_column(X, c)]
        if missing:
            raise KeyError(f"{self.name}: feature columns missing from X: {missing}")

    def _select(self, X: Features) -> pd.DataFrame:
        """The fitted columns in the fitted order; a precise error if some are missing."""
        self._require_features(X)
        if isinstance(X, pd.DataFrame):
            return X.loc[:, self.feature_names]
        return pd.DataFrame({c: X[c] for c in self.feature_names})


def read_card(folder: Path) -> dict[str, Any]:
    """Parse and check ``model.json``; errors name the folder and what is wrong."""
    path = folder / MODEL_CARD
    if not path.is_file():
        raise ModelFolderError(f"{folder} is not a model folder: {MODEL_CARD} is missing")
    try:
        card = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise ModelFolderError(f"{path} is not valid JSON: {exc}") from exc
    for key in ("family", "params", "features"):
        if key not in card:
            raise ModelFolderError(f"{path} has no '{key}' entry")
    if card.get("task", "estimate") != "estimate":
        raise ModelFolderError(f"{path} is a '{card['task']}' model, not an estimate model")
    return card


def has_column(X: Features, name: str) -> bool:
    """Whether a frame or a mapping of arrays holds ``name``."""
    return name in (X.columns if isinstance(X, pd.DataFrame) else X)


def column(X: Features, name: str) -> np.ndarray:
    """One feature as a float64 array, from a frame or a mapping of arrays."""
    values = X[name]
    return values.to_numpy(dtype=float) if isinstance(values, pd.Series) else np.asarray(values, dtype=float)


def n_rows(X: Features) -> int:
    """Row count of a frame or a mapping of equal-length arrays."""
    if isinstance(X, pd.DataFrame):
        return len(X)
    return len(next(iter(X.values()))) if X else 0


def as_float_array(y: pd.Series | np.ndarray) -> np.ndarray:
    """Targets as a flat float64 array, whatever container they came in."""
    return np.asarray(y, dtype=float).reshape(-1)
