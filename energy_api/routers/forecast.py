"""Forecast usage_kwh with quantiles for up to 7 days after an origin."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from fastapi import APIRouter

from energy_api.registry import FORECAST, LoadedBundle
from energy_api.routers.deps import InputRuleError, ServiceDep, log_prediction, stamp
from energy_api.schemas import ForecastRequest, ForecastResponse
from energy_assets.domain import schema
from energy_assets.domain.forecasting.base import MEAN, TARGET_HORIZON, quantile_column

router = APIRouter(tags=["forecast"])
#: A week of 15-minute readings: the shortest history every forecaster can use.
MIN_HISTORY = 7 * schema.INTERVALS_PER_DAY


def history_of(request: ForecastRequest, loaded: LoadedBundle) -> tuple[pd.DataFrame, str]:
    """The request's history when it brings one, else the bundle's; checked for duplicates."""
    if request.history:
        frame = pd.DataFrame([row.model_dump() for row in request.history])
        frame[schema.TIMESTAMP] = pd.to_datetime(frame[schema.TIMESTAMP])
        if frame[schema.TIMESTAMP].duplicated().any():
            raise InputRuleError("history.timestamp", "timestamps must be unique")
        return frame.sort_values(schema.TIMESTAMP, kind="stable").reset_index(drop=True), "request"
    if loaded.history is None:
        raise InputRuleError("history", "the forecast bundle ships no history: send `history`")
    return loaded.history, "bundle"


def run_forecast(
    loaded: LoadedBundle,
    history: pd.DataFrame,
    origin: pd.Timestamp | None,
    horizon: int,
    planned: pd.DataFrame | None = None,
    source: str = "bundle",
) -> tuple[pd.DataFrame, pd.Timestamp]:
    """The champion's forecast; the origin must lie inside the history, a week after its start.

    Every forecaster here reads the same slot a week earlier, so less than a week of readings up to
    the origin is refused instead of answered from missing lags.
    """
    first, last = history[schema.TIMESTAMP].min(), history[schema.TIMESTAMP].max()
    origin = last if origin is None else pd.Timestamp(origin)
    if not first <= origin <= last:
        raise InputRuleError("origin", f"must lie within the history, {first} to {last}")
    seen = int((history[schema.TIMESTAMP] <= origin).sum())
    if seen < MIN_HISTORY:
        raise InputRuleError(
            "history" if source == "request" else "origin",
            f"needs at least {MIN_HISTORY} intervals (7 days) of history up to the origin, got {seen}",
        )
    result = loaded.bundle.model.predict(history, origin, horizon, future_covariates=planned)
    values = result.drop(columns=[schema.TIMESTAMP]).to_numpy(dtype=float)
    if not np.isfinite(values).all():
        raise ValueError(
            "the forecast has gaps: the history lacks readings the model needs before the origin"
        )
    return result, origin


@router.post("/forecast", response_model=ForecastResponse, summary="Forecast usage_kwh with quantiles")
def forecast(request: ForecastRequest, service: ServiceDep) -> dict[str, Any]:
    loaded = service.registry.get(FORECAST)
    history, source = history_of(request, loaded)
    planned = None
    if request.planned_load_type:
        planned = pd.DataFrame([row.model_dump() for row in request.planned_load_type])
        planned[schema.TIMESTAMP] = pd.to_datetime(planned[schema.TIMESTAMP])
        planned = planned.drop_duplicates(schema.TIMESTAMP, keep="last")
    result, origin = run_forecast(loaded, history, request.origin, request.horizon, planned, source)
    qcols = [quantile_column(q) for q in loaded.bundle.model.quantiles]
    quantiles = result[qcols].to_dict("records")
    points = [
        {"timestamp": ts, "horizon": int(h), "mean": float(m), "quantiles": q}
        for ts, h, m, q in zip(
            result[schema.TIMESTAMP].tolist(), result[TARGET_HORIZON], result[MEAN], quantiles, strict=True
        )
    ]
    out = {
        "origin": origin.to_pydatetime(),
        "horizon": request.horizon,
        "history_source": source,
        "total_kwh": float(result[MEAN].sum()),
        "points": points,
        "model": stamp(loaded).model_dump(),
    }
    service.metrics.predicted_rows.labels(FORECAST).inc(request.horizon)
    log_prediction(
        service,
        "/forecast",
        loaded,
        request.horizon,
        {
            "origin": str(origin),
            "horizon": request.horizon,
            "history_source": source,
            "history_rows": len(history),
            "planned_rows": 0 if planned is None else len(planned),
        },
        out,
    )
    return out
