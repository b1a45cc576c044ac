"""The power triangle: the physics every model, the cleaner and the what-if engine share.

For one interval with active energy P (kWh), reactive energy Q (kVarh) and power factor PF (%):
``PF = 100 * P / sqrt(P^2 + Q^2)``, hence ``P = Q * pf / sqrt(1 - pf^2)`` with ``pf = PF / 100``,
for either side (lagging or leading) whenever PF < 100 %.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

ArrayLike = npt.ArrayLike
#: Readings are stored with two decimals, so each carries up to half a step of rounding error.
HALF_STEP = 0.005


def power_factor_pct(active_kwh: ArrayLike, reactive_kvarh: ArrayLike) -> np.ndarray:
    """Power factor in % from active and reactive energy; 0 where both are zero (as the data does)."""
    p = np.asarray(active_kwh, dtype=float)
    q = np.asarray(reactive_kvarh, dtype=float)
    s = np.hypot(p, q)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(s > 0, 100.0 * p / s, 0.0)


def active_from_reactive(reactive_kvarh: ArrayLike, power_factor_pct_: ArrayLike) -> np.ndarray:
    """Active energy implied by one side of the triangle; NaN where PF = 100 % (undetermined)."""
    q = np.asarray(reactive_kvarh, dtype=float)
    x = np.asarray(power_factor_pct_, dtype=float) / 100.0
    determined = (x >= 0) & (x < 1)
    # computed only where determined (no np.errstate: it cost more than the arithmetic per request)
    root = np.sqrt(1.0 - x**2, out=np.ones_like(x), where=determined)
    return np.divide(q * x, root, out=np.full(np.broadcast(q, x).shape, np.nan), where=determined)


def reactive_from_active(active_kwh: ArrayLike, power_factor_pct_: ArrayLike) -> np.ndarray:
    """Reactive energy implied by active energy and power factor; NaN where PF = 0 (undetermined)."""
    p = np.asarray(active_kwh, dtype=float)
    x = np.asarray(power_factor_pct_, dtype=float) / 100.0
    with np.errstate(invalid="ignore", divide="ignore"):
        q = p * np.sqrt(1.0 - x**2) / x
    return np.where((x > 0) & (x <= 1), q, np.nan)


def apparent_kvah(active_kwh: ArrayLike, reactive_kvarh: ArrayLike) -> np.ndarray:
    """Apparent energy S = sqrt(P^2 + Q^2) in kVAh."""
    return np.hypot(np.asarray(active_kwh, dtype=float), np.asarray(reactive_kvarh, dtype=float))


def estimate_active_kwh(
    lagging_reactive_kvarh: ArrayLike,
    lagging_power_factor: ArrayLike,
    leading_reactive_kvarh: ArrayLike,
    leading_power_factor: ArrayLike,
) -> np.ndarray:
    """kWh from the better-conditioned side of the triangle (the one with the smaller PF).

    The smaller PF amplifies the two-decimal rounding of PF least. Falls back to the other side
    when the preferred one is undetermined; NaN when both sides read PF = 100 %.
    """
    lag = active_from_reactive(lagging_reactive_kvarh, lagging_power_factor)
    lead = active_from_reactive(leading_reactive_kvarh, leading_power_factor)
    pf_lag = np.asarray(lagging_power_factor, dtype=float)
    pf_lead = np.asarray(leading_power_factor, dtype=float)
    prefer_lag = (pf_lag <= pf_lead) | np.isnan(pf_lead)
    first = np.where(prefer_lag, lag, lead)
    second = np.where(prefer_lag, lead, lag)
    return np.where(np.isnan(first), second, first)


def triangle_consistent(
    active_kwh: ArrayLike,
    reactive_kvarh: ArrayLike,
    power_factor_pct_: ArrayLike,
    half_step: float = HALF_STEP,
) -> np.ndarray:
    """True where a stored (P, Q, PF) triple agrees with the identity up to two-decimal rounding.

    PF grows with P and falls with Q, so the PF interval reachable from the rounding boxes of P and
    Q is bounded by its two corners. NaN inputs give False.
    """
    p = np.asarray(active_kwh, dtype=float)
    q = np.asarray(reactive_kvarh, dtype=float)
    f = np.asarray(power_factor_pct_, dtype=float)
    lo = power_factor_pct(np.maximum(p - half_step, 0.0), q + half_step)
    hi = power_factor_pct(p + half_step, np.maximum(q - half_step, 0.0))
    # at P = Q = 0 the data records PF 0; near it the interval spans [0, 100]
    hi = np.where((p <= half_step) & (q <= half_step), 100.0, hi)
    with np.errstate(invalid="ignore"):
        ok = (f >= lo - half_step - 1e-9) & (f <= hi + half_step + 1e-9)
    return ok & ~np.isnan(p) & ~np.isnan(q) & ~np.isnan(f)
