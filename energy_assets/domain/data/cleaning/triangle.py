"""The power triangle as evidence: find the one wrong reading of a row, recompute readings on the 0.01 grid.

``PF = P / sqrt(P^2 + Q^2)`` holds per side to two-decimal rounding, so an inconsistent row is
explained by a single reading when changing that one reading alone makes both sides agree.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from energy_assets.domain import power_triangle
from energy_assets.domain.data import schema

P, QL, FL, QD, FD, CO2 = (
    schema.USAGE_KWH,
    schema.LAGGING_REACTIVE_KVARH,
    schema.LAGGING_POWER_FACTOR,
    schema.LEADING_REACTIVE_KVARH,
    schema.LEADING_POWER_FACTOR,
    schema.CO2_TCO2,
)
TRIANGLE = (P, QL, FL, QD, FD)
SIDES = ((QL, FL), (QD, FD))
STEP = 0.01


def _consistent(p: float, q: float, f: float) -> bool:
    return bool(power_triangle.triangle_consistent(p, q, f))


def _grid_search(estimate: float, accept, span: int = 60) -> float | None:
    """The 0.01-grid value nearest ``estimate`` for which ``accept`` holds."""
    if not np.isfinite(estimate):
        return None
    centre = round(estimate, 2)
    for k in range(span + 1):
        for cand in (centre,) if k == 0 else (centre - k * STEP, centre + k * STEP):
            cand = round(cand, 2)
            if cand >= 0 and accept(cand):
                return cand
    return None


def _solve_usage(row: dict[str, float]) -> float | None:
    """kWh from whichever sides are complete, on the grid, agreeing with every complete side."""
    sides = [(row[q], row[f]) for q, f in SIDES if np.isfinite(row[q]) and np.isfinite(row[f])]
    if not sides:
        return None
    informative = [(q, f) for q, f in sides if f < 100.0]
    if not informative:
        return 0.0 if all(q == 0 for q, _ in sides) and any(f == 0 for _, f in sides) else None
    q, f = min(informative, key=lambda side: side[1])  # smaller PF: better conditioned
    estimate = float(power_triangle.active_from_reactive(q, f))
    return _grid_search(estimate, lambda p: all(_consistent(p, qq, ff) for qq, ff in sides))


def _solve_reactive(p: float, f: float) -> float | None:
    estimate = float(power_triangle.reactive_from_active(p, f))
    return _grid_search(estimate, lambda q: _consistent(p, q, f))


def _solve_power_factor(p: float, q: float) -> float | None:
    estimate = float(power_triangle.power_factor_pct(p, q))
    value = _grid_search(estimate, lambda f: f <= 100.0 and _consistent(p, q, f), span=5)
    return value


def _in_range(column: str, value: float | None) -> bool:
    if value is None or not np.isfinite(value):
        return False
    rng = schema.RANGES[column]
    return rng.low <= value <= rng.high


def hypotheses(row: dict[str, float]) -> dict[str, float]:
    """Single-reading explanations of an inconsistent row: column -> value that fixes it."""
    out: dict[str, float] = {}
    for column in TRIANGLE:
        trial = dict(row)
        trial[column] = np.nan
        if column == P:
            value = _solve_usage(trial)
        else:
            q_col, f_col = next(side for side in SIDES if column in side)
            value = (
                _solve_reactive(trial[P], trial[f_col])
                if column == q_col
                else _solve_power_factor(trial[P], trial[q_col])
            )
        if value is None or not _in_range(column, value):
            continue
        trial[column] = value
        if all(_consistent(trial[P], trial[q], trial[f]) for q, f in SIDES):
            out[column] = value
    return out


#: A power factor is bounded by 100 %, so a corrupted one almost always leaves its range and is caught
#: there; an in-range reading that breaks the triangle is far more often an energy. Energies are
#: therefore preferred as the culprit when several single readings would explain a row.
ENERGY_COLUMNS = (P, QL, QD)


def pick_culprit(options: dict[str, float], anomaly: pd.Series) -> str:
    """Among the readings that would each explain the row, the energy most out of line with its
    neighbours; a power factor only when no energy explains it."""
    energies = [c for c in options if c in ENERGY_COLUMNS]
    pool = energies or list(options)
    return max(pool, key=lambda c: anomaly[c])


def solve_row(row: dict[str, float]) -> dict[str, float]:
    """Fill every reading the triangle determines, iterating until nothing changes."""
    solved: dict[str, float] = {}
    changed = True
    while changed:
        changed = False
        if not np.isfinite(row[P]):
            value = _solve_usage(row)
            if value is not None and _in_range(P, value):
                row[P] = solved[P] = value
                changed = True
        for q_col, f_col in SIDES:
            if not np.isfinite(row[P]):
                continue
            if not np.isfinite(row[q_col]) and np.isfinite(row[f_col]):
                value = _solve_reactive(row[P], row[f_col])
                if value is not None and _in_range(q_col, value):
                    row[q_col] = solved[q_col] = value
                    changed = True
            if not np.isfinite(row[f_col]) and np.isfinite(row[q_col]):
                value = _solve_power_factor(row[P], row[q_col])
                if value is not None and _in_range(f_col, value):
                    row[f_col] = solved[f_col] = value
                    changed = True
    return solved


def local_anomaly(frame: pd.DataFrame, half_window: int) -> pd.DataFrame:
    """How far each reading sits from the median of its neighbours, in units of local variability."""
    scores = {}
    for column in TRIANGLE:
        series = frame[column]
        window = 2 * half_window + 1
        median = series.rolling(window, center=True, min_periods=2).median()
        scale = series.diff().abs().median()
        scale = scale if np.isfinite(scale) and scale > 0 else 1.0
        scores[column] = ((series - median).abs() / scale).fillna(0.0)
    return pd.DataFrame(scores, index=frame.index)
