"""The derived plan: operating days from the calendar, clock periods on them, the plan sent wins."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from energy_assets.domain.data import schema
from energy_assets.domain.models.forecast import plan


def _actual_operating(clean: pd.DataFrame) -> pd.Series:
    start = clean[schema.TIMESTAMP] - schema.INTERVAL
    at9 = (start.dt.hour == 9) & (start.dt.minute == 0)
    return pd.Series(
        (clean.loc[at9, schema.LOAD_TYPE] != "Light_Load").to_numpy(),
        index=pd.DatetimeIndex(start[at9].dt.normalize()),
    )


@pytest.mark.parametrize(
    ("day", "operates"),
    [
        ("2018-01-01", False),  # New Year's Day (Monday)
        ("2018-02-15", False),  # Seollal eve (Thursday)
        ("2018-02-17", False),  # Seollal, second day (Saturday)
        ("2018-03-01", True),  # Independence Movement Day: worked
        ("2018-06-13", True),  # local elections: worked
        ("2018-09-24", False),  # Chuseok
        ("2018-09-26", False),  # substitute holiday for Chuseok
        ("2018-10-03", True),  # National Foundation Day: worked
        ("2018-10-07", False),  # a Sunday
        ("2018-10-06", True),  # a Saturday
        ("2018-10-08", True),  # a Monday
    ],
)
def test_operating_days_on_known_2018_days(day: str, operates: bool) -> None:
    assert bool(plan.operating_days(pd.DatetimeIndex([day]))[0]) is operates


def test_derived_plan_reproduces_the_2018_calendar(clean_reference: pd.DataFrame) -> None:
    actual = _actual_operating(clean_reference)
    derived = pd.Series(plan.operating_days(actual.index), index=actual.index)
    train_val = actual.index < "2018-10-02"
    assert (derived == actual)[train_val].mean() == pytest.approx(0.898, abs=0.001)
    assert (derived == actual)[~train_val].mean() == pytest.approx(0.901, abs=0.001)
    # the days it misses in the test window: operating Sundays, closed Saturdays, Christmas, 31 Dec
    wrong = actual.index[~train_val & (derived != actual).to_numpy()].strftime("%m-%d").tolist()
    assert wrong == ["11-04", "11-18", "11-24", "12-15", "12-16", "12-22", "12-25", "12-29", "12-31"]
    # on the days both call operating, every interval's load type is the clock period's
    frame = plan.derived_plan(clean_reference[schema.TIMESTAMP])
    day = (clean_reference[schema.TIMESTAMP] - schema.INTERVAL).dt.normalize()
    both = day.map(actual & derived).to_numpy(dtype=bool)
    assert (frame[schema.LOAD_TYPE].to_numpy() == clean_reference[schema.LOAD_TYPE].to_numpy())[both].all()
    assert both.sum() == 96 * int((actual & derived).sum())


def test_derived_plan_by_interval_start_and_shape() -> None:
    # 25 Dec 2018 (Christmas, a Tuesday) is worked by the default rule; 09:00 starts the medium block
    frame = plan.derived_plan(pd.date_range("2018-12-25 09:00", periods=3, freq="15min"))
    assert list(frame.columns) == [schema.TIMESTAMP, schema.LOAD_TYPE]
    assert frame[schema.LOAD_TYPE].tolist() == ["Light_Load", "Medium_Load", "Medium_Load"]
    # the plant can name its own closing holidays
    closed = plan.derived_plan(frame[schema.TIMESTAMP], closing_holidays=("Christmas",))
    assert set(closed[schema.LOAD_TYPE]) == {"Light_Load"}
    # the row stamped 00:00 closes the previous day: Sunday 7 Oct ends at Monday 00:00
    monday = plan.derived_plan(pd.DatetimeIndex(["2018-10-08 00:00", "2018-10-08 09:15"]))
    assert monday[schema.LOAD_TYPE].tolist() == ["Light_Load", "Medium_Load"]


def test_plan_codes_prefer_the_sent_plan_and_derive_the_rest() -> None:
    origin = pd.Timestamp("2018-10-07 08:00")  # a Sunday: derived Light all day
    sent = pd.DataFrame(
        {
            schema.TIMESTAMP: pd.to_datetime(["2018-10-07 09:15", "2018-10-07 09:15", "2018-10-07 09:17"]),
            schema.LOAD_TYPE: ["Medium_Load", "Maximum_Load", "Maximum_Load"],  # last repeat wins
        }
    )
    codes = plan.plan_codes(origin, 8, sent)
    assert codes.tolist() == [0, 0, 0, 0, 2, 0, 0, 0]
    full = plan.complete_plan(origin, 8, sent)
    assert full[plan.DERIVED].tolist() == [True] * 4 + [False] + [True] * 3
    assert full[schema.LOAD_TYPE].iloc[4] == "Maximum_Load"
    with pytest.raises(ValueError, match="unknown load_type"):
        plan.plan_codes(origin, 8, sent.assign(load_type="Heavy"))


def test_aware_stamps_are_read_on_the_plant_clock() -> None:
    naive = plan.derived_load_type_codes(pd.date_range("2018-10-08 09:15", periods=4, freq="15min"))
    aware = pd.date_range("2018-10-08 00:15", periods=4, freq="15min", tz="UTC")  # = 09:15 KST
    assert np.array_equal(plan.derived_load_type_codes(aware), naive)
