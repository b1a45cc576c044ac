"""``observed_around``: the readings a /forecast answer carries (the day before the origin and, for a
past origin, the actuals of its targets) are the same by binary search as by plain masks."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd
import pytest

from energy_api.services.forecast import RECENT_INTERVALS, observed_around, wall_datetimes
from energy_assets.domain.data import schema


def _by_masks(history: pd.DataFrame, origin: pd.Timestamp, targets: pd.Series) -> dict[str, list]:
    """The plain reading of the rule, row by row."""
    ts = pd.to_datetime(history[schema.TIMESTAMP])
    ordered = history.assign(**{schema.TIMESTAMP: ts}).sort_values(schema.TIMESTAMP)
    before = ordered[ordered[schema.TIMESTAMP] <= origin].tail(RECENT_INTERVALS)
    after = ordered[(ordered[schema.TIMESTAMP] > origin) & ordered[schema.TIMESTAMP].isin(set(targets))]

    def rows(frame: pd.DataFrame) -> list[dict]:
        return [
            {"timestamp": t.to_pydatetime(), "usage_kwh": float(u)}
            for t, u in zip(frame[schema.TIMESTAMP], frame[schema.USAGE_KWH], strict=True)
        ]

    return {"recent": rows(before), "actuals": rows(after)}


@pytest.fixture(scope="module")
def history() -> pd.DataFrame:
    stamps = pd.date_range("2018-03-01 00:15", periods=20 * schema.INTERVALS_PER_DAY, freq="15min")
    usage = np.random.default_rng(7).gamma(2.0, 10.0, len(stamps)).round(2)
    return pd.DataFrame({schema.TIMESTAMP: stamps, schema.USAGE_KWH: usage})


@pytest.mark.parametrize("days_before_end", [0, 1, 3, 19.5])
def test_binary_search_matches_the_masks(history: pd.DataFrame, days_before_end: float) -> None:
    origin = history[schema.TIMESTAMP].iloc[-1] - pd.Timedelta(days=days_before_end)
    targets = pd.Series(pd.date_range(origin + pd.Timedelta(minutes=15), periods=96, freq="15min"))
    got = observed_around(history, origin, targets)
    assert got == _by_masks(history, origin, targets)
    # a past origin carries the actuals of every target the readings hold; the end has none
    expected_actuals = min(96, int(days_before_end * schema.INTERVALS_PER_DAY))
    assert len(got["actuals"]) == expected_actuals
    seen = int((history[schema.TIMESTAMP] <= origin).sum())
    assert len(got["recent"]) == min(RECENT_INTERVALS, seen)
    assert got["recent"][-1]["timestamp"] == origin.to_pydatetime()


def test_an_unsorted_or_text_stamped_history_gives_the_same(history: pd.DataFrame) -> None:
    origin = history[schema.TIMESTAMP].iloc[-200]
    targets = pd.Series(pd.date_range(origin + pd.Timedelta(minutes=15), periods=96, freq="15min"))
    expected = observed_around(history, origin, targets)
    shuffled = history.sample(frac=1.0, random_state=3).reset_index(drop=True)
    assert observed_around(shuffled, origin, targets) == expected
    as_text = history.assign(**{schema.TIMESTAMP: history[schema.TIMESTAMP].astype(str)})
    assert observed_around(as_text, origin, targets) == expected
    assert len(expected["actuals"]) == 96 and len(expected["recent"]) == RECENT_INTERVALS


def test_wall_datetimes_are_what_pandas_gives() -> None:
    """The NumPy conversion the /forecast answer uses gives the datetimes pandas gives (pre-epoch,
    leap day, microseconds), and declines what a datetime cannot hold exactly (NaT, nanoseconds)."""
    rng = np.random.default_rng(5)
    ns = rng.integers(-(10**18), 2 * 10**18, 2_000) // 1000 * 1000
    values = np.sort(np.concatenate([ns, [pd.Timestamp("2020-02-29 23:45").value]])).view("datetime64[ns]")
    got = wall_datetimes(values)
    assert got == pd.DatetimeIndex(values).to_pydatetime().tolist()
    assert all(type(moment) is datetime for moment in got)
    assert wall_datetimes(values + np.timedelta64(1, "ns")) is None
    assert wall_datetimes(np.array(["NaT", "2018-01-01"], dtype="datetime64[ns]")) is None
    assert wall_datetimes(values.astype("datetime64[s]")) is None  # another unit: pandas' path
