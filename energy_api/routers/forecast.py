"""Forecast usage_kwh with quantiles for up to 7 days after an origin."""

from __future__ import annotations

import pandas as pd
from fastapi import APIRouter, Response

from energy_api.precision import round_column, round_columns
from energy_api.registry import FORECAST
from energy_api.routers.deps import ServiceDep, respond, stamp
from energy_api.schemas import ForecastRequest, ForecastResponse
from energy_api.services.errors import InputRuleError
from energy_api.services.forecast import (
    observed_readings,
    request_history,
    run_sourced_forecast,
    served_history,
    wall_datetimes,
)
from energy_assets.domain.data import schema
from energy_assets.domain.models.forecast.base import MEAN, TARGET_HORIZON, quantile_column

router = APIRouter(tags=["forecast"])
#: The answer's keys the handler rounds itself, column by column (the rest: respond's round_figures).
ROUNDED = ("points", "recent", "actuals")


FORECAST_DESCRIPTION = """
Forecast `usage_kwh` for `horizon` intervals after `origin`, with a mean and quantiles.

**Which model answers.** The forecast champion (best validation RMSE on daily 00:00 origins) answers
every interval, except where its bundle's card carries an intraday rule (`intraday`, chosen on
validation by the training pipeline and written beside the bundled nowcast): at an origin during the
operating day (the interval ending at the origin is a Medium or Maximum load interval, 09:00-23:00 of
an operating day) the first `intraday.horizons` intervals (16 = 4 h on the 2018 data: the nowcast won
the 15 min, 1 h and 4 h bands on validation) come from the **nowcast**, which reads the latest
readings (only readings at or before the origin). Each point's `model` and the `sources` blocks say
which model produced it; the deciles stay monotone on every interval, the seam included. The rule is
read from the bundle (`GET /model/info` shows it as `forecast.intraday`), not fixed in the API.

**Quantiles.** `quantiles` picks levels from the served deciles 0.1, 0.2 .. 0.9 (default: all nine).
A level off that grid (0.25, 0.05) or repeated is answered 422 naming `quantiles`; levels are never
interpolated. The nine deciles are computed once per forecast, so fewer levels never cost more and
all nine cost what one does.
"""


@router.post(
    "/forecast",
    response_model=ForecastResponse,
    summary="Forecast usage_kwh with quantiles",
    description=FORECAST_DESCRIPTION,
)
async def forecast(request: ForecastRequest, service: ServiceDep) -> Response:
    # async on purpose: a classical forecast is a few ms of CPU under the GIL, so the event loop runs
    # it directly; a thread-pool hop made 16 concurrent forecasts contend for the GIL (measured 1.8x
    # CPU per request)
    loaded = service.registry.get(FORECAST)
    if request.history:
        history, source = request_history(request.history), "request"
    else:
        history, source = served_history(service, loaded)
    planned = None
    if request.planned_load_type:
        planned = pd.DataFrame([row.model_dump() for row in request.planned_load_type])
        planned[schema.TIMESTAMP] = pd.to_datetime(planned[schema.TIMESTAMP])
        planned = planned.drop_duplicates(schema.TIMESTAMP, keep="last")
    served = loaded.bundle.model.quantiles
    levels = served if request.quantiles is None else request.quantiles
    missing = [q for q in levels if q not in served]
    if missing:
        raise InputRuleError(
            "quantiles", f"the champion serves the levels {list(served)}; {missing} are not among them"
        )
    result, origin, sources = run_sourced_forecast(
        loaded, history, request.origin, request.horizon, planned, source
    )
    # the answer's figures are rounded column by column (energy_api.precision.round_column, the rule of
    # round_figures), then the rows are built: walking 96 points of ten figures each afterwards cost
    # more CPU than the rest of the answer
    names = [quantile_column(q) for q in levels]
    figures = round_columns({name: result[name].to_numpy(dtype=float) for name in (MEAN, *names)})
    quantiles = zip(*(figures[name] for name in names), strict=True)
    targets = result[schema.TIMESTAMP]
    stamps = wall_datetimes(targets.to_numpy())  # datetime objects by NumPy where they hold them exactly
    stamps = targets.tolist() if stamps is None else stamps
    labels = [name for name, first, last in sources for _ in range(first, last + 1)]
    points = [
        {"timestamp": ts, "horizon": h, "mean": m, "quantiles": dict(zip(names, q, strict=True)), "model": n}
        for ts, h, m, q, n in zip(
            stamps,
            result[TARGET_HORIZON].to_numpy().tolist(),
            figures[MEAN],
            quantiles,
            labels,
            strict=True,
        )
    ]
    blocks = [
        {
            "model": name,
            "first_horizon": first,
            "last_horizon": last,
            "first_timestamp": stamps[first - 1],
            "last_timestamp": stamps[last - 1],
        }
        for name, first, last in sources
    ]
    observed = {
        name: [
            {"timestamp": t, schema.USAGE_KWH: u}
            for t, u in zip(moments, round_column(schema.USAGE_KWH, values), strict=True)
        ]
        for name, (moments, values) in observed_readings(history, origin, targets).items()
    }
    out = {
        "origin": origin.to_pydatetime(),
        "horizon": request.horizon,
        "history_source": source,
        "total_kwh": float(result[MEAN].sum()),
        "points": points,
        "sources": blocks,
        **observed,
        "model": stamp(loaded),
    }
    service.metrics.predicted_rows.labels(FORECAST).inc(request.horizon)
    logged = {
        "origin": str(origin),
        "horizon": request.horizon,
        "history_source": source,
        "history_rows": len(history),
        "planned_rows": 0 if planned is None else len(planned),
        "quantiles": None if request.quantiles is None else list(levels),
    }
    return respond(service, "/forecast", loaded, request.horizon, logged, out, rounded=ROUNDED)
