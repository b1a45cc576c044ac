"""The day-ahead forecast: tomorrow's 96 intervals (plant time, Asia/Seoul) from the serving champion.

One function, :func:`issue`, is what both the Dagster asset that stores the official forecast and the
operator's on-demand call run. The plan of the target day (planned ``load_type`` per interval) is the
plant's production plan file where one covers an interval (``data/plan/``: CSV or Parquet with
``timestamp`` and ``load_type``), else the derived plan of ``models/forecast/plan.py`` (tariff clock
periods on operating days, Light_Load on Sundays and the closing holidays): one derivation, shared
with the forecasters. Each row records which was used.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import numpy as np
import pandas as pd

from energy_assets.domain.data import schema
from energy_assets.domain.models.forecast import plan as plans
from energy_assets.domain.models.forecast.base import MEAN, quantile_column

#: Columns of a stored forecast, in order (the quantile columns follow ``mean``).
ISSUED_AT = "issued_at"
FORECAST_DAY = "forecast_day"
TARGET = "target_timestamp"
HORIZON = "horizon"
PLANNED = "planned_load_type"
PLAN_SOURCE = "plan_source"
MODEL_VERSION = "model_version"
DATA_VERSION = "data_version"
PLAN_FILE, DERIVED = "plan_file", "derived"
PLAN_SUFFIXES = (".csv", ".parquet")


class DayAheadError(ValueError):
    """The forecast cannot be issued (one line naming what is missing)."""


def origin_of(day: dt.date | str | pd.Timestamp) -> pd.Timestamp:
    """The origin of ``day``'s forecast: the END of the previous day's last interval (``day`` 00:00)."""
    return pd.Timestamp(day).normalize()


def read_plans(folder: str | os.PathLike[str] | None) -> pd.DataFrame | None:
    """Every plan file of ``folder`` (files in name order, later files winning per interval), or None."""
    root = Path(folder) if folder else None
    if root is None or not root.is_dir():
        return None
    parts = []
    for path in sorted(p for p in root.iterdir() if p.suffix.lower() in PLAN_SUFFIXES and p.is_file()):
        frame = pd.read_parquet(path) if path.suffix.lower() == ".parquet" else pd.read_csv(path)
        missing = [c for c in (schema.TIMESTAMP, schema.LOAD_TYPE) if c not in frame.columns]
        if missing:
            raise DayAheadError(f"plan file {path.name} lacks the columns {missing}")
        bad = sorted(set(frame[schema.LOAD_TYPE]) - set(schema.LOAD_TYPES))
        if bad:
            raise DayAheadError(
                f"plan file {path.name}: load_type {bad[:3]} not one of {list(schema.LOAD_TYPES)}"
            )
        frame = frame[[schema.TIMESTAMP, schema.LOAD_TYPE]].copy()
        frame[schema.TIMESTAMP] = pd.to_datetime(frame[schema.TIMESTAMP])
        parts.append(frame)
    return pd.concat(parts, ignore_index=True) if parts else None


def issue(
    model,
    history: pd.DataFrame,
    day: dt.date | str | pd.Timestamp,
    *,
    planned: pd.DataFrame | None = None,
    model_version: str,
    data_version: str,
    issued_at: pd.Timestamp | None = None,
    from_latest: bool = False,
) -> pd.DataFrame:
    """``day``'s forecast from ``history`` (cleaned schema; rows after the origin are ignored): one row
    per target interval with the mean, the model's quantiles, the plan used and where it came from,
    the model and data versions.

    The origin is the end of the day before (``history`` must hold that interval), or, with
    ``from_latest`` (the evening issue, while the day before is still running), the latest reading
    of the day before: the model then forecasts the rest of that day too and ``horizon`` counts the
    intervals from that origin (e.g. 17..112 from 19:45)."""
    start = origin_of(day)
    stamps = pd.to_datetime(history[schema.TIMESTAMP])
    last = stamps.max()
    if (stamps == start).any():
        origin = start
    elif from_latest and ((stamps < start) & (stamps > start - pd.Timedelta(days=1))).any():
        origin = stamps[stamps < start].max()
    else:
        raise DayAheadError(
            f"no reading of the interval ending {start} (the readings end {last}): the day before "
            f"{start.date()} is not in yet"
            + ("" if not from_latest else "; an evening issue needs at least one reading of that day")
        )
    known = history.loc[stamps <= origin]
    lead = int((start - origin) / schema.INTERVAL)
    horizon = lead + schema.INTERVALS_PER_DAY
    full = plans.complete_plan(origin, horizon, planned)
    covariates = full[[schema.TIMESTAMP, schema.LOAD_TYPE]]
    result = model.predict(known, origin, horizon, future_covariates=covariates).iloc[lead:]
    full = full.iloc[lead:]
    quantiles = [quantile_column(q) for q in model.quantiles]
    out = pd.DataFrame(
        {
            ISSUED_AT: pd.Timestamp(issued_at or pd.Timestamp.now(tz="UTC").tz_localize(None)).floor("s"),
            FORECAST_DAY: pd.Timestamp(start.date()),
            TARGET: pd.to_datetime(result[schema.TIMESTAMP]).to_numpy(),
            HORIZON: np.arange(lead + 1, horizon + 1, dtype=np.int64),
            MEAN: result[MEAN].to_numpy(dtype=float),
            **{c: result[c].to_numpy(dtype=float) for c in quantiles},
            PLANNED: full[schema.LOAD_TYPE].to_numpy(),
            PLAN_SOURCE: np.where(full[plans.DERIVED].to_numpy(), DERIVED, PLAN_FILE),
            MODEL_VERSION: model_version,
            DATA_VERSION: data_version,
        }
    )
    if not np.isfinite(out[[MEAN, *quantiles]].to_numpy()).all():
        raise DayAheadError(f"the forecast of {start.date()} has gaps: the history lacks readings it needs")
    return out
