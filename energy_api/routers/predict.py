"""Estimate usage_kwh of intervals from their reactive energy, power factors and CO2 readings."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
from fastapi import APIRouter, Response

from energy_api.precision import round_columns
from energy_api.registry import ESTIMATE, estimate, estimate_features
from energy_api.routers.deps import ServiceDep, respond, stamp
from energy_api.schemas import MAX_BATCH_SPAN_DAYS, BatchRequest, BatchResponse, PredictResponse, Reading
from energy_api.services.errors import InputRuleError
from energy_assets.domain.data import schema
from energy_assets.domain.models.estimate.triangle import check_triangle

router = APIRouter(tags=["estimate"])
_NUMERIC_FIELDS = tuple(n for n in Reading.model_fields if n not in (schema.TIMESTAMP, schema.LOAD_TYPE))


def _columns(rows: list[Reading]) -> dict[str, np.ndarray]:
    """The readings as named arrays: for one reading a DataFrame would cost more than the model."""
    data: dict[str, np.ndarray] = {
        name: np.fromiter((getattr(r, name) for r in rows), dtype=float, count=len(rows))
        for name in _NUMERIC_FIELDS
    }
    data[schema.TIMESTAMP] = np.array([r.timestamp for r in rows], dtype="datetime64[ns]")
    data[schema.LOAD_TYPE] = np.array([r.load_type for r in rows], dtype=object)
    return data


def _bound(value: float) -> float | None:
    return value if math.isfinite(value) else None


class TriangleConflict(InputRuleError):
    """Readings of one interval that the power triangle says cannot coexist (422, every field named)."""

    def __init__(self, fields: list[str], rule: str) -> None:
        super().__init__(fields[0], rule)
        self.fields = fields


def check_readings(columns: dict[str, np.ndarray], prefix: str = "") -> None:
    """Refuse readings that cannot come from one interval (domain.models.estimate.triangle)."""
    check = check_triangle(columns)
    bad = np.flatnonzero(check.conflicts)
    if len(bad):
        i = int(bad[0])
        fields, rule = check.explain(i)
        where = f"{prefix}{i}." if prefix else ""
        more = f" ({len(bad)} rows break it; the first is shown)" if len(bad) > 1 else ""
        raise TriangleConflict([f"{where}{f}" for f in fields], rule + more)


def _estimate(
    service: Any, rows: list[Reading], prefix: str = ""
) -> tuple[Any, np.ndarray, np.ndarray, np.ndarray, str]:
    loaded = service.registry.get(ESTIMATE)
    wanted = list(loaded.bundle.feature_columns)
    columns = _columns(rows)
    check_readings(columns, prefix)
    X = estimate_features(columns, wanted, service.calendar, as_frame=False)
    point, low, high, method = estimate(loaded, X)
    service.metrics.predicted_rows.labels(ESTIMATE).inc(len(rows))
    return loaded, point, low, high, method


def _rows(
    stamps: list[datetime], point: np.ndarray, low: np.ndarray, high: np.ndarray
) -> list[dict[str, Any]]:
    return [
        {"timestamp": ts, "usage_kwh": p, "interval": {"low_kwh": _bound(lo), "high_kwh": _bound(hi)}}
        for ts, p, lo, hi in zip(stamps, point.tolist(), low.tolist(), high.tolist(), strict=True)
    ]


#: The batch answer's key its handler rounds itself, column by column (the rest: respond's round_figures).
ROUNDED = ("estimates",)


def rounded_rows(
    stamps: list[datetime], point: np.ndarray, low: np.ndarray, high: np.ndarray
) -> list[dict[str, Any]]:
    """:func:`_rows` with each figure already rounded as ``round_figures`` rounds it under its key:
    the three columns rounded at once in NumPy (``precision.round_column``) instead of walking every
    row's dict afterwards (that walk cost a 96-row batch about as much as its estimate). A bound that is
    not finite is None, as in :func:`_rows` (rounding keeps a finite figure finite)."""
    figures = round_columns({schema.USAGE_KWH: point, "low_kwh": low, "high_kwh": high})
    return [
        {"timestamp": ts, "usage_kwh": p, "interval": {"low_kwh": _bound(lo), "high_kwh": _bound(hi)}}
        for ts, p, lo, hi in zip(
            stamps, figures[schema.USAGE_KWH], figures["low_kwh"], figures["high_kwh"], strict=True
        )
    ]


@router.post("/predict", response_model=PredictResponse, summary="Estimate one interval's usage_kwh")
async def predict(reading: Reading, service: ServiceDep) -> Response:
    loaded, point, low, high, method = _estimate(service, [reading])
    out = {
        **_rows([reading.timestamp], point, low, high)[0],
        "interval_method": method,
        "model": stamp(loaded),
    }
    return respond(service, "/predict", loaded, 1, reading.model_dump_json(), out)


@router.post("/predict/batch", response_model=BatchResponse, summary="Estimate many intervals at once")
async def predict_batch(batch: BatchRequest, service: ServiceDep) -> Response:
    rows = batch.rows
    limit = service.settings.max_batch
    if len(rows) > limit:
        raise InputRuleError("rows", f"at most {limit} rows per batch, got {len(rows)}")
    stamps = [r.timestamp for r in rows]
    seen: set[datetime] = set()
    for ts in stamps:
        if ts in seen:
            raise InputRuleError(
                "rows.timestamp", f"timestamps must be unique in a batch; {pd.Timestamp(ts)} repeats"
            )
        seen.add(ts)
    if (max(stamps) - min(stamps)) > pd.Timedelta(days=MAX_BATCH_SPAN_DAYS):
        raise InputRuleError("rows.timestamp", f"a batch may span at most {MAX_BATCH_SPAN_DAYS} days")
    loaded, point, low, high, method = _estimate(service, rows, prefix="rows.")
    out = {
        "estimates": rounded_rows(stamps, point, low, high),
        "interval_method": method,
        "model": stamp(loaded),
    }
    return respond(
        service, "/predict/batch", loaded, len(rows), batch.model_dump_json(), out, rounded=ROUNDED
    )
