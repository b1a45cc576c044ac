"""Evaluate every candidate model the same way, so the leaderboard and the champion are comparable.

Two tasks, never mixed:

- *estimate*: usage_kwh of an interval from the same interval's readings. Scored on the temporal
  split (train 60 % -> validation 15 % -> test 25 %, by time) and, to compare with the published
  CUBIST anchor, on the paper's random 75/25 split (``paper_test``). The paper protocol has NO
  validation part: the published study trained on all of its 75 %, and carving a slice off would
  make the comparison unfair to our models. Tree families therefore fit the paper train without
  early stopping, with the hyperparameters tuned on the temporal train.
- *forecast*: the 96 intervals after an origin, with quantiles. Scored by rolling-origin backtests
  (one origin per day at ``origin_hour``) over the validation window and over the test window, each
  against the weekly seasonal naive on exactly the same origins (MASE).

Validation scores are always out of sample for the point forecast, because the champion is picked by
them: the boosted forecasters are scored on validation with a twin trained on the train window only
(its quantiles calibrated on validation, so validation ``coverage_80`` is in-sample), then refitted
as configured (train + validation) for the test window. Results carry ``status``: a foundation model
without its weights is recorded as such with no metrics, never with a made-up number.
"""

from __future__ import annotations

import inspect
import logging
import math
import os
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from energy_assets.domain import features, metrics, schema, splits
from energy_assets.domain.forecasting import backtest
from energy_assets.domain.forecasting.base import (
    DEFAULT_HORIZON,
    DEFAULT_QUANTILES,
    FORECASTERS,
    MEAN,
    Forecaster,
    quantile_column,
)
from energy_assets.domain.forecasting.classical import (
    SeasonalNaiveForecaster,
    WeightedEnsembleForecaster,
)
from energy_assets.domain.models import ESTIMATORS, Estimator
from energy_assets.domain.models.base import DEFAULT_SEED
from energy_assets.domain.tuning import DEFAULT_TIMEOUT_S, DEFAULT_TRIALS, SEARCH_SPACES, tune

log = logging.getLogger(__name__)

ESTIMATE = "estimate"
FORECAST = "forecast"
TASKS: tuple[str, ...] = (ESTIMATE, FORECAST)

TEMPORAL = "temporal"
PAPER = "paper"
PROTOCOLS: tuple[str, ...] = (TEMPORAL, PAPER)

#: Metric keys per split (what the leaderboard and MLflow read).
VALIDATION = splits.VALIDATION
TEST = splits.TEST
PAPER_TEST = "paper_test"

EVALUATED = "evaluated"
EXTRA_NOT_INSTALLED = "foundation extra not installed"

#: What the estimate families were measured with (benchmarks/estimate_models.py, the published
#: study's inputs): the same-interval readings (the four triangle columns + CO2), seconds since
#: midnight and the UCI calendar columns as integer codes (is_weekend = WeekStatus).
ESTIMATE_COLUMNS: tuple[str, ...] = (
    *features.READING_FEATURES,
    schema.NSM,
    features.IS_WEEKEND,
    features.DAY_OF_WEEK_NUM,
    features.LOAD_TYPE_CODE,
)

#: Estimate families in leaderboard order; the forecasters a default run evaluates.
ESTIMATE_FAMILIES: tuple[str, ...] = tuple(ESTIMATORS)
CLASSICAL_FORECASTERS: tuple[str, ...] = ("seasonal_naive", "lightgbm_quantile", "xgboost_quantile")
FOUNDATION_FORECASTERS: tuple[str, ...] = ("chronos", "timesfm")
ENSEMBLE = WeightedEnsembleForecaster.name

#: Default tuning budget per tree family (the tuning module's: 20 trials or 40 s, whichever first).
#: Measured: all five families on both protocols in about 2 minutes with n_jobs=2 (see the report
#: in benchmarks/models.py).
DEFAULT_ESTIMATE_TRIALS = DEFAULT_TRIALS
DEFAULT_ESTIMATE_TIMEOUT_S = DEFAULT_TIMEOUT_S


