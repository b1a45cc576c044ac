"""The forecast quantiles: nine deciles, and deciles from the few quantiles a model fits.

Every forecaster answers the deciles 0.1..0.9 plus the mean (phase 2 design, E). Fitting one
booster per decile costs 3x the training CPU and 2x the served time (measured for the LightGBM
model), so the boosted models fit a few quantiles (0.1, 0.5, 0.9) and :func:`normal_shape` fills the
rest: linear in the standard-normal score between the fitted ones (so a normal spread is reproduced
exactly), extended beyond them along the end segments; conformal offsets then calibrate every
decile on validation.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from statistics import NormalDist

import numpy as np

from energy_assets.domain.models.forecast.base import DEFAULT_QUANTILES

#: The deciles 0.1, 0.2, ..., 0.9 (every forecaster's default output).
DECILES: tuple[float, ...] = DEFAULT_QUANTILES


def normal_scores(levels: Sequence[float]) -> np.ndarray:
    """Standard-normal quantile of each level (0.1 -> -1.2816, 0.5 -> 0)."""
    return np.array(_normal_scores(tuple(float(q) for q in levels)))


@lru_cache(maxsize=64)
def _normal_scores(levels: tuple[float, ...]) -> tuple[float, ...]:
    """Cached: every served forecast shapes the same few levels (a fresh array is returned each time)."""
    unit = NormalDist()
    return tuple(unit.inv_cdf(q) for q in levels)


def normal_shape(values: np.ndarray, levels: Sequence[float], wanted: Sequence[float]) -> np.ndarray:
    """Quantiles at ``wanted`` from (rows, len(levels)) fitted quantiles, piecewise linear in the
    normal score between them and extrapolated along the end segments; each row's fitted values are
    sorted first, so the output never crosses. A wanted level that was fitted is returned as fitted."""
    order = np.argsort(np.asarray(levels, dtype=float))
    z = normal_scores(np.asarray(levels, dtype=float)[order])
    fitted = np.sort(np.asarray(values, dtype=float)[:, order], axis=1)
    if len(z) == 1:
        return np.repeat(fitted, len(wanted), axis=1)
    target = normal_scores(wanted)
    # the segment of each wanted level (the end segments extend beyond the fitted range)
    seg = np.clip(np.searchsorted(z, target, side="right") - 1, 0, len(z) - 2)
    z0, z1 = z[seg], z[seg + 1]
    weight = (target - z0) / (z1 - z0)
    low, high = fitted[:, seg], fitted[:, seg + 1]
    return low + weight[None, :] * (high - low)
