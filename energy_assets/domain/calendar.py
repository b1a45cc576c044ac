"""The plant's calendar: interval starts, KEPCO seasons, South Korean public holidays, load-type codes.

A reading is stamped at the END of its 15-minute interval, but the tariff period, the season and
the day an interval belongs to are decided by its START: the row stamped ``10:00`` is the interval
09:45-10:00 (a medium-load hour), and the row stamped ``00:00`` closes the previous day. Every
helper here takes the data's timestamps (interval ends) unless its name says otherwise, so that
training, the tariff and the API cannot disagree on which day or hour an interval is.

This is the one module that turns a timestamp into calendar facts (interval start, day, season,
holiday, the UCI layout's ``nsm``/``day_of_week``/``week_status``) and a ``load_type`` into its
ordered code; the features, the cleaner, the forecasters and the API all call it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

import holidays
import numpy as np
import pandas as pd

from energy_assets.domain.data import schema

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


def interval_start_index(ts: pd.DatetimeIndex | Timestamps) -> pd.DatetimeIndex:
    """:func:`interval_start` as a DatetimeIndex (time zone kept): the vectorised form of the grids."""
    return pd.DatetimeIndex(ts) - schema.INTERVAL


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


@lru_cache(maxsize=64)
def _holiday_days(year: int) -> np.ndarray:
    """South Korean public holidays of one year as sorted ``datetime64[D]`` (read once per year)."""
    return np.array(sorted(holidays.country_holidays(COUNTRY, years=year)), dtype="datetime64[D]")


def korean_holidays(years: Iterable[int]) -> dict[dt.date, str]:
    """South Korean public holidays (with substitute and election days) of the given years."""
    table = holidays.country_holidays(COUNTRY, years=sorted({int(y) for y in years}))
    return dict(sorted(table.items()))


def holiday_flags(dates: pd.DatetimeIndex) -> np.ndarray:
    """1.0 on South Korean public holidays, by calendar day of each (wall-clock) stamp, else 0.0.

    Vectorised (a served forecast builds this flag for five weeks of intervals on every request):
    the days spanned are looked up once each. A time-zone-aware index is read on its wall clock.
    """
    if dates.tz is not None:
        dates = dates.tz_localize(None)
    if len(dates) == 0:
        return np.zeros(0)
    return holiday_day_flags(dates.to_numpy().astype("datetime64[D]").astype(np.int64))


def holiday_day_flags(days: np.ndarray) -> np.ndarray:
    """:func:`holiday_flags` of day numbers (days since 1970-01-01 on the wall clock, int64).

    The flags of the span of days are cached (a served forecast's grid spans the same five weeks on
    every request of a day), so a request pays one indexing pass.
    """
    if len(days) == 0:
        return np.zeros(0)
    first, last = int(days.min()), int(days.max())
    return _holiday_span(first, last)[days - first]


@lru_cache(maxsize=256)
def _holiday_span(first: int, last: int) -> np.ndarray:
    """1.0/0.0 for each day ``first`` .. ``last`` (day numbers): public holiday or not (read-only)."""
    span = np.arange(first, last + 1).astype("datetime64[D]")
    years = np.unique(span.astype("datetime64[Y]").astype(np.int64) + 1970)
    holiday_days = np.concatenate([_holiday_days(int(year)) for year in years])
    flags = np.isin(span, holiday_days).astype(float)
    flags.flags.writeable = False
    return flags


def is_holiday(dates: Timestamps | pd.Timestamp | str) -> bool | pd.Series:
    """True on South Korean public holidays; works for any year the ``holidays`` package knows.

    ``dates`` are calendar days (a time of day is ignored): pass :func:`interval_date` of the data's
    timestamps, not the timestamps themselves, or the row stamped 00:00 lands on the wrong day.
    """
    days = as_timestamp_series(dates).dt.normalize()
    known = days.notna().to_numpy()
    flags = np.zeros(len(days), dtype=bool)
    flags[known] = holiday_flags(pd.DatetimeIndex(days[known])) > 0
    result = pd.Series(flags, index=days.index)
    return bool(result.iloc[0]) if is_scalar_time(dates) else result


def is_weekend(dates: Timestamps | pd.Timestamp | str) -> bool | pd.Series:
    """True on Saturdays and Sundays (calendar days, as :func:`is_holiday`)."""
    result = as_timestamp_series(dates).dt.dayofweek >= SATURDAY
    return bool(result.iloc[0]) if is_scalar_time(dates) else result


def calendar_from_timestamp(ts: pd.Series) -> pd.DataFrame:
    """``nsm``, ``day_of_week`` and ``week_status`` (the UCI layout's columns) of interval-end stamps.

    ``nsm`` is the clock time of the stamp (0 at midnight); the day is that of the interval's
    start, so the midnight row belongs to the day it closes, as in the UCI file.
    """
    start = ts - schema.INTERVAL
    day_names = start.dt.day_name()
    return pd.DataFrame(
        {
            schema.NSM: (ts.dt.hour * 3600 + ts.dt.minute * 60).astype("Int64"),
            schema.DAY_OF_WEEK: day_names,
            schema.WEEK_STATUS: np.where(is_weekend(start), "Weekend", "Weekday"),
        },
        index=ts.index,
    )


# --- load type: the plant's plan (Light 0 < Medium 1 < Maximum 2, the KEPCO order) ---------------------
LOAD_TYPE_CODES: dict[str, int] = {name: code for code, name in enumerate(schema.LOAD_TYPES)}
_LOAD_TYPE_INDEX = pd.Index(list(LOAD_TYPE_CODES))


def load_type_codes(values: pd.Series | np.ndarray | Sequence[object]) -> np.ndarray:
    """Ordered codes of ``load_type`` names as floats, NaN where missing; an unknown name is an error."""
    values = np.asarray(values, dtype=object)
    codes = _LOAD_TYPE_INDEX.get_indexer(values).astype(float)
    missing = codes < 0
    if missing.any():
        unknown = pd.notna(values) & missing
        if unknown.any():
            raise ValueError(
                f"unknown {schema.LOAD_TYPE} values: {sorted(set(values[unknown]))}; "
                f"expected one of {list(schema.LOAD_TYPES)}"
            )
        codes[missing] = np.nan
    return codes