# --- device ------------------------------------------------------------------------------------------
def resolve_device() -> str:
    """``cuda`` when ENERGY_DEVICE asks for it (cuda/auto) and torch sees a GPU, else ``cpu``."""
    wanted = os.environ.get("ENERGY_DEVICE", "cpu").strip().lower()
    if wanted == "cpu" or not wanted:
        return "cpu"
    try:
        import torch
    except ImportError:
        return "cpu"
    return "cuda" if torch.cuda.is_available() else "cpu"


def folder_size_bytes(folder: str | os.PathLike[str]) -> int:
    """Total bytes of the files under ``folder`` (what a model costs to store and ship)."""
    return sum(p.stat().st_size for p in Path(folder).rglob("*") if p.is_file())


def _saved_size(save: Callable[[Path], Any]) -> int:
    with tempfile.TemporaryDirectory(prefix="energy-model-size-") as tmp:
        target = Path(tmp) / "model"
        save(target)
        return folder_size_bytes(target)


def _accepted(cls: type, kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """The keyword arguments ``cls`` accepts (defaults like seed/n_jobs apply only where they exist)."""
    names = inspect.signature(cls).parameters
    return {k: v for k, v in kwargs.items() if k in names}


def _on_ns(frame: pd.DataFrame) -> pd.DataFrame:
    """Timestamps as datetime64[ns]: frames coming back from polars/DuckDB may carry [us], and a
    join between the two resolutions must not silently miss rows."""
    if frame[schema.TIMESTAMP].dtype == "datetime64[ns]":
        return frame
    out = frame.copy()
    out[schema.TIMESTAMP] = pd.to_datetime(out[schema.TIMESTAMP]).astype("datetime64[ns]")
    return out


# --- estimate task: data --------------------------------------------------------------------------------
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
        feature_columns: Sequence[str] = ESTIMATE_COLUMNS,
    ) -> EstimateData:
        """Join ``build_features`` output with ``build_splits`` output on timestamp and cut X/y."""
        if protocol not in PROTOCOLS:
            raise ValueError(f"protocol must be one of {PROTOCOLS}, not {protocol!r}")
        cols = list(feature_columns)
        missing = [c for c in [*cols, schema.USAGE_KWH, schema.TIMESTAMP] if c not in feature_frame.columns]
        if missing:
            raise KeyError(f"feature frame lacks {missing}")
        label = splits.TEMPORAL_SPLIT if protocol == TEMPORAL else splits.PAPER_SPLIT
        joined = _on_ns(feature_frame[[schema.TIMESTAMP, *cols, schema.USAGE_KWH]]).merge(
            _on_ns(split_frame[[schema.TIMESTAMP, label]]), on=schema.TIMESTAMP, how="inner", validate="1:1"
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
    feature_columns: Sequence[str] = ESTIMATE_COLUMNS,
) -> dict[str, EstimateData]:
    """Both protocols at once: ``{"temporal": ..., "paper": ...}`` (what evaluate_estimator takes)."""
    return {p: EstimateData.build(feature_frame, split_frame, p, feature_columns) for p in PROTOCOLS}


# --- estimate task: evaluation ------------------------------------------------------------------------
@dataclass
class EstimateResult:
    """One estimate family, fitted on the temporal train (the model a bundle would ship)."""

    family: str
    model: Estimator
    params: dict[str, Any]
    metrics: dict[str, dict[str, float] | None]
    fit_seconds: float
    predict_us_per_row: float
    model_size_bytes: int
    feature_columns: tuple[str, ...]
    device: str
    tuning: dict[str, Any] | None = None
    status: str = EVALUATED
    task: str = ESTIMATE

    @property
    def validation_rmse(self) -> float | None:
        scores = self.metrics.get(VALIDATION)
        return None if scores is None else scores["rmse"]


