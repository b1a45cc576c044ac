"""The forecast quality table: every forecaster x origin hour x horizon band x plan regime, as JSON.

Reads the forecast results the last ``make run`` / ``energy run`` wrote to the model store
(``<data dir>/models/forecast_*``: fitted models, their daily 00:00 backtests and scores), then adds:

- (``--parts store``) **hourly origins** (00:00..23:00, every ``--hour-step`` hours) on the test window for each stored
  model (fitted on train + validation), and on the validation window for train-only twins fitted here
  (``--validation-families``; the stored models have seen validation), in both plan regimes
  (``plant``: the plant's load_type sent; ``derived``: none, the calendar plan), scored by horizon
  band (15 min, 1 h, 4 h, 12 h, 24 h) against the weekly seasonal naive and persistence;
- (``--parts validation``) **the nowcast** (``NowcastForecaster``, horizons 1..16) fitted here on train (calibrated on
  validation) and refit on train + validation, its bands chosen on validation by
  :func:`~energy_assets.domain.models.forecast.nowcast.intraday_bands`, and the 15-min-ahead MAE over
  every test interval against persistence, the day-ahead models and the published 4.22 kWh anchor;
- (``--parts refit``, on demand, not in the default parts) **the product's own protocol**: each
  ``--refit-families`` family refit every ``--refit-every`` test origins (a week) on an expanding window
  (:func:`~energy_assets.domain.training.refit.expanding_refit_backtest`), scored like the fixed fit on
  the same origins, in both plan regimes, beside the fixed-fit model of the same run (about 40 CPU s
  per refit with one tree thread, 13 refits per family);
- **costs**: fit seconds (from the run), batch predict ms per forecast, and the in-process CPU of one
  served 24 h forecast (``predict`` on the champion bundle's 35 days of history), side by side.

Writes ``<data dir>/benchmarks/forecast.json`` (and its main tables as ``forecast.md``). Not imported by the tests; run it after ``make run``:

    nice .venv/bin/python benchmarks/forecast.py
    nice .venv/bin/python benchmarks/forecast.py --hour-step 3 --skip-nowcast   # quicker
    nice .venv/bin/python benchmarks/forecast.py --parts refit   # the weekly-refit backtest only
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import platform
import time
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd

from energy_assets.domain import paths
from energy_assets.domain.data import cleaning, frames, ingest, schema
from energy_assets.domain.features import splits
from energy_assets.domain.models.forecast import IntradayForecaster, NowcastForecaster, backtest
from energy_assets.domain.models.forecast.base import PLAN_REGIMES, Forecaster
from energy_assets.domain.models.forecast.nowcast import NOWCAST_HORIZON, intraday_bands
from energy_assets.domain.tasks import TEST, VALIDATION
from energy_assets.domain.training import champion, leaderboard, refit, result_store
from energy_assets.domain.training.forecast import (
    ENSEMBLE,
    FOUNDATION_FORECASTERS,
    ForecastConfig,
    evaluate_forecaster,
    forecast_windows,
    make_forecaster,
)
from energy_assets.domain.training.results import ForecastResult

REFERENCE = "steel_industry_data.csv"
STORE_KEYS = {
    "seasonal_naive": "forecast_seasonal_naive",
    "lightgbm_quantile": "forecast_lightgbm_quantile",
    "xgboost_quantile": "forecast_xgboost_quantile",
    "profile_blend": "forecast_profile_blend",
    "chronos": "forecast_chronos",
    "timesfm": "forecast_timesfm",
    ENSEMBLE: "forecast_ensemble",
}
#: The published 15-min-ahead MAE anchor (kWh) the nowcast is compared with.
NOWCAST_ANCHOR_MAE = 4.22
HISTORY_DAYS = 35


def _clean(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [_clean(r) for r in frame.to_dict(orient="records")]


def load_results(store: str) -> list[ForecastResult]:
    """The stored forecast results (families missing from the store are left out, and said)."""
    root = paths.resolve(store)
    out = []
    for family, key in STORE_KEYS.items():
        folder = root / key
        if not (folder / result_store.RESULT_FILE).exists():
            print(f"{folder} has no stored result (run `make run` first): {family} left out", flush=True)
            continue
        out.append(result_store.load_result(folder))
    if not out:
        raise SystemExit(f"no stored forecast results under {root}")
    return out


def hourly_bands(
    model: Forecaster, frame: pd.DataFrame, window: pd.DataFrame, hours: list[int], split: str, horizon: int
) -> tuple[pd.DataFrame, dict[str, pd.DataFrame], float]:
    """Band scores by origin hour in both plan regimes; the backtests; predict ms per forecast."""
    origins = backtest.hourly_origins(frame, window, horizon, hours)
    parts, runs, seconds = [], {}, 0.0
    for plan in PLAN_REGIMES:
        started = time.perf_counter()
        run = backtest.rolling_origin_backtest(model, frame, origins, horizon, plan)
        seconds += time.perf_counter() - started
        runs[plan] = run
        part = backtest.band_report_by_hour(run)
        part.insert(0, "plan", plan)
        part.insert(0, "split", split)
        part.insert(0, "model", model.name)
        parts.append(part)
    return pd.concat(parts, ignore_index=True), runs, seconds / (2 * len(origins)) * 1e3


def served_cpu_ms(
    model: Forecaster,
    frame: pd.DataFrame,
    repeats: int,
    horizon: int = schema.INTERVALS_PER_DAY,
    origin: pd.Timestamp | None = None,
) -> dict[str, float]:
    """In-process CPU (process_time) and wall ms of one served forecast (default: 24 h from the last
    reading) on the 35 days of history up to the origin (what the champion bundle ships), one tree
    thread."""
    origin = frame[schema.TIMESTAMP].max() if origin is None else origin
    stamps = frame[schema.TIMESTAMP]
    history = frame[(stamps > origin - pd.Timedelta(days=HISTORY_DAYS)) & (stamps <= origin)]
    history = history.reset_index(drop=True)
    model.set_prediction_threads(1)
    model.predict(history, origin, horizon)  # warm-up
    cpu, wall = [], []
    for _ in range(repeats):
        c0, w0 = time.process_time(), time.perf_counter()
        model.predict(history, origin, horizon)
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - w0)
    return {
        "cpu_ms_median": float(np.median(cpu) * 1e3),
        "wall_ms_median": float(np.median(wall) * 1e3),
        "horizon": horizon,
        "origin": str(origin),
    }


def nowcast_section(
    clean: pd.DataFrame,
    windows: Any,
    config: ForecastConfig,
    day_ahead: dict[str, Forecaster],
    hours: list[int],
) -> tuple[dict[str, Any], pd.DataFrame, NowcastForecaster]:
    """Fit the nowcast (train, calibrated on validation), choose its bands on validation against the
    best day-ahead twin, refit on train + validation, score the test window."""
    started = time.process_time()
    probe = NowcastForecaster(
        quantiles=config.quantiles, seed=config.seed, n_jobs=config.n_jobs, refit_on_validation=False
    ).fit(windows.train, windows.validation)
    final = probe.refit(windows.train, windows.validation)
    fit_cpu = time.process_time() - started
    frame = windows.frame
    val_origins = backtest.hourly_origins(frame, windows.validation, NOWCAST_HORIZON, hours)
    now_val = backtest.rolling_origin_backtest(probe, frame, val_origins, NOWCAST_HORIZON)
    chosen: dict[str, list[str]] = {}
    for name, model in day_ahead.items():
        day_val = backtest.rolling_origin_backtest(model, frame, val_origins, NOWCAST_HORIZON)
        chosen[name] = intraday_bands(day_val, now_val, frame)
    parts = []
    for split, model, window in ((VALIDATION, probe, windows.validation), (TEST, final, windows.test)):
        origins = backtest.hourly_origins(frame, window, NOWCAST_HORIZON, hours)
        run = backtest.rolling_origin_backtest(model, frame, origins, NOWCAST_HORIZON)
        part = backtest.band_report_by_hour(run)
        part.insert(0, "plan", "plant")
        part.insert(0, "split", split)
        part.insert(0, "model", model.name)
        parts.append(part)
    # 15 min ahead from every test interval (the published anchor's protocol)
    every = [
        ts
        for ts in frame[schema.TIMESTAMP]
        if windows.test[schema.TIMESTAMP].min() - schema.INTERVAL <= ts < windows.test[schema.TIMESTAMP].max()
    ]
    step = {}
    run = backtest.rolling_origin_backtest(final, frame, every, 1)
    step["nowcast"] = float(np.mean(np.abs(run[backtest.ACTUAL] - run["mean"])))
    step["persistence"] = float(np.mean(np.abs(run[backtest.ACTUAL] - run[backtest.PERSISTENCE])))
    step["seasonal_naive"] = float(np.mean(np.abs(run[backtest.ACTUAL] - run[backtest.SEASONAL_NAIVE])))
    for name, model in day_ahead.items():
        if name in FOUNDATION_FORECASTERS:
            continue
        r = backtest.rolling_origin_backtest(model, frame, every, 1)
        step[name] = float(np.mean(np.abs(r[backtest.ACTUAL] - r["mean"])))
    section = {
        "fit_cpu_seconds": fit_cpu,
        "bands_chosen_on_validation": chosen,
        "mae_15min_every_test_interval": step,
        "n_test_intervals": len(every),
        "published_anchor_mae_15min": NOWCAST_ANCHOR_MAE,
        "rule": "served (IntradayForecaster) at origins whose last interval is Medium/Maximum load, for "
        "the bands the nowcast won on validation RMSE at those origins; the day-ahead model elsewhere",
    }
    return section, pd.concat(parts, ignore_index=True), final


def _table(rows: list[dict[str, Any]], columns: list[tuple[str, str, int]]) -> str:
    """A GitHub table of ``rows`` with (key, header, digits) columns; None prints as an en dash."""
    lines = ["| " + " | ".join(h for _, h, _ in columns) + " |"]
    lines.append("|" + "|".join("---" if d < 0 else "---:" for _, _, d in columns) + "|")
    for row in rows:
        cells = []
        for key, _, digits in columns:
            value = row.get(key)
            if value is None:
                cells.append("–")
            elif isinstance(value, float) and digits >= 0:
                cells.append(f"{value:.{digits}f}")
            else:
                cells.append(str(value))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def markdown(out: dict[str, Any]) -> str:
    """The JSON's main tables as markdown (what docs/forecasting.md quotes)."""
    board = [r for r in out.get("leaderboard_daily", []) if r.get("rmse") is not None]
    parts = [
        "Daily 00:00 origins (the training assets' protocol):",
        "",
        _table(
            board,
            [
                ("model", "model", -1),
                ("split", "split", -1),
                ("plan", "plan", -1),
                ("rmse", "RMSE", 3),
                ("mae", "MAE", 3),
                ("rmse_ratio", "RMSE / naive", 4),
                ("mase", "MASE", 4),
                ("rmse_ratio_persistence", "RMSE / persistence", 3),
                ("coverage_50", "cov 50", 3),
                ("coverage_80", "cov 80", 3),
                ("crps", "CRPS", 3),
                ("crossings", "crossings", 0),
            ],
        ),
        "",
        "Pinball loss per decile (daily origins):",
        "",
        _table(
            board,
            [("model", "model", -1), ("split", "split", -1), ("plan", "plan", -1)]
            + [(f"pinball_q{k}0", f"q{k}0", 3) for k in range(1, 10)],
        ),
    ]
    hourly = [
        r
        for key in ("bands_hourly_validation", "bands_hourly_test", "bands_hourly_nowcast")
        for r in out.get(key, [])
        if r.get("origin_hour") is None
    ]
    band_cols = [
        ("model", "model", -1),
        ("split", "split", -1),
        ("plan", "plan", -1),
        ("band", "band", -1),
        ("n_origins", "origins", 0),
        ("rmse", "RMSE", 3),
        ("mae", "MAE", 3),
        ("rmse_ratio", "RMSE / naive", 3),
        ("mase", "MASE", 3),
        ("rmse_ratio_persistence", "RMSE / pers.", 3),
        ("mae_ratio_persistence", "MAE / pers.", 3),
        ("coverage_80", "cov 80", 3),
    ]
    parts += ["", "Hourly origins, all hours pooled, by horizon band:", "", _table(hourly, band_cols)]
    daily = [r for r in out.get("bands_daily", []) if r.get("origins", "daily") == "daily"]
    parts += ["", "Daily 00:00 origins by horizon band:", "", _table(daily, band_cols)]
    if out.get("nowcast"):
        now = out["nowcast"]
        step = [{"model": k, "mae": v} for k, v in now["mae_15min_every_test_interval"].items()]
        parts += [
            "",
            f"15-min-ahead MAE over every test interval ({now['n_test_intervals']} origins; published "
            f"anchor {now['published_anchor_mae_15min']}):",
            "",
            _table(step, [("model", "model", -1), ("mae", "MAE (kWh)", 3)]),
            "",
            f"Nowcast bands chosen on validation: {now['bands_chosen_on_validation']}",
        ]
    refit_rows = [
        {
            "model": family,
            "protocol": protocol,
            "plan": "derived" if key.endswith("_derived_plan") else "plant",
            **sc,
        }
        for family, part in out.get("weekly_refit", {}).items()
        for protocol, by_key in part["scores"].items()
        for key, sc in by_key.items()
    ]
    if refit_rows:
        parts += [
            "",
            "Test origins, weekly expanding-window refit (the product's protocol) beside the fixed fit of "
            "the same run:",
            "",
            _table(
                refit_rows,
                [
                    ("model", "model", -1),
                    ("protocol", "protocol", -1),
                    ("plan", "plan", -1),
                    ("rmse", "RMSE", 3),
                    ("mae", "MAE", 3),
                    ("rmse_ratio", "RMSE / naive", 4),
                    ("mase", "MASE", 4),
                    ("coverage_50", "cov 50", 3),
                    ("coverage_80", "cov 80", 3),
                    ("crps", "CRPS", 3),
                    ("crossings", "crossings", 0),
                ],
            ),
        ]
    served = [
        {"model": k, **v}
        for key in ("served_forecast", "served_forecast_validation_part")
        for k, v in out.get(key, {}).items()
    ]
    parts += [
        "",
        "Served forecast (in-process, 1 tree thread, 35-day history):",
        "",
        _table(
            served,
            [("model", "model", -1), ("cpu_ms_median", "CPU ms", 2), ("wall_ms_median", "wall ms", 2)],
        ),
    ]
    return "\n".join(parts) + "\n"


