"""Hyperparameter search for the tree families: Optuna TPE over time-ordered CV folds.

Folds come from ``TimeSeriesSplit`` so a trial never scores on intervals older than the ones it
learned from (the temporal protocol the leaderboard reports on). Budget = trials and seconds,
whichever ends first; the defaults keep the whole estimate family training near two minutes on
two cores for 21k rows. Seeds are fixed, so the same data and budget give the same trials
(except where the time limit cuts a different number of them).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import optuna
import pandas as pd
from sklearn.model_selection import TimeSeriesSplit

from energy_assets.domain.models.estimate.base import Estimator, as_float_array
from energy_assets.domain.models.estimate.trees import LightGBMEstimator, XGBoostEstimator
from energy_assets.domain.models.params import DEFAULT_SEED
from energy_assets.domain.scores import rmse

log = logging.getLogger(__name__)

DEFAULT_TRIALS = 20
DEFAULT_TIMEOUT_S = 40.0
DEFAULT_SPLITS = 3


def _xgboost_space(trial: optuna.Trial) -> dict[str, Any]:
    return {
        "n_estimators": trial.suggest_int("n_estimators", 200, 1500, step=100),
        "learning_rate": trial.suggest_float("learning_rate", 0.03, 0.4, log=True),
        "max_depth": trial.suggest_int("max_depth", 4, 10),
        "min_child_weight": trial.suggest_float("min_child_weight", 0.5, 10.0, log=True),
        "subsample": trial.suggest_float("subsample", 0.6, 1.0),
        "colsample_bytree": trial.suggest_float("colsample_bytree", 0.6, 1.0),
        "reg_lambda": trial.suggest_float("reg_lambda", 1e-3, 10.0, log=True),
    }


def _lightgbm_space(trial: optuna.Trial) -> dict[str, Any]:
    return {
        "n_estimators": trial.suggest_int("n_estimators", 200, 1500, step=100),
        "learning_rate": trial.suggest_float("learning_rate", 0.03, 0.4, log=True),
        "num_leaves": trial.suggest_int("num_leaves", 15, 255, log=True),
        "min_child_samples": trial.suggest_int("min_child_samples", 2, 50, log=True),
        "subsample": trial.suggest_float("subsample", 0.6, 1.0),
        "colsample_bytree": trial.suggest_float("colsample_bytree", 0.6, 1.0),
        "reg_lambda": trial.suggest_float("reg_lambda", 1e-3, 10.0, log=True),
    }


SEARCH_SPACES: dict[str, tuple[type[Estimator], Callable[[optuna.Trial], dict[str, Any]]]] = {
    XGBoostEstimator.name: (XGBoostEstimator, _xgboost_space),
    LightGBMEstimator.name: (LightGBMEstimator, _lightgbm_space),
}


@dataclass(frozen=True)
class TuningResult:
    """Best constructor params (pass as ``ESTIMATORS[family](**params)``) and how they scored."""

    family: str
    params: dict[str, Any]
    cv_rmse: float
    n_trials: int
    trial_rmses: list[float] = field(default_factory=list)


def tune(
    family: str,
    X: pd.DataFrame,
    y: pd.Series | np.ndarray,
    n_trials: int = DEFAULT_TRIALS,
    timeout_s: float | None = DEFAULT_TIMEOUT_S,
    seed: int = DEFAULT_SEED,
    n_splits: int = DEFAULT_SPLITS,
    n_jobs: int = 1,
    device: str | None = None,
) -> TuningResult:
    """Search ``family``'s hyperparameters by mean RMSE over ``n_splits`` time-ordered folds.

    X must be in time order (the split relies on row order). The returned params include the seed
    and ``n_jobs`` so the final fit is reproducible; ``device`` is the run's ENERGY_DEVICE request.
    """
    if family not in SEARCH_SPACES:
        raise ValueError(f"no search space for '{family}'; tunable families: {sorted(SEARCH_SPACES)}")
    if n_trials < 1:
        raise ValueError("n_trials must be at least 1")
    cls, space = SEARCH_SPACES[family]
    target = as_float_array(y)
    folds = list(TimeSeriesSplit(n_splits=n_splits).split(X))

    def objective(trial: optuna.Trial) -> float:
        params = {**space(trial), "seed": seed, "n_jobs": n_jobs, **cls.accepted({"compute_device": device})}
        scores = []
        for train_idx, test_idx in folds:
            model = cls(**params).fit(X.iloc[train_idx], target[train_idx])
            scores.append(rmse(target[test_idx], model.predict(X.iloc[test_idx])))
        return float(np.mean(scores))

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(direction="minimize", sampler=optuna.samplers.TPESampler(seed=seed))
    study.optimize(objective, n_trials=n_trials, timeout=timeout_s, gc_after_trial=False)
    done = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    log.info("%s tuning: %d trials, best CV RMSE %.4f", family, len(done), study.best_value)
    return TuningResult(
        family=family,
        params={**study.best_params, "seed": seed, "n_jobs": n_jobs},
        cv_rmse=float(study.best_value),
        n_trials=len(done),
        trial_rmses=[float(t.value) for t in done if t.value is not None],
    )
