"""The readings with every calendar fact of an interval, computed once per served frame.

A reading is stamped at the interval END; its day, hour, weekday, month, quarter, ISO week, season,
tariff period, price and day type are those of the interval START (the contract of
``docs/copilot.md``). :class:`ReadingsTable` computes them once, with the same calendar and tariff
code the rest of the platform uses, into a polars frame that :mod:`.engine` filters and groups with
typed expressions (never SQL text).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import polars as pl

from energy_assets.domain import calendar
from energy_assets.domain.data import schema
from energy_assets.domain.tariff import Tariff

WEEKDAY = "weekday"
WEEKEND = "weekend"
PUBLIC_HOLIDAY = "public_holiday"
DAY_TYPES: tuple[str, ...] = (WEEKDAY, WEEKEND, PUBLIC_HOLIDAY)


@dataclass(frozen=True)
class Coverage:
    """What a readings frame covers: first and last day (by interval start), rows, where it came from."""

    first_day: dt.date
    last_day: dt.date
    rows: int
    source: str
    first_timestamp: str
    last_timestamp: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "first_day": self.first_day.isoformat(),
            "last_day": self.last_day.isoformat(),
            "rows": self.rows,
            "source": self.source,
            "first_timestamp": self.first_timestamp,
            "last_timestamp": self.last_timestamp,
        }


def coverage_of(frame: pd.DataFrame, source: str) -> Coverage:
    """The coverage of a cleaned-schema frame sorted by timestamp (at least one row)."""
    if frame.empty:
        raise ValueError("a readings frame needs at least one row")
    stamps = frame[schema.TIMESTAMP]
    first, last = pd.Timestamp(stamps.iloc[0]), pd.Timestamp(stamps.iloc[-1])
    return Coverage(
        first_day=(first - schema.INTERVAL).date(),
        last_day=(last - schema.INTERVAL).date(),
        rows=len(frame),
        source=source,
        first_timestamp=first.isoformat(),
        last_timestamp=last.isoformat(),
    )


class ReadingsTable:
    """Cleaned readings plus their calendar columns (by interval start), as a polars frame.

    Columns: the cleaned measurements, ``start`` (interval start), ``day``, ``hour``, ``weekday``
    (0 = Monday), ``month``, ``quarter``, ``year``, ``iso_year``, ``iso_week``, ``season``,
    ``tariff_period``, ``day_type`` (weekday / weekend / public_holiday), ``price_krw_per_kwh``,
    ``cost_krw`` and ``co2_t`` (usage at the tariff's emission factor).
    """

    def __init__(self, frame: pd.DataFrame, tariff: Tariff, source: str = "readings") -> None:
        frame = frame.sort_values(schema.TIMESTAMP, kind="stable").reset_index(drop=True)
        self.frame = frame
        self.tariff = tariff
        self.coverage = coverage_of(frame, source)
        stamps = pd.to_datetime(frame[schema.TIMESTAMP])
        start = calendar.interval_start_series(stamps)
        days = start.dt.normalize()
        iso = start.dt.isocalendar()
        unique_days = pd.DatetimeIndex(days.unique())
        holiday = pd.Series(calendar.holiday_flags(unique_days) > 0, index=unique_days)
        is_holiday = days.map(holiday).to_numpy(dtype=bool)
        weekend = (start.dt.dayofweek >= calendar.SATURDAY).to_numpy()
        day_type = np.where(is_holiday, PUBLIC_HOLIDAY, np.where(weekend, WEEKEND, WEEKDAY))
        price = tariff.price_krw_per_kwh(stamps).to_numpy(dtype=float)
        usage = frame[schema.USAGE_KWH].to_numpy(dtype=float)
        columns: dict[str, Any] = {
            "timestamp": stamps.to_numpy(),
            "start": start.to_numpy(),
            "day": days.to_numpy().astype("datetime64[D]"),
            "hour": start.dt.hour.to_numpy(dtype=np.int32),
            "weekday": start.dt.dayofweek.to_numpy(dtype=np.int32),
            "month": start.dt.month.to_numpy(dtype=np.int32),
            "quarter": start.dt.quarter.to_numpy(dtype=np.int32),
            "year": start.dt.year.to_numpy(dtype=np.int32),
            "iso_year": iso["year"].to_numpy(dtype=np.int32),
            "iso_week": iso["week"].to_numpy(dtype=np.int32),
            "season": tariff.season(stamps).to_numpy(dtype=object).astype(str),
            "tariff_period": tariff.tariff_period(stamps).to_numpy(dtype=object).astype(str),
            "day_type": day_type.astype(str),
            "price_krw_per_kwh": price,
            "cost_krw": usage * price,
            "co2_t": usage * tariff.emission_factor_t_per_kwh,
        }
        for name in schema.MEASUREMENT_COLUMNS:
            columns[name] = frame[name].to_numpy(dtype=float)
        columns[schema.LOAD_TYPE] = frame[schema.LOAD_TYPE].astype(str).to_numpy()
        self.data = pl.DataFrame(columns)
        self._row_days: np.ndarray = columns["day"]
        self.days: np.ndarray = np.unique(self._row_days)
        self._day_set = {d.astype(object) for d in self.days}

    def __len__(self) -> int:
        return self.data.height

    def days_between(self, start: dt.date, end: dt.date) -> list[dt.date]:
        """The days of ``start`` .. ``end`` (inclusive) that hold readings."""
        lo = np.searchsorted(self.days, np.datetime64(start, "D"))
        hi = np.searchsorted(self.days, np.datetime64(end, "D"), "right")
        return [d.astype(object) for d in self.days[lo:hi]]

    def has_day(self, day: dt.date) -> bool:
        return day in self._day_set

    def rows(self, start: dt.date, end: dt.date) -> pl.DataFrame:
        """Readings whose interval starts on a day of ``start`` .. ``end``."""
        lo, hi = self._bounds(start, end)
        return self.data.slice(lo, hi - lo)

    def _bounds(self, start: dt.date, end: dt.date) -> tuple[int, int]:
        lo = int(np.searchsorted(self._row_days, np.datetime64(start, "D")))
        hi = int(np.searchsorted(self._row_days, np.datetime64(end, "D"), "right"))
        return lo, hi

    def pandas_rows(self, start: dt.date, end: dt.date) -> pd.DataFrame:
        """The cleaned-schema rows of ``start`` .. ``end`` (for the what-if engine)."""
        lo, hi = self._bounds(start, end)
        return self.frame.iloc[lo:hi].reset_index(drop=True)


__all__ = ["DAY_TYPES", "PUBLIC_HOLIDAY", "WEEKDAY", "WEEKEND", "Coverage", "ReadingsTable", "coverage_of"]