def _score(y_true: pd.Series, y_pred: np.ndarray) -> dict[str, float]:
    rep = metrics.regression_report(y_true, y_pred)
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
) -> EstimateResult:
    """Tune (xgboost/lightgbm only), fit, time and score ``family``.

    ``data``: one protocol's EstimateData or ``estimate_datasets(...)``'s mapping. With both, the model
    is tuned and fitted on the temporal train (validation/test scores, the returned model) and a twin
    with the same params is fitted on the paper train for ``paper_test``. ``params`` override the
    constructor defaults (and skip tuning). fit_seconds includes tuning.
    """
    if family not in ESTIMATORS:
        raise ValueError(f"unknown estimate family {family!r}; known: {sorted(ESTIMATORS)}")
    protocols = {data.protocol: data} if isinstance(data, EstimateData) else dict(data)
    primary = protocols.get(TEMPORAL) or protocols[PAPER]
    cls = ESTIMATORS[family]
    device = resolve_device()

    started = time.perf_counter()
    tuning: dict[str, Any] | None = None
    kwargs = _accepted(cls, {"seed": seed, "n_jobs": n_jobs})
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
        )
        kwargs = dict(tuned.params)
        tuning = {
            "n_trials": tuned.n_trials,
            "cv_rmse": tuned.cv_rmse,
            "seconds": time.perf_counter() - started,
            "budget_trials": n_trials,
            "budget_timeout_s": timeout_s,
        }
    model = cls(**kwargs).fit(primary.X_train, primary.y_train, primary.X_validation, primary.y_validation)
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
        twin = cls(**kwargs).fit(paper.X_train, paper.y_train)
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
        model_size_bytes=_saved_size(model.save),
        feature_columns=tuple(model.feature_names),
        device=device,
        tuning=tuning,
    )


def evaluate_estimators(
    data: Mapping[str, EstimateData],
    families: Sequence[str] = ESTIMATE_FAMILIES,
    **kwargs: Any,
) -> list[EstimateResult]:
    """``evaluate_estimator`` for each family, same data and budget."""
    return [evaluate_estimator(f, data, **kwargs) for f in families]


# --- forecast task ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class ForecastConfig:
    """How forecasters are built and backtested.

    ``params``: constructor overrides per forecaster name (e.g. ``{"chronos": {"model_id_or_path":
    "/models/chronos-2"}}``). ``max_origins``: cap on origins per window, spread evenly (tests and
    quick runs; None = every day).
    """

    horizon: int = DEFAULT_HORIZON
    origin_hour: int = 0
    quantiles: tuple[float, ...] = DEFAULT_QUANTILES
    params: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    max_origins: int | None = None
    seed: int = DEFAULT_SEED
    n_jobs: int = 1


@dataclass
class ForecastResult:
    """One forecaster: status, validation/test backtest scores (None when not evaluated), costs."""

    family: str
    status: str
    model: Forecaster | None = None
    params: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, dict[str, float] | None] = field(
        default_factory=lambda: {VALIDATION: None, TEST: None}
    )
    fit_seconds: float | None = None
    predict_ms_per_forecast: float | None = None
    model_size_bytes: int | None = None
    device: str = "cpu"
    quantiles: tuple[float, ...] = DEFAULT_QUANTILES
    horizon: int = DEFAULT_HORIZON
    detail: str | None = None
    validation_backtest: pd.DataFrame | None = None
    test_backtest: pd.DataFrame | None = None
    task: str = FORECAST

    @property
    def validation_rmse(self) -> float | None:
        scores = self.metrics.get(VALIDATION)
        return None if scores is None else scores["rmse"]

    @property
    def evaluated(self) -> bool:
        return self.status == EVALUATED


@dataclass(frozen=True)
class ForecastWindows:
    """The cleaned frame cut by the temporal split, and the daily origins of each scored window."""

    frame: pd.DataFrame
    train: pd.DataFrame
    validation: pd.DataFrame
    test: pd.DataFrame
    validation_origins: list[pd.Timestamp]
    test_origins: list[pd.Timestamp]


def _spread(origins: list[pd.Timestamp], cap: int | None) -> list[pd.Timestamp]:
    if cap is None or len(origins) <= cap:
        return origins
    step = math.ceil(len(origins) / cap)
    return origins[::step][:cap]


