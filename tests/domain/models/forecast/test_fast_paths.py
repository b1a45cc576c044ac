"""The served forecast's fast paths give exactly what the plain pandas versions give.

Each reference below is the slower code the fast path replaced (masks, ``reindex``, pandas field
accessors, per-date lookups, per-position loops); the fast path must match it bit for bit.
"""

from __future__ import annotations

import functools

import holidays
import numpy as np
import pandas as pd
import pytest

from energy_assets.domain import calendar
from energy_assets.domain.data import schema
from energy_assets.domain.features import history as no_look_ahead
from energy_assets.domain.features.forecast import (
    FORECAST_FEATURES,
    HISTORY_TAIL,
    WEEK,
    Grid,
    feature_matrix,
    on_grid,
)
from energy_assets.domain.models.forecast import (
    LightGBMQuantileForecaster,
    WeightedEnsembleForecaster,
    base,
    plan,
)

TS = schema.TIMESTAMP
DAY = schema.INTERVALS_PER_DAY
STEP = schema.INTERVAL


@pytest.fixture(scope="module")
def history(clean_reference: pd.DataFrame) -> pd.DataFrame:
    """Ten days of the reference, keeping its original (non-zero-based) index labels."""
    return clean_reference.iloc[5000 : 5000 + 10 * DAY]


def mask_reference(history: pd.DataFrame, origin: pd.Timestamp) -> pd.DataFrame:
    return history.loc[history[TS] <= origin]


