"""Scores every model is judged by, written once so the leaderboard, the API and tests agree.

CV % is the paper's coefficient of variation of the RMSE (RMSE / mean target x 100), which is how
the published CUBIST anchor (0.877 %) is stated.
"""

from __future__ import annotations

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