def forecast_windows(
    clean_frame: pd.DataFrame, split_frame: pd.DataFrame, config: ForecastConfig
) -> ForecastWindows:
    """Train/validation/test windows from the splits' ``temporal_split`` and their daily origins.

    An origin's whole horizon lies in its window; the first origin may be the window's first
    timestamp minus one interval (forecasting the window's first day is fair).
    """
    frame = _on_ns(clean_frame).sort_values(schema.TIMESTAMP).reset_index(drop=True)
    labels = frame[[schema.TIMESTAMP]].merge(
        _on_ns(split_frame[[schema.TIMESTAMP, splits.TEMPORAL_SPLIT]]),
        on=schema.TIMESTAMP,
        how="left",
        validate="1:1",
    )[splits.TEMPORAL_SPLIT]
    if labels.isna().any():
        raise ValueError(f"{int(labels.isna().sum())} cleaned rows have no temporal split label")
    parts = {
        name: frame.loc[labels.to_numpy() == name].reset_index(drop=True) for name in splits.TEMPORAL_PARTS
    }
    for name, part in parts.items():
        if part.empty:
            raise ValueError(f"the temporal split has no {name} rows")
    val_origins = backtest.origins_in_test_window(
        frame, parts[VALIDATION], config.horizon, config.origin_hour
    )
    test_origins = backtest.origins_in_test_window(frame, parts[TEST], config.horizon, config.origin_hour)
    return ForecastWindows(
        frame=frame,
        train=parts[splits.TRAIN],
        validation=parts[VALIDATION],
        test=parts[TEST],
        validation_origins=_spread(val_origins, config.max_origins),
        test_origins=_spread(test_origins, config.max_origins),
    )


def _forecaster_class(name: str) -> type[Forecaster]:
    if name not in FORECASTERS and name in FOUNDATION_FORECASTERS:
        import energy_assets.domain.forecasting.foundation  # noqa: F401 - registers chronos/timesfm
    if name not in FORECASTERS:
        raise ValueError(f"unknown forecaster {name!r}; known: {sorted(FORECASTERS)}")
    return FORECASTERS[name]


def make_forecaster(name: str, config: ForecastConfig, **overrides: Any) -> Forecaster:
    """An unfitted forecaster: quantiles, seed, n_jobs and device from ``config``, then its params."""
    cls = _forecaster_class(name)
    defaults = {"quantiles": list(config.quantiles), "seed": config.seed, "n_jobs": config.n_jobs}
    if name in FOUNDATION_FORECASTERS:
        defaults["device"] = resolve_device()
    kwargs = {**_accepted(cls, defaults), **dict(config.params.get(name, {})), **overrides}
    return cls(**kwargs)


def _naive_runs(windows: ForecastWindows, config: ForecastConfig) -> tuple[pd.DataFrame, pd.DataFrame]:
    naive_val = SeasonalNaiveForecaster(config.quantiles).fit(windows.train)
    naive_test = SeasonalNaiveForecaster(config.quantiles).fit(windows.train, windows.validation)
    return (
        backtest.rolling_origin_backtest(
            naive_val, windows.frame, windows.validation_origins, config.horizon
        ),
        backtest.rolling_origin_backtest(naive_test, windows.frame, windows.test_origins, config.horizon),
    )


def _report(run: pd.DataFrame, naive: pd.DataFrame) -> dict[str, float]:
    rep = backtest.backtest_report(run, naive)
    keys = ("rmse", "mae", "mase", "coverage_80", "n_origins", "naive_rmse", "naive_mae", "rmse_ratio")
    return {k: rep[k] for k in keys if k in rep}


def _foundation_problem(name: str, config: ForecastConfig) -> str | None:
    """Checked before anything loads, so a missing checkpoint is reported even without torch."""
    from energy_assets.domain.forecasting.foundation import weights_problem

    cls = _forecaster_class(name)
    default = inspect.signature(cls).parameters["model_id_or_path"].default
    source = str(config.params.get(name, {}).get("model_id_or_path", default))
    problem = weights_problem(source)
    return None if problem is None else f"weights unavailable: {problem}"


def evaluate_forecaster(
    name: str,
    clean_frame: pd.DataFrame,
    split_frame: pd.DataFrame,
    *,
    config: ForecastConfig | None = None,
    windows: ForecastWindows | None = None,
) -> ForecastResult:
    """Fit ``name`` and backtest it on daily origins of the validation and test windows.

    Foundation models: a checkpoint that cannot be reached gives status ``weights unavailable: ...``
    and a missing optional package ``foundation extra not installed`` (metrics None in both cases).
    Any other error propagates: a broken model must fail the run, not score 0.
    """
    config = config or ForecastConfig()
    windows = windows or forecast_windows(clean_frame, split_frame, config)
    base = {"quantiles": tuple(config.quantiles), "horizon": config.horizon, "device": resolve_device()}
    if name in FOUNDATION_FORECASTERS:
        from energy_assets.domain.forecasting.foundation import WeightsUnavailable

        try:
            problem = _foundation_problem(name, config)
            if problem is not None:
                return ForecastResult(family=name, status=problem, **base)
            return _evaluate_fitted(name, windows, config, base)
        except WeightsUnavailable as exc:
            return ForecastResult(family=name, status=exc.status, **base)
        except ImportError as exc:
            return ForecastResult(family=name, status=EXTRA_NOT_INSTALLED, detail=str(exc), **base)
    return _evaluate_fitted(name, windows, config, base)


