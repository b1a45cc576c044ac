"""The ``steel_features`` table: the cleaned readings with calendar, tariff, triangle and lag columns.

``build_features`` takes a cleaned frame (``schema.CLEAN_COLUMNS``, one row per interval) and
returns it with feature columns added; training, the API and the analysts' warehouse views all read
this one function's columns. The tuples below are the only place those column names are spelled.
What each task's models actually read is declared beside it: :mod:`.estimate` (the estimate
families' inputs, columns of this table) and :mod:`.forecast` (the boosted forecasters' inputs).

- Calendar features are decided by the interval START (the row stamped 10:00 is 09:45-10:00).
- Triangle features use the same interval's readings: they serve the *estimate* task only.
- Lag features look back at least 96 intervals (24 h), so every one of them is known for any
  forecast horizon up to a day. They are computed on a regular 15-minute grid: a gap in the data
  gives NaN, never a value shifted from the wrong time.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from energy_assets.domain import calendar, power_triangle
from energy_assets.domain.data import schema
from energy_assets.domain.tariff import LIGHT, TARIFF_PERIOD_CODES, Tariff, default_tariff

# --- calendar (known in advance) -----------------------------------------------------------------
HOUR = "hour"
MINUTE_OF_DAY = "minute_of_day"
DAY_OF_WEEK_NUM = "day_of_week_num"  # Monday = 0
MONTH = "month"
DAY_OF_YEAR = "day_of_year"
IS_WEEKEND = "is_weekend"
IS_HOLIDAY = "is_holiday"
TIME_OF_DAY_SIN = "time_of_day_sin"
TIME_OF_DAY_COS = "time_of_day_cos"
DAY_OF_WEEK_SIN = "day_of_week_sin"
DAY_OF_WEEK_COS = "day_of_week_cos"
DAY_OF_YEAR_SIN = "day_of_year_sin"
DAY_OF_YEAR_COS = "day_of_year_cos"
SEASON = "season"  # label: summer / spring_fall / winter
SEASON_CODE = "season_code"
TARIFF_PERIOD = "tariff_period"  # label: light / medium / maximum (KEPCO, by interval start)
TARIFF_PERIOD_CODE = "tariff_period_code"
LOAD_TYPE_CODE = "load_type_code"  # the data's load_type: Light 0, Medium 1, Maximum 2

# --- the plant's plan (known in advance by the plant, not by a calendar) -------------------------
#: 1 on a day the plan keeps light all day (Sundays, some Saturdays, holidays, shutdowns): some
#: interval of the day that the clock bills medium/maximum is planned Light_Load.
IS_LIGHT_LOAD_DAY = "is_light_load_day"

# --- power triangle (same-interval readings: estimate task only) ---------------------------------
PHYSICS_USAGE_KWH = "physics_usage_kwh"
LAGGING_IMPLIED_KWH = "lagging_implied_kwh"
LEADING_IMPLIED_KWH = "leading_implied_kwh"
LAGGING_APPARENT_KVAH = "lagging_apparent_kvah"
LEADING_APPARENT_KVAH = "leading_apparent_kvah"
NET_REACTIVE_KVARH = "net_reactive_kvarh"
LAGGING_REACTIVE_SHARE = "lagging_reactive_share"
MIN_POWER_FACTOR = "min_power_factor"

# --- causal lags of usage_kwh (forecast task) ----------------------------------------------------
#: Lags in intervals: 1 day, 2 days, 1 week.
LAGS: tuple[int, ...] = (96, 192, 672)
#: Rolling windows (intervals) ending at t - ROLLING_OFFSET.
ROLLING_WINDOWS: tuple[int, ...] = (96, 672)
ROLLING_OFFSET = schema.INTERVALS_PER_DAY
ROLLING_STATS: tuple[str, ...] = ("mean", "std", "max")
#: Shortest look-back of any lag feature, in intervals: the longest horizon they all support.
MIN_LAG = min(min(LAGS), ROLLING_OFFSET)


def lag_name(lag: int) -> str:
    return f"{schema.USAGE_KWH}_lag_{lag}"


def rolling_name(window: int, stat: str) -> str:
    return f"{schema.USAGE_KWH}_roll{window}_{stat}"


LAG_COLUMNS: tuple[str, ...] = tuple(lag_name(n) for n in LAGS)
ROLLING_COLUMNS: tuple[str, ...] = tuple(
    rolling_name(w, stat) for w in ROLLING_WINDOWS for stat in ROLLING_STATS
)

# --- groups (single source of truth for model inputs) --------------------------------------------
#: Numeric calendar features (labels SEASON and TARIFF_PERIOD are added too, see LABEL_COLUMNS).
CALENDAR_FEATURES: tuple[str, ...] = (
    HOUR,
    MINUTE_OF_DAY,
    DAY_OF_WEEK_NUM,
    MONTH,
    DAY_OF_YEAR,
    IS_WEEKEND,
    IS_HOLIDAY,
    TIME_OF_DAY_SIN,
    TIME_OF_DAY_COS,
    DAY_OF_WEEK_SIN,
    DAY_OF_WEEK_COS,
    DAY_OF_YEAR_SIN,
    DAY_OF_YEAR_COS,
    SEASON_CODE,
    TARIFF_PERIOD_CODE,
    LOAD_TYPE_CODE,
)
PLAN_FEATURES: tuple[str, ...] = (IS_LIGHT_LOAD_DAY,)
#: Text labels added for people and reports; not model inputs.
LABEL_COLUMNS: tuple[str, ...] = (SEASON, TARIFF_PERIOD)
#: Same-interval readings an estimate may use (everything but the target).
READING_FEATURES: tuple[str, ...] = (
    schema.LAGGING_REACTIVE_KVARH,
    schema.LEADING_REACTIVE_KVARH,
    schema.CO2_TCO2,
    schema.LAGGING_POWER_FACTOR,
    schema.LEADING_POWER_FACTOR,
)
TRIANGLE_FEATURES: tuple[str, ...] = (
    PHYSICS_USAGE_KWH,
    LAGGING_IMPLIED_KWH,
    LEADING_IMPLIED_KWH,
    LAGGING_APPARENT_KVAH,
    LEADING_APPARENT_KVAH,
    NET_REACTIVE_KVARH,
    LAGGING_REACTIVE_SHARE,
    MIN_POWER_FACTOR,
)
LAG_FEATURES: tuple[str, ...] = (*LAG_COLUMNS, *ROLLING_COLUMNS)
#: Every column build_features adds.
FEATURE_COLUMNS: tuple[str, ...] = tuple(
    dict.fromkeys((*CALENDAR_FEATURES, *LABEL_COLUMNS, *PLAN_FEATURES, *TRIANGLE_FEATURES, *LAG_FEATURES))
)

SEASON_CODES: dict[str, int] = {name: code for code, name in enumerate(calendar.SEASONS)}

_MINUTES_PER_DAY = 24 * 60
_DAYS_PER_YEAR = 365.25


def calendar_features(timestamps: pd.Series, *, tariff: Tariff | None = None) -> pd.DataFrame:
    """Calendar and tariff features of interval-end ``timestamps`` (index kept), by interval start."""
    starts = calendar.interval_start_series(timestamps)
    days = starts.dt.normalize()
    minute = starts.dt.hour * 60 + starts.dt.minute
    dow = starts.dt.dayofweek
    doy = starts.dt.dayofyear
    tf = default_tariff() if tariff is None else tariff
    season = tf.season(timestamps)  # the tariff's seasons, so prices join on the same label
    period = tf.tariff_period(timestamps)
    two_pi = 2.0 * np.pi
    out = pd.DataFrame(
        {
            HOUR: starts.dt.hour,
            MINUTE_OF_DAY: minute,
            DAY_OF_WEEK_NUM: dow,
            MONTH: starts.dt.month,
            DAY_OF_YEAR: doy,
            IS_WEEKEND: calendar.is_weekend(starts).astype("int64"),
            IS_HOLIDAY: calendar.is_holiday(days).astype("int64"),
            TIME_OF_DAY_SIN: np.sin(two_pi * minute / _MINUTES_PER_DAY),
            TIME_OF_DAY_COS: np.cos(two_pi * minute / _MINUTES_PER_DAY),
            DAY_OF_WEEK_SIN: np.sin(two_pi * dow / 7.0),
            DAY_OF_WEEK_COS: np.cos(two_pi * dow / 7.0),
            DAY_OF_YEAR_SIN: np.sin(two_pi * (doy - 1) / _DAYS_PER_YEAR),
            DAY_OF_YEAR_COS: np.cos(two_pi * (doy - 1) / _DAYS_PER_YEAR),
            SEASON: season.to_numpy(),
            SEASON_CODE: season.map(SEASON_CODES).to_numpy(),
            TARIFF_PERIOD: period.to_numpy(),
            TARIFF_PERIOD_CODE: period.map(TARIFF_PERIOD_CODES).to_numpy(),
        },
        index=timestamps.index,
    )
    integer = [HOUR, MINUTE_OF_DAY, DAY_OF_WEEK_NUM, MONTH, DAY_OF_YEAR]
    out[integer] = out[integer].astype("int64")
    return out


def load_type_code_column(load_type: pd.Series) -> pd.Series:
    """The :data:`LOAD_TYPE_CODE` column: :func:`calendar.load_type_codes`, integers when none is missing."""
    codes = pd.Series(calendar.load_type_codes(load_type), index=load_type.index)
    return codes if codes.isna().any() else codes.astype("int64")


def _light_load_day(timestamps: pd.Series, load_type: pd.Series, tf: Tariff) -> pd.Series:
    """1 where the interval's day has a clock medium/maximum interval planned as Light_Load."""
    light = load_type.eq(schema.LOAD_TYPES[0]).to_numpy()
    off = pd.Series(light & tf.clock_period(timestamps).ne(LIGHT).to_numpy(), index=timestamps.index)
    return off.groupby(calendar.interval_date(timestamps).to_numpy()).transform("any").astype("int64")


