"""The configured tariff's billing periods of a day (what the operator app groups a day's figures by)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query

from energy_api.routers.deps import InputRuleError, ServiceDep
from energy_api.schemas import FIRST_YEAR, LAST_YEAR, TariffDay, TariffRun

router = APIRouter(tags=["tariff"])


@router.get("/tariff/periods", response_model=TariffDay, summary="A day's runs of one billing period")
async def tariff_periods(
    service: ServiceDep, date: Annotated[dt.date, Query(description="Plant day (YYYY-MM-DD).")]
) -> TariffDay:
    if not FIRST_YEAR <= date.year <= LAST_YEAR:  # the calendar's years (a year 909 overflowed pandas: 500)
        raise InputRuleError("date", f"must be between {FIRST_YEAR} and {LAST_YEAR}", 422, "query")
    runs = service.tariff.period_runs(date)
    return TariffDay(
        date=date,
        tariff=service.tariff.name,
        runs=[TariffRun(tariff_period=p, start=s.to_pydatetime(), end=e.to_pydatetime()) for p, s, e in runs],
    )
