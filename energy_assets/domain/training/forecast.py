"""The forecast task: every forecaster backtested on the same windows, against the same naive.

Scored by rolling-origin backtests (one origin per day at ``origin_hour``) over the validation
window and over the test window, each against the weekly seasonal naive on exactly the same origins
(MASE) and against persistence, in two plan regimes: the plant's plan sent (its actual
``load_type``; splits ``validation``/``test``) and no plan sent, so the model uses the derived
calendar plan (splits ``validation_derived_plan``/``test_derived_plan``); probabilistic scores
(pinball per quantile, CRPS, 50/80 % coverage, crossings) and scores by horizon band beside them. Validation scores are always out of sample for the point forecast, because the champion is
picked by them: the boosted forecasters are scored on validation with a twin trained on the train
window only (its quantiles calibrated on validation, so validation ``coverage_80`` is in-sample),
then refitted as configured (train + validation) for the test window.
"""

from __future__ import annotations

import inspect
import logging
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from energy_assets.domain.data import schema
from energy_assets.domain.data.frames import on_ns
from energy_assets.domain.device import resolve_device
from energy_assets.domain.features import splits
from energy_assets.domain.models.forecast import backtest
from energy_assets.domain.models.forecast.base import (
    DEFAULT_HORIZON,
    DEFAULT_QUANTILES,
    DERIVED_PLAN,
    FORECASTERS,
    MEAN,
    PLAN_REGIMES,
    PLANT_PLAN,
    Forecaster,
    quantile_column,
)
from energy_assets.domain.models.forecast.ensemble import WeightedEnsembleForecaster
from energy_assets.domain.models.forecast.naive import SeasonalNaiveForecaster
from energy_assets.domain.models.forecast.nowcast import NOWCAST_HORIZON
from energy_assets.domain.models.params import DEFAULT_SEED
from energy_assets.domain.tasks import TEST, VALIDATION
from energy_assets.domain.training.results import (
    EVALUATED,
    EXTRA_NOT_INSTALLED,
    ForecastResult,
    saved_size_bytes,
)

log = logging.getLogger(__name__)

#: The forecasters a default run evaluates, then the ensemble of the best two.
CLASSICAL_FORECASTERS: tuple[str, ...] = (
    "seasonal_naive",
    "lightgbm_quantile",
    "xgboost_quantile",
    "profile_blend",
)
FOUNDATION_FORECASTERS: tuple[str, ...] = ("chronos", "timesfm")
ENSEMBLE = WeightedEnsembleForecaster.name
#: Metrics key of a split scored with no plan sent (the derived calendar plan).
DERIVED_SUFFIX = "_derived_plan"
SCORED_SPLITS: tuple[str, ...] = (VALIDATION, TEST)
#: Horizons of the hourly validation backtest a result keeps per origin: the nowcast's reach, what
#: the served intraday switch compares (:func:`~energy_assets.domain.models.forecast.nowcast.intraday_rule`).
KEPT_HOURLY_HORIZON = NOWCAST_HORIZON


def metrics_key(split: str, plan: str) -> str:
    """``validation`` / ``test`` with the plant's plan; ``validation_derived_plan`` ... without."""
    return split if plan == PLANT_PLAN else f"{split}{DERIVED_SUFFIX}"


@dataclass(frozen=True)
class ForecastConfig:
    """How forecasters are built and backtested.

    ``params``: constructor overrides per forecaster name (e.g. ``{"chronos": {"model_id_or_path":
    "/models/chronos-2"}}``). ``max_origins``: cap on origins per window, spread evenly (tests and
    quick runs; None = every day). ``device``: the run's ENERGY_DEVICE request (None: read the
    environment; see :mod:`energy_assets.domain.device`).
    """

    horizon: int = DEFAULT_HORIZON
    origin_hour: int = 0
    quantiles: tuple[float, ...] = DEFAULT_QUANTILES
    params: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    max_origins: int | None = None
    seed: int = DEFAULT_SEED
    n_jobs: int = 1
    device: str | None = None
    #: Also backtest at origins every ``hourly_origin_step`` hours (0, step, 2*step, ... < 24) of every
    #: day of each window, scored by horizon band and origin hour (``bands`` with ``origins =
    #: "hourly"``); None: daily origins only. Not for the foundation models (cost).
    hourly_origin_step: int | None = None


