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
    TARGET_HORIZON,
    Forecaster,
    check_horizon,
    quantile_column,
)

ORIGIN = "origin"
ACTUAL = "actual"


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
) -> pd.DataFrame:
    """Forecast from every origin and line the forecasts up with the actuals.

    Returns one row per origin x horizon: origin, timestamp, horizon, actual, mean and the quantile
    columns. Origins whose targets run past the end of ``frame`` are refused (a partial day would
    bias the scores towards short horizons).
    """
    check_horizon(horizon)
    if not origins:
        raise ValueError("no origins to backtest")
    actuals = frame.set_index(schema.TIMESTAMP)[schema.USAGE_KWH]
    covariates = frame[[schema.TIMESTAMP, schema.LOAD_TYPE]]
    last = frame[schema.TIMESTAMP].max()
    parts = []
    for origin in origins:
        origin = pd.Timestamp(origin)
        if origin + horizon * schema.INTERVAL > last:
            raise ValueError(f"origin {origin} + {horizon} intervals runs past the data ({last})")
        window = covariates.loc[
            (covariates[schema.TIMESTAMP] > origin)
            & (covariates[schema.TIMESTAMP] <= origin + horizon * schema.INTERVAL)
        ]
        forecast = forecaster.predict(frame, origin, horizon, future_covariates=window)
        forecast.insert(0, ORIGIN, origin)
        forecast.insert(3, ACTUAL, actuals.reindex(forecast[schema.TIMESTAMP]).to_numpy())
        parts.append(forecast)
    out = pd.concat(parts, ignore_index=True)
    if out[ACTUAL].isna().any():
        raise ValueError(f"{int(out[ACTUAL].isna().sum())} target(s) have no actual in the frame")
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
    lo, hi = quantile_column(0.1), quantile_column(0.9)
    if lo in merged and hi in merged:
        report["coverage_80"] = scores.coverage(actual, merged[lo], merged[hi])
    for col in _quantile_columns(merged):
        q = float(col[1:]) / 100
        report[f"pinball_{col}"] = scores.pinball_loss(actual, merged[col], q)
    return report


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