def _store_part(args: Any, frame: pd.DataFrame, windows: Any, hours: list[int]) -> dict[str, Any]:
    """The stored (make run) models: daily leaderboard and bands, hourly test bands, costs, serving."""
    results = load_results(args.store)
    evaluated = [r for r in results if r.evaluated and r.model is not None]
    hourly_parts, costs = [], {}
    for result in evaluated:
        part, _, ms = hourly_bands(result.model, frame, windows.test, hours, TEST, schema.INTERVALS_PER_DAY)
        hourly_parts.append(part)
        costs[result.family] = {
            "fit_seconds_in_run": result.fit_seconds,
            "predict_ms_per_forecast_daily_backtest": result.predict_ms_per_forecast,
            "predict_ms_per_forecast_hourly_backtest": ms,
            "model_size_bytes": result.model_size_bytes,
        }
        print(f"test hourly {result.family}: {ms:.2f} ms/forecast", flush=True)
    served = {}
    busy = frame.loc[frame[schema.LOAD_TYPE] != "Light_Load", schema.TIMESTAMP].max()
    for result in evaluated:
        if result.family in ("lightgbm_quantile", "xgboost_quantile", "profile_blend", "seasonal_naive"):
            served[result.family] = served_cpu_ms(result.model, frame, args.repeats)
            served[f"{result.family}_at_operating_origin"] = served_cpu_ms(
                result.model, frame, args.repeats, origin=busy
            )
    return {
        "leaderboard_daily": leaderboard.to_json_records(
            leaderboard.leaderboard_rows([], results, cubist_anchor=None)
        ),
        "bands_daily": _records(leaderboard.band_rows(results)),
        "bands_hourly_test": _records(pd.concat(hourly_parts, ignore_index=True)),
        "costs": _clean(costs),
        "served_forecast": served,
    }


