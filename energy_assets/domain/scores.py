"""Scores every model is judged by, written once so the leaderboard, the API and tests agree.

CV % is the paper's coefficient of variation of the RMSE (RMSE / mean target x 100), which is how
the published CUBIST anchor (0.877 %) is stated.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

ArrayLike = npt.ArrayLike


def _pair(y_true: ArrayLike, y_pred: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    t = np.asarray(y_true, dtype=float).reshape(-1)
    p = np.asarray(y_pred, dtype=float).reshape(-1)
    if t.shape != p.shape:
        raise ValueError(f"y_true has {t.size} values and y_pred {p.size}")
    if t.size == 0:
        raise ValueError("cannot score an empty set of points")
    if np.isnan(t).any() or np.isnan(p).any():
        raise ValueError("NaN in y_true or y_pred: a score over partial points would mislead")
    return t, p


def rmse(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """Root mean squared error, in the target's unit (kWh)."""
    t, p = _pair(y_true, y_pred)
    return float(np.sqrt(np.mean((t - p) ** 2)))


def mae(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """Mean absolute error, in the target's unit (kWh)."""
    t, p = _pair(y_true, y_pred)
    return float(np.mean(np.abs(t - p)))


def cv_pct(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """RMSE as a percentage of the mean target (the paper's CV)."""
    t, p = _pair(y_true, y_pred)
    mean = float(np.mean(t))
    if mean == 0:
        raise ValueError("cv_pct is undefined when the mean target is 0")
    return rmse(t, p) / mean * 100.0


def mase(y_true: ArrayLike, y_pred: ArrayLike, y_naive: ArrayLike) -> float:
    """MAE of the model over MAE of the naive forecast on the same points (< 1 beats naive)."""
    t, p = _pair(y_true, y_pred)
    _, n = _pair(t, y_naive)
    naive = mae(t, n)
    if naive == 0:
        raise ValueError("mase is undefined when the naive forecast is exact on every point")
    return mae(t, p) / naive


def coverage(y_true: ArrayLike, lower: ArrayLike, upper: ArrayLike) -> float:
    """Share of points inside [lower, upper] (bounds included); 0.8 expected for a 10-90 % band."""
    t, lo = _pair(y_true, lower)
    _, hi = _pair(t, upper)
    if (lo > hi).any():
        raise ValueError("lower bound above upper bound on some points")
    return float(np.mean((t >= lo) & (t <= hi)))


def pinball_loss(y_true: ArrayLike, q_pred: ArrayLike, q: float) -> float:
    """Mean quantile (pinball) loss of a q-quantile forecast, 0 < q < 1."""
    if not 0.0 < q < 1.0:
        raise ValueError(f"quantile must be in (0, 1), not {q}")
    t, p = _pair(y_true, q_pred)
    diff = t - p
    return float(np.mean(np.maximum(q * diff, (q - 1.0) * diff)))


def regression_report(y_true: ArrayLike, y_pred: ArrayLike) -> dict[str, float]:
    """The estimate-task scores in one dict: rmse, mae, cv_pct, max_abs_error, n."""
    t, p = _pair(y_true, y_pred)
    return {
        "rmse": rmse(t, p),
        "mae": mae(t, p),
        "cv_pct": cv_pct(t, p),
        "max_abs_error": float(np.max(np.abs(t - p))),
        "n": int(t.size),
    }


def _quantile_matrix(
    y_true: ArrayLike, q_pred: ArrayLike, levels: Sequence[float]
) -> tuple[np.ndarray, np.ndarray]:
    t = np.asarray(y_true, dtype=float).reshape(-1)
    qv = np.asarray(q_pred, dtype=float)
    if qv.ndim != 2 or qv.shape != (t.size, len(levels)):
        raise ValueError(f"q_pred must be ({t.size}, {len(levels)}), got {qv.shape}")
    if t.size == 0:
        raise ValueError("cannot score an empty set of points")
    if np.isnan(t).any() or np.isnan(qv).any():
        raise ValueError("NaN in y_true or q_pred: a score over partial points would mislead")
    return t, qv


def crps_from_quantiles(y_true: ArrayLike, q_pred: ArrayLike, levels: Sequence[float]) -> float:
    """CRPS approximated from K evenly spread quantile forecasts: 2/K x the sum of their mean
    pinball losses (the quantile decomposition of the CRPS; it leaves out the tails beyond the
    outer levels, so it is a lower estimate for deciles)."""
    t, qv = _quantile_matrix(y_true, q_pred, levels)
    return float(2.0 * np.mean([pinball_loss(t, qv[:, j], q) for j, q in enumerate(levels)]))


def quantile_crossings(q_pred: ArrayLike) -> int:
    """Rows whose quantiles (columns in increasing level) decrease somewhere: 0 for a valid forecast."""
    qv = np.asarray(q_pred, dtype=float)
    if qv.ndim != 2:
        raise ValueError(f"q_pred must be 2-D (rows, levels), got {qv.ndim}-D")
    return int(np.count_nonzero((np.diff(qv, axis=1) < 0).any(axis=1)))


def reliability(y_true: ArrayLike, q_pred: ArrayLike, levels: Sequence[float]) -> dict[float, float]:
    """Share of actuals at or below each quantile forecast (the reliability diagram's points; a
    calibrated q-quantile has share q)."""
    t, qv = _quantile_matrix(y_true, q_pred, levels)
    return {float(q): float(np.mean(t <= qv[:, j])) for j, q in enumerate(levels)}


def central_interval(
    q_pred: ArrayLike, levels: Sequence[float], width: float
) -> tuple[np.ndarray, np.ndarray]:
    """Bounds of the central ``width`` interval (levels (1-width)/2 and (1+width)/2), linearly
    interpolated between the given levels where they are not among them (the 50 % band from
    deciles: q25 = (q20 + q30)/2, q75 = (q70 + q80)/2)."""
    qv = np.asarray(q_pred, dtype=float)
    grid = np.asarray(levels, dtype=float)
    lo_level, hi_level = (1 - width) / 2, (1 + width) / 2
    if not grid.min() - 1e-9 <= lo_level < hi_level <= grid.max() + 1e-9:
        raise ValueError(f"levels {list(levels)} do not span the central {width:.0%} interval")

    def at(level: float) -> np.ndarray:
        k = int(np.clip(np.searchsorted(grid, level - 1e-9), 1, len(grid) - 1))
        if abs(grid[k - 1] - level) < 1e-9:
            return qv[:, k - 1]
        w = (level - grid[k - 1]) / (grid[k] - grid[k - 1])
        return qv[:, k - 1] + w * (qv[:, k] - qv[:, k - 1])

    return at(lo_level), at(hi_level)
