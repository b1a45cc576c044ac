"""What the foundation models are fed: a regular context window and known-future covariates."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from energy_assets.domain import calendar
from energy_assets.domain.data import schema
from energy_assets.domain.features.history import history_until

#: Known-future covariates derived from the interval START (load_type is defined by interval start).
HOUR_COVARIATE = "hour_of_day"
WEEKDAY_COVARIATE = "weekday"


def context_window(history: pd.DataFrame, origin: pd.Timestamp, length: int) -> pd.DataFrame:
    """The last ``length`` 15-minute intervals ending at ``origin`` on a regular grid.

    Missing intervals become NaN rows (both libraries treat NaN as missing), so a gap in the feed
    shifts nothing. Raises when the window holds no usage_kwh at all.
    """
    seen = history_until(history, origin)
    origin = pd.Timestamp(origin)
    grid = pd.date_range(end=origin, periods=int(length), freq=schema.INTERVAL)
    window = (
        seen.drop_duplicates(subset=schema.TIMESTAMP, keep="last")
        .set_index(schema.TIMESTAMP)
        .reindex(grid)
        .rename_axis(schema.TIMESTAMP)
        .reset_index()
    )
    first_valid = window[schema.USAGE_KWH].first_valid_index()
    if first_valid is None:
        raise ValueError(f"no usage_kwh in the {length} intervals before {origin}")
    # Leading rows before the first reading carry no information: drop them, keep inner gaps as NaN.
    return window.loc[first_valid:].reset_index(drop=True)


def calendar_covariates(timestamps: pd.Series | pd.DatetimeIndex) -> dict[str, np.ndarray]:
    """Hour of day (fractional) and weekday (Mon=0) of each interval's START, as float arrays."""
    start = calendar.interval_start_index(timestamps)
    return {
        HOUR_COVARIATE: (start.hour + start.minute / 60.0).to_numpy(dtype=float),
        WEEKDAY_COVARIATE: start.dayofweek.to_numpy(dtype=float),
    }


def future_load_type(future_covariates: pd.DataFrame, targets: pd.DatetimeIndex) -> np.ndarray:
    """The planned load_type codes for exactly the target intervals; refuses a partial schedule."""
    missing_cols = {schema.TIMESTAMP, schema.LOAD_TYPE} - set(future_covariates.columns)
    if missing_cols:
        raise ValueError(f"future_covariates lacks column(s) {sorted(missing_cols)}")
    planned = future_covariates.drop_duplicates(subset=schema.TIMESTAMP, keep="last").set_index(
        schema.TIMESTAMP
    )
    aligned = planned[schema.LOAD_TYPE].reindex(targets)
    if aligned.isna().any():
        first = aligned.index[aligned.isna()][0]
        raise ValueError(
            f"future_covariates has no load_type for {int(aligned.isna().sum())} target interval(s), first {first}"
        )
    return calendar.load_type_codes(aligned)


def interpolate_quantiles(levels: Sequence[float], values: np.ndarray, wanted: Sequence[float]) -> np.ndarray:
    """Quantiles at ``wanted`` from a (horizon, len(levels)) grid; flat beyond the grid's ends."""
    grid = np.asarray(levels, dtype=float)
    order = np.argsort(grid)
    grid, values = grid[order], np.asarray(values, dtype=float)[:, order]
    return np.stack([np.array([np.interp(q, grid, row) for row in values]) for q in wanted], axis=1)