def _validation_part(
    args: Any, clean: pd.DataFrame, windows: Any, config: ForecastConfig, hours: list[int]
) -> dict[str, Any]:
    """Train-only twins on hourly validation origins, then the nowcast (its bands chosen against
    the twins) with its served cost and the intraday switch's."""
    frame = windows.frame
    hourly_parts, twins = [], {}
    for family in [f for f in args.validation_families.split(",") if f]:
        started = time.process_time()
        if family == "seasonal_naive":
            twin = make_forecaster(family, config).fit(windows.train)
        else:
            twin = make_forecaster(family, config, refit_on_validation=False).fit(
                windows.train, windows.validation
            )
        twins[family] = twin
        part, _, _ = hourly_bands(
            twin, frame, windows.validation, hours, VALIDATION, schema.INTERVALS_PER_DAY
        )
        hourly_parts.append(part)
        print(f"validation hourly {family}: {time.process_time() - started:.1f} CPU s", flush=True)
    out: dict[str, Any] = {"bands_hourly_validation": _records(pd.concat(hourly_parts, ignore_index=True))}
    if args.skip_nowcast:
        return out
    day_ahead = {k: v for k, v in twins.items() if k != "seasonal_naive"}
    nowcast, part, final = nowcast_section(clean, windows, config, day_ahead, hours)
    busy = frame.loc[frame[schema.LOAD_TYPE] != "Light_Load", schema.TIMESTAMP].max()
    served = {"nowcast_16_steps": served_cpu_ms(final, frame, args.repeats, NOWCAST_HORIZON, busy)}
    for family, day in day_ahead.items():
        bands = nowcast["bands_chosen_on_validation"].get(family)
        if bands:
            intraday = IntradayForecaster(day_ahead=day, nowcast=final, bands=bands)
            served[f"intraday_{family}_twin_at_operating_origin"] = served_cpu_ms(
                intraday, frame, args.repeats, origin=busy
            )
            served[f"{family}_twin_at_operating_origin"] = served_cpu_ms(
                day, frame, args.repeats, origin=busy
            )
    out["nowcast"] = _clean(nowcast)
    out["bands_hourly_nowcast"] = _records(part)
    out["served_forecast_validation_part"] = served
    return out


