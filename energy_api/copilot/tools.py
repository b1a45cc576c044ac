"""The copilot's tools: typed, validated arguments and thin calls into the code the API serves with.

Each tool takes a pydantic argument model and the app's :class:`~energy_api.main.Service` and returns
a JSON-ready dict. Nothing here composes SQL or runs code from a message: the planner may only name
a tool of :data:`TOOLS` and fill its fields, which pydantic checks before anything runs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from fastapi import HTTPException
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from energy_api.registry import FORECAST
from energy_api.routers import explain as explain_router
from energy_api.routers.forecast import run_forecast
from energy_assets.domain import calendar
from energy_assets.domain import what_if as engine
from energy_assets.domain.data import schema
from energy_assets.domain.models.forecast.base import MAX_HORIZON, MEAN
from energy_assets.domain.tariff import LIGHT, MAXIMUM, TARIFF_PERIODS, Tariff

GROUP_BY = ("none", "day", "week", "month", "tariff_period", "load_type")
METRICS = ("energy_kwh", "mean_kwh", "peak_kwh", "cost_krw", "co2_t", "power_factor_pct")
#: Where "madrugada"/"night" puts shifted load when the question names no hour: 01:00, mid light period.
NIGHT_START_HOUR = 1
DEFAULT_TARGET_PF = 95.0


class ToolError(ValueError):
    """A tool call that cannot be answered (no data for that day, a window the engine refuses)."""


class _Args(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ForecastArgs(_Args):
    """Forecast usage_kwh for ``horizon_hours`` after ``start`` (default: the end of the readings)."""

    start: dt.datetime | None = Field(None, description="Origin: end of the last interval seen.")
    horizon_hours: int = Field(24, ge=1, le=168)


class WhatIfArgs(_Args):
    """One scenario of the engine, on one day of the readings."""

    kind: Literal["shift_load", "change_load_type", "improve_power_factor"]
    date: dt.date | None = Field(None, description="Day of the scenario; default: 'today'.")
    from_start_hour: int | None = Field(None, ge=0, le=23, description="Start hour of the window acted on.")
    hours: float = Field(2.0, gt=0, le=24, description="Length of the window in hours.")
    to_start_hour: int | None = Field(None, ge=0, le=23, description="shift_load: start hour of the target.")
    energy_kwh: float | None = Field(None, gt=0, description="shift_load: kWh moved (default: all).")
    target: Literal["light", "medium", "maximum"] | None = Field(None, description="change_load_type.")
    target_pf_pct: float | None = Field(None, gt=0, le=100, description="improve_power_factor.")
    side: Literal["lagging", "leading"] = "lagging"

    @model_validator(mode="after")
    def _needs(self) -> WhatIfArgs:
        if self.kind == "change_load_type" and self.target is None:
            raise ValueError("change_load_type needs `target` (light, medium or maximum)")
        return self


class ExplainPeakArgs(_Args):
    date: dt.date


class EnergySummaryArgs(_Args):
    """Totals over days ``start`` .. ``end`` (inclusive), optionally grouped."""

    start: dt.date
    end: dt.date
    group_by: Literal["none", "day", "week", "month", "tariff_period", "load_type"] = "none"
    metric: Literal["energy_kwh", "mean_kwh", "peak_kwh", "cost_krw", "co2_t", "power_factor_pct"] = (
        "energy_kwh"
    )

    @model_validator(mode="after")
    def _order(self) -> EnergySummaryArgs:
        if self.end < self.start:
            raise ValueError("end must not be before start")
        return self


class RecommendArgs(_Args):
    date: dt.date | None = Field(None, description="Day to act on; default: 'today'.")


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    args: type[_Args]
    run: Callable[[Any, Any, dt.date], dict[str, Any]]


# --- helpers --------------------------------------------------------------------------------------
def _readings(service: Any) -> pd.DataFrame:
    frame, _ = service.readings()
    return frame


#: Interval day of every reading, per readings frame (the served frame changes only on a reload).
_DAY_CACHE: dict[int, tuple[pd.DataFrame, np.ndarray]] = {}


def _days(frame: pd.DataFrame) -> np.ndarray:
    cached = _DAY_CACHE.get(id(frame))
    if cached is not None and cached[0] is frame:
        return cached[1]
    days = calendar.interval_date(frame[schema.TIMESTAMP]).to_numpy(dtype="datetime64[D]")
    if len(_DAY_CACHE) >= 4:
        _DAY_CACHE.clear()
    _DAY_CACHE[id(frame)] = (frame, days)
    return days


def _day_rows(frame: pd.DataFrame, start: dt.date, end: dt.date) -> pd.DataFrame:
    days = _days(frame)
    lo, hi = (
        np.searchsorted(days, np.datetime64(start, "D")),
        np.searchsorted(days, np.datetime64(end, "D"), "right"),
    )
    if lo >= hi:
        raise ToolError(f"no readings for {start} to {end}; the readings cover {days[0]} to {days[-1]}")
    return frame.iloc[lo:hi].reset_index(drop=True)


def _baseline_of_day(service: Any, day: dt.date) -> tuple[pd.DataFrame, str | None]:
    """Readings of ``day``; a day after the readings (e.g. 'tomorrow') gets the champion's forecast as
    its baseline, as POST /scenarios does with ``baseline: forecast``."""
    frame = _readings(service)
    days = _days(frame)
    last = days[-1].astype(object)
    if day <= last:
        return _day_rows(frame, day, day), None
    horizon = ((day - last).days) * schema.INTERVALS_PER_DAY
    if horizon > MAX_HORIZON:
        raise ToolError(f"{day} is more than 7 days after the last reading ({last}); no forecast baseline")
    loaded = service.registry.get(FORECAST)
    try:
        result, origin = run_forecast(loaded, frame, None, horizon)
    except ValueError as exc:
        raise ToolError(str(exc)) from exc
    baseline = engine.baseline_from_forecast(result).iloc[-schema.INTERVALS_PER_DAY :].reset_index(drop=True)
    return (
        baseline,
        f"Baseline: the forecast of {loaded.model_version} from {origin:%Y-%m-%d %H:%M} (no readings yet).",
    )


def _at(day: dt.date, hour: float) -> pd.Timestamp:
    return pd.Timestamp(day) + pd.Timedelta(hours=hour)


def _blocks(tf: Tariff, day: dt.date, period: str) -> list[tuple[int, int]]:
    """[start, end) hour blocks of ``period`` on ``day`` by the tariff's clock (contiguous runs)."""
    ends = pd.Series(pd.date_range(_at(day, 1), _at(day, 24), freq="1h"))
    hours = tf.tariff_period(ends).to_numpy()
    out: list[tuple[int, int]] = []
    for h, p in enumerate(hours):
        if p != period:
            continue
        if out and out[-1][1] == h:
            out[-1] = (out[-1][0], h + 1)
        else:
            out.append((h, h + 1))
    return out


