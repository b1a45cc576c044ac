"""CUBIST rule-based regression, the published anchor (RMSE 0.2410 kWh on a random 75/25 split).

Saved as Cubist's own text files, not a pickle: ``skops`` cannot serialise a fitted
``cubist.Cubist`` (it holds pandas frames whose blocks refuse ``__reduce__``), and the C engine
only needs three strings to predict: the model text, the ``.names`` header and, when
``neighbors`` is used, the training cases it searches.
"""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path
from typing import Any, Self

import numpy as np
import pandas as pd
from cubist import Cubist

from energy_assets.domain.models.estimate.base import (
    Estimator,
    ModelFolderError,
    as_float_array,
)
from energy_assets.domain.models.params import DEFAULT_SEED, model_class, state

MODEL_FILE = "model.cubist"
NAMES_FILE = "model.names"
DATA_FILE = "model.data.gz"


@model_class
class CubistEstimator(Estimator):
    """``cubist.Cubist`` with committees and instance-based correction (``neighbors``)."""

    name = "cubist"

    n_rules: int = 500
    n_committees: int = 10
    neighbors: int | None = 5
    extrapolation: float = 0.05
    seed: int = DEFAULT_SEED
    model: Cubist | None = state()

    def _cubist(self) -> Cubist:
        return Cubist(
            n_rules=self.n_rules,
            n_committees=self.n_committees,
            neighbors=self.neighbors,
            extrapolation=self.extrapolation,
            random_state=self.seed,
        )

    def fit(
        self,
        X: pd.DataFrame,
        y: pd.Series | np.ndarray,
        X_val: pd.DataFrame | None = None,
        y_val: pd.Series | np.ndarray | None = None,
    ) -> Self:
        """Fit on (X, y); Cubist has no early stopping, so the validation split is not used."""
        self._remember_features(X)
        self.model = self._cubist().fit(X.astype(float), as_float_array(y))
        return self

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        if self.model is None:
            raise RuntimeError("cubist: fit or load the model first")
        return np.asarray(self.model.predict(self._select(X).astype(float)), dtype=float)

    def _save_native(self, folder: Path) -> None:
        assert self.model is not None
        (folder / MODEL_FILE).write_text(self.model.model_)
        (folder / NAMES_FILE).write_bytes(zlib.decompress(self.model._names_string))
        with gzip.open(folder / DATA_FILE, "wb", compresslevel=6) as fh:
            fh.write(zlib.decompress(self.model._data_string))

    @classmethod
    def _load_native(cls, folder: Path, card: dict[str, Any]) -> Self:
        for name in (MODEL_FILE, NAMES_FILE, DATA_FILE):
            if not (folder / name).is_file():
                raise ModelFolderError(f"{folder}: {name} is missing")
        est = cls(**card["params"])
        model = est._cubist()
        # the attributes Cubist.predict reads, restored from the text files (no code executed)
        features = list(card["features"])
        model.feature_names_in_ = np.asarray(features, dtype=object)
        model.n_features_in_ = len(features)
        model.n_outputs_ = 1
        model.is_sample_weighted_ = False
        model.model_ = (folder / MODEL_FILE).read_text()
        model._names_string = zlib.compress((folder / NAMES_FILE).read_bytes())
        with gzip.open(folder / DATA_FILE, "rb") as fh:
            model._data_string = zlib.compress(fh.read())
        est.model = model
        return est
