"""POST /query: one typed query over every served reading (the copilot's data tool, reproducible)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body
from pydantic import BaseModel, ConfigDict, Field

from energy_api.precision import QueryJSONResponse
from energy_api.routers.deps import ServiceDep
from energy_api.services import query as service_query
from energy_assets.domain.query import Query

router = APIRouter(tags=["query"])

_EXAMPLES = {
    "total": {
        "summary": "Total consumption of April 2018",
        "value": {"metric": "usage_kwh", "span": {"start": "2018-04-01", "end": "2018-04-30"}},
    },
    "ranking": {
        "summary": "The most expensive month of 2018",
        "value": {
            "metric": "cost_krw",
            "span": {"start": "2018-01-01", "end": "2018-12-31"},
            "group_by": "month",
            "top": 1,
        },
    },
    "count": {
        "summary": "Hours with a lagging power factor below 90 % in Q1",
        "value": {
            "aggregation": "count_hours",
            "span": {"start": "2018-01-01", "end": "2018-03-31"},
            "condition": {"column": "lagging_power_factor", "op": "<", "value": 90},
        },
    },
    "share": {
        "summary": "Share of March's consumption in the maximum tariff period",
        "value": {
            "span": {"start": "2018-03-01", "end": "2018-03-31"},
            "share_of": {"tariff_period": ["maximum"]},
        },
    },
    "comparison": {
        "summary": "March vs April",
        "value": {
            "span": {"start": "2018-03-01", "end": "2018-03-31"},
            "compare_to": {"start": "2018-04-01", "end": "2018-04-30"},
        },
    },
}


class SpanCoverage(BaseModel):
    start: str
    end: str
    days: int


class QueryCoverage(BaseModel):
    requested: SpanCoverage | list[SpanCoverage]
    covered: SpanCoverage | list[SpanCoverage | None] | None = Field(
        description="The days of the requested span(s) that hold readings (null: none)."
    )
    partial: bool = Field(description="Only part of the requested days hold readings.")
    no_data: bool = Field(description="No requested day holds readings: no value is given.")
    available: dict[str, str] = Field(description="First and last day of all served readings.")


class QueryResponse(BaseModel):
    """The answer: ``value`` (null without data) in ``unit``, and by mode ``groups``/``ranking``,
    ``share``, or ``a``/``b``/``difference``/``change_pct``; ``coverage`` always."""

    model_config = ConfigDict(extra="allow")

    query: dict[str, Any]
    metric: str
    aggregation: str
    unit: str
    source: str
    coverage: QueryCoverage
    value: float | None = None


@router.post(
    "/query",
    response_model=QueryResponse,
    response_class=QueryJSONResponse,
    summary="Query the readings: a metric, aggregation, filters, grouping, ranking, share or comparison",
    responses={422: {"description": "an argument breaks a rule; `detail` names the field and the rule"}},
)
def run_query(
    service: ServiceDep,
    query: Query = Body(openapi_examples=_EXAMPLES),  # noqa: B008 - FastAPI's body marker
) -> dict[str, Any]:
    return service_query.run_query(service, query)
