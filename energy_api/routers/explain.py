"""What drove a day's peak interval: SHAP contributions of the champion estimator and plain facts."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from energy_api.routers.deps import ServiceDep
from energy_api.schemas import PeakExplanation, PlantDay
from energy_api.services import explain

router = APIRouter(tags=["explain"])


@router.get(
    "/explain/peak",
    response_model=PeakExplanation,
    summary="What drove a day's peak interval",
    responses={404: {"description": "the served readings hold no interval of that day"}},
)
def explain_peak(
    service: ServiceDep,
    date: Annotated[PlantDay, Query(description="Plant-local day (YYYY-MM-DD).", examples=["2018-12-27"])],
) -> dict[str, Any]:
    return explain.explain_peak(service, date)
