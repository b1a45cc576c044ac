"""Calendar: interval starts, KEPCO seasons and South Korean holidays."""

from __future__ import annotations

import pandas as pd
import pytest

from energy_assets.domain import calendar
from energy_assets.domain.data import schema


def test_interval_start_is_fifteen_minutes_before_the_stamp() -> None:
    assert calendar.interval_start(pd.Timestamp("2018-01-01 10:00")) == pd.Timestamp("2018-01-01 09:45")
    starts = calendar.interval_start(pd.Series(pd.to_datetime(["2018-01-02 00:00", "2018-01-01 00:15"])))
    assert list(starts) == [pd.Timestamp("2018-01-01 23:45"), pd.Timestamp("2018-01-01 00:00")]


def test_midnight_row_belongs_to_the_day_it_closes() -> None:
    days = calendar.interval_date(pd.Series(pd.to_datetime(["2019-01-01 00:00", "2018-12-31 00:15"])))
    assert list(days) == [pd.Timestamp("2018-12-31"), pd.Timestamp("2018-12-31")]


def test_time_zone_aware_stamps_are_read_in_plant_time() -> None:
    utc = pd.Series(pd.to_datetime(["2018-07-02 01:00"]).tz_localize("UTC"))
    assert calendar.interval_start(utc).iloc[0] == pd.Timestamp("2018-07-02 09:45")


@pytest.mark.parametrize(
    ("month", "expected"),
    [
        (1, "winter"),
        (2, "winter"),
        (3, "spring_fall"),
        (5, "spring_fall"),
        (6, "summer"),
        (8, "summer"),
        (9, "spring_fall"),
        (10, "spring_fall"),
        (11, "winter"),
        (12, "winter"),
    ],
)
def test_season_of_month(month: int, expected: str) -> None:
    assert calendar.season(month) == expected


def test_season_is_vectorised_and_rejects_bad_months() -> None:
    months = pd.Series([7, 4, 12], index=[10, 20, 30])
    assert calendar.season(months).to_dict() == {10: "summer", 20: "spring_fall", 30: "winter"}
    with pytest.raises(ValueError, match="between 1 and 12"):
        calendar.season(13)
    with pytest.raises(ValueError, match="between 1 and 12"):
        calendar.season(pd.Series([1, 0]))


def test_season_months_partition_the_year() -> None:
    months = sorted(m for ms in calendar.SEASON_MONTHS.values() for m in ms)
    assert months == list(range(1, 13))


@pytest.mark.parametrize(
    "day",
    ["2018-01-01", "2018-02-16", "2018-05-07", "2018-06-13", "2018-09-24", "2018-12-25", "2025-10-06"],
)
def test_korean_public_holidays(day: str) -> None:
    assert calendar.is_holiday(pd.Timestamp(day)) is True


@pytest.mark.parametrize("day", ["2018-02-19", "2018-05-01", "2018-08-01", "2018-12-31", "2025-10-10"])
def test_ordinary_days_are_not_holidays(day: str) -> None:
    assert calendar.is_holiday(pd.Timestamp(day)) is False


def test_is_holiday_ignores_time_of_day_and_keeps_the_index() -> None:
    days = pd.Series(pd.to_datetime(["2018-09-24 13:30", "2018-09-27 13:30"]), index=[5, 7])
    result = calendar.is_holiday(days)
    assert result.to_dict() == {5: True, 7: False}


def test_korean_holidays_of_2018() -> None:
    table = calendar.korean_holidays([2018])
    assert len(table) == 18
    assert table[pd.Timestamp("2018-09-24").date()] == "Chuseok"


def test_is_weekend() -> None:
    assert calendar.is_weekend(pd.Timestamp("2018-07-01")) is True  # Sunday
    assert calendar.is_weekend(pd.Timestamp("2018-07-02")) is False  # Monday


def test_reference_year_has_365_interval_days_and_18_holidays(clean_reference: pd.DataFrame) -> None:
    days = calendar.interval_date(clean_reference[schema.TIMESTAMP])
    assert days.nunique() == 365
    assert (days.value_counts() == schema.INTERVALS_PER_DAY).all()
    assert days[calendar.is_holiday(days)].nunique() == 18