def _evaluate_fitted(
    name: str, windows: ForecastWindows, config: ForecastConfig, base: dict[str, Any]
) -> ForecastResult:
    naive_val, naive_test = _naive_runs(windows, config)
    probe = make_forecaster(name, config)
    if hasattr(probe, "refit_on_validation"):
        # the mean model trained on train only; quantiles calibrated on validation
        probe = make_forecaster(name, config, refit_on_validation=False).fit(
            windows.train, windows.validation
        )
    else:
        probe.fit(windows.train)
    zero_shot = name in FOUNDATION_FORECASTERS and getattr(probe, "finetune_steps", 0) == 0
    val_run = backtest.rolling_origin_backtest(
        probe, windows.frame, windows.validation_origins, config.horizon
    )

    started = time.perf_counter()
    model = probe if zero_shot else make_forecaster(name, config).fit(windows.train, windows.validation)
    fit_seconds = time.perf_counter() - started
    return _finish(name, model, fit_seconds, val_run, naive_val, naive_test, windows, config, base)


def _finish(
    name: str,
    model: Forecaster,
    fit_seconds: float,
    val_run: pd.DataFrame,
    naive_val: pd.DataFrame,
    naive_test: pd.DataFrame,
    windows: ForecastWindows,
    config: ForecastConfig,
    base: dict[str, Any],
) -> ForecastResult:
    started = time.perf_counter()
    test_run = backtest.rolling_origin_backtest(model, windows.frame, windows.test_origins, config.horizon)
    predict_ms = (time.perf_counter() - started) / len(windows.test_origins) * 1e3
    scores = {VALIDATION: _report(val_run, naive_val), TEST: _report(test_run, naive_test)}
    log.info("%s: validation %s test %s", name, scores[VALIDATION], scores[TEST])
    return ForecastResult(
        family=name,
        status=EVALUATED,
        model=model,
        params=model.get_params(),
        metrics=scores,
        fit_seconds=fit_seconds,
        predict_ms_per_forecast=predict_ms,
        model_size_bytes=_saved_size(model.save),
        validation_backtest=val_run,
        test_backtest=test_run,
        **base,
    )


def _blend(runs: Sequence[pd.DataFrame], ensemble: WeightedEnsembleForecaster) -> pd.DataFrame:
    """The ensemble's validation forecasts from its members' out-of-sample validation backtests."""
    keys = [backtest.ORIGIN, schema.TIMESTAMP]
    out = runs[0][[*keys, "horizon", backtest.ACTUAL]].copy()
    aligned = [r.set_index(keys).reindex(pd.MultiIndex.from_frame(out[keys])) for r in runs]
    out[MEAN] = np.clip(
        sum(w * r[MEAN].to_numpy() for w, r in zip(ensemble.weights, aligned, strict=True)), 0, None
    )
    qcols = [quantile_column(q) for q in ensemble.quantiles]
    qv = np.column_stack(
        [
            sum(w * r[c].to_numpy() for w, r in zip(ensemble.weights, aligned, strict=True))
            + ensemble.offsets[c]
            for c in qcols
        ]
    )
    qv = np.sort(np.clip(qv, 0.0, None), axis=1)
    for j, c in enumerate(qcols):
        out[c] = qv[:, j]
    return out


