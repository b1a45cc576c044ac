"""Splits: the temporal rule moving with the history (60/15/25 on the UCI year) and the paper's 75/25."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from energy_assets.domain.data import schema
from energy_assets.domain.features import splits


@pytest.fixture(scope="module")
def frame(clean_reference: pd.DataFrame) -> pd.DataFrame:
    return clean_reference[[schema.TIMESTAMP, schema.USAGE_KWH]]


def test_temporal_sizes_on_the_full_year(frame: pd.DataFrame) -> None:
    parts = splits.temporal_split(frame)
    assert parts.value_counts().to_dict() == {"train": 21_024, "test": 8_760, "validation": 5_256}
    assert parts.index.equals(frame.index)


def test_temporal_parts_follow_time(frame: pd.DataFrame) -> None:
    parts = splits.temporal_split(frame)
    ts = frame[schema.TIMESTAMP]
    assert ts[parts == "train"].max() < ts[parts == "validation"].min()
    assert ts[parts == "validation"].max() < ts[parts == "test"].min()


def test_temporal_split_ignores_row_order(frame: pd.DataFrame) -> None:
    shuffled = frame.sample(frac=1.0, random_state=1)
    pd.testing.assert_series_equal(splits.temporal_split(shuffled).sort_index(), splits.temporal_split(frame))


def test_temporal_fractions_are_checked(frame: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="sum to 1"):
        splits.temporal_split(frame, (0.6, 0.2, 0.25))
    with pytest.raises(ValueError, match="3 values"):
        splits.temporal_split(frame, (0.75, 0.25))


def test_paper_split_is_random_75_25_and_deterministic(frame: pd.DataFrame) -> None:
    first = splits.paper_split(frame)
    assert first.value_counts().to_dict() == {"train": 26_280, "test": 8_760}
    pd.testing.assert_series_equal(first, splits.paper_split(frame, seed=42))
    other = splits.paper_split(frame, seed=7)
    assert (other != first).any()
    # random, not a time cut: the test rows are spread over every month
    months = frame.loc[first == "test", schema.TIMESTAMP].dt.month
    assert months.nunique() == 12
    shuffled = frame.sample(frac=1.0, random_state=3)
    pd.testing.assert_series_equal(splits.paper_split(shuffled).sort_index(), first)
    with pytest.raises(ValueError, match="test_fraction"):
        splits.paper_split(frame, test_fraction=1.5)


def test_build_splits_and_boundaries(frame: pd.DataFrame) -> None:
    table = splits.build_splits(frame)
    assert list(table.columns) == list(splits.SPLIT_COLUMNS)
    assert len(table) == 35_040 and table[schema.TIMESTAMP].is_monotonic_increasing
    bounds = splits.split_boundaries(table).set_index(splits.TEMPORAL_SPLIT)
    assert list(bounds.index) == ["train", "validation", "test"]
    assert bounds["rows"].tolist() == [21_024, 5_256, 8_760]
    assert bounds.loc["train", "first_timestamp"] == pd.Timestamp("2018-01-01 00:15")
    assert bounds.loc["train", "last_timestamp"] == pd.Timestamp("2018-08-08 00:00")
    assert bounds.loc["validation", "first_timestamp"] == pd.Timestamp("2018-08-08 00:15")
    assert bounds.loc["validation", "last_timestamp"] == pd.Timestamp("2018-10-01 18:00")
    assert bounds.loc["test", "first_timestamp"] == pd.Timestamp("2018-10-01 18:15")
    assert bounds.loc["test", "last_timestamp"] == pd.Timestamp("2019-01-01 00:00")


def test_duplicate_timestamps_are_refused(frame: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="duplicates"):
        splits.temporal_split(pd.concat([frame.iloc[:10], frame.iloc[[0]]]))


def test_the_split_moves_with_the_history(frame: pd.DataFrame) -> None:
    """A month of new readings after the UCI year: test is still the latest 91 d 6 h and validation
    the 54 d 18 h before it, so both move a month later and training grows by the month."""
    month = frame.iloc[-30 * 96 :].copy()
    month[schema.TIMESTAMP] = month[schema.TIMESTAMP] + pd.Timedelta(days=30)
    longer = pd.concat([frame, month], ignore_index=True)
    table = splits.build_splits(longer)
    bounds = splits.split_boundaries(table).set_index(splits.TEMPORAL_SPLIT)
    assert bounds["rows"].tolist() == [21_024 + 2_880, 5_256, 8_760]
    last = pd.Timestamp("2019-01-31 00:00")
    assert bounds.loc["test", "last_timestamp"] == last
    assert bounds.loc["test", "first_timestamp"] == last - splits.TEST_SPAN + schema.INTERVAL
    assert bounds.loc["validation", "first_timestamp"] == pd.Timestamp("2018-09-07 00:15")
    assert bounds.loc["validation", "last_timestamp"] == pd.Timestamp("2018-10-31 18:00")
    # independent recomputation: by time from the last reading
    ts = table[schema.TIMESTAMP]
    expected = np.where(
        ts > last - pd.Timedelta(hours=91 * 24 + 6),
        "test",
        np.where(ts > last - pd.Timedelta(days=146), "validation", "train"),
    )
    assert (table[splits.TEMPORAL_SPLIT].to_numpy() == expected).all()
    # a year or less: by fractions (the UCI year itself is both)
    short = splits.temporal_split(frame.iloc[:4_000])
    assert short.value_counts().to_dict() == {"train": 2_400, "test": 1_000, "validation": 600}