def assert_same_rows(result: pd.DataFrame, expected: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(result, expected, check_exact=True)
    assert result.index.equals(expected.index)


# --- sorted_end / history_until -------------------------------------------------------------
@pytest.mark.parametrize(
    ("row", "shift"),
    [
        (0, pd.Timedelta(0)),  # exactly the first row
        (0, pd.Timedelta(minutes=7)),  # between the first two rows
        (300, pd.Timedelta(0)),  # exactly on a row
        (300, pd.Timedelta(minutes=14, seconds=59)),  # just before the next row
        (300, pd.Timedelta(nanoseconds=-1)),  # just before the row itself
        (-1, pd.Timedelta(0)),  # exactly the last row
        (-1, pd.Timedelta(days=20)),  # after the last row
    ],
)
def test_history_until_equals_the_mask_on_sorted_history(
    history: pd.DataFrame, row: int, shift: pd.Timedelta
) -> None:
    origin = history[TS].iloc[row] + shift
    expected = mask_reference(history, origin)
    assert no_look_ahead.sorted_end(history, origin) == len(expected)
    assert_same_rows(no_look_ahead.history_until(history, origin), expected)


def test_history_until_before_the_first_row_raises(history: pd.DataFrame) -> None:
    origin = history[TS].iloc[0] - pd.Timedelta(nanoseconds=1)
    assert no_look_ahead.sorted_end(history, origin) == 0
    assert mask_reference(history, origin).empty
    with pytest.raises(ValueError, match="no history at or before"):
        no_look_ahead.history_until(history, origin)


def test_sorted_end_keeps_every_repeat_of_the_origin(history: pd.DataFrame) -> None:
    repeated = pd.concat([history.iloc[:50], history.iloc[49:50], history.iloc[50:100]])
    origin = history[TS].iloc[49]
    assert no_look_ahead.sorted_end(repeated, origin) == 51
    assert_same_rows(no_look_ahead.history_until(repeated, origin), mask_reference(repeated, origin))


def test_sorted_end_on_second_resolution_timestamps(history: pd.DataFrame) -> None:
    coarse = history.assign(**{TS: history[TS].dt.as_unit("s")})
    for origin in (history[TS].iloc[10], history[TS].iloc[10] - pd.Timedelta(milliseconds=500)):
        expected = mask_reference(coarse, origin)
        assert no_look_ahead.sorted_end(coarse, origin) == len(expected)
        assert_same_rows(no_look_ahead.history_until(coarse, origin), expected)


@pytest.mark.parametrize("disorder", ["shuffled", "one_swap", "nat"])
def test_unsorted_history_falls_back_to_the_mask(history: pd.DataFrame, disorder: str) -> None:
    if disorder == "shuffled":
        frame = history.sample(frac=1.0, random_state=7)
    elif disorder == "one_swap":  # a single inversion deep inside an otherwise sorted frame
        order = np.arange(len(history))
        order[[400, 401]] = order[[401, 400]]
        frame = history.iloc[order]
    else:
        frame = history.copy()
        frame.loc[frame.index[200], TS] = pd.NaT
    origin = history[TS].iloc[500]
    assert no_look_ahead.sorted_end(frame, origin) is None
    expected = mask_reference(frame, origin)
    assert len(expected) == (500 if disorder == "nat" else 501)
    assert_same_rows(no_look_ahead.history_until(frame, origin), expected)


def test_time_zone_aware_origins_fall_back_to_the_mask(history: pd.DataFrame) -> None:
    aware_origin = history[TS].iloc[500].tz_localize(schema.PLANT_TIMEZONE)
    assert no_look_ahead.sorted_end(history, aware_origin) is None
    aware = history.assign(**{TS: history[TS].dt.tz_localize(schema.PLANT_TIMEZONE)})
    assert no_look_ahead.sorted_end(aware, aware_origin) is None
    expected = mask_reference(aware, aware_origin)
    assert len(expected) == 501
    assert_same_rows(no_look_ahead.history_until(aware, aware_origin), expected)
    # the same instant written in UTC selects the same rows
    assert_same_rows(no_look_ahead.history_until(aware, aware_origin.tz_convert("UTC")), expected)


# --- calendar.holiday_flags -----------------------------------------------------------------------------
def holiday_reference(index: pd.DatetimeIndex) -> np.ndarray:
    days = index.normalize()
    table = holidays.country_holidays("KR", years=range(days.year.min(), days.year.max() + 1))
    return np.array([d.date() in table for d in days], dtype=float)


def test_holiday_flags_match_the_holidays_package_across_years() -> None:
    index = pd.date_range("2017-12-30", "2019-01-02 23:45", freq="15min")
    expected = holiday_reference(index)
    flags = calendar.holiday_flags(index)
    assert flags.dtype == np.float64
    np.testing.assert_array_equal(flags, expected)
    days = index.normalize()
    for day in ("2017-12-31", "2018-01-02", "2018-02-14", "2018-09-21"):  # ordinary days
        assert flags[days == pd.Timestamp(day)].max() == 0.0
    for day in ("2018-01-01", "2018-02-16", "2018-09-24", "2018-12-25", "2019-01-01"):
        flagged = flags[days == pd.Timestamp(day)]
        assert len(flagged) == DAY and flagged.min() == 1.0


def test_holiday_flags_of_unsorted_and_pre_epoch_indexes() -> None:
    index = pd.date_range("2018-09-20", "2018-09-28", freq="15min")
    shuffled = index[np.random.default_rng(3).permutation(len(index))]
    np.testing.assert_array_equal(calendar.holiday_flags(shuffled), holiday_reference(shuffled))
    early = pd.date_range("1969-12-29", "1970-01-03", freq="15min")
    np.testing.assert_array_equal(calendar.holiday_flags(early), holiday_reference(early))
    assert calendar.holiday_flags(early).max() == 1.0  # New Year's Day 1970


def test_holiday_flags_of_an_empty_index() -> None:
    flags = calendar.holiday_flags(pd.DatetimeIndex([]))
    assert flags.shape == (0,)


def test_holiday_flags_of_an_aware_index_follow_its_wall_clock_dates() -> None:
    # Seollal 2018 ran 02-15..02-17; 2018-02-14 15:00 UTC is 2018-02-15 00:00 in Seoul, so flags taken
    # from UTC dates would be off by nine hours
    utc = pd.date_range("2018-02-13 15:00", "2018-02-19 14:45", freq="15min", tz="UTC")
    seoul = utc.tz_convert(schema.PLANT_TIMEZONE)
    wall = seoul.tz_localize(None)
    expected = holiday_reference(wall)
    np.testing.assert_array_equal(calendar.holiday_flags(seoul), expected)
    assert not np.array_equal(expected, holiday_reference(utc.tz_localize(None)))
    assert calendar.holiday_flags(seoul)[wall == pd.Timestamp("2018-02-15 00:00")][0] == 1.0
    assert calendar.holiday_flags(seoul)[wall == pd.Timestamp("2018-02-14 23:45")][0] == 0.0


# --- Grid calendar --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("start", "tz"),
    [
        ("2018-03-05 00:15", None),
        ("2018-03-05 07:45", None),
        ("2018-12-31 23:45", None),
        ("1969-12-30 07:45", None),
        ("2018-03-05 07:45", schema.PLANT_TIMEZONE),
    ],
)
def test_grid_slots_and_weekdays_match_pandas_accessors(start: str, tz: str | None) -> None:
    stamps = pd.date_range(start, periods=9 * DAY + 5, freq="15min", tz=tz)
    grid = Grid(stamps, np.zeros(len(stamps)), np.zeros(len(stamps)))
    interval_start = stamps - STEP
    np.testing.assert_array_equal(
        grid.slot, (interval_start.hour * 4 + interval_start.minute // 15).to_numpy()
    )
    np.testing.assert_array_equal(grid.day_of_week, interval_start.dayofweek.to_numpy().astype(float))
    assert grid.day_of_week.dtype == np.float64
    np.testing.assert_array_equal(grid.is_holiday, holiday_reference(interval_start.tz_localize(None)))
    assert sorted(set(grid.slot.tolist())) == list(range(DAY))


def test_grid_calendar_is_by_interval_start() -> None:
    # the interval ending at 2018-02-15 00:00 (Seollal) started on 2018-02-14 (no holiday), at slot 95
    stamps = pd.date_range("2018-02-14 23:45", periods=3, freq="15min")
    grid = Grid(stamps, np.zeros(3), np.zeros(3))
    np.testing.assert_array_equal(grid.slot, [94, 95, 0])
    np.testing.assert_array_equal(grid.is_holiday, [0.0, 0.0, 1.0])
    np.testing.assert_array_equal(grid.day_of_week, [2.0, 2.0, 3.0])  # Wednesday, Wednesday, Thursday


# --- calendar.load_type_codes ------------------------------------------------------------------------
def load_type_reference(values: pd.Series) -> np.ndarray:
    return values.map(calendar.LOAD_TYPE_CODES).to_numpy(dtype=float)


def test_load_type_codes() -> None:
    names = ["Light_Load", "Medium_Load", "Maximum_Load", None, np.nan, "Maximum_Load", "Light_Load"]
    expected = [0.0, 1.0, 2.0, np.nan, np.nan, 2.0, 0.0]
    as_array = calendar.load_type_codes(np.array(names, dtype=object))
    np.testing.assert_array_equal(as_array, expected)
    as_series = calendar.load_type_codes(pd.Series(names))
    np.testing.assert_array_equal(as_series, expected)
    np.testing.assert_array_equal(as_series, load_type_reference(pd.Series(names)))
    assert as_series.dtype == np.float64
    assert calendar.load_type_codes(np.array([], dtype=object)).shape == (0,)


def test_load_type_codes_name_the_unknown_values() -> None:
    with pytest.raises(ValueError, match=r"unknown load_type values: \['Overload'\]"):
        calendar.load_type_codes(pd.Series(["Light_Load", "Overload", None, "Overload"]))
    with pytest.raises(ValueError, match="light_load"):  # names are case-sensitive
        calendar.load_type_codes(np.array(["light_load"], dtype=object))


# --- on_grid --------------------------------------------------------------------------------
def test_on_grid_keeps_what_reindex_keeps_and_refuses_duplicates() -> None:
    start = pd.Timestamp("2018-01-01 00:15")
    stamps = pd.DatetimeIndex(
        [
            "2018-01-01 00:15",  # first grid point
            "2018-01-01 00:37",  # off the grid
            "2018-01-01 01:00",
            "2018-01-01 00:00",  # before the grid
            "2018-01-01 02:00",  # last grid point
            "2018-01-01 02:15",  # just past the grid
            "2018-01-01 00:45",  # out of order
            "2018-01-01 01:30:00.000001",  # off the grid by a microsecond
        ]
    )
    rows, pos = on_grid(stamps.to_numpy(), start, length=8)
    grid = pd.date_range(start, periods=8, freq="15min")
    kept = pd.Series(np.arange(len(stamps)), index=stamps).reindex(grid).dropna().astype(int)
    np.testing.assert_array_equal(np.sort(rows), np.sort(kept.to_numpy()))
    np.testing.assert_array_equal(rows, [0, 2, 4, 6])
    np.testing.assert_array_equal(pos, [0, 3, 7, 2])
    np.testing.assert_array_equal(grid[pos], stamps[rows])
    twice = pd.DatetimeIndex(["2018-01-01 00:30", "2018-01-01 00:45", "2018-01-01 00:30"]).to_numpy()
    with pytest.raises(ValueError, match="duplicate"):
        on_grid(twice, start, length=8)


def test_on_grid_on_a_gappy_real_history(history: pd.DataFrame) -> None:
    rng = np.random.default_rng(11)
    sample = history.iloc[np.sort(rng.choice(len(history), size=600, replace=False))]
    stamps = sample[TS].to_numpy()
    start = history[TS].iloc[100]
    length = 5 * DAY
    rows, pos = on_grid(stamps, start, length)
    grid = pd.date_range(start, periods=length, freq="15min")
    reference = sample.set_index(TS)[schema.USAGE_KWH].reindex(grid).to_numpy()
    usage = np.full(length, np.nan)
    usage[pos] = sample[schema.USAGE_KWH].to_numpy()[rows]
    np.testing.assert_array_equal(usage, reference)
    assert 0 < len(rows) < len(sample)


# --- Grid.for_origin against the reindex implementation it replaced -------------------------
def for_origin_reference(
    history: pd.DataFrame, origin: pd.Timestamp, horizon: int, planned: np.ndarray
) -> tuple[pd.DatetimeIndex, np.ndarray, np.ndarray, int]:
    seen = history.loc[history[TS] <= origin]
    seen = seen.loc[seen[TS] > origin - HISTORY_TAIL * STEP]
    start = min(seen[TS].min(), origin)
    full = pd.date_range(start, origin + horizon * STEP, freq=STEP)
    indexed = seen.set_index(TS)
    usage = indexed[schema.USAGE_KWH].reindex(full).to_numpy(dtype=float)
    lt = load_type_reference(indexed[schema.LOAD_TYPE].reindex(full))
    origin_pos = len(full) - 1 - horizon
    lt[origin_pos + 1 :] = planned
    return full, usage, lt, origin_pos


@pytest.mark.parametrize("horizon", [DAY, 2 * WEEK + 3])
@pytest.mark.parametrize("with_covariates", [False, True])
def test_grid_for_origin_equals_the_reindex_reference(
    clean_reference: pd.DataFrame, horizon: int, with_covariates: bool
) -> None:
    frame = clean_reference.iloc[: 45 * DAY]
    rng = np.random.default_rng(5)
    frame = frame.drop(frame.index[rng.choice(len(frame), size=400, replace=False)])  # gaps
    frame = frame.copy()
    frame.loc[frame.index[-3 * DAY : -2 * DAY : 3], schema.LOAD_TYPE] = None  # unplanned slots
    origin = frame[TS].iloc[-DAY]
    covariates = None
    if with_covariates:
        covariates = pd.DataFrame({TS: base.target_timestamps(origin, DAY)})
        covariates[schema.LOAD_TYPE] = [schema.LOAD_TYPES[k % 3] if k % 5 else None for k in range(DAY)]
    planned = plan.plan_codes(origin, horizon, covariates)
    grid, origin_pos = Grid.for_origin(frame, origin, horizon, planned)
    full, usage, lt, ref_pos = for_origin_reference(frame, origin, horizon, planned)
    assert origin_pos == ref_pos
    assert grid.timestamps.equals(full)
    np.testing.assert_array_equal(grid.usage, usage)
    np.testing.assert_array_equal(grid.load_type, lt)
    assert np.isnan(grid.usage[origin_pos + 1 :]).all()
    assert not np.isnan(grid.load_type[origin_pos + 1 :]).any()
    with pytest.raises(ValueError, match="codes for"):
        Grid.for_origin(frame, origin, horizon, planned[:-1])


def test_same_status_features_equal_the_per_day_loop(clean_reference: pd.DataFrame) -> None:
    grid = Grid.from_frame(clean_reference.iloc[: 40 * DAY])
    rng = np.random.default_rng(2)
    origins = rng.integers(0, 39 * DAY, size=300)
    h = rng.integers(1, DAY + 1, size=300)
    known = origins + DAY
    x = feature_matrix(grid, origins, h, known)
    # reference: the 28 candidate days one at a time, as before vectorisation
    t = origins + h
    op_t = grid.operating(t, known, origins)
    same = np.full((len(t), 28), np.nan)
    for k in range(1, 29):
        src = t - k * DAY
        cand = np.where(src <= origins, grid.take(grid.usage, src), np.nan)
        same[:, k - 1] = np.where(grid.operating(src, origins + DAY, origins) == op_t, cand, np.nan)
    found = ~np.isnan(same)
    first = np.argmax(found, axis=1)
    latest = np.where(found.any(axis=1), same[np.arange(len(t)), first], np.nan)
    days_back = np.where(found.any(axis=1), first + 1.0, np.nan)
    column = {name: x[:, j] for j, name in enumerate(FORECAST_FEATURES)}
    np.testing.assert_array_equal(column["lag_same_status"], latest)
    np.testing.assert_array_equal(column["days_back_same_status"], days_back)
    for n in (3, 5):
        sel = found & (np.cumsum(found, axis=1) <= n)
        count = sel.sum(axis=1)
        with np.errstate(invalid="ignore"):
            mean = np.where(count > 0, np.where(sel, same, 0.0).sum(axis=1) / np.maximum(count, 1), np.nan)
        np.testing.assert_array_equal(column[f"mean_same_status_{n}d"], mean)
    assert np.isfinite(latest).sum() > 100 and np.isnan(latest).any()


# --- prediction threads --------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def small_lightgbm(clean_reference: pd.DataFrame) -> tuple[LightGBMQuantileForecaster, pd.DataFrame]:
    train = clean_reference.iloc[: 21 * DAY]
    model = LightGBMQuantileForecaster(n_estimators=20, n_jobs=1, origin_step=16).fit(train)
    return model, train


def test_prediction_threads_do_not_change_a_forecast(
    small_lightgbm: tuple[LightGBMQuantileForecaster, pd.DataFrame],
) -> None:
    model, train = small_lightgbm
    origin = train[TS].iloc[-40]
    model.set_prediction_threads(1)
    one = model.predict(train, origin, DAY)
    assert len(one) == DAY and one["mean"].std() > 0
    model.set_prediction_threads(2)
    assert model.predict_threads == 2
    two = model.predict(train, origin, DAY)
    pd.testing.assert_frame_equal(two, one, check_exact=True)
    model.set_prediction_threads(0)  # clamped: a forecast never runs on zero threads
    assert model.predict_threads == 1


def test_the_ensemble_passes_prediction_threads_to_its_members(
    small_lightgbm: tuple[LightGBMQuantileForecaster, pd.DataFrame],
) -> None:
    model, _ = small_lightgbm
    other = LightGBMQuantileForecaster(n_estimators=5, n_jobs=1)
    ensemble = WeightedEnsembleForecaster()
    ensemble.members = [model, other]
    ensemble.set_prediction_threads(3)
    assert [m.predict_threads for m in ensemble.members] == [3, 3]
    ensemble.set_prediction_threads(1)
    assert [m.predict_threads for m in ensemble.members] == [1, 1]


def test_on_grid_refuses_any_repeated_timestamp_like_reindex() -> None:
    """A repeat off the grid (or outside it) is refused too: reindex refused any duplicate label."""
    start = pd.Timestamp("2018-01-01 00:15")
    off_grid_twice = pd.DatetimeIndex(["2018-01-01 00:15", "2018-01-01 00:37", "2018-01-01 00:37"])
    with pytest.raises(ValueError, match="duplicate"):
        pd.Series(range(3), index=off_grid_twice).reindex(pd.date_range(start, periods=8, freq="15min"))
    with pytest.raises(ValueError, match="duplicate"):
        on_grid(off_grid_twice.to_numpy(), start, length=8)
    unsorted_twice = pd.DatetimeIndex(["2018-01-03 00:00", "2018-01-01 00:30", "2018-01-03 00:00"])
    with pytest.raises(ValueError, match="duplicate"):
        on_grid(unsorted_twice.to_numpy(), start, length=8)


# --- the served forecast's per-day caches and integer paths (issue 17 item 6) ---------------------------
@functools.cache
def _closing_day(day: pd.Timestamp) -> bool:
    """A public holiday the plant closes on (the holidays package's name of the day)."""
    name = holidays.country_holidays("KR", years=day.year).get(day.date())
    return bool(name) and any(word in name for word in plan.CLOSING_HOLIDAYS)


def operating_reference(days: pd.DatetimeIndex) -> np.ndarray:
    """Operating by the calendar rule, day by day with pandas accessors and the holidays package."""
    closing = np.array([_closing_day(d) for d in days], dtype=bool)
    return ~((days.dayofweek == calendar.SUNDAY) | closing)


def derived_reference(targets: pd.DatetimeIndex) -> np.ndarray:
    """The derived plan of interval-END stamps by pandas field accessors of each interval's start."""
    start = targets - STEP
    table = plan._period_table(plan.default_tariff())
    clock = table[start.month.to_numpy(), start.hour.to_numpy()]
    return np.where(operating_reference(start.normalize()), clock, 0.0)


SERVED_ORIGINS = [
    *pd.date_range("2017-12-30 20:00", "2018-01-02 04:00", freq="155min"),  # New Year, year end
    *pd.date_range("2018-02-14 18:00", "2018-02-18 06:00", freq="175min"),  # Seollal
    *pd.date_range("2018-09-22 00:00", "2018-09-27 00:00", freq="245min"),  # Chuseok + substitute
    pd.Timestamp("2018-03-31 23:45"),  # month end
    pd.Timestamp("2018-06-03 10:07:30"),  # a Sunday, off the 15-minute grid
    pd.Timestamp("1969-12-31 23:45"),  # before the epoch
]


@pytest.mark.parametrize("horizon", [1, DAY, 3 * DAY + 5])
def test_plan_codes_without_a_plan_equal_the_general_path(horizon: int) -> None:
    for origin in SERVED_ORIGINS:
        for written in (origin, origin.as_unit("s") if origin.second == 0 else origin):
            fast = plan.plan_codes(written, horizon)
            targets = base.target_timestamps(origin, horizon)
            general = plan.derived_load_type_codes(targets)
            assert fast.dtype == np.float64 and fast.flags.writeable
            np.testing.assert_array_equal(fast, general)
            np.testing.assert_array_equal(fast, derived_reference(targets))
            # an empty sent plan takes the general path (the targets' index, _sent_codes)
            empty = pd.DataFrame({TS: pd.DatetimeIndex([]), schema.LOAD_TYPE: []})
            np.testing.assert_array_equal(plan.plan_codes(written, horizon, empty), fast)
    aware = SERVED_ORIGINS[0].tz_localize(schema.PLANT_TIMEZONE)
    np.testing.assert_array_equal(
        plan.plan_codes(aware, horizon), plan.plan_codes(SERVED_ORIGINS[0], horizon)
    )


def test_cached_operating_and_holiday_days_of_unsorted_spans() -> None:
    rng = np.random.default_rng(17)
    days = pd.date_range("2017-12-01", "2019-01-31", freq="D")
    for _ in range(3):  # the same spans again: read from the caches
        picked = days[rng.choice(len(days), size=200)]
        numbers = picked.to_numpy().astype("datetime64[D]").astype(np.int64)
        np.testing.assert_array_equal(
            plan._operating_day_numbers(numbers, plan.CLOSING_HOLIDAYS), operating_reference(picked)
        )
        np.testing.assert_array_equal(plan.operating_days(picked), operating_reference(picked))
        np.testing.assert_array_equal(calendar.holiday_day_flags(numbers), holiday_reference(picked))
    flags = calendar.holiday_day_flags(numbers)
    flags[:] = -1.0  # a caller's copy: the cached span stays as it was
    np.testing.assert_array_equal(calendar.holiday_day_flags(numbers), holiday_reference(picked))
    assert calendar.holiday_day_flags(np.zeros(0, dtype=np.int64)).shape == (0,)
    assert plan._operating_day_numbers(np.zeros(0, dtype=np.int64), plan.CLOSING_HOLIDAYS).shape == (0,)


@pytest.mark.parametrize("order", ["shuffled", "second_unit", "aware"])
def test_grid_for_origin_of_the_general_paths(clean_reference: pd.DataFrame, order: str) -> None:
    """Histories the binary search does not serve (unsorted, time-zone aware) and second-resolution
    stamps give the same grid as the sorted history."""
    frame = clean_reference.iloc[: 40 * DAY]
    origin = frame[TS].iloc[-DAY]
    planned = plan.plan_codes(origin, DAY)
    grid, origin_pos = Grid.for_origin(frame, origin, DAY, planned)
    if order == "shuffled":
        other, other_origin = frame.sample(frac=1.0, random_state=3), origin
    elif order == "second_unit":
        other, other_origin = frame.assign(**{TS: frame[TS].dt.as_unit("s")}), origin.as_unit("s")
    else:
        other = frame.assign(**{TS: frame[TS].dt.tz_localize(schema.PLANT_TIMEZONE)})
        other_origin = origin.tz_localize(schema.PLANT_TIMEZONE)
    again, again_pos = Grid.for_origin(other, other_origin, DAY, planned)
    assert again_pos == origin_pos
    np.testing.assert_array_equal(again.timestamps.tz_localize(None).asi8, grid.timestamps.asi8)
    for name in ("usage", "load_type", "slot", "day_of_week", "is_holiday"):
        np.testing.assert_array_equal(getattr(again, name), getattr(grid, name))
    with pytest.raises(ValueError, match="no history at or before"):
        Grid.for_origin(frame, frame[TS].iloc[0] - STEP, DAY, planned)


def test_served_predict_equals_the_general_path_on_many_origins(
    small_lightgbm: tuple[LightGBMQuantileForecaster, pd.DataFrame],
) -> None:
    """A forecast from the served (sorted) history without a plan equals, bit for bit, the one from
    the same history shuffled with an empty plan sent (masks, the targets' index, _sent_codes):
    origins every 7 h 45 min over two weeks (New Year's Day in their lags, Sundays), the end of the
    history, the first hour of the history, and two days ahead (the recursive path)."""
    model, train = small_lightgbm
    model.set_prediction_threads(1)
    shuffled = train.sample(frac=1.0, random_state=5)
    empty = pd.DataFrame({TS: pd.DatetimeIndex([]), schema.LOAD_TYPE: []})
    stamps = train[TS]
    origins = [*stamps.iloc[7 * DAY :: 31], stamps.iloc[-1], stamps.iloc[3]]
    for origin in origins:
        fast = model.predict(train, origin, DAY)
        general = model.predict(shuffled, origin, DAY, future_covariates=empty)
        pd.testing.assert_frame_equal(fast, general, check_exact=True)
    sent = pd.DataFrame({TS: base.target_timestamps(stamps.iloc[-1], DAY)})
    sent[schema.LOAD_TYPE] = [schema.LOAD_TYPES[k % 3] for k in range(DAY)]
    pd.testing.assert_frame_equal(
        model.predict(train, stamps.iloc[-1], DAY, future_covariates=sent),
        model.predict(shuffled, stamps.iloc[-1], DAY, future_covariates=sent),
        check_exact=True,
    )
    far = model.predict(train, stamps.iloc[-1], 2 * DAY)
    pd.testing.assert_frame_equal(
        far, model.predict(shuffled, stamps.iloc[-1], 2 * DAY, future_covariates=empty), check_exact=True
    )


def test_finish_forecast_equals_the_frame_built_column_by_column() -> None:
    rng = np.random.default_rng(23)
    levels = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
    for origin, horizon, quantiles in (
        (pd.Timestamp("2018-02-15 23:45"), DAY, levels),
        (pd.Timestamp("2018-12-31 12:00"), 5, (0.1, 0.5, 0.9)),
        (pd.Timestamp("2018-03-01 00:00", tz=schema.PLANT_TIMEZONE), 3 * DAY, levels),
    ):
        mean = rng.normal(1.0, 2.0, horizon)
        values = rng.normal(1.0, 2.0, (horizon, len(quantiles)))
        values[3, 1] = -0.0
        result = base.finish_forecast(origin, mean, values, quantiles)
        sorted_values = np.sort(np.clip(values, 0.0, None), axis=1)
        columns = {
            TS: base.target_timestamps(origin, horizon),
            base.TARGET_HORIZON: np.arange(1, horizon + 1, dtype="int64"),
            base.MEAN: np.clip(mean, 0.0, None),
        }
        for j, q in enumerate(quantiles):
            columns[base.quantile_column(q)] = sorted_values[:, j]
        pd.testing.assert_frame_equal(result, pd.DataFrame(columns), check_exact=True)
        assert (result.drop(columns=[TS]).to_numpy() >= 0).all()


# --- a served history prepared once per load ---------------------------------------------------
def test_prepare_history_only_takes_frames_the_fast_paths_read_exactly(clean_reference: pd.DataFrame) -> None:
    """Sorted, naive datetime64[ns], known load types: prepared, for that frame object alone (a copy
    or a slice is not); anything else is left to the general paths; a dropped frame is forgotten."""
    frame = clean_reference.iloc[: 3 * DAY].reset_index(drop=True)
    ready = no_look_ahead.prepare_history(frame)
    assert ready is not None and no_look_ahead.prepared(frame) is ready
    np.testing.assert_array_equal(ready.stamps, frame[TS].to_numpy())
    np.testing.assert_array_equal(ready.load_type, calendar.load_type_codes(frame[schema.LOAD_TYPE]))
    assert (ready.first, ready.last) == (frame[TS].min(), frame[TS].max())
    assert not ready.usage.flags.writeable
    assert no_look_ahead.prepared(frame.copy()) is None and no_look_ahead.prepared(frame.iloc[:10]) is None
    for other in (
        frame.sample(frac=1.0, random_state=1),
        frame.assign(**{TS: frame[TS].dt.tz_localize(schema.PLANT_TIMEZONE)}),
        frame.assign(**{TS: frame[TS].dt.as_unit("s")}),
        frame.assign(**{schema.LOAD_TYPE: ["Odd_Load", *frame[schema.LOAD_TYPE].iloc[1:]]}),
        frame.iloc[:0],
    ):
        assert no_look_ahead.prepare_history(other) is None and no_look_ahead.prepared(other) is None
    key = id(frame)
    del frame, ready
    assert key not in no_look_ahead._PREPARED


def test_prepared_predict_equals_the_general_paths(
    small_lightgbm: tuple[LightGBMQuantileForecaster, pd.DataFrame],
) -> None:
    """A forecast from a prepared history equals, bit for bit, the one from the same frame unprepared
    and from it shuffled (masks): origins every 5 h 15 min over two weeks (New Year's Day in the lags),
    the first allowed origin, the history end, between readings, a sent plan, two days ahead; the
    prepared frame's refusals are the general ones."""
    model, train = small_lightgbm
    model.set_prediction_threads(1)
    served = train.reset_index(drop=True)
    assert no_look_ahead.prepare_history(served) is not None
    plain, shuffled = served.copy(), served.sample(frac=1.0, random_state=9)
    stamps = served[TS]
    origins = [
        *stamps.iloc[7 * DAY :: 21],
        stamps.iloc[WEEK - 1],
        stamps.iloc[-1],
        stamps.iloc[-5] + STEP / 3,
    ]
    for origin in origins:
        fast = model.predict(served, origin, DAY)
        pd.testing.assert_frame_equal(fast, model.predict(plain, origin, DAY), check_exact=True)
        pd.testing.assert_frame_equal(fast, model.predict(shuffled, origin, DAY), check_exact=True)
        assert no_look_ahead.sorted_end(served, origin) == no_look_ahead.sorted_end(plain, origin)
    sent = pd.DataFrame({TS: base.target_timestamps(stamps.iloc[-30], DAY)})
    sent[schema.LOAD_TYPE] = [schema.LOAD_TYPES[k % 3] for k in range(DAY)]
    for horizon in (5, 2 * DAY):
        pd.testing.assert_frame_equal(
            model.predict(served, stamps.iloc[-30], horizon, future_covariates=sent),
            model.predict(shuffled, stamps.iloc[-30], horizon, future_covariates=sent),
            check_exact=True,
        )
    with pytest.raises(ValueError, match="no history at or before"):
        model.predict(served, stamps.iloc[0] - STEP, DAY)
