"""Gradient-boosted trees (XGBoost, LightGBM) saved in their own formats (UBJSON, text).

They learn the triangle from data instead of knowing it, which is why they need depth and many
trees near PF = 100 %; :mod:`energy_assets.domain.models.estimate.hybrid` gives them the physics instead.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Self

import lightgbm as lgb
import numpy as np
import pandas as pd
import xgboost as xgb

from energy_assets.domain.device import xgboost_device
from energy_assets.domain.models.estimate.base import (
    Estimator,
    ModelFolderError,
    as_float_array,
)
from energy_assets.domain.models.params import DEFAULT_SEED, model_class, not_a_param, state

XGBOOST_FILE = "model.ubj"
LIGHTGBM_FILE = "model.txt"


@model_class
class XGBoostEstimator(Estimator):
    """XGBoost ``hist`` trees; early-stops on the validation split when one is given."""

    name = "xgboost"

    n_estimators: int = 1000
    learning_rate: float = 0.05
    max_depth: int = 8
    min_child_weight: float = 1.0
    subsample: float = 0.8
    colsample_bytree: float = 0.9
    reg_lambda: float = 1.0
    reg_alpha: float = 0.0
    early_stopping_rounds: int = 50
    seed: int = DEFAULT_SEED
    n_jobs: int = 1
    #: The run's ENERGY_DEVICE request (None: read the environment); not a hyperparameter.
    compute_device: str | None = not_a_param(None)
    model: xgb.XGBRegressor | None = state()

    def _regressor(self, early_stopping: bool) -> xgb.XGBRegressor:
        p = self.params()
        stop = p.pop("early_stopping_rounds")
        seed = p.pop("seed")
        return xgb.XGBRegressor(
            **p,
            objective="reg:squarederror",
            tree_method="hist",
            device=xgboost_device(self.compute_device),
            random_state=seed,
            early_stopping_rounds=stop if early_stopping else None,
        )

    def fit(
        self,
        X: pd.DataFrame,
        y: pd.Series | np.ndarray,
        X_val: pd.DataFrame | None = None,
        y_val: pd.Series | np.ndarray | None = None,
    ) -> Self:
        self._remember_features(X)
        early = X_val is not None and y_val is not None
        self.model = self._regressor(early)
        eval_set = [(self._select(X_val), as_float_array(y_val))] if early else None
        self.model.fit(X, as_float_array(y), eval_set=eval_set, verbose=False)
        # predict on the CPU whatever trained it: the API serves without a GPU
        self.model.set_params(device="cpu")
        return self

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        if self.model is None:
            raise RuntimeError("xgboost: fit or load the model first")
        return self.model.predict(self._select(X)).astype(float)

    def _save_native(self, folder: Path) -> None:
        assert self.model is not None
        self.model.save_model(folder / XGBOOST_FILE)

    @classmethod
    def _load_native(cls, folder: Path, card: dict[str, Any]) -> Self:
        path = folder / XGBOOST_FILE
        if not path.is_file():
            raise ModelFolderError(f"{folder}: {XGBOOST_FILE} is missing")
        est = cls(**card["params"])
        est.model = xgb.XGBRegressor(device="cpu", n_jobs=est.n_jobs)
        est.model.load_model(path)
        return est


@model_class
class LightGBMEstimator(Estimator):
    """LightGBM leaf-wise trees, deterministic; early-stops on the validation split when given."""

    name = "lightgbm"

    n_estimators: int = 1000
    learning_rate: float = 0.05
    num_leaves: int = 63
    min_child_samples: int = 10
    subsample: float = 0.8
    colsample_bytree: float = 0.9
    reg_lambda: float = 0.0
    reg_alpha: float = 0.0
    early_stopping_rounds: int = 50
    seed: int = DEFAULT_SEED
    n_jobs: int = 1
    booster: lgb.Booster | None = state()

    def _train_params(self) -> dict[str, Any]:
        return {
            "objective": "regression",
            "learning_rate": self.learning_rate,
            "num_leaves": self.num_leaves,
            "min_data_in_leaf": self.min_child_samples,
            "bagging_fraction": self.subsample,
            "bagging_freq": 1 if self.subsample < 1.0 else 0,
            "feature_fraction": self.colsample_bytree,
            "lambda_l2": self.reg_lambda,
            "lambda_l1": self.reg_alpha,
            "seed": self.seed,
            "num_threads": self.n_jobs,
            "deterministic": True,
            "force_row_wise": True,
            "verbosity": -1,
        }

    def fit(
        self,
        X: pd.DataFrame,
        y: pd.Series | np.ndarray,
        X_val: pd.DataFrame | None = None,
        y_val: pd.Series | np.ndarray | None = None,
    ) -> Self:
        self._remember_features(X)
        train = lgb.Dataset(X, as_float_array(y), free_raw_data=True)
        valid_sets, callbacks = [], []
        if X_val is not None and y_val is not None:
            valid_sets = [lgb.Dataset(self._select(X_val), as_float_array(y_val), reference=train)]
            callbacks = [lgb.early_stopping(self.early_stopping_rounds, verbose=False)]
        self.booster = lgb.train(
            self._train_params(),
            train,
            num_boost_round=self.n_estimators,
            valid_sets=valid_sets,
            callbacks=callbacks,
        )
        return self

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        if self.booster is None:
            raise RuntimeError("lightgbm: fit or load the model first")
        best = self.booster.best_iteration or None
        return np.asarray(
            self.booster.predict(self._select(X), num_iteration=best, num_threads=self.n_jobs),
            dtype=float,
        )

    def _save_native(self, folder: Path) -> None:
        assert self.booster is not None
        self.booster.save_model(folder / LIGHTGBM_FILE, num_iteration=self.booster.best_iteration or None)

    @classmethod
    def _load_native(cls, folder: Path, card: dict[str, Any]) -> Self:
        path = folder / LIGHTGBM_FILE
        if not path.is_file():
            raise ModelFolderError(f"{folder}: {LIGHTGBM_FILE} is missing")
        est = cls(**card["params"])
        est.booster = lgb.Booster(model_file=str(path))
        return est
