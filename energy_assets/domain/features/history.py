"""What a forecast made at an origin may see: the no-look-ahead guard every forecaster calls first."""

from __future__ import annotations

import numpy as np
import pandas as pd

from energy_assets.domain.data import schema


def history_until(history: pd.DataFrame, origin: pd.Timestamp) -> pd.DataFrame:
    """The rows a forecast made at ``origin`` may see (timestamp <= origin): the no-look-ahead guard.

    Every forecaster calls this first, so passing a frame that runs past the origin (as the backtest
    does) can never leak the future into a forecast.
    """
    origin = pd.Timestamp(origin)
    end = sorted_end(history, origin)
    seen = history.iloc[:end] if end is not None else history.loc[history[schema.TIMESTAMP] <= origin]
    if seen.empty:
        raise ValueError(f"no history at or before the origin {origin}")
    return seen


def sorted_end(history: pd.DataFrame, moment: pd.Timestamp) -> int | None:
    """Rows of a time-sorted history with timestamp <= ``moment``, by binary search; None when the
    history is not sorted or mixes time zones with ``moment`` (callers then filter with a mask).

    Why: a served forecast slices the same sorted history on every request, and a boolean mask over
    it cost more than the model.
    """
    column = history[schema.TIMESTAMP]
    if moment.tzinfo is not None or not np.issubdtype(column.dtype, np.datetime64):
        return None
    stamps = column.to_numpy()
    if len(stamps) > 1 and not (stamps[1:] >= stamps[:-1]).all():
        return None
    return int(np.searchsorted(stamps, moment.to_datetime64(), side="right"))
