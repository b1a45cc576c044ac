"""Rolling-origin backtest: the honest way to score a forecaster on the test period.

Each origin sees only rows with timestamp <= origin (the forecasters enforce it) and the planned
load_type of its targets (a known-future covariate, DESIGN.md §2). Scores compare a model with the
weekly seasonal naive on exactly the same (origin, target) pairs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from energy_assets.domain import scores
from energy_assets.domain.data import schema
from energy_assets.domain.models.forecast.base import (
    DEFAULT_HORIZON,
    MEAN,
    ORIGIN,
    PLANT_PLAN,
    TARGET_HORIZON,
    Forecaster,
    check_horizon,
    check_plan_regime,
    quantile_column,
)

ACTUAL = "actual"
#: Baseline columns of a backtest: the reading at the origin, and the reading a week before the target.
PERSISTENCE = "persistence"
SEASONAL_NAIVE = "seasonal_naive"
#: Horizon bands the hourly-origin tables score (name, first, last horizon in intervals).
HORIZON_BANDS: tuple[tuple[str, int, int], ...] = (
    ("15 min", 1, 1),
    ("1 h", 2, 4),
    ("4 h", 5, 16),
    ("12 h", 17, 48),
    ("24 h", 49, 96),
)


def daily_origins(
    frame: pd.DataFrame, start: pd.Timestamp | str, end: pd.Timestamp | str, hour: int = 0
) -> list[pd.Timestamp]:
    """One origin per day at ``hour``:00 between ``start`` and ``end`` (inclusive) that exist in the
    frame; an origin is the end of the last interval the forecast may see."""
    if not 0 <= hour <= 23:
        raise ValueError(f"hour must be 0..23, got {hour}")
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    first = start.normalize() + pd.Timedelta(hours=hour)
    if first < start:
        first += pd.Timedelta(days=1)
    candidates = pd.date_range(first, end, freq="D")
    present = pd.DatetimeIndex(frame[schema.TIMESTAMP])
    return [ts for ts in candidates if ts in present]


def rolling_origin_backtest(
    forecaster: Forecaster,
    frame: pd.DataFrame,
    origins: Sequence[pd.Timestamp],
    horizon: int = DEFAULT_HORIZON,
    plan: str = PLANT_PLAN,
) -> pd.DataFrame:
    """Forecast from every origin and line the forecasts up with the actuals and two baselines.

    Returns one row per origin x horizon: origin, timestamp, horizon, actual, mean, the quantile
    columns, ``persistence`` (the reading at the origin) and ``seasonal_naive`` (the reading one week
    before the target, when that is at or before the origin). Origins whose targets run past the end of
    ``frame`` are refused (a partial day would bias the scores towards short horizons). ``plan``: the
    plan regime (:meth:`Forecaster.predict_origins`).
    """
    check_horizon(horizon)
    check_plan_regime(plan)
    if not origins:
        raise ValueError("no origins to backtest")
    origins = [pd.Timestamp(o) for o in origins]
    last = frame[schema.TIMESTAMP].max()
    for origin in origins:
        if origin + horizon * schema.INTERVAL > last:
            raise ValueError(f"origin {origin} + {horizon} intervals runs past the data ({last})")
    out = forecaster.predict_origins(frame, origins, horizon, plan)
    actuals = frame.set_index(schema.TIMESTAMP)[schema.USAGE_KWH]
    out.insert(3, ACTUAL, actuals.reindex(out[schema.TIMESTAMP]).to_numpy())
    if out[ACTUAL].isna().any():
        raise ValueError(f"{int(out[ACTUAL].isna().sum())} target(s) have no actual in the frame")
    out[PERSISTENCE] = actuals.reindex(out[ORIGIN]).to_numpy()
    week_ago = out[schema.TIMESTAMP] - 7 * schema.INTERVALS_PER_DAY * schema.INTERVAL
    seen = (week_ago <= out[ORIGIN]).to_numpy()
    out[SEASONAL_NAIVE] = np.where(seen, actuals.reindex(week_ago).to_numpy(), np.nan)
    return out


def _quantile_columns(results: pd.DataFrame) -> list[str]:
    return [c for c in results.columns if c.startswith("q") and c[1:].replace(".", "", 1).isdigit()]


def backtest_report(results: pd.DataFrame, naive_results: pd.DataFrame) -> dict[str, Any]:
    """RMSE, MAE, MASE (MAE over the naive's MAE on the same points), the naive's own scores, the
    RMSE ratio to the naive, coverage of the 10–90 % interval, mean pinball loss per quantile."""
    keys = [ORIGIN, schema.TIMESTAMP]
    merged = results.merge(
        naive_results[[*keys, MEAN]].rename(columns={MEAN: "naive"}), on=keys, how="inner", validate="1:1"
    )
    if len(merged) != len(results):
        raise ValueError(
            f"naive results cover {len(merged)} of {len(results)} forecast points: compare on the same origins"
        )
    actual, mean, naive = merged[ACTUAL], merged[MEAN], merged["naive"]
    report: dict[str, Any] = {
        "rmse": scores.rmse(actual, mean),
        "mae": scores.mae(actual, mean),
        "mase": scores.mase(actual, mean, naive),
        "naive_rmse": scores.rmse(actual, naive),
        "naive_mae": scores.mae(actual, naive),
        "n_origins": int(merged[ORIGIN].nunique()),
        "n_points": len(merged),
        "horizon": int(merged[TARGET_HORIZON].max()),
    }
    report["rmse_ratio"] = report["rmse"] / report["naive_rmse"]
    if PERSISTENCE in merged:
        report["persistence_rmse"] = scores.rmse(actual, merged[PERSISTENCE])
        report["persistence_mae"] = scores.mae(actual, merged[PERSISTENCE])
        report["rmse_ratio_persistence"] = report["rmse"] / report["persistence_rmse"]
    report.update(probabilistic_report(merged))
    return report


def probabilistic_report(results: pd.DataFrame) -> dict[str, Any]:
    """Scores of the quantile columns: pinball loss per quantile, CRPS (from the quantiles), coverage
    of the central 50 % and 80 % intervals, crossing rows (0 for a valid forecast) and the
    reliability points (share of actuals at or below each quantile, ``below_q10`` ...)."""
    columns = _quantile_columns(results)
    if not columns:
        return {}
    levels = [float(c[1:]) / 100 for c in columns]
    order = np.argsort(levels)
    levels = [levels[k] for k in order]
    columns = [columns[k] for k in order]
    actual = results[ACTUAL].to_numpy(dtype=float)
    qv = results[columns].to_numpy(dtype=float)
    report: dict[str, Any] = {"crossings": scores.quantile_crossings(qv)}
    for col, q in zip(columns, levels, strict=True):
        report[f"pinball_{col}"] = scores.pinball_loss(actual, results[col], q)
    if len(levels) >= 3:
        report["crps"] = scores.crps_from_quantiles(actual, qv, levels)
    for width, key in ((0.8, "coverage_80"), (0.5, "coverage_50")):
        try:
            lo, hi = scores.central_interval(qv, levels, width)
        except ValueError:
            continue
        report[key] = float(np.mean((actual >= lo) & (actual <= hi)))
    for q, share in scores.reliability(actual, qv, levels).items():
        report[f"below_{quantile_column(q)}"] = share
    return report


def band_report(results: pd.DataFrame, bands: Sequence[tuple[str, int, int]] = HORIZON_BANDS) -> pd.DataFrame:
    """RMSE, MAE and their ratios to the weekly seasonal naive (MASE = MAE ratio) and to persistence,
    per horizon band, on a backtest with baseline columns (:func:`rolling_origin_backtest`); bands
    beyond the backtest's horizon are left out."""
    h = results[TARGET_HORIZON].to_numpy()
    rows = []
    for name, first, last in bands:
        part = results.loc[(h >= first) & (h <= last)]
        if part.empty:
            continue
        actual = part[ACTUAL].to_numpy(dtype=float)
        row: dict[str, Any] = {"band": name, "horizon_from": first, "horizon_to": last, "n": len(part)}
        row["n_origins"] = int(part[ORIGIN].nunique())
        row["rmse"] = scores.rmse(actual, part[MEAN])
        row["mae"] = scores.mae(actual, part[MEAN])
        naive = part[SEASONAL_NAIVE].to_numpy(dtype=float)
        if not np.isnan(naive).any():
            row["naive_rmse"] = scores.rmse(actual, naive)
            row["naive_mae"] = scores.mae(actual, naive)
            row["rmse_ratio"] = row["rmse"] / row["naive_rmse"]
            row["mase"] = row["mae"] / row["naive_mae"]
        row["persistence_rmse"] = scores.rmse(actual, part[PERSISTENCE])
        row["persistence_mae"] = scores.mae(actual, part[PERSISTENCE])
        row["rmse_ratio_persistence"] = row["rmse"] / row["persistence_rmse"]
        row["mae_ratio_persistence"] = row["mae"] / row["persistence_mae"]
        lo, hi = quantile_column(0.1), quantile_column(0.9)
        if lo in part and hi in part:
            row["coverage_80"] = scores.coverage(actual, part[lo], part[hi])
        rows.append(row)
    return pd.DataFrame(rows)


def scores_by_horizon(results: pd.DataFrame, buckets: int = 4) -> pd.DataFrame:
    """RMSE and MAE per horizon bucket (e.g. 6-hour quarters of the day ahead): where the skill fades."""
    h = results[TARGET_HORIZON].to_numpy()
    edges = np.linspace(0, h.max(), buckets + 1)
    bucket = np.digitize(h, edges[1:-1], right=True)
    err = (results[ACTUAL] - results[MEAN]).to_numpy()
    frame = pd.DataFrame({"bucket": bucket, "sq": err**2, "abs": np.abs(err)})
    grouped = frame.groupby("bucket").agg(rmse=("sq", "mean"), mae=("abs", "mean"), n=("sq", "size"))
    grouped["rmse"] = np.sqrt(grouped["rmse"])
    grouped["horizon_from"] = (edges[grouped.index] + 1).astype(int)
    grouped["horizon_to"] = edges[grouped.index + 1].astype(int)
    return grouped.reset_index(drop=True)[["horizon_from", "horizon_to", "rmse", "mae", "n"]]


def origins_in_test_window(
    frame: pd.DataFrame, test: pd.DataFrame, horizon: int = DEFAULT_HORIZON, hour: int = 0
) -> list[pd.Timestamp]:
    """Daily origins whose whole horizon lies in the test window (the first one may be the last
    timestamp before it: forecasting the first test day is fair game)."""
    first = test[schema.TIMESTAMP].min() - schema.INTERVAL
    last = test[schema.TIMESTAMP].max() - horizon * schema.INTERVAL
    return daily_origins(frame, first, last, hour=hour)


def hourly_origins(
    frame: pd.DataFrame,
    window: pd.DataFrame,
    horizon: int = DEFAULT_HORIZON,
    hours: Sequence[int] = tuple(range(24)),
) -> list[pd.Timestamp]:
    """Origins at each of ``hours`` (h:00) of every day whose whole horizon lies in ``window``
    (:func:`origins_in_test_window` per hour), in time order."""
    out: list[pd.Timestamp] = []
    for hour in hours:
        out += origins_in_test_window(frame, window, horizon, hour)
    return sorted(out)


def band_report_by_hour(
    results: pd.DataFrame, bands: Sequence[tuple[str, int, int]] = HORIZON_BANDS
) -> pd.DataFrame:
    """:func:`band_report` of all origins pooled (``origin_hour`` NaN) and of each origin hour."""
    parts = [band_report(results, bands).assign(origin_hour=np.nan)]
    hour = pd.DatetimeIndex(results[ORIGIN]).hour
    for h in sorted(set(hour)):
        parts.append(band_report(results.loc[hour == h], bands).assign(origin_hour=float(h)))
    return pd.concat(parts, ignore_index=True)
