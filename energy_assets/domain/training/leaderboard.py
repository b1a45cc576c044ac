"""One table for every model of both tasks, next to the published CUBIST anchor.

One row per (task, model, split). Estimate rows are scored on ``validation``/``test`` (temporal) and
``paper_test`` (the paper's random 75/25, the only split comparable with the anchor); forecast rows
on ``validation``/``test`` rolling-origin backtests. A model that could not be evaluated keeps its
row with ``status = "not evaluated: <reason>"`` and empty scores, so a missing foundation checkpoint
is visible instead of silently absent.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from energy_assets.domain.tasks import ESTIMATE, FORECAST, PAPER_TEST, TEST, VALIDATION
from energy_assets.domain.training.champion import pick_champion
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

COLUMNS: tuple[str, ...] = (
    "task",
    "model",
    "split",
    "rmse",
    "mae",
    "cv_pct",
    "mase",
    "coverage_80",
    "n_origins",
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
FORECAST_KEYS: tuple[str, ...] = ("mase", "coverage_80", "n_origins")

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
        for split in FORECAST_SPLITS:
            scores = result.metrics.get(split) or {}
            rows.append(
                {
                    "task": FORECAST,
                    "model": result.family,
                    "split": split,
                    **{k: scores.get(k) for k in ("rmse", "mae", "mase", "coverage_80", "n_origins")},
                    "fit_seconds": result.fit_seconds,
                    "predict_ms_per_forecast": result.predict_ms_per_forecast,
                    "model_size_bytes": result.model_size_bytes,
                    "device": result.device,
                    "status": _status(result),
                    "is_champion": champions.get(FORECAST) == result.family and result.status == EVALUATED,
                }
            )
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    frame["is_champion"] = frame["is_champion"].fillna(False).astype(bool)
    return frame


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
            "| predict (ms/forecast) | size (KB) | status |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
        ]
        for _, r in forecast.iterrows():
            size = None if _clean(r["model_size_bytes"]) is None else r["model_size_bytes"] / 1024
            name = f"{r['model']} ★" if r["is_champion"] else r["model"]
            n_origins = _clean(r["n_origins"])
            lines.append(
                f"| {name} | {r['split']} | {_fmt(r['rmse'], 3)} | {_fmt(r['mae'], 3)} | {_fmt(r['mase'], 3)} "
                f"| {_fmt(r['coverage_80'], 3)} | {_fmt(None if n_origins is None else int(n_origins), 0)} "
                f"| {_fmt(r['fit_seconds'], 1)} | {_fmt(r['predict_ms_per_forecast'], 1)} | {_fmt(size, 1)} "
                f"| {r['status']} |"
            )
        parts.append("\n".join(lines))
    return "\n\n".join(parts) + "\n"


__all__ = [
    "COLUMNS",
    "CUBIST_ANCHOR",
    "JSON_KEYS",
    "leaderboard_rows",
    "to_json_records",
    "to_markdown",
]
