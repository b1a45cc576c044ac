"""How good the issued day-ahead forecasts were, once each day's actuals are in.

Per issued day (all 96 actuals in ``plant_readings``): RMSE and MAE (kWh per interval), MASE against
the weekly seasonal naive (the same interval a week before, from the readings), mean pinball loss over
the forecast's quantiles (kWh), and the coverage of the q10..q90 interval (%). Rolling figures over the
last 7 and 28 scored days pool their intervals (RMSE of all intervals, not a mean of daily RMSEs).
A day whose actuals are incomplete is not scored yet.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from energy_assets.domain import scores
from energy_assets.domain.data import schema
from energy_assets.domain.live import day_ahead
from energy_assets.domain.models.forecast.base import MEAN

WEEK = pd.Timedelta(days=7)
LOW, HIGH = "q10", "q90"
WINDOWS = (7, 28)
#: Rolling 7-day MASE past which the day-ahead forecast counts as degraded (the seasonal naive is 1).
DEFAULT_MASE_THRESHOLD = 1.2
METRICS = ("rmse_kwh", "mae_kwh", "mase", "pinball_kwh", "coverage_pct")
UNITS = {
    "rmse_kwh": "kWh per interval",
    "mae_kwh": "kWh per interval",
    "mase": "ratio to the weekly seasonal naive's MAE",
    "pinball_kwh": "kWh, mean over quantiles",
    "coverage_pct": "% of actuals inside q10..q90",
}
COLUMNS = (
    "forecast_day",
    "intervals",
    "model_version",
    *METRICS,
    *(f"{m}_{w}d" for w in WINDOWS for m in METRICS),
)


def _quantile_columns(frame: pd.DataFrame) -> list[tuple[float, str]]:
    out = []
    for column in frame.columns:
        if column.startswith("q") and column[1:].replace(".", "", 1).isdigit():
            out.append((float(column[1:]) / 100, column))
    return sorted(out)


def _score(rows: pd.DataFrame, quantiles: list[tuple[float, str]]) -> dict[str, float]:
    y, mean, naive = rows["actual"].to_numpy(), rows[MEAN].to_numpy(), rows["naive"].to_numpy()
    pinball = float(np.mean([scores.pinball_loss(y, rows[c].to_numpy(), q) for q, c in quantiles]))
    return {
        "rmse_kwh": scores.rmse(y, mean),
        "mae_kwh": scores.mae(y, mean),
        "mase": scores.mase(y, mean, naive),
        "pinball_kwh": pinball,
        "coverage_pct": 100.0 * scores.coverage(y, rows[LOW].to_numpy(), rows[HIGH].to_numpy())
        if LOW in rows and HIGH in rows
        else float("nan"),
    }


def score_forecasts(forecasts: pd.DataFrame, readings: pd.DataFrame) -> pd.DataFrame:
    """One row per issued day whose 96 actuals are in, with the day's and the rolling figures."""
    if forecasts.empty:
        return pd.DataFrame(columns=list(COLUMNS))
    usage = pd.Series(
        readings[schema.USAGE_KWH].to_numpy(dtype=float), index=pd.to_datetime(readings[schema.TIMESTAMP])
    )
    rows = forecasts.copy()
    targets = pd.to_datetime(rows[day_ahead.TARGET])
    rows["actual"] = usage.reindex(targets).to_numpy()
    rows["naive"] = usage.reindex(targets - WEEK).to_numpy()
    quantiles = _quantile_columns(rows)
    complete = rows.groupby(day_ahead.FORECAST_DAY)["actual"].transform(
        lambda s: s.notna().sum() == schema.INTERVALS_PER_DAY
    )
    rows = rows.loc[complete & rows["naive"].notna()]
    days = sorted(rows[day_ahead.FORECAST_DAY].unique())
    out = []
    for i, day in enumerate(days):
        today = rows.loc[rows[day_ahead.FORECAST_DAY] == day]
        record = {
            "forecast_day": pd.Timestamp(day),
            "intervals": len(today),
            "model_version": str(today[day_ahead.MODEL_VERSION].iloc[0]),
            **_score(today, quantiles),
        }
        for window in WINDOWS:
            pooled = rows.loc[rows[day_ahead.FORECAST_DAY].isin(days[max(0, i - window + 1) : i + 1])]
            record.update({f"{k}_{window}d": v for k, v in _score(pooled, quantiles).items()})
        out.append(record)
    return pd.DataFrame(out, columns=list(COLUMNS))


def degraded(accuracy: pd.DataFrame, threshold_mase: float, window: int = 7) -> bool:
    """The rolling MASE of the last scored day is past ``threshold_mase`` (a retrain reason)."""
    if accuracy.empty:
        return False
    return bool(accuracy[f"mase_{window}d"].iloc[-1] > threshold_mase)