REFIT_SCORES = (
    "rmse",
    "mae",
    "rmse_ratio",
    "mase",
    "rmse_ratio_persistence",
    "coverage_50",
    "coverage_80",
    "crps",
    "crossings",
    "n_origins",
)


def _refit_part(args: Any, windows: Any, config: ForecastConfig) -> dict[str, Any]:
    """Each ``--refit-families`` family refit weekly on an expanding window over the test origins,
    beside its fixed fit (the first refit's model, which is the fixed protocol's) from the same run."""
    out: dict[str, Any] = {}
    for family in [f for f in args.refit_families.split(",") if f]:
        started = time.process_time()
        wall = time.perf_counter()

        def progress(fit: refit.RefitFit, family: str = family) -> None:
            print(
                f"refit {family} up to {fit.cut} ({fit.train_rows}+{fit.validation_rows} rows): {fit.fit_cpu_seconds:.1f} CPU s",
                flush=True,
            )

        result = refit.expanding_refit_backtest(
            family, windows, config, every=args.refit_every, progress=progress
        )
        scores = result.scores()
        out[family] = {
            "refit_every_origins": result.every,
            "origins": len(windows.test_origins),
            "refits": len(result.fits),
            "scores": _clean(
                {
                    protocol: {
                        key: {k: v for k, v in s.items() if k in REFIT_SCORES or k.startswith("pinball_")}
                        for key, s in by_key.items()
                    }
                    for protocol, by_key in scores.items()
                }
            ),
            "blocks": _records(result.blocks().assign(cut=lambda d: d["cut"].astype(str))),
            "fits": [
                {
                    "cut": str(f.cut),
                    "n_origins": f.n_origins,
                    "train_rows": f.train_rows,
                    "validation_rows": f.validation_rows,
                    "fit_cpu_seconds": f.fit_cpu_seconds,
                }
                for f in result.fits
            ],
            "cpu_seconds": time.process_time() - started,
            "wall_seconds": time.perf_counter() - wall,
            "n_jobs": config.n_jobs,
            "load_after": os.getloadavg(),
        }
        print(f"refit {family}: {json.dumps(out[family]['scores'])}", flush=True)
    return {
        "weekly_refit": out,
        "weekly_refit_protocol": (
            f"test origins in blocks of {args.refit_every}; each block's model fitted on every reading up to "
            "the block's first origin (validation tail: the last len(validation) rows; final model refit on "
            "train part + tail); 'fixed' is the first block's model (fitted on train + validation, the "
            "fixed protocol's) on every origin; scores against the weekly seasonal naive on the same origins"
        ),
    }