def triangle_features(frame: pd.DataFrame) -> pd.DataFrame:
    """Power-triangle features from the same interval's reactive energies and power factors.

    Target-free (they never read usage_kwh). NaN where the triangle leaves a value undetermined:
    an implied kWh or apparent energy on a side whose power factor is 100 %.
    """
    q_lag = frame[schema.LAGGING_REACTIVE_KVARH].to_numpy(dtype=float)
    q_lead = frame[schema.LEADING_REACTIVE_KVARH].to_numpy(dtype=float)
    pf_lag = frame[schema.LAGGING_POWER_FACTOR].to_numpy(dtype=float)
    pf_lead = frame[schema.LEADING_POWER_FACTOR].to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        sin_lag = np.sqrt(1.0 - (pf_lag / 100.0) ** 2)
        sin_lead = np.sqrt(1.0 - (pf_lead / 100.0) ** 2)
        apparent_lag = np.where(sin_lag > 0, q_lag / sin_lag, np.nan)
        apparent_lead = np.where(sin_lead > 0, q_lead / sin_lead, np.nan)
        total_q = q_lag + q_lead
        share = np.where(total_q > 0, q_lag / total_q, np.nan)
    return pd.DataFrame(
        {
            PHYSICS_USAGE_KWH: power_triangle.estimate_active_kwh(q_lag, pf_lag, q_lead, pf_lead),
            LAGGING_IMPLIED_KWH: power_triangle.active_from_reactive(q_lag, pf_lag),
            LEADING_IMPLIED_KWH: power_triangle.active_from_reactive(q_lead, pf_lead),
            LAGGING_APPARENT_KVAH: apparent_lag,
            LEADING_APPARENT_KVAH: apparent_lead,
            NET_REACTIVE_KVARH: q_lag - q_lead,
            LAGGING_REACTIVE_SHARE: share,
            MIN_POWER_FACTOR: np.fmin(pf_lag, pf_lead),
        },
        index=frame.index,
    )


