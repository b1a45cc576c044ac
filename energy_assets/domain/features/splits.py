"""Train / validation / test splits: the temporal plan and the paper's random protocol.

The temporal split (60/15/25 by time) is the honest one: a model never sees the future it is scored
on. The paper split (random 75/25) exists only to compare with the published CUBIST figures, which
were measured that way; its scores flatter any model because neighbouring intervals leak.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from energy_assets.domain.data import schema

TRAIN = "train"
VALIDATION = "validation"
TEST = "test"
TEMPORAL_PARTS: tuple[str, ...] = (TRAIN, VALIDATION, TEST)

TEMPORAL_SPLIT = "temporal_split"
PAPER_SPLIT = "paper_split"
SPLIT_COLUMNS: tuple[str, ...] = (schema.TIMESTAMP, TEMPORAL_SPLIT, PAPER_SPLIT)

DEFAULT_FRACTIONS: tuple[float, float, float] = (0.6, 0.15, 0.25)
DEFAULT_TEST_FRACTION = 0.25
DEFAULT_SEED = 42


def _part_sizes(n: int, fractions: Sequence[float]) -> list[int]:
    if len(fractions) != len(TEMPORAL_PARTS):
        raise ValueError(f"fractions must have {len(TEMPORAL_PARTS)} values (train, validation, test)")
    if any(f <= 0 for f in fractions) or not np.isclose(sum(fractions), 1.0):
        raise ValueError(f"fractions must be positive and sum to 1, got {tuple(fractions)}")
    train = round(n * fractions[0])
    validation = round(n * fractions[1])
    return [train, validation, n - train - validation]


def _time_order(frame: pd.DataFrame) -> np.ndarray:
    timestamps = pd.to_datetime(frame[schema.TIMESTAMP])
    if timestamps.isna().any():
        raise ValueError(f"{schema.TIMESTAMP} has missing values; cannot order rows in time")
    if timestamps.duplicated().any():
        raise ValueError(f"{schema.TIMESTAMP} has duplicates; a time split needs one row per interval")
    return np.argsort(timestamps.to_numpy(), kind="stable")


def temporal_split(frame: pd.DataFrame, fractions: Sequence[float] = DEFAULT_FRACTIONS) -> pd.Series:
    """``train``/``validation``/``test`` by time order (first 60 %, next 15 %, last 25 % by default).

    Aligned with ``frame``'s index, whatever its row order. On the full year: 21,024 / 5,256 / 8,760.
    """
    sizes = _part_sizes(len(frame), fractions)
    labels = np.empty(len(frame), dtype=object)
    labels[_time_order(frame)] = np.repeat(np.array(TEMPORAL_PARTS, dtype=object), sizes)
    return pd.Series(labels, index=frame.index, name=TEMPORAL_SPLIT)


def paper_split(
    frame: pd.DataFrame, test_fraction: float = DEFAULT_TEST_FRACTION, seed: int = DEFAULT_SEED
) -> pd.Series:
    """``train``/``test`` at random (the paper's 75/25 protocol); the same seed gives the same split.

    Rows are drawn in time order, so the split does not depend on how the frame happens to be sorted.
    """
    if not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction must be between 0 and 1, got {test_fraction}")
    order = _time_order(frame)
    n_test = round(len(frame) * test_fraction)
    chosen = np.random.default_rng(seed).permutation(len(frame))[:n_test]
    labels = np.full(len(frame), TRAIN, dtype=object)
    labels[order[chosen]] = TEST
    return pd.Series(labels, index=frame.index, name=PAPER_SPLIT)


def build_splits(
    features: pd.DataFrame,
    *,
    fractions: Sequence[float] = DEFAULT_FRACTIONS,
    test_fraction: float = DEFAULT_TEST_FRACTION,
    seed: int = DEFAULT_SEED,
) -> pd.DataFrame:
    """One row per interval: its timestamp and its part in both protocols (sorted by time)."""
    splits = pd.DataFrame(
        {
            schema.TIMESTAMP: pd.to_datetime(features[schema.TIMESTAMP]),
            TEMPORAL_SPLIT: temporal_split(features, fractions),
            PAPER_SPLIT: paper_split(features, test_fraction, seed),
        },
        index=features.index,
    )
    return splits.sort_values(schema.TIMESTAMP).reset_index(drop=True)


def split_boundaries(splits: pd.DataFrame) -> pd.DataFrame:
    """First/last timestamp and row count of each temporal part (for metadata and reports)."""
    grouped = splits.groupby(TEMPORAL_SPLIT)[schema.TIMESTAMP]
    summary = pd.DataFrame(
        {
            "first_timestamp": grouped.min(),
            "last_timestamp": grouped.max(),
            "rows": grouped.size(),
        }
    )
    summary = summary.reindex([p for p in TEMPORAL_PARTS if p in summary.index])
    summary.index.name = TEMPORAL_SPLIT
    return summary.reset_index()
