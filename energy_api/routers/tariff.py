"""The configured tariff's billing periods of a day (what the operator app groups a day's figures by)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from energy_api.routers.deps import ServiceDep
from energy_api.schemas import PlantDay, TariffDay, TariffRun

router = APIRouter(tags=["tariff"])


@router.get("/tariff/periods", response_model=TariffDay, summary="A day's runs of one billing period")
async def tariff_periods(
    service: ServiceDep, date: Annotated[PlantDay, Query(description="Plant day (YYYY-MM-DD).")]
) -> TariffDay:
    runs = service.tariff.period_runs(date)
    return TariffDay(
        date=date,
        tariff=service.tariff.name,
        runs=[TariffRun(tariff_period=p, start=s.to_pydatetime(), end=e.to_pydatetime()) for p, s, e in runs],
    )
