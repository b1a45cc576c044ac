"""Splits: the temporal 60/15/25 plan and the paper's random 75/25 protocol."""

from __future__ import annotations

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
