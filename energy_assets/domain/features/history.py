"""What a forecast made at an origin may see: the no-look-ahead guard every forecaster calls first."""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass

import numpy as np
import pandas as pd

from energy_assets.domain import calendar
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


def check_seen(history: pd.DataFrame, origin: pd.Timestamp) -> None:
    """:func:`history_until`'s refusal (nothing at or before the origin) without slicing the history
    when it is sorted: for callers that read the rows up to the origin themselves."""
    end = sorted_end(history, pd.Timestamp(origin))
    if end is None or end == 0:
        history_until(history, origin)


def sorted_end(history: pd.DataFrame, moment: pd.Timestamp) -> int | None:
    """Rows of a time-sorted history with timestamp <= ``moment``, by binary search; None when the
    history is not sorted or mixes time zones with ``moment`` (callers then filter with a mask).

    Why: a served forecast slices the same sorted history on every request, and a boolean mask over
    it cost more than the model.
    """
    if moment.tzinfo is not None:
        return None
    ready = prepared(history)
    if ready is not None:
        return ready.end(moment)
    column = history[schema.TIMESTAMP]
    if not np.issubdtype(column.dtype, np.datetime64):
        return None
    stamps = column.to_numpy()
    if len(stamps) > 1 and not (stamps[1:] >= stamps[:-1]).all():
        return None
    return int(np.searchsorted(stamps, moment.to_datetime64(), side="right"))


@dataclass(frozen=True, eq=False)
class SortedHistory:
    """The columns of a served history a forecast searches, prepared once per loaded history.

    A served history (the forecast bundle's, the serving readings) is read whole, sorted, and then
    only read until the registry loads another one; every forecast from it searched it again (its
    sortedness over the whole history, its stamps' extremes, the load-type names of the tail looked
    up as strings). :func:`prepare_history` does that once; :func:`prepared` finds it again for the
    same frame object. Frames never prepared (a request's history, a backtest's) take the general
    paths. A prepared frame must not be changed in place afterwards (the registry never does).
    """

    #: Timestamps, naive ``datetime64[ns]``, sorted ascending.
    stamps: np.ndarray
    usage: np.ndarray
    #: :func:`calendar.load_type_codes` of the ``load_type`` column.
    load_type: np.ndarray

    @property
    def first(self) -> pd.Timestamp:
        return pd.Timestamp(self.stamps[0])

    @property
    def last(self) -> pd.Timestamp:
        return pd.Timestamp(self.stamps[-1])

    def end(self, moment: pd.Timestamp) -> int:
        """Rows with timestamp <= ``moment`` (naive), as :func:`sorted_end`."""
        return int(np.searchsorted(self.stamps, pd.Timestamp(moment).to_datetime64(), side="right"))


_PREPARED: dict[int, tuple[weakref.ref[pd.DataFrame], SortedHistory]] = {}
_PREPARED_LOCK = threading.Lock()


def prepare_history(frame: pd.DataFrame) -> SortedHistory | None:
    """Prepare ``frame`` for :func:`prepared` (the registry calls this once per loaded history).

    None, and the general paths serve it, when the frame is not one the fast paths can read exactly
    as the general ones: empty, timestamps not naive ``datetime64[ns]``, not sorted, or a
    ``load_type`` that is not all known names (the general path names the unknown ones).
    """
    if len(frame) == 0 or not {schema.TIMESTAMP, schema.USAGE_KWH, schema.LOAD_TYPE} <= set(frame.columns):
        return None
    column = frame[schema.TIMESTAMP]
    if column.dtype != np.dtype("datetime64[ns]"):
        return None
    stamps = column.to_numpy()
    if len(stamps) > 1 and not (stamps[1:] >= stamps[:-1]).all():
        return None
    try:
        codes = calendar.load_type_codes(frame[schema.LOAD_TYPE].to_numpy())
    except ValueError:
        return None
    usage = frame[schema.USAGE_KWH].to_numpy(dtype=float)
    ready = SortedHistory(stamps=stamps, usage=usage, load_type=codes)
    for array in (stamps, usage, codes):
        array.flags.writeable = False  # what the forecasts read must not change under them
    key = id(frame)

    def forget(_: object, key: int = key) -> None:
        with _PREPARED_LOCK:
            entry = _PREPARED.get(key)
            if entry is not None and entry[0]() is None:
                del _PREPARED[key]

    with _PREPARED_LOCK:
        _PREPARED[key] = (weakref.ref(frame, forget), ready)
    return ready


def prepared(frame: pd.DataFrame) -> SortedHistory | None:
    """The :class:`SortedHistory` :func:`prepare_history` made of this very frame object, else None."""
    entry = _PREPARED.get(id(frame))
    if entry is None or entry[0]() is not frame:
        return None
    return entry[1]
