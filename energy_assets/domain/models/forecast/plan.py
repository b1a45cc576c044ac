"""The plant's plan for intervals it sent no plan for: the one place a plan is derived.

On this plant ``load_type`` is a plan, not a measurement (DESIGN.md §2): on an operating day each
interval's load type is the KEPCO clock period of its start hour (light / medium / maximum by season
and hour); a non-operating day is Light_Load all day. So a plan only has to get each day's operating
status right. :func:`derived_plan` decides it from the calendar:

- a day is **off** if it is a Sunday, or a South Korean public holiday whose name contains one of
  :data:`CLOSING_HOLIDAYS` (New Year's Day, the three Seollal days, the three Chuseok days and their
  substitutes): the holidays the plant closed on in 2018's training and validation windows. Every
  other public holiday of those windows (1 Mar, 7 May, 22 May, 6 Jun, 13 Jun, 15 Aug) was worked;
- every other day is **on** and follows the tariff's clock periods.

Measured on 2018 (operating status by the 09:00 interval): 89.8 % of the train+validation days and
90.1 % of the test days right (the days it misses are operating Sundays, closed Saturdays, 25 and
31 Dec), against 79.0 % / 85.7 % for "repeat last week's plan", which the forecasters used before.

The forecasters call :func:`plan_codes` for the intervals after an origin (the plan sent where it
covers them, the derived plan elsewhere); the API's ``/forecast`` without ``planned_load_type`` and
the day-ahead forecast therefore use this derivation.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np
import pandas as pd

from energy_assets.domain import calendar
from energy_assets.domain.data import schema
from energy_assets.domain.features.forecast import Grid
from energy_assets.domain.tariff import TARIFF_PERIOD_CODES, Tariff, default_tariff

#: Words of the public-holiday names (``holidays`` package, KR) on which the plant closes.
CLOSING_HOLIDAYS: tuple[str, ...] = ("New Year", "Chuseok")
#: The load type of each KEPCO clock period on an operating day (same order, same codes).
PERIOD_LOAD_TYPE: dict[str, str] = dict(zip(schema.TARIFF_PERIODS, schema.LOAD_TYPES, strict=True))
#: ``derived`` column of :func:`complete_plan`: True where the plan was derived, False where sent.
DERIVED = "derived"

_NS_DAY = 86_400 * 10**9
_NS_HOUR = 3_600 * 10**9


@lru_cache(maxsize=8)
def _period_table(tariff: Tariff) -> np.ndarray:
    """Clock-period code (0 light, 1 medium, 2 maximum) by [month 1..12, hour 0..23]."""
    table = np.zeros((13, 24))
    month_season = tariff.seasons.month_to_season()
    for month in range(1, 13):
        hours = getattr(tariff.periods, month_season[month]).hour_table()
        table[month] = [TARIFF_PERIOD_CODES[p] for p in hours]
    return table


@lru_cache(maxsize=64)
def _closing_days(year: int, closing_holidays: tuple[str, ...]) -> np.ndarray:
    """Day numbers (days since 1970-01-01) of the year's closing holidays, sorted."""
    table = calendar.korean_holidays([year])
    days = [d for d, name in table.items() if any(word in name for word in closing_holidays)]
    return np.array(sorted(days), dtype="datetime64[D]").astype(np.int64)


def _wall_ns(timestamps: pd.DatetimeIndex) -> np.ndarray:
    """Nanoseconds of the plant's wall clock (aware stamps are read in Asia/Seoul)."""
    if timestamps.tz is not None:
        timestamps = timestamps.tz_convert(schema.PLANT_TIMEZONE).tz_localize(None)
    return timestamps.asi8


def _operating_day_numbers(day: np.ndarray, closing_holidays: tuple[str, ...]) -> np.ndarray:
    """True where the day (days since 1970-01-01) operates by the calendar rule."""
    if len(day) == 0:
        return np.zeros(0, dtype=bool)
    first = int(day.min())
    return _operating_span(first, int(day.max()), tuple(closing_holidays))[day - first]


