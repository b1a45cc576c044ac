"""What-if answers: shift load, change the billing period, improve power factor (cost and CO2)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body

from energy_api.routers.deps import ServiceDep
from energy_api.schemas import Scenario, ScenarioResponse, ShiftLoad
from energy_api.services import scenarios

router = APIRouter(tags=["scenarios"])

_EXAMPLES = {
    "shift_load": {
        "summary": "Move 200 kWh from the morning maximum period to the night",
        "value": ShiftLoad.model_config["json_schema_extra"]["examples"][0],  # type: ignore[index]
    },
    "change_load_type": {
        "summary": "Bill a morning at the medium price",
        "value": {
            "kind": "change_load_type",
            "window": {"start": "2018-12-27T10:00:00", "end": "2018-12-27T12:00:00"},
            "to": "Medium_Load",
        },
    },
    "improve_power_factor": {
        "summary": "Raise the lagging power factor to 95 % for a day",
        "value": {
            "kind": "improve_power_factor",
            "window": {"start": "2018-12-27T00:00:00", "end": "2018-12-28T00:00:00"},
            "target_pf_pct": 95,
        },
    },
}


@router.post("/scenarios", response_model=ScenarioResponse, summary="Cost and CO2 of a what-if scenario")
def run_scenario(
    service: ServiceDep, scenario: Annotated[Scenario, Body(openapi_examples=_EXAMPLES)]
) -> dict[str, Any]:
    return scenarios.run_scenario(service, scenario)