@dataclass(frozen=True)
class ForecastWindows:
    """The cleaned frame cut by the temporal split, and the daily origins of each scored window."""

    frame: pd.DataFrame
    train: pd.DataFrame
    validation: pd.DataFrame
    test: pd.DataFrame
    validation_origins: list[pd.Timestamp]
    test_origins: list[pd.Timestamp]
    validation_hourly: list[pd.Timestamp] = field(default_factory=list)
    test_hourly: list[pd.Timestamp] = field(default_factory=list)


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
    frame = on_ns(clean_frame).sort_values(schema.TIMESTAMP).reset_index(drop=True)
    labels = frame[[schema.TIMESTAMP]].merge(
        on_ns(split_frame[[schema.TIMESTAMP, splits.TEMPORAL_SPLIT]]),
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
    hourly: dict[str, list[pd.Timestamp]] = {VALIDATION: [], TEST: []}
    if config.hourly_origin_step is not None:
        if not 1 <= config.hourly_origin_step <= 24:
            raise ValueError(f"hourly_origin_step must be 1..24, got {config.hourly_origin_step}")
        hours = list(range(0, 24, config.hourly_origin_step))
        for split in hourly:
            found = backtest.hourly_origins(frame, parts[split], config.horizon, hours)
            cap = None if config.max_origins is None else config.max_origins * len(hours)
            hourly[split] = _spread(found, cap)
    return ForecastWindows(
        frame=frame,
        train=parts[splits.TRAIN],
        validation=parts[VALIDATION],
        test=parts[TEST],
        validation_origins=_spread(val_origins, config.max_origins),
        test_origins=_spread(test_origins, config.max_origins),
        validation_hourly=hourly[VALIDATION],
        test_hourly=hourly[TEST],
    )


def _forecaster_class(name: str) -> type[Forecaster]:
    if name not in FORECASTERS and name in FOUNDATION_FORECASTERS:
        import energy_assets.domain.models.forecast.foundation  # noqa: F401 - registers chronos/timesfm
    if name not in FORECASTERS:
        raise ValueError(f"unknown forecaster {name!r}; known: {sorted(FORECASTERS)}")
    return FORECASTERS[name]


def make_forecaster(name: str, config: ForecastConfig, **overrides: Any) -> Forecaster:
    """An unfitted forecaster: quantiles, seed, n_jobs and device from ``config``, then its params."""
    cls = _forecaster_class(name)
    defaults = {
        "quantiles": list(config.quantiles),
        "seed": config.seed,
        "n_jobs": config.n_jobs,
        "compute_device": config.device,
    }
    if name in FOUNDATION_FORECASTERS:
        defaults["device"] = resolve_device(config.device)
    kwargs = {**cls.accepted(defaults), **dict(config.params.get(name, {})), **overrides}
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


REPORT_KEYS: tuple[str, ...] = (
    "rmse",
    "mae",
    "mase",
    "coverage_80",
    "coverage_50",
    "crps",
    "crossings",
    "n_origins",
    "naive_rmse",
    "naive_mae",
    "rmse_ratio",
    "persistence_rmse",
    "persistence_mae",
    "rmse_ratio_persistence",
)


def score_run(run: pd.DataFrame, naive: pd.DataFrame) -> dict[str, float]:
    """The scores a result keeps (:data:`REPORT_KEYS`, pinball and reliability per decile) of a
    backtest against the naive's backtest on the same origins."""
    rep = backtest.backtest_report(run, naive)
    keep = [k for k in rep if k in REPORT_KEYS or k.startswith(("pinball_", "below_"))]
    return {k: rep[k] for k in keep}


DAILY_ORIGINS, HOURLY_ORIGINS = "daily", "hourly"


def _bands(
    runs: Mapping[tuple[str, str], pd.DataFrame],
    hourly: Mapping[tuple[str, str], pd.DataFrame] | None = None,
) -> pd.DataFrame:
    """:func:`backtest.band_report` of each (split, plan) daily backtest (``origins = "daily"``,
    ``origin_hour`` NaN), then :func:`backtest.band_report_by_hour` of each hourly one (``"hourly"``:
    all hours pooled, ``origin_hour`` NaN, then each hour), with ``split`` and ``plan`` columns."""
    parts = []
    for kind, group in ((DAILY_ORIGINS, runs), (HOURLY_ORIGINS, hourly or {})):
        for (split, plan), run in group.items():
            if kind == DAILY_ORIGINS:
                part = backtest.band_report(run).assign(origin_hour=np.nan)
            else:
                part = backtest.band_report_by_hour(run)
            part.insert(0, "origins", kind)
            part.insert(0, "plan", plan)
            part.insert(0, "split", split)
            parts.append(part)
    return pd.concat(parts, ignore_index=True)


def _hourly_runs(
    model: Forecaster, windows: ForecastWindows, split: str, config: ForecastConfig
) -> dict[tuple[str, str], pd.DataFrame]:
    origins = windows.validation_hourly if split == VALIDATION else windows.test_hourly
    if not origins or model.name in FOUNDATION_FORECASTERS:
        return {}
    return {
        (split, plan): backtest.rolling_origin_backtest(model, windows.frame, origins, config.horizon, plan)
        for plan in PLAN_REGIMES
    }


def _foundation_problem(name: str, config: ForecastConfig) -> str | None:
    """Checked before anything loads, so a missing checkpoint is reported even without torch."""
    from energy_assets.domain.models.forecast.foundation import weights_problem

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
    base = {
        "quantiles": tuple(config.quantiles),
        "horizon": config.horizon,
        "device": resolve_device(config.device),
    }
    if name in FOUNDATION_FORECASTERS:
        from energy_assets.domain.models.forecast.foundation import WeightsUnavailable

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
    val_runs = {
        plan: backtest.rolling_origin_backtest(
            probe, windows.frame, windows.validation_origins, config.horizon, plan
        )
        for plan in PLAN_REGIMES
    }

    started = time.perf_counter()
    final = make_forecaster(name, config)
    if zero_shot:
        model = probe
    elif getattr(final, "refit_on_validation", False) and hasattr(probe, "refit"):
        # the same model fit(train, validation) gives, without training the train-only boosters twice
        model = probe.refit(windows.train, windows.validation)
    else:
        model = final.fit(windows.train, windows.validation)
    fit_seconds = time.perf_counter() - started
    hourly = _hourly_runs(probe, windows, VALIDATION, config)
    result = _finish(name, model, fit_seconds, val_runs, naive_val, naive_test, windows, config, base, hourly)
    if (VALIDATION, PLANT_PLAN) in hourly:
        run = hourly[(VALIDATION, PLANT_PLAN)]
        kept = run.loc[run["horizon"] <= KEPT_HOURLY_HORIZON].reset_index(drop=True)
        result.hourly_backtests = {VALIDATION: kept}
    return result


def _finish(
    name: str,
    model: Forecaster,
    fit_seconds: float,
    val_runs: Mapping[str, pd.DataFrame],
    naive_val: pd.DataFrame,
    naive_test: pd.DataFrame,
    windows: ForecastWindows,
    config: ForecastConfig,
    base: dict[str, Any],
    val_hourly: Mapping[tuple[str, str], pd.DataFrame] | None = None,
) -> ForecastResult:
    """Backtest the final model on the test origins in both plan regimes and score everything;
    ``val_runs``: the out-of-sample validation backtests by plan regime; ``val_hourly``: the same at
    hourly origins (by (split, plan)), if any; the test's hourly runs are made here."""
    started = time.perf_counter()
    test_run = backtest.rolling_origin_backtest(model, windows.frame, windows.test_origins, config.horizon)
    predict_ms = (time.perf_counter() - started) / len(windows.test_origins) * 1e3
    test_runs = {
        PLANT_PLAN: test_run,
        DERIVED_PLAN: backtest.rolling_origin_backtest(
            model, windows.frame, windows.test_origins, config.horizon, DERIVED_PLAN
        ),
    }
    runs = {(VALIDATION, p): r for p, r in val_runs.items()} | {(TEST, p): r for p, r in test_runs.items()}
    naive = {VALIDATION: naive_val, TEST: naive_test}
    scores = {metrics_key(split, plan): score_run(run, naive[split]) for (split, plan), run in runs.items()}
    log.info("%s: validation %s test %s", name, scores[VALIDATION], scores[TEST])
    return ForecastResult(
        family=name,
        status=EVALUATED,
        model=model,
        params=model.params(),
        metrics=scores,
        fit_seconds=fit_seconds,
        predict_ms_per_forecast=predict_ms,
        model_size_bytes=saved_size_bytes(model.save),
        validation_backtest=val_runs[PLANT_PLAN],
        test_backtest=test_run,
        derived_plan_backtests={VALIDATION: val_runs[DERIVED_PLAN], TEST: test_runs[DERIVED_PLAN]},
        bands=_bands(runs, {**(val_hourly or {}), **_hourly_runs(model, windows, TEST, config)}),
        **base,
    )


def _blend(runs: Sequence[pd.DataFrame], ensemble: WeightedEnsembleForecaster) -> pd.DataFrame:
    """The ensemble's validation forecasts from its members' out-of-sample validation backtests."""
    keys = [backtest.ORIGIN, schema.TIMESTAMP]
    baselines = [c for c in (backtest.PERSISTENCE, backtest.SEASONAL_NAIVE) if c in runs[0]]
    out = runs[0][[*keys, "horizon", backtest.ACTUAL, *baselines]].copy()
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
    The members are the results' own final models (fitted as configured on train + validation, the
    same models a refit gives), not trained again; a result without one is fitted here.
    """
    config = config or ForecastConfig()
    base = {
        "quantiles": tuple(config.quantiles),
        "horizon": config.horizon,
        "device": resolve_device(config.device),
    }
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
    fitted = {r.family: r.model for r in best if r.model is not None}
    ensemble = WeightedEnsembleForecaster(candidates, quantiles=config.quantiles).fit(
        windows.train, windows.validation, fitted=fitted
    )
    refitted = [m.name for m in ensemble.members if m is not fitted.get(m.name)]
    if refitted:
        log.info("%s: members %s fitted again (no matching fitted model given)", ENSEMBLE, refitted)
    fit_seconds = time.perf_counter() - started
    val_runs = {}
    for plan in PLAN_REGIMES:
        by_name = {
            r.family: r.validation_backtest if plan == PLANT_PLAN else r.derived_plan_backtests[VALIDATION]
            for r in best
        }
        val_runs[plan] = _blend([by_name[m.name] for m in ensemble.members], ensemble)
    result = _finish(ENSEMBLE, ensemble, fit_seconds, val_runs, naive_val, naive_test, windows, config, base)
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
