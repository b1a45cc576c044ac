"""Train / validation / test splits: the temporal plan and the paper's random protocol.

The temporal split is the honest one: a model never sees the future it is scored on. Its rule moves
with the history, so a retrain after new readings came in trains on them (THE rule; the README and
docs/operations.md quote it):

- **test** = the latest 91 days 6 hours of readings (8,760 intervals), **validation** = the 54 days
  18 hours before them (5,256 intervals), **training** = everything earlier;
- a history of one year or less (tests, a plant's first months) is cut 60/15/25 by time instead.

On the UCI year (exactly 365 days) both give the same cut, 21,024 / 5,256 / 8,760 rows: the spans
ARE its 15 % and 25 %. The paper split (random 75/25) exists only to compare with the published
CUBIST figures, which were measured that way; its scores flatter any model because neighbouring
intervals leak.
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
#: The latest readings held out for test, and the span before them for validation, once the history
#: is longer than :data:`FRACTIONS_UP_TO` (the UCI year's 25 % and 15 %).
TEST_SPAN = pd.Timedelta(days=91, hours=6)
VALIDATION_SPAN = pd.Timedelta(days=54, hours=18)
#: Histories up to this long are cut by :data:`DEFAULT_FRACTIONS` (the same cut at exactly a year).
FRACTIONS_UP_TO = pd.Timedelta(days=365)
SPLIT_RULE = (
    "test = the latest 91 d 6 h (8,760 intervals), validation = the 54 d 18 h before (5,256), "
    "training = the rest; a history of a year or less: 60/15/25 % by time"
)
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


def _span_sizes(ordered: pd.Series, test_span: pd.Timedelta, validation_span: pd.Timedelta) -> list[int]:
    """Row counts of train/validation/test when the last ``test_span`` (ending at the last
    reading) is test and the ``validation_span`` before it validation."""
    last = ordered.iloc[-1]
    test_start = last - test_span
    test = int((ordered > test_start).sum())
    validation = int(((ordered > test_start - validation_span) & (ordered <= test_start)).sum())
    return [len(ordered) - test - validation, validation, test]


def history_span(frame: pd.DataFrame) -> pd.Timedelta:
    """What the history covers: first interval's start to last interval's end."""
    ts = pd.to_datetime(frame[schema.TIMESTAMP])
    return ts.max() - ts.min() + schema.INTERVAL if len(ts) else pd.Timedelta(0)


def temporal_split(
    frame: pd.DataFrame,
    fractions: Sequence[float] = DEFAULT_FRACTIONS,
    *,
    test_span: pd.Timedelta = TEST_SPAN,
    validation_span: pd.Timedelta = VALIDATION_SPAN,
    fractions_up_to: pd.Timedelta = FRACTIONS_UP_TO,
) -> pd.Series:
    """``train``/``validation``/``test`` by time order, by :data:`SPLIT_RULE`: the latest
    ``test_span`` is test and the ``validation_span`` before it validation once the history is longer
    than ``fractions_up_to``; a shorter history is cut by ``fractions`` (60/15/25 by default).

    Aligned with ``frame``'s index, whatever its row order. On the full year: 21,024 / 5,256 / 8,760.
    """
    order = _time_order(frame)
    if len(frame) and history_span(frame) > fractions_up_to:
        ordered = pd.Series(pd.to_datetime(frame[schema.TIMESTAMP]).to_numpy()[order])
        sizes = _span_sizes(ordered, test_span, validation_span)
    else:
        sizes = _part_sizes(len(frame), fractions)
    labels = np.empty(len(frame), dtype=object)
    labels[order] = np.repeat(np.array(TEMPORAL_PARTS, dtype=object), sizes)
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
