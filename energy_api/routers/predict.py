"""Estimate usage_kwh of intervals from their reactive energy, power factors and CO2 readings."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from fastapi import APIRouter

from energy_api.registry import ESTIMATE, estimate_features, estimate_interval
from energy_api.routers.deps import InputRuleError, ServiceDep, log_prediction, stamp
from energy_api.schemas import MAX_BATCH_SPAN_DAYS, BatchRequest, BatchResponse, PredictResponse, Reading
from energy_assets.domain import schema

router = APIRouter(tags=["estimate"])
_READING_FIELDS = tuple(Reading.model_fields)


def _frame(rows: list[Reading]) -> pd.DataFrame:
    data = {name: [getattr(r, name) for r in rows] for name in _READING_FIELDS}
    frame = pd.DataFrame(data)
    frame[schema.TIMESTAMP] = pd.to_datetime(frame[schema.TIMESTAMP])
    return frame


def _bound(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None


def _estimate(
    service: Any, rows: list[Reading]
) -> tuple[Any, pd.DataFrame, np.ndarray, np.ndarray, np.ndarray, str]:
    loaded = service.registry.get(ESTIMATE)
    frame = _frame(rows)
    X = estimate_features(frame, list(loaded.bundle.feature_columns), service.calendar)
    point = np.clip(loaded.bundle.model.predict(X), 0.0, None)
    low, high, method = estimate_interval(loaded, X, point)
    service.metrics.predicted_rows.labels(ESTIMATE).inc(len(frame))
    return loaded, frame, point, low, high, method


def _row(ts: Any, point: float, low: float, high: float) -> dict[str, Any]:
    return {
        "timestamp": ts,
        "usage_kwh": float(point),
        "interval": {"low_kwh": _bound(low), "high_kwh": _bound(high)},
    }


@router.post("/predict", response_model=PredictResponse, summary="Estimate one interval's usage_kwh")
async def predict(reading: Reading, service: ServiceDep) -> dict[str, Any]:
    loaded, _, point, low, high, method = _estimate(service, [reading])
    out = {
        **_row(reading.timestamp, point[0], low[0], high[0]),
        "interval_method": method,
        "model": stamp(loaded).model_dump(),
    }
    log_prediction(service, "/predict", loaded, 1, reading.model_dump(mode="json"), out)
    return out


@router.post("/predict/batch", response_model=BatchResponse, summary="Estimate many intervals at once")
async def predict_batch(batch: BatchRequest, service: ServiceDep) -> dict[str, Any]:
    rows = batch.rows
    limit = service.settings.max_batch
    if len(rows) > limit:
        raise InputRuleError("rows", f"at most {limit} rows per batch, got {len(rows)}")
    stamps = pd.Series([r.timestamp for r in rows])
    if stamps.duplicated().any():
        raise InputRuleError(
            "rows.timestamp",
            f"timestamps must be unique in a batch; {stamps[stamps.duplicated()].iloc[0]} repeats",
        )
    if (stamps.max() - stamps.min()) > pd.Timedelta(days=MAX_BATCH_SPAN_DAYS):
        raise InputRuleError("rows.timestamp", f"a batch may span at most {MAX_BATCH_SPAN_DAYS} days")
    loaded, _, point, low, high, method = _estimate(service, rows)
    estimates = [_row(ts, p, lo, hi) for ts, p, lo, hi in zip(stamps, point, low, high, strict=True)]
    out = {"estimates": estimates, "interval_method": method, "model": stamp(loaded).model_dump()}
    log_prediction(service, "/predict/batch", loaded, len(rows), batch.model_dump(mode="json"), out)
    return out
