"""The served forecast's fast paths give exactly what the plain pandas versions give."""

from __future__ import annotations

import holidays
import numpy as np
import pandas as pd
import pytest

from energy_assets.domain import schema
from energy_assets.domain.forecasting import LightGBMQuantileForecaster, base, classical


@pytest.fixture(scope="module")
def history(clean_reference: pd.DataFrame) -> pd.DataFrame:
    return clean_reference.iloc[: 10 * schema.INTERVALS_PER_DAY].reset_index(drop=True)


@pytest.mark.parametrize("offset_min", [0, 15, 7, 60 * 24 * 20])
def test_history_until_equals_the_mask_on_sorted_history(history: pd.DataFrame, offset_min: int) -> None:
    origin = history[schema.TIMESTAMP].iloc[300] + pd.Timedelta(minutes=offset_min)
    expected = history.loc[history[schema.TIMESTAMP] <= origin]
    assert base.sorted_end(history, origin) == len(expected)
    pd.testing.assert_frame_equal(base.history_until(history, origin), expected)


def test_history_until_falls_back_to_the_mask_when_unsorted_or_aware(history: pd.DataFrame) -> None:
    shuffled = history.sample(frac=1.0, random_state=7)
    origin = history[schema.TIMESTAMP].iloc[500]
    assert base.sorted_end(shuffled, origin) is None
    pd.testing.assert_frame_equal(
        base.history_until(shuffled, origin), shuffled.loc[shuffled[schema.TIMESTAMP] <= origin]
    )
    assert base.sorted_end(history, origin.tz_localize(schema.PLANT_TIMEZONE)) is None
    with pytest.raises(ValueError, match="no history at or before"):
        base.history_until(history, history[schema.TIMESTAMP].iloc[0] - pd.Timedelta(minutes=15))


def test_holiday_flags_match_the_holidays_package_across_years() -> None:
    index = pd.date_range("2017-12-30", "2019-01-02 23:45", freq="15min")
    years = range(2017, 2020)
    reference = holidays.country_holidays("KR", years=years)
    expected = np.array([d.date() in reference for d in index.normalize()], dtype=float)
    flags = classical._is_holiday(index)
    np.testing.assert_array_equal(flags, expected)
    for day in ("2018-02-16", "2018-09-24", "2018-01-01"):
        assert flags[index.normalize() == pd.Timestamp(day)].min() == 1.0
    assert classical._is_holiday(index[:0]).shape == (0,)
    aware = index.tz_localize(schema.PLANT_TIMEZONE)
    np.testing.assert_array_equal(classical._is_holiday(aware), expected)


@pytest.mark.parametrize("start", ["2018-03-05 00:15", "2018-03-05 07:45", "2018-12-31 23:45"])
def test_grid_slots_and_weekdays_match_pandas_accessors(start: str) -> None:
    stamps = pd.date_range(start, periods=3 * schema.INTERVALS_PER_DAY, freq="15min")
    grid = classical._Grid(stamps, np.zeros(len(stamps)), np.zeros(len(stamps)))
    interval_start = stamps - pd.Timedelta(minutes=15)
    np.testing.assert_array_equal(
        grid.slot, (interval_start.hour * 4 + interval_start.minute // 15).to_numpy()
    )
    np.testing.assert_array_equal(grid.day_of_week, interval_start.dayofweek.to_numpy().astype(float))


def test_load_type_codes() -> None:
    codes = classical._load_type_codes(
        np.array(["Light_Load", "Medium_Load", "Maximum_Load", None], dtype=object)
    )
    np.testing.assert_array_equal(codes, [0.0, 1.0, 2.0, np.nan])
    with pytest.raises(ValueError, match="Overload"):
        classical._load_type_codes(pd.Series(["Light_Load", "Overload"]))


def test_on_grid_keeps_what_reindex_keeps_and_refuses_duplicates() -> None:
    start = pd.Timestamp("2018-01-01 00:15")
    stamps = pd.DatetimeIndex(
        ["2018-01-01 00:15", "2018-01-01 00:37", "2018-01-01 01:00", "2018-01-02 00:00"]
    )
    rows, pos = classical._on_grid(stamps.to_numpy(), start, length=8)
    grid = pd.date_range(start, periods=8, freq="15min")
    kept = pd.Series(range(len(stamps)), index=stamps).reindex(grid).dropna().astype(int)
    np.testing.assert_array_equal(rows, kept.to_numpy())
    np.testing.assert_array_equal(pos, grid.get_indexer(kept.index))
    twice = pd.DatetimeIndex(["2018-01-01 00:30", "2018-01-01 00:30"]).to_numpy()
    with pytest.raises(ValueError, match="duplicate"):
        classical._on_grid(twice, start, length=8)


def test_prediction_threads_do_not_change_a_forecast(clean_reference: pd.DataFrame) -> None:
    train = clean_reference.iloc[: 21 * schema.INTERVALS_PER_DAY]
    model = LightGBMQuantileForecaster(n_estimators=20, n_jobs=1, origin_step=16).fit(train)
    origin = train[schema.TIMESTAMP].iloc[-40]
    one = model.predict(train, origin, schema.INTERVALS_PER_DAY)
    model.set_prediction_threads(2)
    assert model.predict_threads == 2
    pd.testing.assert_frame_equal(
        model.predict(train, origin, schema.INTERVALS_PER_DAY), one, check_exact=True
    )
    ensemble = classical.WeightedEnsembleForecaster()
    ensemble.members = [model]
    ensemble.set_prediction_threads(1)
    assert model.predict_threads == 1
