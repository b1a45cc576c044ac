"""The estimate task: every family tuned, fitted, timed and scored the same way.

Scored on the temporal split (train 60 % -> validation 15 % -> test 25 %, by time) and, to compare
with the published CUBIST anchor, on the paper's random 75/25 split (``paper_test``). The paper
protocol has NO validation part: the published study trained on all of its 75 %, and carving a
slice off would make the comparison unfair to our models. Tree families therefore fit the paper
train without early stopping, with the hyperparameters tuned on the temporal train.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from energy_assets.domain.data import schema
from energy_assets.domain.data.frames import on_ns
from energy_assets.domain.device import resolve_device
from energy_assets.domain.features import splits
from energy_assets.domain.features.estimate import ESTIMATE_FEATURES
from energy_assets.domain.models.estimate import ESTIMATORS
from energy_assets.domain.models.params import DEFAULT_SEED
from energy_assets.domain.scores import regression_report
from energy_assets.domain.tasks import PAPER, PAPER_TEST, PROTOCOLS, TEMPORAL, TEST, VALIDATION
from energy_assets.domain.training.results import EstimateResult, saved_size_bytes
from energy_assets.domain.training.tuning import DEFAULT_TIMEOUT_S, DEFAULT_TRIALS, SEARCH_SPACES, tune

log = logging.getLogger(__name__)

#: Estimate families in leaderboard order.
ESTIMATE_FAMILIES: tuple[str, ...] = tuple(ESTIMATORS)

#: Default tuning budget per tree family (the tuning module's: 20 trials or 40 s, whichever first).
#: Measured: all five families on both protocols in about 2 minutes with n_jobs=2 (see the report
#: in benchmarks/models.py).
DEFAULT_ESTIMATE_TRIALS = DEFAULT_TRIALS
DEFAULT_ESTIMATE_TIMEOUT_S = DEFAULT_TIMEOUT_S


@dataclass(frozen=True)
class EstimateData:
    """X/y of one protocol. X frames are indexed by timestamp (time order) and hold only the features.

    ``X_validation``/``y_validation`` are None for the paper protocol (see the module docstring).
    """

    protocol: str
    feature_columns: tuple[str, ...]
    X_train: pd.DataFrame
    y_train: pd.Series
    X_test: pd.DataFrame
    y_test: pd.Series
    X_validation: pd.DataFrame | None = None
    y_validation: pd.Series | None = None

    @classmethod
    def build(
        cls,
        feature_frame: pd.DataFrame,
        split_frame: pd.DataFrame,
        protocol: str = TEMPORAL,
        feature_columns: Sequence[str] = ESTIMATE_FEATURES,
    ) -> EstimateData:
        """Join ``build_features`` output with ``build_splits`` output on timestamp and cut X/y."""
        if protocol not in PROTOCOLS:
            raise ValueError(f"protocol must be one of {PROTOCOLS}, not {protocol!r}")
        cols = list(feature_columns)
        missing = [c for c in [*cols, schema.USAGE_KWH, schema.TIMESTAMP] if c not in feature_frame.columns]
        if missing:
            raise KeyError(f"feature frame lacks {missing}")
        label = splits.TEMPORAL_SPLIT if protocol == TEMPORAL else splits.PAPER_SPLIT
        joined = on_ns(feature_frame[[schema.TIMESTAMP, *cols, schema.USAGE_KWH]]).merge(
            on_ns(split_frame[[schema.TIMESTAMP, label]]), on=schema.TIMESTAMP, how="inner", validate="1:1"
        )
        if len(joined) != len(feature_frame):
            raise ValueError(
                f"splits cover {len(joined)} of {len(feature_frame)} feature rows: build them from the same frame"
            )
        joined = joined.sort_values(schema.TIMESTAMP).set_index(schema.TIMESTAMP)
        parts = {name: joined.loc[joined[label] == name] for name in (splits.TRAIN, VALIDATION, TEST)}
        for name in (splits.TRAIN, TEST):
            if parts[name].empty:
                raise ValueError(f"the {protocol} protocol has no {name} rows")
        has_validation = protocol == TEMPORAL and not parts[VALIDATION].empty
        return cls(
            protocol=protocol,
            feature_columns=tuple(cols),
            X_train=parts[splits.TRAIN][cols],
            y_train=parts[splits.TRAIN][schema.USAGE_KWH],
            X_test=parts[TEST][cols],
            y_test=parts[TEST][schema.USAGE_KWH],
            X_validation=parts[VALIDATION][cols] if has_validation else None,
            y_validation=parts[VALIDATION][schema.USAGE_KWH] if has_validation else None,
        )

    def sizes(self) -> dict[str, int]:
        """Rows per part (for metadata)."""
        out = {splits.TRAIN: len(self.X_train), TEST: len(self.X_test)}
        if self.X_validation is not None:
            out[VALIDATION] = len(self.X_validation)
        return out


def estimate_datasets(
    feature_frame: pd.DataFrame,
    split_frame: pd.DataFrame,
    feature_columns: Sequence[str] = ESTIMATE_FEATURES,
) -> dict[str, EstimateData]:
    """Both protocols at once: ``{"temporal": ..., "paper": ...}`` (what evaluate_estimator takes)."""
    return {p: EstimateData.build(feature_frame, split_frame, p, feature_columns) for p in PROTOCOLS}


def _score(y_true: pd.Series, y_pred: np.ndarray) -> dict[str, float]:
    rep = regression_report(y_true, y_pred)
    return {"rmse": rep["rmse"], "mae": rep["mae"], "cv_pct": rep["cv_pct"], "n": rep["n"]}


def evaluate_estimator(
    family: str,
    data: EstimateData | Mapping[str, EstimateData],
    *,
    n_trials: int = DEFAULT_ESTIMATE_TRIALS,
    timeout_s: float | None = DEFAULT_ESTIMATE_TIMEOUT_S,
    seed: int = DEFAULT_SEED,
    n_jobs: int = 1,
    params: Mapping[str, Any] | None = None,
    device: str | None = None,
) -> EstimateResult:
    """Tune (xgboost/lightgbm only), fit, time and score ``family``.

    ``data``: one protocol's EstimateData or ``estimate_datasets(...)``'s mapping. With both, the model
    is tuned and fitted on the temporal train (validation/test scores, the returned model) and a twin
    with the same params is fitted on the paper train for ``paper_test``. ``params`` override the
    constructor defaults (and skip tuning). ``device``: the run's ENERGY_DEVICE request (None: read the
    environment; see :mod:`energy_assets.domain.device`). fit_seconds includes tuning.
    """
    if family not in ESTIMATORS:
        raise ValueError(f"unknown estimate family {family!r}; known: {sorted(ESTIMATORS)}")
    protocols = {data.protocol: data} if isinstance(data, EstimateData) else dict(data)
    primary = protocols.get(TEMPORAL) or protocols[PAPER]
    cls = ESTIMATORS[family]
    run = cls.accepted({"compute_device": device})  # where the family computes (not a hyperparameter)

    started = time.perf_counter()
    tuning: dict[str, Any] | None = None
    kwargs = cls.accepted({"seed": seed, "n_jobs": n_jobs})
    if params:
        kwargs.update(params)
    elif family in SEARCH_SPACES:
        tuned = tune(
            family,
            primary.X_train,
            primary.y_train,
            n_trials=n_trials,
            timeout_s=timeout_s,
            seed=seed,
            n_jobs=n_jobs,
            device=device,
        )
        kwargs = dict(tuned.params)
        tuning = {
            "n_trials": tuned.n_trials,
            "cv_rmse": tuned.cv_rmse,
            "seconds": time.perf_counter() - started,
            "budget_trials": n_trials,
            "budget_timeout_s": timeout_s,
        }
    model = cls(**kwargs, **run).fit(
        primary.X_train, primary.y_train, primary.X_validation, primary.y_validation
    )
    fit_seconds = time.perf_counter() - started

    started = time.perf_counter()
    test_pred = model.predict(primary.X_test)
    predict_us = (time.perf_counter() - started) / len(primary.X_test) * 1e6

    scores: dict[str, dict[str, float] | None] = {VALIDATION: None, TEST: None, PAPER_TEST: None}
    if primary.protocol == TEMPORAL:
        if primary.X_validation is not None:
            scores[VALIDATION] = _score(primary.y_validation, model.predict(primary.X_validation))
        scores[TEST] = _score(primary.y_test, test_pred)
    else:
        scores[PAPER_TEST] = _score(primary.y_test, test_pred)
    paper = protocols.get(PAPER)
    if paper is not None and paper is not primary:
        twin = cls(**kwargs, **run).fit(paper.X_train, paper.y_train)
        scores[PAPER_TEST] = _score(paper.y_test, twin.predict(paper.X_test))

    log.info(
        "%s: validation %s test %s paper %s", family, scores[VALIDATION], scores[TEST], scores[PAPER_TEST]
    )
    return EstimateResult(
        family=family,
        model=model,
        params=model.params(),
        metrics=scores,
        fit_seconds=fit_seconds,
        predict_us_per_row=predict_us,
        model_size_bytes=saved_size_bytes(model.save),
        feature_columns=tuple(model.feature_names),
        device=resolve_device(device),
        tuning=tuning,
    )
