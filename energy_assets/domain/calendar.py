"""The plant's calendar: interval starts, KEPCO seasons and South Korean public holidays.

A reading is stamped at the END of its 15-minute interval, but the tariff period, the season and
the day an interval belongs to are decided by its START: the row stamped ``10:00`` is the interval
09:45-10:00 (a medium-load hour), and the row stamped ``00:00`` closes the previous day. Every
helper here takes the data's timestamps (interval ends) unless its name says otherwise, so that
training, the tariff and the API cannot disagree on which day or hour an interval is.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

import holidays
import numpy as np
import pandas as pd

from energy_assets.domain import schema

#: KEPCO seasons (tariff tables are quoted for these three).
SUMMER = "summer"
SPRING_FALL = "spring_fall"
WINTER = "winter"
SEASONS: tuple[str, ...] = (SUMMER, SPRING_FALL, WINTER)
#: Months of each season: summer Jun-Aug, spring/fall Mar-May and Sep-Oct, winter Nov-Feb.
SEASON_MONTHS: dict[str, tuple[int, ...]] = {
    SUMMER: (6, 7, 8),
    SPRING_FALL: (3, 4, 5, 9, 10),
    WINTER: (11, 12, 1, 2),
}
MONTH_TO_SEASON: dict[int, str] = {m: s for s, months in SEASON_MONTHS.items() for m in months}

#: ISO country code used with the ``holidays`` package.
COUNTRY = "KR"
SATURDAY = 5
SUNDAY = 6

Timestamps = pd.Series | pd.DatetimeIndex | np.ndarray | list[Any] | tuple[Any, ...]


def is_scalar_time(values: object) -> bool:
    """True for one timestamp (the helpers then answer with one value instead of a Series)."""
    return isinstance(values, str | dt.date | pd.Timestamp | np.datetime64)


def as_timestamp_series(values: Timestamps | pd.Timestamp | str) -> pd.Series:
    """Datetime Series (index kept for a Series) in naive plant-local time.

    Time-zone-aware input is converted to Asia/Seoul first, so a UTC feed lands on the right hour.
    """
    if is_scalar_time(values):
        values = [values]
    series = values.copy() if isinstance(values, pd.Series) else pd.Series(list(values))
    series = pd.to_datetime(series)
    if isinstance(series.dtype, pd.DatetimeTZDtype):
        series = series.dt.tz_convert(schema.PLANT_TIMEZONE).dt.tz_localize(None)
    return series


def interval_start(ts: Timestamps | pd.Timestamp | str) -> pd.Series | pd.Timestamp:
    """Start of the 15-minute interval whose END is ``ts`` (the data's stamp).

    Scalars give a Timestamp, anything else a Series aligned with the input.
    """
    starts = as_timestamp_series(ts) - schema.INTERVAL
    return starts.iloc[0] if is_scalar_time(ts) else starts


def interval_date(ts: Timestamps | pd.Timestamp | str) -> pd.Series:
    """Calendar day (midnight) an interval belongs to: the day of its start."""
    return interval_start_series(ts).dt.normalize()


def interval_start_series(ts: Timestamps | pd.Timestamp | str) -> pd.Series:
    """:func:`interval_start`, always as a Series (the vectorised form the other helpers use)."""
    return as_timestamp_series(ts) - schema.INTERVAL


def season(month: int | pd.Series | Iterable[int]) -> str | pd.Series:
    """KEPCO season of a month number (1-12): ``summer``, ``spring_fall`` or ``winter``."""
    if isinstance(month, int | np.integer):
        if int(month) not in MONTH_TO_SEASON:
            raise ValueError(f"month must be between 1 and 12, got {month}")
        return MONTH_TO_SEASON[int(month)]
    months = month if isinstance(month, pd.Series) else pd.Series(list(month))
    seasons = months.map(MONTH_TO_SEASON)
    bad = seasons.isna() & months.notna()
    if bad.any():
        raise ValueError(f"month must be between 1 and 12, got {months[bad].iloc[0]}")
    return seasons


def interval_season(ts: Timestamps | pd.Timestamp | str) -> pd.Series:
    """KEPCO season of each interval, by the month of its start."""
    return season(interval_start_series(ts).dt.month)


@lru_cache(maxsize=32)
def _korean_holidays(years: tuple[int, ...]) -> frozenset[dt.date]:
    return frozenset(holidays.country_holidays(COUNTRY, years=list(years)).keys())


def korean_holidays(years: Iterable[int]) -> dict[dt.date, str]:
    """South Korean public holidays (with substitute and election days) of the given years."""
    table = holidays.country_holidays(COUNTRY, years=sorted({int(y) for y in years}))
    return dict(sorted(table.items()))


def is_holiday(
    dates: Timestamps | pd.Timestamp | str, years: Iterable[int] | None = None
) -> bool | pd.Series:
    """True on South Korean public holidays; works for any year the ``holidays`` package knows.

    ``dates`` are calendar days (a time of day is ignored): pass :func:`interval_date` of the data's
    timestamps, not the timestamps themselves, or the row stamped 00:00 lands on the wrong day.
    ``years`` adds years to load beyond those of ``dates``.
    """
    days = as_timestamp_series(dates).dt.normalize()
    wanted = set(days.dt.year.dropna().astype(int)) | {int(y) for y in years or ()}
    table = _korean_holidays(tuple(sorted(wanted)))
    result = days.dt.date.isin(table) & days.notna()
    return bool(result.iloc[0]) if is_scalar_time(dates) else result


def is_weekend(dates: Timestamps | pd.Timestamp | str) -> bool | pd.Series:
    """True on Saturdays and Sundays (calendar days, as :func:`is_holiday`)."""
    result = as_timestamp_series(dates).dt.dayofweek >= SATURDAY
    return bool(result.iloc[0]) if is_scalar_time(dates) else result
