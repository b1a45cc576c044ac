"""The intraday nowcast as a training result, and the served switch it ships with the forecast champion.

:func:`evaluate_nowcast` fits the nowcast the way the boosted day-ahead families are fitted: a twin on
train alone (deciles calibrated on validation) is backtested out of sample at the hourly validation
origins, then refitted on train + validation (``refit``: the same model ``fit(train, validation)``
gives) and backtested at the hourly test origins (reported, never used to choose).

:func:`intraday_entry` is the one place the served rule is decided: it compares the day-ahead
champion's and the nowcast's out-of-sample validation backtests on the same hourly origins during the
operating day (:func:`~energy_assets.domain.models.forecast.nowcast.intraday_rule`); the champion
asset writes the result into the forecast bundle's card (``intraday``) beside the nowcast's native
save (``nowcast/``), and the API serves what the card says. The entry also records
(``served_15min``, :func:`served_15min`) the 15-minute-ahead MAE of what is served at those origins.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import pandas as pd

from energy_assets.domain import scores
from energy_assets.domain.data import schema
from energy_assets.domain.device import resolve_device
from energy_assets.domain.models.forecast import backtest
from energy_assets.domain.models.forecast.base import MEAN, PLANT_PLAN, TARGET_HORIZON
from energy_assets.domain.models.forecast.nowcast import (
    NOWCAST_HORIZON,
    NowcastForecaster,
    intraday_rule,
    operating_origin,
)
from energy_assets.domain.tasks import TEST, VALIDATION
from energy_assets.domain.training.forecast import (
    ForecastConfig,
    ForecastWindows,
    forecast_windows,
    make_forecaster,
)
from energy_assets.domain.training.results import EVALUATED, ForecastResult, saved_size_bytes

log = logging.getLogger(__name__)

NOWCAST = NowcastForecaster.name
#: The pipeline's nowcast trains from every second interval (horizons 1..16, four per origin): half
#: the rows of the benchmark's (every interval), to keep ``make run`` inside its budget.
PIPELINE_NOWCAST_PARAMS: dict[str, Any] = {"origin_step": 2}


def _operating(frame: pd.DataFrame, origins: list[pd.Timestamp]) -> list[pd.Timestamp]:
    """The origins whose interval (ending at the origin) is a Medium or Maximum load interval."""
    load = frame.set_index(schema.TIMESTAMP)[schema.LOAD_TYPE]
    return [o for o in origins if o in load.index and operating_origin(load.loc[o])]


def _scores(run: pd.DataFrame) -> dict[str, float]:
    err = run[backtest.ACTUAL] - run["mean"]
    rep = backtest.probabilistic_report(run)
    return {
        "rmse": float((err**2).mean() ** 0.5),
        "mae": float(err.abs().mean()),
        "mae_15min": float(err[run["horizon"] == 1].abs().mean()),
        "persistence_mae_15min": float(
            (run[backtest.ACTUAL] - run[backtest.PERSISTENCE])[run["horizon"] == 1].abs().mean()
        ),
        "coverage_80": float(rep["coverage_80"]),
        "crossings": float(rep["crossings"]),
        "n_origins": float(run[backtest.ORIGIN].nunique()),
    }


def evaluate_nowcast(
    clean_frame: pd.DataFrame,
    split_frame: pd.DataFrame,
    *,
    config: ForecastConfig | None = None,
    windows: ForecastWindows | None = None,
    params: dict[str, Any] | None = None,
) -> ForecastResult:
    """Fit the nowcast (train twin, then refit on train + validation) and backtest both at the hourly
    origins during the operating day (``config.hourly_origin_step``, default every third hour),
    horizons 1..16; ``validation_backtest`` is the twin's, the one :func:`intraday_entry` reads."""
    config = config or ForecastConfig(hourly_origin_step=3)
    if config.hourly_origin_step is None:
        config = ForecastConfig(**{**config.__dict__, "hourly_origin_step": 3})
    windows = windows or forecast_windows(clean_frame, split_frame, config)
    val_origins = _operating(windows.frame, windows.validation_hourly)
    test_origins = _operating(windows.frame, windows.test_hourly)
    if not val_origins or not test_origins:
        return ForecastResult(
            family=NOWCAST,
            status="not evaluated: no hourly origin during the operating day in a window",
            quantiles=tuple(config.quantiles),
            horizon=NOWCAST_HORIZON,
        )
    overrides = {**PIPELINE_NOWCAST_PARAMS, **(params or {})}
    twin = make_forecaster(NOWCAST, config, refit_on_validation=False, **overrides)
    twin.fit(windows.train, windows.validation)
    val_run = backtest.rolling_origin_backtest(twin, windows.frame, val_origins, NOWCAST_HORIZON, PLANT_PLAN)
    started = time.perf_counter()
    model = twin.refit(windows.train, windows.validation)
    fit_seconds = time.perf_counter() - started
    started = time.perf_counter()
    test_run = backtest.rolling_origin_backtest(
        model, windows.frame, test_origins, NOWCAST_HORIZON, PLANT_PLAN
    )
    predict_ms = (time.perf_counter() - started) / max(1, len(test_origins)) * 1e3
    metrics = {VALIDATION: _scores(val_run), TEST: _scores(test_run)}
    log.info("nowcast: validation %s test %s", metrics[VALIDATION], metrics[TEST])
    return ForecastResult(
        family=NOWCAST,
        status=EVALUATED,
        model=model,
        params=model.params(),
        metrics=metrics,
        fit_seconds=fit_seconds,
        predict_ms_per_forecast=predict_ms,
        model_size_bytes=saved_size_bytes(model.save),
        device=resolve_device(config.device),
        quantiles=tuple(config.quantiles),
        horizon=NOWCAST_HORIZON,
        validation_backtest=val_run,
        test_backtest=test_run,
        detail=f"hourly origins during the operating day: {len(val_origins)} validation, "
        f"{len(test_origins)} test",
    )


