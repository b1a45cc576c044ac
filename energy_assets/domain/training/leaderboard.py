"""One table for every model of both tasks, next to the published CUBIST anchor.

One row per (task, model, split). Estimate rows are scored on ``validation``/``test`` (temporal) and
``paper_test`` (the paper's random 75/25, the only split comparable with the anchor); forecast rows
on ``validation``/``test`` rolling-origin backtests, in two plan regimes (``plan``: ``plant``, the
plant's own load_type sent; ``derived``, none sent, the derived calendar plan), with their
probabilistic scores (pinball per decile, CRPS, 50/80 % coverage, crossings) and the ratios to the
seasonal naive and to persistence; :func:`band_rows` gives the same by horizon band. A model that could not be evaluated keeps its
row with ``status = "not evaluated: <reason>"`` and empty scores, so a missing foundation checkpoint
is visible instead of silently absent.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from energy_assets.domain.models.forecast.base import (
    DEFAULT_QUANTILES,
    DERIVED_PLAN,
    PLAN_REGIMES,
    PLANT_PLAN,
    quantile_column,
)
from energy_assets.domain.tasks import ESTIMATE, FORECAST, PAPER_TEST, TEST, VALIDATION
from energy_assets.domain.training.champion import pick_champion
from energy_assets.domain.training.forecast import metrics_key
from energy_assets.domain.training.results import EVALUATED, EstimateResult, ForecastResult

PUBLISHED = "published"
#: Nam et al.'s CUBIST on the paper's random 75/25 split (the figures the project must beat).
CUBIST_ANCHOR: dict[str, Any] = {
    "task": ESTIMATE,
    "model": "cubist (published)",
    "split": PAPER_TEST,
    "rmse": 0.2410,
    "mae": 0.0547,
    "cv_pct": 0.877,
    "status": PUBLISHED,
}

#: Pinball-loss columns, one per decile.
PINBALL_COLUMNS: tuple[str, ...] = tuple(f"pinball_{quantile_column(q)}" for q in DEFAULT_QUANTILES)
#: Forecast scores each forecast row carries (None where a model has none).
FORECAST_SCORES: tuple[str, ...] = (
    "mase",
    "coverage_80",
    "coverage_50",
    "crps",
    "crossings",
    "rmse_ratio",
    "rmse_ratio_persistence",
    "n_origins",
)
COLUMNS: tuple[str, ...] = (
    "task",
    "model",
    "split",
    "plan",
    "rmse",
    "mae",
    "cv_pct",
    *FORECAST_SCORES,
    *PINBALL_COLUMNS,
    "fit_seconds",
    "predict_us_per_row",
    "predict_ms_per_forecast",
    "model_size_bytes",
    "device",
    "status",
    "is_champion",
)
#: Keys every JSON record carries (``energy leaderboard --json``); forecasts add FORECAST_KEYS.
JSON_KEYS: tuple[str, ...] = ("task", "model", "split", "rmse", "mae", "cv_pct", "status", "is_champion")
FORECAST_KEYS: tuple[str, ...] = ("plan", *FORECAST_SCORES, *PINBALL_COLUMNS)

ESTIMATE_SPLITS: tuple[str, ...] = (VALIDATION, TEST, PAPER_TEST)
FORECAST_SPLITS: tuple[str, ...] = (VALIDATION, TEST)


def _status(result: EstimateResult | ForecastResult) -> str:
    if result.status == EVALUATED:
        return EVALUATED
    if result.status.startswith("not evaluated"):
        return result.status
    return f"not evaluated: {result.status}"


def _champion_name(results: Sequence[EstimateResult | ForecastResult], task: str) -> str | None:
    try:
        return pick_champion(results, task).family
    except ValueError:
        return None


def leaderboard_rows(
    estimate_results: Sequence[EstimateResult],
    forecast_results: Sequence[ForecastResult],
    cubist_anchor: Mapping[str, Any] | None = CUBIST_ANCHOR,
    champions: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """The leaderboard: columns :data:`COLUMNS`, estimate rows first, then forecasts.

    ``champions`` maps task -> family; by default :func:`champion.pick_champion` decides (validation
    RMSE). ``is_champion`` marks every split row of the champion. Pass ``cubist_anchor=None`` to drop
    the published row.
    """
    if champions is None:
        champions = {
            task: name
            for task, results in ((ESTIMATE, estimate_results), (FORECAST, forecast_results))
            if (name := _champion_name(results, task)) is not None
        }
    rows: list[dict[str, Any]] = []
    for result in estimate_results:
        for split in ESTIMATE_SPLITS:
            scores = result.metrics.get(split)
            if scores is None and result.status == EVALUATED:
                continue  # e.g. an estimator evaluated on one protocol only
            rows.append(
                {
                    "task": ESTIMATE,
                    "model": result.family,
                    "split": split,
                    **{k: (scores or {}).get(k) for k in ("rmse", "mae", "cv_pct")},
                    "fit_seconds": result.fit_seconds,
                    "predict_us_per_row": result.predict_us_per_row,
                    "model_size_bytes": result.model_size_bytes,
                    "device": result.device,
                    "status": _status(result),
                    "is_champion": champions.get(ESTIMATE) == result.family,
                }
            )
    if cubist_anchor is not None:
        rows.append({**CUBIST_ANCHOR, **dict(cubist_anchor), "is_champion": False})
    for result in forecast_results:
        for plan in PLAN_REGIMES:
            for split in FORECAST_SPLITS:
                scores = result.metrics.get(metrics_key(split, plan))
                if scores is None and plan != PLANT_PLAN:
                    continue  # an unevaluated model keeps one row per split; old results lack the regime
                rows.append(_forecast_row(result, split, plan, scores or {}, champions))
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    frame["is_champion"] = frame["is_champion"].fillna(False).astype(bool)
    return frame


def _forecast_row(
    result: ForecastResult,
    split: str,
    plan: str,
    scores: Mapping[str, Any],
    champions: Mapping[str, str],
) -> dict[str, Any]:
    return {
        "task": FORECAST,
        "model": result.family,
        "split": split,
        "plan": plan,
        **{k: scores.get(k) for k in ("rmse", "mae", *FORECAST_SCORES, *PINBALL_COLUMNS)},
        "fit_seconds": result.fit_seconds,
        "predict_ms_per_forecast": result.predict_ms_per_forecast,
        "model_size_bytes": result.model_size_bytes,
        "device": result.device,
        "status": _status(result),
        "is_champion": champions.get(FORECAST) == result.family and result.status == EVALUATED,
    }


def band_rows(forecast_results: Sequence[ForecastResult]) -> pd.DataFrame:
    """RMSE, MAE, MASE and the ratios to persistence by horizon band, per model x split x plan
    regime (x origin hour where the backtest has several): every evaluated result's ``bands``."""
    parts = []
    for result in forecast_results:
        bands = getattr(result, "bands", None)
        if result.status == EVALUATED and bands is not None and len(bands):
            part = pd.DataFrame(bands).copy()
            part.insert(0, "model", result.family)
            parts.append(part)
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def _clean(value: Any) -> Any:
    """JSON-friendly scalar: NaN/None -> None, numpy scalars -> Python."""
    if value is None:
        return None
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def to_json_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as plain dicts for ``energy leaderboard --json``: JSON_KEYS always, FORECAST_KEYS on
    forecast rows, costs when known; missing scores are ``null`` (never 0)."""
    out = []
    for row in frame.to_dict(orient="records"):
        record = {k: _clean(row.get(k)) for k in JSON_KEYS}
        if row["task"] == FORECAST:
            record.update({k: _clean(row.get(k)) for k in FORECAST_KEYS})
        for k in (
            "fit_seconds",
            "predict_us_per_row",
            "predict_ms_per_forecast",
            "model_size_bytes",
            "device",
        ):
            value = _clean(row.get(k))
            if value is not None:
                record[k] = value
        out.append(record)
    return out


def _fmt(value: Any, digits: int) -> str:
    value = _clean(value)
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else ""
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def to_markdown(frame: pd.DataFrame) -> str:
    """Two GitHub tables (estimate, forecast) for the README; the champion is marked ★."""
    parts = []
    estimate = frame[frame["task"] == ESTIMATE]
    if not estimate.empty:
        lines = [
            "| model | split | RMSE (kWh) | MAE (kWh) | CV % | fit (s) | predict (µs/row) | size (KB) | status |",
            "|---|---|---:|---:|---:|---:|---:|---:|---|",
        ]
        for _, r in estimate.iterrows():
            size = None if _clean(r["model_size_bytes"]) is None else r["model_size_bytes"] / 1024
            name = f"{r['model']} ★" if r["is_champion"] else r["model"]
            lines.append(
                f"| {name} | {r['split']} | {_fmt(r['rmse'], 4)} | {_fmt(r['mae'], 4)} | {_fmt(r['cv_pct'], 3)} "
                f"| {_fmt(r['fit_seconds'], 1)} | {_fmt(r['predict_us_per_row'], 2)} | {_fmt(size, 1)} | {r['status']} |"
            )
        parts.append("\n".join(lines))
    forecast = frame[frame["task"] == FORECAST]
    if not forecast.empty:
        lines = [
            "| model | split | RMSE (kWh) | MAE (kWh) | MASE | coverage 80 % | origins | fit (s) "
            "| predict (ms/forecast) | size (KB) | status | RMSE / naive | coverage 50 % | CRPS | crossings |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|",
        ]
        for _, r in forecast.iterrows():
            size = None if _clean(r["model_size_bytes"]) is None else r["model_size_bytes"] / 1024
            name = f"{r['model']} ★" if r["is_champion"] else r["model"]
            n_origins = _clean(r["n_origins"])
            split = r["split"] if r["plan"] in (PLANT_PLAN, None) else f"{r['split']}, {DERIVED_PLAN} plan"
            lines.append(
                f"| {name} | {split} | {_fmt(r['rmse'], 3)} | {_fmt(r['mae'], 3)} | {_fmt(r['mase'], 3)} "
                f"| {_fmt(r['coverage_80'], 3)} | {_fmt(None if n_origins is None else int(n_origins), 0)} "
                f"| {_fmt(r['fit_seconds'], 1)} | {_fmt(r['predict_ms_per_forecast'], 1)} | {_fmt(size, 1)} "
                f"| {r['status']} | {_fmt(r['rmse_ratio'], 3)} | {_fmt(r['coverage_50'], 3)} "
                f"| {_fmt(r['crps'], 3)} | {_fmt(r['crossings'], 0)} |"
            )
        parts.append("\n".join(lines))
    return "\n\n".join(parts) + "\n"


__all__ = [
    "COLUMNS",
    "CUBIST_ANCHOR",
    "JSON_KEYS",
    "band_rows",
    "leaderboard_rows",
    "to_json_records",
    "to_markdown",
]
