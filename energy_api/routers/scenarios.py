"""What-if answers: shift load, change the billing period, improve power factor (cost and CO2)."""

from __future__ import annotations

from typing import Annotated, Any

import pandas as pd
from fastapi import APIRouter, Body

from energy_api.registry import FORECAST
from energy_api.routers.deps import ServiceDep
from energy_api.routers.forecast import run_forecast
from energy_api.schemas import (
    ChangeLoadType,
    ImprovePowerFactor,
    Scenario,
    ScenarioResponse,
    ShiftLoad,
    Window,
)
from energy_assets.domain import what_if as engine

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


def _window(window: Window) -> engine.TimeWindow:
    return engine.TimeWindow(pd.Timestamp(window.start), pd.Timestamp(window.end))


def _baseline(service: Any, scenario: Any) -> tuple[pd.DataFrame, str]:
    if scenario.baseline == "history":
        return service.readings()
    loaded = service.registry.get(FORECAST)
    history, _ = service.readings()
    result, origin = run_forecast(loaded, history, scenario.origin, scenario.horizon)
    return engine.baseline_from_forecast(result), f"forecast from {origin} ({loaded.model_version})"


@router.post("/scenarios", response_model=ScenarioResponse, summary="Cost and CO2 of a what-if scenario")
def run_scenario(
    service: ServiceDep, scenario: Annotated[Scenario, Body(openapi_examples=_EXAMPLES)]
) -> dict[str, Any]:
    baseline, source = _baseline(service, scenario)
    tariff = service.tariff
    if isinstance(scenario, ShiftLoad):
        result = engine.shift_load(
            baseline, scenario.energy_kwh, _window(scenario.from_window), _window(scenario.to_window), tariff
        )
    elif isinstance(scenario, ChangeLoadType):
        result = engine.change_load_type(baseline, _window(scenario.window), scenario.to, tariff)
    else:
        assert isinstance(scenario, ImprovePowerFactor)
        result = engine.improve_power_factor(
            baseline, _window(scenario.window), scenario.target_pf_pct, scenario.side, tariff
        )
    return {**result.to_dict(), "baseline_source": source}