@lru_cache(maxsize=256)
def _operating_span(first: int, last: int, closing_holidays: tuple[str, ...]) -> np.ndarray:
    """:func:`_operating_day_numbers` of the days ``first`` .. ``last``, cached (read-only): a served
    forecast's day ahead spans the same one or two days on every request of a day."""
    day = np.arange(first, last + 1, dtype=np.int64)
    off = (day + 3) % 7 == calendar.SUNDAY  # 1970-01-01 was a Thursday (3)
    if closing_holidays:
        years = np.unique(
            (np.array([first, last]).astype("datetime64[D]").astype("datetime64[Y]")).astype(np.int64) + 1970
        )
        years = np.arange(years.min(), years.max() + 1)
        closed = np.concatenate([_closing_days(int(y), tuple(closing_holidays)) for y in years])
        off |= np.isin(day, closed)
    operating = ~off
    operating.flags.writeable = False
    return operating


def operating_days(
    days: pd.DatetimeIndex | Sequence[object], closing_holidays: Sequence[str] = CLOSING_HOLIDAYS
) -> np.ndarray:
    """True for each calendar day (midnight or any time of it) the derived plan expects the plant to run."""
    index = pd.DatetimeIndex(pd.to_datetime(list(days) if not isinstance(days, pd.DatetimeIndex) else days))
    day = _wall_ns(index) // _NS_DAY
    return _operating_day_numbers(day, tuple(closing_holidays))


def derived_load_type_codes(
    timestamps: pd.DatetimeIndex,
    closing_holidays: Sequence[str] = CLOSING_HOLIDAYS,
    tariff: Tariff | None = None,
) -> np.ndarray:
    """Load-type codes (0 Light, 1 Medium, 2 Maximum, as :func:`calendar.load_type_codes`) of the
    derived plan for interval-END stamps; the day, month and hour are those of each interval's start."""
    return _derived_codes(
        _wall_ns(pd.DatetimeIndex(timestamps)) - schema.INTERVAL.value, closing_holidays, tariff
    )


def _derived_codes(
    start: np.ndarray, closing_holidays: Sequence[str] = CLOSING_HOLIDAYS, tariff: Tariff | None = None
) -> np.ndarray:
    """:func:`derived_load_type_codes` of intervals by their START on the wall clock (int64 ns)."""
    day = start // _NS_DAY
    hour = (start % _NS_DAY) // _NS_HOUR
    month = start.astype("datetime64[ns]").astype("datetime64[M]").astype(np.int64) % 12 + 1
    clock = _period_table(default_tariff() if tariff is None else tariff)[month, hour]
    return np.where(_operating_day_numbers(day, tuple(closing_holidays)), clock, 0.0)


def derived_plan(
    timestamps: pd.DatetimeIndex | Sequence[object],
    closing_holidays: Sequence[str] = CLOSING_HOLIDAYS,
    tariff: Tariff | None = None,
) -> pd.DataFrame:
    """The derived plan of the given interval-END stamps: a frame of ``timestamp`` and ``load_type``
    (``Light_Load``/``Medium_Load``/``Maximum_Load``), the shape ``future_covariates`` and the API's
    ``planned_load_type`` take. ``closing_holidays``: words of the holiday names the plant closes on
    (default :data:`CLOSING_HOLIDAYS`); ``tariff``: whose clock periods (default: the packaged one)."""
    stamps = pd.DatetimeIndex(
        pd.to_datetime(list(timestamps) if not isinstance(timestamps, pd.Index) else timestamps)
    )
    codes = derived_load_type_codes(stamps, closing_holidays, tariff).astype(np.int64)
    names = np.asarray(schema.LOAD_TYPES, dtype=object)[codes]
    return pd.DataFrame({schema.TIMESTAMP: stamps, schema.LOAD_TYPE: names})