#: The published 15-minute-ahead anchor on this data (MAE, kWh), quoted beside the served figure.
PUBLISHED_15MIN_MAE = 4.22
SERVED_15MIN_KEY = "served_15min"


def served_15min(
    day_ahead: ForecastResult, nowcast: ForecastResult, rule: dict[str, Any], frame: pd.DataFrame
) -> dict[str, Any]:
    """The 15-minute-ahead (horizon 1) MAE of what ``/forecast`` serves under ``rule`` at the hourly
    origins during the operating day (every ``hourly_origin_step``-th hour whose interval is a Medium
    or Maximum load interval), beside persistence and the published anchor, per window: validation
    from out-of-sample twins (trained on train only), test from the served models. When the rule
    serves the nowcast at horizon 1 these are the nowcast's backtests; otherwise the day-ahead
    champion's (its hourly validation backtest; its hourly test backtest is not kept, so test is
    None then)."""
    by_nowcast = int(rule.get("horizons", 0)) >= 1
    out: dict[str, Any] = {
        "model": nowcast.family if by_nowcast else day_ahead.family,
        "origins": f"hourly origins during the operating day ({rule.get('origins', '')})",
        "plan": PLANT_PLAN,
        "published_anchor_mae": PUBLISHED_15MIN_MAE,
    }
    for split in (VALIDATION, TEST):
        if by_nowcast:
            metrics = (nowcast.metrics or {}).get(split) or {}
            out[split] = {
                "mae": metrics.get("mae_15min"),
                "persistence_mae": metrics.get("persistence_mae_15min"),
                "n_origins": metrics.get("n_origins"),
            }
            continue
        run = day_ahead.hourly_backtests.get(split)
        if run is not None:
            run = run.loc[run[TARGET_HORIZON] == 1]
            run = run.loc[run[backtest.ORIGIN].isin(_operating(frame, list(run[backtest.ORIGIN])))]
        if run is None or run.empty:
            out[split] = None
            continue
        out[split] = {
            "mae": scores.mae(run[backtest.ACTUAL], run[MEAN]),
            "persistence_mae": scores.mae(run[backtest.ACTUAL], run[backtest.PERSISTENCE]),
            "n_origins": float(run[backtest.ORIGIN].nunique()),
        }
    return out


def intraday_entry(
    day_ahead: ForecastResult, nowcast: ForecastResult, frame: pd.DataFrame
) -> dict[str, Any] | None:
    """The forecast card's ``intraday`` entry for serving ``nowcast`` in front of ``day_ahead`` (the
    champion), chosen on validation; None when either lacks what the comparison needs (no hourly
    validation backtest: ``hourly_origin_step`` off, or a family without one) or they answer
    different quantiles."""
    if not (day_ahead.evaluated and nowcast.evaluated) or nowcast.validation_backtest is None:
        return None
    hourly = day_ahead.hourly_backtests.get(VALIDATION)
    if hourly is None or hourly.empty or tuple(day_ahead.quantiles) != tuple(nowcast.quantiles):
        return None
    rule = intraday_rule(hourly, nowcast.validation_backtest, frame, day_ahead_family=day_ahead.family)
    if not rule["scores"]:
        return None
    rule[SERVED_15MIN_KEY] = served_15min(day_ahead, nowcast, rule, frame)
    return rule