def lag_features(timestamps: pd.Series, usage_kwh: pd.Series) -> pd.DataFrame:
    """Causal lags and rolling statistics of usage_kwh, all looking back >= 96 intervals.

    Computed on a regular 15-minute grid spanning the frame (missing intervals are NaN there), so a
    lag of 96 is always the same clock time one day earlier. Rolling windows need half their
    intervals present; the std needs two.
    """
    if timestamps.duplicated().any():
        dup = timestamps[timestamps.duplicated()].iloc[0]
        raise ValueError(f"{schema.TIMESTAMP} must be unique to compute lags; {dup} appears twice")
    columns = list(LAG_FEATURES)
    if timestamps.isna().all():
        return pd.DataFrame(np.nan, index=timestamps.index, columns=columns)
    grid = pd.date_range(timestamps.min(), timestamps.max(), freq=schema.INTERVAL)
    if len(grid) and not timestamps.dropna().isin(grid).all():
        raise ValueError(f"{schema.TIMESTAMP} must lie on one 15-minute grid to compute lags")
    usage = pd.Series(usage_kwh.to_numpy(dtype=float), index=pd.DatetimeIndex(timestamps)).reindex(grid)
    out = {lag_name(n): usage.shift(n) for n in LAGS}
    past = usage.shift(ROLLING_OFFSET)
    for window in ROLLING_WINDOWS:
        rolling = past.rolling(window, min_periods=max(window // 2, 2))
        for stat in ROLLING_STATS:
            out[rolling_name(window, stat)] = getattr(rolling, stat)()
    lags = pd.DataFrame(out, index=grid).reindex(pd.DatetimeIndex(timestamps))
    lags.index = timestamps.index
    return lags[columns]


def build_features(clean: pd.DataFrame, *, tariff: Tariff | None = None) -> pd.DataFrame:
    """The cleaned frame with every feature column added (row order and index kept).

    Works on one row (serving: lag features are NaN) as on the full year. ``tariff`` overrides the
    packaged KEPCO tariff used for ``tariff_period``.
    """
    missing = [c for c in schema.CLEAN_COLUMNS if c not in clean.columns]
    if missing:
        raise ValueError(f"build_features needs the cleaned columns; missing {missing}")
    tf = default_tariff() if tariff is None else tariff
    timestamps = pd.to_datetime(clean[schema.TIMESTAMP])
    kept = clean[[c for c in clean.columns if c not in FEATURE_COLUMNS]]
    parts = [
        kept,
        calendar_features(timestamps, tariff=tf),
        pd.DataFrame(
            {
                LOAD_TYPE_CODE: load_type_code_column(clean[schema.LOAD_TYPE]),
                IS_LIGHT_LOAD_DAY: _light_load_day(timestamps, clean[schema.LOAD_TYPE], tf),
            },
            index=clean.index,
        ),
        triangle_features(clean),
        lag_features(timestamps, clean[schema.USAGE_KWH]),
    ]
    features = pd.concat(parts, axis=1)
    return features[[*kept.columns, *FEATURE_COLUMNS]]


__all__ = [
    "CALENDAR_FEATURES",
    "DAY_OF_WEEK_COS",
    "DAY_OF_WEEK_NUM",
    "DAY_OF_WEEK_SIN",
    "DAY_OF_YEAR",
    "DAY_OF_YEAR_COS",
    "DAY_OF_YEAR_SIN",
    "FEATURE_COLUMNS",
    "HOUR",
    "IS_HOLIDAY",
    "IS_LIGHT_LOAD_DAY",
    "IS_WEEKEND",
    "LABEL_COLUMNS",
    "LAGGING_APPARENT_KVAH",
    "LAGGING_IMPLIED_KWH",
    "LAGGING_REACTIVE_SHARE",
    "LAGS",
    "LAG_COLUMNS",
    "LAG_FEATURES",
    "LEADING_APPARENT_KVAH",
    "LEADING_IMPLIED_KWH",
    "LOAD_TYPE_CODE",
    "MINUTE_OF_DAY",
    "MIN_LAG",
    "MIN_POWER_FACTOR",
    "MONTH",
    "NET_REACTIVE_KVARH",
    "PHYSICS_USAGE_KWH",
    "PLAN_FEATURES",
    "READING_FEATURES",
    "ROLLING_COLUMNS",
    "ROLLING_OFFSET",
    "ROLLING_STATS",
    "ROLLING_WINDOWS",
    "SEASON",
    "SEASON_CODE",
    "SEASON_CODES",
    "TARIFF_PERIOD",
    "TARIFF_PERIOD_CODE",
    "TIME_OF_DAY_COS",
    "TIME_OF_DAY_SIN",
    "TRIANGLE_FEATURES",
    "build_features",
    "calendar_features",
    "lag_features",
    "lag_name",
    "load_type_code_column",
    "rolling_name",
    "triangle_features",
]
