"""Forecast usage_kwh with quantiles for up to 7 days after an origin."""

from __future__ import annotations

import numpy as np
import pandas as pd
from fastapi import APIRouter, Response

from energy_api.registry import FORECAST, LoadedBundle, ModelNotLoadedError
from energy_api.routers.deps import InputRuleError, ServiceDep, respond, stamp
from energy_api.schemas import ForecastRequest, ForecastResponse
from energy_assets.domain.data import schema
from energy_assets.domain.models.forecast.base import MEAN, TARGET_HORIZON, quantile_column

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
    if loaded.history is None:  # verify_bundle refuses such a bundle; kept as a server-side guard
        raise ModelNotLoadedError("the forecast champion has no history to forecast from; send `history`")
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
    stamps = history[schema.TIMESTAMP].to_numpy()
    first, last = pd.Timestamp(stamps.min()), pd.Timestamp(stamps.max())
    origin = last if origin is None else pd.Timestamp(origin)
    if not first <= origin <= last:
        raise InputRuleError("origin", f"must lie within the history, {first} to {last}")
    seen = int(np.count_nonzero(stamps <= origin.to_datetime64()))
    if seen < MIN_HISTORY:
        raise InputRuleError(
            "history" if source == "request" else "origin",
            f"needs at least {MIN_HISTORY} intervals (7 days) of history up to the origin, got {seen}",
        )
    try:
        result = loaded.bundle.model.predict(history, origin, horizon, future_covariates=planned)
    except ValueError as exc:
        if source != "request":  # the service's own history: its fault, answered 500 and logged
            raise RuntimeError(f"forecasting from the {source} history failed: {exc}") from exc
        raise InputRuleError("history", str(exc)) from exc
    values = [result[c].to_numpy(dtype=float) for c in result.columns if c != schema.TIMESTAMP]
    if not all(np.isfinite(v).all() for v in values):
        rule = "the forecast has gaps: the history lacks readings the model needs before the origin"
        if source != "request":
            raise RuntimeError(f"{rule} (the {source} history)")
        raise InputRuleError("history", rule)
    return result, origin


@router.post("/forecast", response_model=ForecastResponse, summary="Forecast usage_kwh with quantiles")
async def forecast(request: ForecastRequest, service: ServiceDep) -> Response:
    # async on purpose: a classical forecast is a few ms of CPU under the GIL, so the event loop runs
    # it directly; a thread-pool hop made 16 concurrent forecasts contend for the GIL (measured 1.8x
    # CPU per request)
    loaded = service.registry.get(FORECAST)
    history, source = history_of(request, loaded)
    planned = None
    if request.planned_load_type:
        planned = pd.DataFrame([row.model_dump() for row in request.planned_load_type])
        planned[schema.TIMESTAMP] = pd.to_datetime(planned[schema.TIMESTAMP])
        planned = planned.drop_duplicates(schema.TIMESTAMP, keep="last")
    result, origin = run_forecast(loaded, history, request.origin, request.horizon, planned, source)
    names = [quantile_column(q) for q in loaded.bundle.model.quantiles]
    quantiles = zip(*(result[name].to_numpy().tolist() for name in names), strict=True)
    stamps = result[schema.TIMESTAMP].tolist()
    points = [
        {"timestamp": ts, "horizon": h, "mean": m, "quantiles": dict(zip(names, q, strict=True))}
        for ts, h, m, q in zip(
            stamps,
            result[TARGET_HORIZON].to_numpy().tolist(),
            result[MEAN].to_numpy().tolist(),
            quantiles,
            strict=True,
        )
    ]
    out = {
        "origin": origin.to_pydatetime(),
        "horizon": request.horizon,
        "history_source": source,
        "total_kwh": float(result[MEAN].sum()),
        "points": points,
        "model": stamp(loaded),
    }
    service.metrics.predicted_rows.labels(FORECAST).inc(request.horizon)
    logged = {
        "origin": str(origin),
        "horizon": request.horizon,
        "history_source": source,
        "history_rows": len(history),
        "planned_rows": 0 if planned is None else len(planned),
    }
    return respond(service, "/forecast", loaded, request.horizon, logged, out)
