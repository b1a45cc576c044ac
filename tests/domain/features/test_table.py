"""Features: known values on the reference, one-row serving, causality, gaps and the column groups."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from energy_assets.domain import features as F
from energy_assets.domain import tariff
from energy_assets.domain.data import schema
from energy_assets.domain.features.forecast import Grid, training_rows


@pytest.fixture(scope="module")
def built(clean_reference: pd.DataFrame) -> pd.DataFrame:
    return F.build_features(clean_reference)


def _row(frame: pd.DataFrame, stamp: str) -> pd.Series:
    return frame.loc[frame[schema.TIMESTAMP] == pd.Timestamp(stamp)].iloc[0]


def test_reference_row_values(built: pd.DataFrame, clean_reference: pd.DataFrame) -> None:
    row = _row(built, "2018-01-11 10:15")  # Thursday, interval 10:00-10:15, winter peak
    assert row[schema.USAGE_KWH] == 73.51
    assert (row[F.HOUR], row[F.MINUTE_OF_DAY], row[F.DAY_OF_WEEK_NUM]) == (10, 600, 3)
    assert (row[F.MONTH], row[F.DAY_OF_YEAR], row[F.IS_WEEKEND], row[F.IS_HOLIDAY]) == (1, 11, 0, 0)
    assert row[F.TIME_OF_DAY_SIN] == pytest.approx(0.5)
    assert row[F.TIME_OF_DAY_COS] == pytest.approx(-np.sqrt(3) / 2)
    assert row[F.DAY_OF_WEEK_SIN] == pytest.approx(np.sin(2 * np.pi * 3 / 7))
    assert (row[F.SEASON], row[F.SEASON_CODE]) == ("winter", 2)
    assert (row[F.TARIFF_PERIOD], row[F.TARIFF_PERIOD_CODE], row[F.LOAD_TYPE_CODE]) == ("maximum", 2, 2)
    assert row[F.IS_LIGHT_LOAD_DAY] == 0
    # triangle: lagging side 28.51 kVarh at PF 93.23 %; leading side reads PF 100 (undetermined)
    assert row[F.PHYSICS_USAGE_KWH] == pytest.approx(73.4888, abs=1e-4)
    assert row[F.LAGGING_APPARENT_KVAH] == pytest.approx(78.8253, abs=1e-4)
    assert np.isnan(row[F.LEADING_IMPLIED_KWH])
    assert (row[F.NET_REACTIVE_KVARH], row[F.LAGGING_REACTIVE_SHARE], row[F.MIN_POWER_FACTOR]) == (
        28.51,
        1.0,
        93.23,
    )
    # lags: same clock time 1, 2 and 7 days earlier
    assert row[F.lag_name(96)] == _row(clean_reference, "2018-01-10 10:15")[schema.USAGE_KWH] == 117.14
    assert row[F.lag_name(192)] == 106.42
    assert row[F.lag_name(672)] == 124.78
    # rolling windows end at t - 96 (2018-01-10 10:15)
    usage = clean_reference.set_index(schema.TIMESTAMP)[schema.USAGE_KWH]
    day = usage.loc["2018-01-09 10:30":"2018-01-10 10:15"]
    week = usage.loc["2018-01-03 10:30":"2018-01-10 10:15"]
    assert (len(day), len(week)) == (96, 672)
    assert row[F.rolling_name(96, "mean")] == pytest.approx(day.mean()) == pytest.approx(56.7)
    assert row[F.rolling_name(96, "std")] == pytest.approx(day.std())
    assert row[F.rolling_name(96, "max")] == day.max() == 136.69
    assert row[F.rolling_name(672, "mean")] == pytest.approx(week.mean())
    assert row[F.rolling_name(672, "max")] == week.max()


def test_midnight_row_is_the_last_interval_of_its_day(built: pd.DataFrame) -> None:
    row = _row(built, "2018-01-02 00:00")  # closes Monday 1 January, a holiday
    assert (row[F.HOUR], row[F.MINUTE_OF_DAY], row[F.DAY_OF_WEEK_NUM], row[F.DAY_OF_YEAR]) == (23, 1425, 0, 1)
    assert row[F.IS_HOLIDAY] == 1
    assert row[F.TARIFF_PERIOD] == "light"


def test_holidays_and_light_days_on_the_reference(built: pd.DataFrame) -> None:
    day = (built[schema.TIMESTAMP] - schema.INTERVAL).dt.normalize()
    assert built.loc[built[F.IS_HOLIDAY] == 1, schema.TIMESTAMP].sub(schema.INTERVAL).dt.date.nunique() == 18
    assert _row(built, "2018-02-16 12:00")[F.IS_HOLIDAY] == 1
    assert _row(built, "2018-09-24 12:00")[F.IS_HOLIDAY] == 1
    assert day[built[F.IS_LIGHT_LOAD_DAY] == 1].nunique() == 62
    assert _row(built, "2018-08-02 03:00")[F.IS_LIGHT_LOAD_DAY] == 1  # shutdown week, at night too


def test_columns_and_dtypes(built: pd.DataFrame, clean_reference: pd.DataFrame) -> None:
    assert list(built.columns) == [*schema.CLEAN_COLUMNS, *F.FEATURE_COLUMNS]
    assert len(built) == len(clean_reference)
    assert all(pd.api.types.is_numeric_dtype(built[c]) for c in F.ESTIMATE_FEATURES)
    # the forecast inputs are computed on the grid of the readings: one float column each
    x, y = training_rows(Grid.from_frame(clean_reference), schema.INTERVALS_PER_DAY, 96, 4, seed=0)
    assert x.shape == (len(y), len(F.FORECAST_FEATURES)) and x.dtype == np.float64
    assert built[list(F.CALENDAR_FEATURES)].notna().all().all()
    assert built[F.PHYSICS_USAGE_KWH].notna().all()
    assert np.sqrt(((built[F.PHYSICS_USAGE_KWH] - built[schema.USAGE_KWH]) ** 2).mean()) < 0.08


def test_groups_keep_the_tasks_honest() -> None:
    assert schema.USAGE_KWH not in F.ESTIMATE_FEATURES + F.FORECAST_FEATURES
    assert not set(F.LAG_FEATURES) & set(F.ESTIMATE_FEATURES)
    assert not (set(F.READING_FEATURES) | set(F.TRIANGLE_FEATURES)) & set(F.FORECAST_FEATURES)
    assert set(F.ESTIMATE_FEATURES) <= {*schema.CLEAN_COLUMNS, *F.FEATURE_COLUMNS}
    # the forecasters' known-future covariates: calendar by interval start, holidays, planned load
    assert {"slot", "day_of_week", "is_holiday", "load_type", "operating_day"} <= set(F.FORECAST_FEATURES)
    assert len(set(F.FORECAST_FEATURES)) == len(F.FORECAST_FEATURES)
    assert len(set(F.FEATURE_COLUMNS)) == len(F.FEATURE_COLUMNS)
    assert not set(F.FEATURE_COLUMNS) & set(schema.CLEAN_COLUMNS)
    assert F.MIN_LAG == schema.INTERVALS_PER_DAY


def test_one_row_frame_serves(built: pd.DataFrame, clean_reference: pd.DataFrame) -> None:
    one = F.build_features(clean_reference.iloc[[1000]])
    assert one.index.tolist() == [1000]
    assert one[list(F.LAG_FEATURES)].isna().all().all()
    same = [*F.CALENDAR_FEATURES, *F.LABEL_COLUMNS, *F.TRIANGLE_FEATURES]
    pd.testing.assert_frame_equal(one[same], built.loc[[1000], same])


def test_changing_usage_at_t_leaves_lag_features_before_t_plus_96_unchanged(
    clean_reference: pd.DataFrame, built: pd.DataFrame
) -> None:
    t = 5000
    changed = clean_reference.copy()
    changed.loc[t, schema.USAGE_KWH] += 100.0
    after = F.build_features(changed)
    lags = list(F.LAG_FEATURES)
    before_visible = slice(0, t + F.MIN_LAG - 1)  # rows < T + 96 intervals (loc is inclusive)
    pd.testing.assert_frame_equal(after.loc[before_visible, lags], built.loc[before_visible, lags])
    assert after.loc[t + 96, F.lag_name(96)] == built.loc[t + 96, F.lag_name(96)] + 100.0
    mean_96 = F.rolling_name(96, "mean")
    assert after.loc[t + 96, mean_96] == pytest.approx(built.loc[t + 96, mean_96] + 100.0 / 96)
    assert after.loc[t + 672, F.lag_name(672)] == built.loc[t + 672, F.lag_name(672)] + 100.0


def test_lags_do_not_shift_across_gaps(clean_reference: pd.DataFrame, built: pd.DataFrame) -> None:
    gappy = clean_reference.drop(index=2000)
    got = F.build_features(gappy)
    assert np.isnan(got.loc[2096, F.lag_name(96)])  # its day-ago interval is missing
    assert got.loc[2097, F.lag_name(96)] == clean_reference.loc[2001, schema.USAGE_KWH]
    assert got.loc[2097, F.lag_name(96)] == built.loc[2097, F.lag_name(96)]


def test_row_order_and_repeated_builds_do_not_change_values(
    clean_reference: pd.DataFrame, built: pd.DataFrame
) -> None:
    week = clean_reference.iloc[3000:3800]
    shuffled = week.sample(frac=1.0, random_state=0)
    got = F.build_features(shuffled).sort_index()
    pd.testing.assert_frame_equal(got, F.build_features(week))
    again = F.build_features(built.iloc[3000:3800])
    pd.testing.assert_frame_equal(again, F.build_features(week))


def test_bad_frames_are_refused(clean_reference: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match=schema.LOAD_TYPE):
        F.build_features(clean_reference.iloc[:10].drop(columns=schema.LOAD_TYPE))
    unknown = clean_reference.iloc[:10].copy()
    unknown.loc[3, schema.LOAD_TYPE] = "Peak"
    with pytest.raises(ValueError, match="'Peak'"):
        F.build_features(unknown)
    twice = pd.concat([clean_reference.iloc[:3], clean_reference.iloc[[1]]])
    with pytest.raises(ValueError, match="unique"):
        F.build_features(twice)


def test_tariff_override_reaches_the_features(clean_reference: pd.DataFrame) -> None:
    sunday = clean_reference[clean_reference[schema.TIMESTAMP] == pd.Timestamp("2018-07-01 11:00")]
    default = F.build_features(sunday).iloc[0]
    assert (default[F.TARIFF_PERIOD], default[F.TARIFF_PERIOD_CODE]) == ("light", 0)
    clock_only = tariff.default_tariff().model_copy(update={"light_all_day": ()})
    custom = F.build_features(sunday, tariff=clock_only).iloc[0]
    assert (custom[F.TARIFF_PERIOD], custom[F.TARIFF_PERIOD_CODE]) == ("maximum", 2)
    assert (custom[F.SEASON], custom[F.SEASON_CODE]) == ("summer", 0)
