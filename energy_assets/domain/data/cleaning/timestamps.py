"""Timestamps that are missing: recovered from the row's position in the export."""

from __future__ import annotations

import bisect
import itertools

import numpy as np
import pandas as pd

from energy_assets.domain.data import schema


def _longest_increasing_run(values: np.ndarray) -> np.ndarray:
    """Mask of one longest strictly increasing subsequence (patience sorting, O(n log n))."""
    tails: list[int] = []
    tails_at: list[int] = []
    previous = np.full(len(values), -1)
    for i, value in enumerate(values.tolist()):
        k = bisect.bisect_left(tails, value)
        if k == len(tails):
            tails.append(value)
            tails_at.append(i)
        else:
            tails[k] = value
            tails_at[k] = i
        previous[i] = tails_at[k - 1] if k > 0 else -1
    mask = np.zeros(len(values), dtype=bool)
    i = tails_at[-1] if tails_at else -1
    while i >= 0:
        mask[i] = True
        i = previous[i]
    return mask


def infer_missing_timestamps(ts: pd.Series) -> pd.Series:
    """Give rows with no readable date the free slots between their in-order neighbours.

    Exports are written in time order, so the anchors are the longest strictly increasing
    subsequence of readable dates; rows out of that order (copies inserted from elsewhere) are
    not trusted as anchors. Between two anchors, the free
    15-minute slots go to the undated rows in file order when their numbers match; otherwise only
    runs of undated rows directly after (before) an anchor take the following (preceding) free
    slots. Rows left without a slot stay unplaced.
    """
    values = ts.to_numpy(dtype="datetime64[ns]", copy=True)
    known_pos = np.flatnonzero(~np.isnat(values))
    if len(known_pos) == 0 or len(known_pos) == len(values):
        return ts
    known = values[known_pos]
    anchors = known_pos[_longest_increasing_run(known.astype("int64"))]
    occupied = set(known.astype("int64").tolist())
    step = np.timedelta64(schema.INTERVAL).astype("timedelta64[ns]")

    def take(candidate: np.datetime64) -> bool:
        key = int(candidate.astype("int64"))
        if key in occupied:
            return False
        occupied.add(key)
        return True

    bounds = [-1, *anchors.tolist(), len(values)]
    for left, right in itertools.pairwise(bounds):
        undated = [i for i in range(left + 1, right) if np.isnat(values[i])]
        if not undated:
            continue
        if left >= 0 and right < len(values):
            slots = np.arange(values[left] + step, values[right], step)
            slots = [t for t in slots if int(t.astype("int64")) not in occupied]
            if len(slots) == len(undated):
                for i, t in zip(undated, slots, strict=True):
                    values[i] = t
                    occupied.add(int(t.astype("int64")))
                continue
        if left >= 0:  # undated rows right after the left anchor
            i, candidate = left + 1, values[left] + step
            while i < right and np.isnat(values[i]) and (right == len(values) or candidate < values[right]):
                if not take(candidate):
                    break
                values[i] = candidate
                i, candidate = i + 1, candidate + step
        if right < len(values):  # undated rows right before the right anchor
            i, candidate = right - 1, values[right] - step
            while i > left and np.isnat(values[i]) and (left < 0 or candidate > values[left]):
                if not take(candidate):
                    break
                values[i] = candidate
                i, candidate = i - 1, candidate - step
    return pd.Series(values, index=ts.index, dtype="datetime64[ns]")