def _totals(t: engine.Totals) -> dict[str, Any]:
    return {k: v for k, v in vars(t).items() if v is not None}


def _scenario(result: engine.ScenarioResult) -> dict[str, Any]:
    base, delta = result.baseline, result.delta
    saving = -delta.cost_krw
    return {
        "kind": result.kind,
        "baseline": _totals(base),
        "scenario": _totals(result.scenario),
        "delta": _totals(delta),
        "saving_krw": saving,
        "saving_pct": 100.0 * saving / base.cost_krw if base.cost_krw else 0.0,
        "intervals": result.intervals,
        "assumptions": list(result.assumptions),
        "details": result.details,
    }


def _tariff_facts(tf: Tariff) -> dict[str, Any]:
    return {
        "tariff": tf.name,
        "tariff_source": tf.source,
        "emission_factor_tco2_per_mwh": tf.emission_factor_tco2_per_mwh,
        "interval_minutes": int(schema.INTERVAL.total_seconds() // 60),
    }


# --- forecast -------------------------------------------------------------------------------------
def forecast(service: Any, args: ForecastArgs, today: dt.date) -> dict[str, Any]:
    """The champion forecaster through the same :func:`run_forecast` as POST /forecast."""
    loaded = service.registry.get(FORECAST)
    history = _readings(service)
    horizon = args.horizon_hours * 4
    try:
        result, origin = run_forecast(
            loaded, history, None if args.start is None else pd.Timestamp(args.start), horizon
        )
    except ValueError as exc:
        raise ToolError(str(exc)) from exc
    ts, mean = result[schema.TIMESTAMP], result[MEAN].to_numpy(dtype=float)
    peak = int(mean.argmax())
    cost = service.tariff.energy_cost_krw(ts, mean).to_numpy()
    periods = service.tariff.tariff_period(ts).to_numpy()
    total = float(mean.sum())
    return {
        "origin": f"{origin:%Y-%m-%d %H:%M}",
        "end": f"{ts.iloc[-1]:%Y-%m-%d %H:%M}",
        "horizon_hours": args.horizon_hours,
        "intervals": horizon,
        "total_kwh": total,
        "mean_kwh": float(mean.mean()),
        "peak_kwh": float(mean[peak]),
        "peak_interval_end": f"{ts.iloc[peak]:%Y-%m-%d %H:%M}",
        "cost_krw": float(cost.sum()),
        "maximum_period_kwh": float(mean[periods == MAXIMUM].sum()),
        "co2_t": float(service.tariff.co2_t(total)),
        "model_version": loaded.model_version,
        **_tariff_facts(service.tariff),
        "assumptions": [
            f"Forecast by the champion {loaded.family} ({loaded.model_version}) from {origin:%Y-%m-%d %H:%M}, "
            f"{horizon} intervals of 15 minutes.",
            f"Cost at the tariff {service.tariff.name} (illustrative KEPCO 2012 prices); CO2 at "
            f"{service.tariff.emission_factor_tco2_per_mwh:g} tCO2/MWh.",
        ],
    }


# --- what-if --------------------------------------------------------------------------------------
def what_if(service: Any, args: WhatIfArgs, today: dt.date) -> dict[str, Any]:
    """One engine scenario over the readings of a day (the same functions as POST /scenarios)."""
    day = args.date or today
    tf: Tariff = service.tariff
    rows, source = _baseline_of_day(service, day)
    notes: list[str] = [] if source is None else [source]
    if args.date is None:
        notes.append(f"No day named: the reference day {day} ('today', the last day of the readings).")
    try:
        if args.kind == "shift_load":
            start = args.from_start_hour
            if start is None:
                blocks = _blocks(tf, day, MAXIMUM)
                if not blocks:
                    raise ToolError(f"{day} has no maximum-load hours in the tariff (a light-all-day day)")
                start = blocks[0][0]
                notes.append(f"Source window: the first maximum-period block of {day}, from {start}:00.")
            to_start = NIGHT_START_HOUR if args.to_start_hour is None else args.to_start_hour
            src = engine.TimeWindow(_at(day, start), _at(day, start + args.hours))
            dst = engine.TimeWindow(_at(day, to_start), _at(day, to_start + args.hours))
            in_src = rows.loc[src.mask(rows[schema.TIMESTAMP]), schema.USAGE_KWH].sum()
            energy = float(in_src) if args.energy_kwh is None else args.energy_kwh
            if args.energy_kwh is None:
                notes.append(f"All {energy:.2f} kWh used in the source window are moved.")
            result = engine.shift_load(rows, energy, src, dst, tf)
            periods = tf.tariff_period(pd.Series([src.start + schema.INTERVAL, dst.start + schema.INTERVAL]))
            extra = {
                "from_period": str(periods.iloc[0]),
                "to_period": str(periods.iloc[1]),
                "moved_kwh": energy,
            }
        elif args.kind == "change_load_type":
            start = 10 if args.from_start_hour is None else args.from_start_hour
            window = engine.TimeWindow(_at(day, start), _at(day, start + args.hours))
            result = engine.change_load_type(rows, window, str(args.target), tf)
            extra = {"to_period": str(args.target)}
        else:
            target = DEFAULT_TARGET_PF if args.target_pf_pct is None else args.target_pf_pct
            if args.target_pf_pct is None:
                notes.append(f"No target named: {target:g} % {args.side} power factor.")
            start = 0 if args.from_start_hour is None else args.from_start_hour
            hours = 24.0 if args.from_start_hour is None else args.hours
            window = engine.TimeWindow(_at(day, start), _at(day, start + hours))
            result = engine.improve_power_factor(rows, window, target, args.side, tf)
            extra = {"target_pf_pct": target}
    except ValueError as exc:
        raise ToolError(str(exc)) from exc
    except KeyError as exc:
        raise ToolError(f"{args.kind} needs measured readings ({exc}), not a forecast baseline") from exc
    out = _scenario(result)
    out.update(extra)
    out.update(_tariff_facts(tf))
    if args.kind == "shift_load":
        out["moved_co2_t"] = float(tf.co2_t(out["moved_kwh"]))
    out["date"] = day.isoformat()
    out["baseline_source"] = source or "readings"
    out["assumptions"] = [*notes, *out["assumptions"]]
    return out


# --- explain --------------------------------------------------------------------------------------
def explain_peak(service: Any, args: ExplainPeakArgs, today: dt.date) -> dict[str, Any]:
    """The API's own /explain/peak (SHAP of the champion estimator plus plain facts), cached per day."""
    try:
        out = explain_router.explain_peak(service, args.date)
    except HTTPException as exc:
        raise ToolError(str(exc.detail)) from exc
    keep = [
        "usage_kwh",
        "day_total_kwh",
        "day_mean_kwh",
        "load_type",
        "tariff_period",
        "price_krw_per_kwh",
        "cost_krw",
        "co2_tco2",
        "lagging_power_factor",
        "leading_power_factor",
        "estimate_kwh",
        "base_value_kwh",
        "facts",
        "readings_source",
    ]
    result = {k: out[k] for k in keep}
    result["date"] = args.date.isoformat()
    ts = pd.Timestamp(out["timestamp"])
    result["peak_interval"] = f"{ts - schema.INTERVAL:%H:%M}-{ts:%H:%M}"
    result["peak_ratio"] = out["usage_kwh"] / out["day_mean_kwh"] if out["day_mean_kwh"] else 0.0
    result["top_contributions"] = [
        {"feature": c["feature"], "contribution_kwh": c["contribution_kwh"]} for c in out["contributions"][:3]
    ]
    return result


# --- summary --------------------------------------------------------------------------------------
def _group_key(rows: pd.DataFrame, group_by: str, tf: Tariff) -> pd.Series:
    days = calendar.interval_date(rows[schema.TIMESTAMP])
    if group_by == "day":
        return days.dt.strftime("%Y-%m-%d")
    if group_by == "week":
        return (days - pd.to_timedelta(days.dt.dayofweek, unit="D")).dt.strftime("week of %Y-%m-%d")
    if group_by == "month":
        return days.dt.strftime("%Y-%m")
    if group_by == "tariff_period":
        return tf.tariff_period(rows[schema.TIMESTAMP]).astype(str)
    if group_by == "load_type":
        return rows[schema.LOAD_TYPE].astype(str)
    return pd.Series("all", index=rows.index)


def _figures(part: pd.DataFrame, tf: Tariff, cost: np.ndarray) -> dict[str, Any]:
    usage = part[schema.USAGE_KWH].to_numpy(dtype=float)
    lag = part[schema.LAGGING_REACTIVE_KVARH].to_numpy(dtype=float)
    energy = float(usage.sum())
    peak = int(usage.argmax())
    apparent = float(np.hypot(energy, lag.sum()))
    return {
        "energy_kwh": energy,
        "mean_kwh": float(usage.mean()),
        "peak_kwh": float(usage[peak]),
        "peak_interval_end": f"{part[schema.TIMESTAMP].iloc[peak]:%Y-%m-%d %H:%M}",
        "cost_krw": float(cost.sum()),
        "co2_t": float(tf.co2_t(energy)),
        "power_factor_pct": 100.0 * energy / apparent if apparent else 0.0,
        "intervals": len(part),
    }


def energy_summary(service: Any, args: EnergySummaryArgs, today: dt.date) -> dict[str, Any]:
    """Parameterised pandas over the readings the API serves: one fixed aggregation per group."""
    tf: Tariff = service.tariff
    rows = _day_rows(_readings(service), args.start, args.end)
    keys = _group_key(rows, args.group_by, tf).to_numpy()
    cost = tf.energy_cost_krw(rows[schema.TIMESTAMP], rows[schema.USAGE_KWH]).to_numpy()
    groups = []
    if args.group_by != "none":
        for key in sorted(set(keys)):
            sel = keys == key
            groups.append({"group": str(key), **_figures(rows.loc[sel], tf, cost[sel])})
    if args.group_by == "tariff_period":
        groups.sort(key=lambda g: TARIFF_PERIODS.index(g["group"]))
    total = _figures(rows, tf, cost)
    ranked = sorted(groups, key=lambda g: g[args.metric])
    return {
        "start": args.start.isoformat(),
        "end": args.end.isoformat(),
        "days": (args.end - args.start).days + 1,
        "group_by": args.group_by,
        "metric": args.metric,
        "total": total,
        "groups": groups,
        "highest_group": ranked[-1]["group"] if ranked else None,
        "lowest_group": ranked[0]["group"] if ranked else None,
        **_tariff_facts(tf),
        "assumptions": [
            f"Readings of {args.start} to {args.end} ({total['intervals']} intervals of 15 minutes), days by "
            "interval start.",
            f"Cost: energy charge at the tariff {tf.name} (illustrative KEPCO 2012 prices), billing period by "
            "interval start.",
            f"CO2: {tf.emission_factor_tco2_per_mwh:g} tCO2/MWh of active energy (the data's CO2 column has "
            "two decimals only).",
            "Power factor: total kWh / sqrt(kWh^2 + lagging kVarh^2) over the span.",
        ],
    }


# --- recommend ------------------------------------------------------------------------------------
def recommend(service: Any, args: RecommendArgs, today: dt.date) -> dict[str, Any]:
    """Ranked actions for a day, each priced by :func:`what_if`: move each maximum-period block to the
    night light period (same length, non-overlapping slots from 01:00), and power-factor correction."""
    day = args.date or today
    tf: Tariff = service.tariff
    actions: list[dict[str, Any]] = []
    night = NIGHT_START_HOUR
    for start, end in _blocks(tf, day, MAXIMUM):
        hours = end - start
        if night + hours > _blocks(tf, day, LIGHT)[0][1]:
            break
        args_ = WhatIfArgs(
            kind="shift_load", date=day, from_start_hour=start, hours=hours, to_start_hour=night
        )
        try:
            result = what_if(service, args_, today)
        except ToolError:
            continue
        night += hours
        actions.append({"action": "shift_load", "arguments": args_.model_dump(mode="json"), **result})
    pf_args = WhatIfArgs(kind="improve_power_factor", date=day, target_pf_pct=DEFAULT_TARGET_PF)
    if _baseline_of_day(service, day)[1] is None:
        actions.append(
            {
                "action": "improve_power_factor",
                "arguments": pf_args.model_dump(mode="json"),
                **what_if(service, pf_args, today),
            }
        )
    actions.sort(key=lambda a: -a["saving_krw"])
    for rank, action in enumerate(actions, start=1):
        action["rank"] = rank
    shifts = [a for a in actions if a["action"] == "shift_load"]
    return {
        "date": day.isoformat(),
        "actions": actions,
        "total_shift_saving_krw": float(sum(a["saving_krw"] for a in shifts)),
        "total_shift_kwh": float(sum(a["moved_kwh"] for a in shifts)),
        **_tariff_facts(tf),
        "assumptions": [
            *(
                []
                if args.date
                else [f"No day named: the reference day {day} (the last day of the readings)."]
            ),
            *sorted({n for a in shifts for n in a["assumptions"] if n.startswith("Baseline:")}),
            "Each maximum-period block's energy moves to an equally long night slot from 01:00 (light period), "
            "slots one after another; savings are computed by the what_if engine.",
            "Power-factor correction saves cost only under a surcharge rule of the tariff file; it lowers "
            "reactive energy, never kWh.",
        ],
    }


TOOLS: dict[str, Tool] = {
    t.name: t
    for t in (
        Tool(
            "forecast",
            "Forecast usage_kwh, cost and CO2 for the next hours (default 24 h).",
            ForecastArgs,
            forecast,
        ),
        Tool(
            "what_if",
            "Cost/CO2 of a scenario: shift_load (move hours of production to the night), change_load_type "
            "(bill a window at another period), improve_power_factor.",
            WhatIfArgs,
            what_if,
        ),
        Tool(
            "explain_peak",
            "Explain a day's peak interval (readings, tariff, SHAP).",
            ExplainPeakArgs,
            explain_peak,
        ),
        Tool(
            "energy_summary",
            "Totals, averages, peaks, cost, CO2, power factor over days, grouped by day/week/month/"
            "tariff_period/load_type.",
            EnergySummaryArgs,
            energy_summary,
        ),
        Tool("recommend", "Ranked, quantified saving actions for a day.", RecommendArgs, recommend),
    )
}


def validate(name: str, arguments: Any) -> _Args:
    """Typed arguments of a known tool, or :class:`ToolError` saying what is wrong."""
    tool = TOOLS.get(name)
    if tool is None:
        raise ToolError(f"unknown tool {name!r}; the tools are {sorted(TOOLS)}")
    if not isinstance(arguments, dict):
        raise ToolError(f"arguments of {name} must be an object, got {type(arguments).__name__}")
    try:
        return tool.args.model_validate(arguments)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or name}: {e['msg']}" for e in exc.errors()
        )
        raise ToolError(f"invalid arguments for {name}: {problems}") from exc


def json_schema(tool: Tool) -> dict[str, Any]:
    """The tool in Ollama's (OpenAI-style) function format."""
    params = tool.args.model_json_schema()
    params.pop("title", None)
    return {
        "type": "function",
        "function": {"name": tool.name, "description": tool.description, "parameters": params},
    }
