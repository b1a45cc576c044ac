"""What-if scenarios on a baseline (the served readings or the champion's forecast), for
``POST /scenarios`` and the copilot's day-level what-ifs."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from energy_api.registry import FORECAST
from energy_api.schemas import ChangeLoadType, ImprovePowerFactor, ShiftLoad, Window
from energy_api.services.forecast import run_forecast, served_history
from energy_assets.domain import what_if as engine
from energy_assets.domain.data import schema
from energy_assets.domain.models.forecast.base import MAX_HORIZON


class NoBaseline(ValueError):
    """A day with neither readings nor a forecast (more than a week after the readings)."""


def window(w: Window) -> engine.TimeWindow:
    return engine.TimeWindow(pd.Timestamp(w.start), pd.Timestamp(w.end))


def baseline(service: Any, scenario: Any) -> tuple[pd.DataFrame, str]:
    """The scenario's baseline frame and where it came from."""
    if scenario.baseline == "history":
        frame, cov = service.readings()
        return frame, cov.source
    loaded = service.registry.get(FORECAST)
    history, source = served_history(service, loaded)
    result, origin = run_forecast(loaded, history, scenario.origin, scenario.horizon, source=source)
    return engine.baseline_from_forecast(result), f"forecast from {origin} ({loaded.model_version})"


def run_scenario(service: Any, scenario: ShiftLoad | ChangeLoadType | ImprovePowerFactor) -> dict[str, Any]:
    """One engine scenario, as POST /scenarios answers it."""
    frame, source = baseline(service, scenario)
    tariff = service.tariff
    if isinstance(scenario, ShiftLoad):
        result = engine.shift_load(
            frame, scenario.energy_kwh, window(scenario.from_window), window(scenario.to_window), tariff
        )
    elif isinstance(scenario, ChangeLoadType):
        result = engine.change_load_type(frame, window(scenario.window), scenario.to, tariff)
    else:
        result = engine.improve_power_factor(
            frame, window(scenario.window), scenario.target_pf_pct, scenario.side, tariff
        )
    return {**result.to_dict(), "baseline_source": source}


def day_baseline(service: Any, day: dt.date) -> tuple[pd.DataFrame, str | None]:
    """The readings of ``day``; a day after the readings (e.g. 'tomorrow', up to a week) gets the
    champion's forecast as its baseline, as POST /scenarios does with ``baseline: forecast``.
    The second value names the forecast (None for readings)."""
    table, cov = service.readings_table()
    if table.has_day(day):
        return table.pandas_rows(day, day), None
    last = cov.last_day
    if day < cov.first_day or day <= last:
        raise NoBaseline(f"no readings for {day}; the readings cover {cov.first_day} to {last}")
    horizon = (day - last).days * schema.INTERVALS_PER_DAY
    if horizon > MAX_HORIZON:
        raise NoBaseline(
            f"{day} is more than 7 days after the last reading ({last}): no readings and no forecast; "
            f"the readings cover {cov.first_day} to {last}"
        )
    loaded = service.registry.get(FORECAST)
    history, source = served_history(service, loaded)
    result, origin = run_forecast(loaded, history, None, horizon, source=source)
    rows = engine.baseline_from_forecast(result).iloc[-schema.INTERVALS_PER_DAY :].reset_index(drop=True)
    return rows, f"the forecast of {loaded.model_version} from {origin:%Y-%m-%d %H:%M}"