def _sent_codes(targets: pd.DatetimeIndex, planned: pd.DataFrame | None) -> np.ndarray:
    """Codes the ``planned`` frame gives the targets (the last row of a repeated stamp wins), NaN
    where it gives none; rows off the targets' 15-minute grid are ignored."""
    sent = np.full(len(targets), np.nan)
    if planned is None or schema.LOAD_TYPE not in planned or len(planned) == 0:
        return sent
    stamps = pd.DatetimeIndex(planned[schema.TIMESTAMP])
    step = schema.INTERVAL.value
    offset = stamps.asi8 - targets.asi8[0] if stamps.tz == targets.tz else None
    if offset is None:  # aware vs naive: compare on the plant's wall clock
        offset = _wall_ns(stamps) - _wall_ns(targets)[0]
    pos = offset // step
    keep = np.flatnonzero((offset % step == 0) & (pos >= 0) & (pos < len(targets)))
    if len(keep) == 0:
        return sent
    codes = calendar.load_type_codes(planned[schema.LOAD_TYPE].to_numpy()[keep])
    pos = pos[keep]
    # the last row of each position wins: unique over the reversed order keeps the last occurrence
    last = len(pos) - 1 - np.unique(pos[::-1], return_index=True)[1]
    sent[pos[last]] = codes[last]
    return sent


def plan_codes(
    origin: pd.Timestamp,
    horizon: int,
    planned: pd.DataFrame | None = None,
    closing_holidays: Sequence[str] = CLOSING_HOLIDAYS,
    tariff: Tariff | None = None,
) -> np.ndarray:
    """Load-type codes of the ``horizon`` intervals after ``origin``: the ``planned`` frame's
    (``timestamp``, ``load_type``; other rows ignored) where it has one, the derived plan elsewhere."""
    origin = pd.Timestamp(origin)
    if planned is None and origin.tzinfo is None:
        # no plan sent (a served /forecast): the derived plan straight from the origin's nanoseconds,
        # without building the targets' index (the interval starts are origin, origin+15 min, ...)
        step = schema.INTERVAL.value
        start = origin.as_unit("ns").value + step * np.arange(int(horizon), dtype=np.int64)
        return _derived_codes(start, closing_holidays, tariff)
    targets = pd.date_range(origin + schema.INTERVAL, periods=int(horizon), freq=schema.INTERVAL)
    sent = _sent_codes(targets, planned)
    return np.where(np.isnan(sent), derived_load_type_codes(targets, closing_holidays, tariff), sent)


def complete_plan(
    origin: pd.Timestamp,
    horizon: int,
    planned: pd.DataFrame | None = None,
    closing_holidays: Sequence[str] = CLOSING_HOLIDAYS,
    tariff: Tariff | None = None,
) -> pd.DataFrame:
    """:func:`plan_codes` as a frame: ``timestamp``, ``load_type`` and ``derived`` (True where the
    calendar decided, False where ``planned`` gave the interval) for the ``horizon`` intervals after
    ``origin``."""
    targets = pd.date_range(
        pd.Timestamp(origin) + schema.INTERVAL, periods=int(horizon), freq=schema.INTERVAL
    )
    sent = _sent_codes(targets, planned)
    derived = np.isnan(sent)
    codes = np.where(derived, derived_load_type_codes(targets, closing_holidays, tariff), sent)
    names = np.asarray(schema.LOAD_TYPES, dtype=object)[codes.astype(np.int64)]
    return pd.DataFrame({schema.TIMESTAMP: targets, schema.LOAD_TYPE: names, DERIVED: derived})


def backtest_grid(frame: pd.DataFrame, regime: str, reach: int) -> Grid:
    """The whole ``frame`` on one grid for forecasts from many of its origins at once, ``reach``
    intervals past its end, with the plan each forecast sees after its origin: the frame's own
    ``load_type`` where it has one (``regime="plant"``, the derived plan where it has none), or the
    derived plan everywhere (``"derived"``): what :func:`plan_codes` gives a single forecast."""
    grid = Grid.from_frame(frame, extend=reach)
    derived = derived_load_type_codes(grid.timestamps)
    if regime == "derived":
        grid.future_load_type = derived
    elif regime == "plant":
        grid.future_load_type = np.where(np.isnan(grid.load_type), derived, grid.load_type)
    else:
        raise ValueError(f"plan must be 'plant' or 'derived', got {regime!r}")
    return grid


def origin_positions(grid: Grid, origins: Sequence[pd.Timestamp]) -> np.ndarray | None:
    """Grid positions of ``origins``; None when one is not a grid stamp (callers then loop)."""
    stamps = pd.DatetimeIndex([pd.Timestamp(o) for o in origins])
    if stamps.tz != grid.timestamps.tz:
        return None
    pos = grid.timestamps.get_indexer(stamps)
    return None if (pos < 0).any() else pos