def evaluate_ensemble(
    results: Sequence[ForecastResult],
    clean_frame: pd.DataFrame,
    split_frame: pd.DataFrame,
    *,
    config: ForecastConfig | None = None,
    windows: ForecastWindows | None = None,
) -> ForecastResult:
    """Blend the two evaluated forecasters with the best validation RMSE (WeightedEnsembleForecaster).

    Validation score: the learned weight and offsets applied to the members' own out-of-sample
    validation backtests (only the blend weight and the conformal offsets saw those days), so it can
    be compared with the members' validation scores. Test score: a normal rolling-origin backtest.
    """
    config = config or ForecastConfig()
    base = {"quantiles": tuple(config.quantiles), "horizon": config.horizon, "device": resolve_device()}
    ranked = sorted(
        (r for r in results if r.evaluated and r.family != ENSEMBLE and r.validation_backtest is not None),
        key=lambda r: r.validation_rmse,
    )
    if len(ranked) < 2:
        return ForecastResult(
            family=ENSEMBLE,
            status=f"not evaluated: needs two evaluated forecasters, got {len(ranked)}",
            **base,
        )
    best = ranked[:2]
    windows = windows or forecast_windows(clean_frame, split_frame, config)
    naive_val, naive_test = _naive_runs(windows, config)
    candidates = [make_forecaster(r.family, config) for r in best]
    started = time.perf_counter()
    ensemble = WeightedEnsembleForecaster(candidates, quantiles=config.quantiles).fit(
        windows.train, windows.validation
    )
    fit_seconds = time.perf_counter() - started
    by_name = {r.family: r.validation_backtest for r in best}
    val_run = _blend([by_name[m.name] for m in ensemble.members], ensemble)
    result = _finish(ENSEMBLE, ensemble, fit_seconds, val_run, naive_val, naive_test, windows, config, base)
    result.detail = (
        f"members {[m.name for m in ensemble.members]} weights {[round(w, 4) for w in ensemble.weights]}"
    )
    return result


def evaluate_forecasters(
    clean_frame: pd.DataFrame,
    split_frame: pd.DataFrame,
    names: Sequence[str] = (*CLASSICAL_FORECASTERS, *FOUNDATION_FORECASTERS),
    *,
    config: ForecastConfig | None = None,
    with_ensemble: bool = True,
) -> list[ForecastResult]:
    """Every named forecaster on the same windows, then the ensemble of the best two."""
    config = config or ForecastConfig()
    windows = forecast_windows(clean_frame, split_frame, config)
    results = [
        evaluate_forecaster(n, clean_frame, split_frame, config=config, windows=windows) for n in names
    ]
    if with_ensemble:
        results.append(evaluate_ensemble(results, clean_frame, split_frame, config=config, windows=windows))
    return results


# --- what to log ---------------------------------------------------------------------------------
def flat_metrics(result: EstimateResult | ForecastResult) -> dict[str, float]:
    """Numbers as one flat dict for MLflow (``validation_rmse``, ``test_mase``, ``fit_seconds`` ...).

    Empty scores are left out (MLflow has no null): a model that was not evaluated logs no metric.
    """
    out: dict[str, float] = {}
    for split, scores in result.metrics.items():
        for key, value in (scores or {}).items():
            out[f"{split}_{key}"] = float(value)
    costs = {
        "fit_seconds": result.fit_seconds,
        "model_size_bytes": result.model_size_bytes,
        "predict_us_per_row": getattr(result, "predict_us_per_row", None),
        "predict_ms_per_forecast": getattr(result, "predict_ms_per_forecast", None),
    }
    tuning = getattr(result, "tuning", None) or {}
    costs.update({f"tuning_{k}": tuning.get(k) for k in ("n_trials", "cv_rmse", "seconds")})
    out.update({k: float(v) for k, v in costs.items() if v is not None})
    return out


def run_tags(result: EstimateResult | ForecastResult) -> dict[str, str]:
    """Strings that identify a run: task, family, status, device (and the reason when not evaluated)."""
    tags = {"task": result.task, "family": result.family, "status": result.status, "device": result.device}
    detail = getattr(result, "detail", None)
    if detail:
        tags["detail"] = detail
    return tags


__all__ = [
    "CLASSICAL_FORECASTERS",
    "ENSEMBLE",
    "ESTIMATE_COLUMNS",
    "ESTIMATE_FAMILIES",
    "FOUNDATION_FORECASTERS",
    "EstimateData",
    "EstimateResult",
    "ForecastConfig",
    "ForecastResult",
    "ForecastWindows",
    "estimate_datasets",
    "evaluate_ensemble",
    "evaluate_estimator",
    "evaluate_estimators",
    "evaluate_forecaster",
    "evaluate_forecasters",
    "flat_metrics",
    "folder_size_bytes",
    "forecast_windows",
    "make_forecaster",
    "resolve_device",
    "run_tags",
]