def _fit_part(args: Any, clean: pd.DataFrame, split_frame: pd.DataFrame, config: ForecastConfig) -> None:
    """Evaluate ``--fit-families`` exactly as the training assets do (daily origins, both plan
    regimes) and write their results to ``--store`` in the model store's layout: a stand-in for the
    make-run store when only some families are wanted."""
    root = paths.resolve(args.store)
    for family in [f for f in args.fit_families.split(",") if f]:
        started = time.process_time()
        result = evaluate_forecaster(family, clean, split_frame, config=config)
        result_store.save_result(result, root / STORE_KEYS[family])
        print(f"fit {family}: {time.process_time() - started:.1f} CPU s", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--store", default=str(paths.data_dir() / "models"))
    ap.add_argument("--hour-step", type=int, default=1, help="origin hours 0, step, 2*step, ... < 24")
    ap.add_argument(
        "--parts",
        default="store,validation",
        help="fit: evaluate --fit-families here into --store; store: the stored models on test; "
        "validation: train-only twins + the nowcast; refit: the weekly expanding-window refit "
        "backtest (on demand). A part not run keeps its figures from the JSON",
    )
    ap.add_argument(
        "--validation-families",
        default="seasonal_naive,lightgbm_quantile,profile_blend",
        help="families refit on train alone for the hourly validation table ('' for none)",
    )
    ap.add_argument("--skip-nowcast", action="store_true")
    ap.add_argument(
        "--fit-families",
        default="seasonal_naive,lightgbm_quantile,profile_blend",
        help="part 'fit': the families evaluated here and written to --store",
    )
    ap.add_argument("--refit-families", default="profile_blend", help="part 'refit': the families refit")
    ap.add_argument(
        "--refit-every", type=int, default=refit.REFIT_EVERY_ORIGINS, help="part 'refit': origins per refit"
    )
    ap.add_argument("--n-jobs", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=30, help="served-forecast timing repeats")
    ap.add_argument("--output", default=str(paths.data_dir() / "benchmarks" / "forecast.json"))
    ap.add_argument("--markdown-only", action="store_true", help="re-render forecast.md from the JSON")
    args = ap.parse_args()
    target = paths.resolve(args.output)
    if args.markdown_only:
        target.with_suffix(".md").write_text(markdown(json.loads(target.read_text())), encoding="utf-8")
        return
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    hours = list(range(0, 24, args.hour_step))
    parts = set(args.parts.split(","))
    cpu0 = time.process_time()

    raw_path = paths.raw_dir() / REFERENCE
    clean = cleaning.clean(ingest.read_raw(raw_path)).cleaned
    split_frame = splits.build_splits(clean)
    config = ForecastConfig(n_jobs=args.n_jobs)
    windows = forecast_windows(clean, split_frame, config)
    frame = frames.on_ns(windows.frame)

    # a part run now replaces its keys; the others keep what an earlier run wrote
    out: dict[str, Any] = json.loads(target.read_text()) if target.exists() else {}
    if "fit" in parts:
        _fit_part(args, clean, split_frame, config)
    if "store" in parts:
        out.update(_store_part(args, frame, windows, hours))
    if "validation" in parts:
        out.update(_validation_part(args, clean, windows, config, hours))
    if "refit" in parts:
        out.update(_refit_part(args, windows, config))
    cpu = dict(out.get("benchmark_cpu_seconds") or {})
    cpu[args.parts] = time.process_time() - cpu0
    out.update(
        {
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "data_version": champion.data_version(raw_path),
            "code_version": champion.code_version(),
            "machine": {
                "platform": platform.platform(),
                "cpu_count": os.cpu_count(),
                "load": os.getloadavg(),
            },
            "protocol": {
                "daily": "one origin per day at 00:00 over each window (the training assets' scores)",
                "hourly": f"origins at hours {hours} of every day of the window",
                "validation": "out of sample: twins fitted on train alone (calibrated on validation)",
                "test": "the stored models, fitted on train + validation",
                "plans": {
                    "plant": "the plant's own load_type sent",
                    "derived": "none sent: the calendar plan",
                },
                "bands": [list(b) for b in backtest.HORIZON_BANDS],
            },
            "benchmark_cpu_seconds": cpu,
        }
    )
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(out, indent=1, allow_nan=False) + "\n")
    target.with_suffix(".md").write_text(markdown(out), encoding="utf-8")
    print(f"wrote {target} ({cpu[args.parts]:.0f} CPU s)")


if __name__ == "__main__":
    main()
