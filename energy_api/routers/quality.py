"""What the cleaning run published about the served data: report, scorecard, quarantine and repairs."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from energy_api.precision import RoundedJSONResponse
from energy_api.schemas import DataQualityResponse
from energy_api.services import quality

router = APIRouter(tags=["data"], default_response_class=RoundedJSONResponse)


@router.get(
    "/data/quality",
    response_model=DataQualityResponse,
    summary="The cleaning run's report, scorecard, quarantine (with reasons) and repairs",
)
def data_quality(
    limit: Annotated[
        int,
        Query(
            ge=0,
            le=quality.MAX_LIMIT,
            description="Quarantine and repair rows to return (counts are over all).",
        ),
    ] = 500,
) -> dict[str, Any]:
    return quality.data_quality(limit)
