"""Tomorrow's forecast on demand: the same function as the pipeline's official ``day_ahead_forecast``
(``energy_assets.domain.live.day_ahead.issue``), computed and returned, never stored (the warehouse is
the pipeline's; the stored forecast is the one the day-ahead run issues)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from fastapi import APIRouter

from energy_api.precision import RoundedJSONResponse
from energy_api.registry import FORECAST
from energy_api.routers.deps import InputRuleError, ServiceDep, stamp
from energy_api.schemas import DayAheadRequest, DayAheadResponse
from energy_api.services.forecast import served_history
from energy_assets.domain.data import schema
from energy_assets.domain.live import day_ahead, history
from energy_assets.domain.models.forecast.base import MEAN, quantile_column
from energy_assets.domain.training import tracking

router = APIRouter(tags=["forecast"], default_response_class=RoundedJSONResponse)


@router.post(
    "/forecast/day-ahead",
    response_model=DayAheadResponse,
    summary="A plant day's 96-interval forecast from the champion, with the plan it used",
)
def forecast_day_ahead(request: DayAheadRequest, service: ServiceDep) -> DayAheadResponse:
    loaded = service.registry.get(FORECAST)
    readings, _ = served_history(service, loaded)
    if request.day is None:
        days = history.complete_days(readings)
        if not days:
            raise InputRuleError("day", "the readings hold no complete day to forecast after")
        day = (days[-1] + pd.Timedelta(days=1)).date()
    else:
        day = request.day
    planned = None
    if request.planned_load_type:
        planned = pd.DataFrame([row.model_dump() for row in request.planned_load_type])
        planned[schema.TIMESTAMP] = pd.to_datetime(planned[schema.TIMESTAMP])
    origin = day_ahead.origin_of(day)
    known = readings.loc[pd.to_datetime(readings[schema.TIMESTAMP]) <= origin]
    try:
        out = day_ahead.issue(
            loaded.bundle.model,
            readings,
            day,
            planned=planned,
            model_version=loaded.model_version,
            data_version=tracking.frame_version(known),
        )
    except day_ahead.DayAheadError as exc:
        raise InputRuleError("day", str(exc)) from exc
    names = [quantile_column(q) for q in loaded.bundle.model.quantiles]
    intervals = [
        {
            "target_timestamp": row[day_ahead.TARGET],
            "horizon": int(row[day_ahead.HORIZON]),
            "mean": float(row[MEAN]),
            "quantiles": {n: float(row[n]) for n in names},
            "planned_load_type": row[day_ahead.PLANNED],
            "plan_source": row[day_ahead.PLAN_SOURCE],
        }
        for row in out.to_dict("records")
    ]
    return DayAheadResponse(
        day=day if isinstance(day, dt.date) else pd.Timestamp(day).date(),
        issued_at=pd.Timestamp(out[day_ahead.ISSUED_AT].iloc[0]).to_pydatetime(),
        total_kwh=float(out[MEAN].sum()),
        model=stamp(loaded),
        data_version=str(out[day_ahead.DATA_VERSION].iloc[0]),
        intervals=intervals,
    )
