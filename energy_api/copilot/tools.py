"""The copilot's tools: typed, validated arguments and thin calls into :mod:`energy_api.services`.

Each tool takes a pydantic argument model and the app's Service and returns a JSON-ready dict.
Nothing here composes SQL or runs code from a message: a planner may only name a tool of
:data:`TOOLS` and fill its fields, which pydantic checks before anything runs. ``query`` is the
semantic layer of ``POST /query`` itself (the same model and the same call), so what the copilot
says can be reproduced by a plain request.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from energy_api.services import explain as explain_service
from energy_api.services import forecast as forecast_service
from energy_api.services import query as query_service
from energy_api.services.errors import InputRuleError
from energy_api.services.scenarios import NoBaseline, day_baseline
from energy_assets.domain import what_if as engine
from energy_assets.domain.data import schema
from energy_assets.domain.models.forecast.base import MAX_HORIZON
from energy_assets.domain.query import Query, ScenarioSpec, Span
from energy_assets.domain.query.engine import coverage
from energy_assets.domain.tariff import MAXIMUM, Tariff

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
    day: dt.date | None = Field(
        None, description="The 24 h of this day (inside the readings: a backtest from its 00:00)."
    )


class WhatIfArgs(_Args):
    """One clock-window scenario of the engine, on one day (readings, or a forecast for a day after them)."""

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


class RecommendArgs(_Args):
    """Actions for a day (default: 'today') or a span of days."""

    start: dt.date | None = Field(None, description="First day; default: 'today'.")
    end: dt.date | None = Field(None, description="Last day; default: start.")

    @model_validator(mode="after")
    def _order(self) -> RecommendArgs:
        if self.start is not None and self.end is not None and self.end < self.start:
            raise ValueError("end must not be before start")
        return self


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    args: type[BaseModel]
    run: Callable[[Any, Any, dt.date], dict[str, Any]]


def _tariff_facts(tf: Tariff) -> dict[str, Any]:
    return {
        "tariff": tf.name,
        "tariff_source": tf.source,
        "emission_factor_tco2_per_mwh": tf.emission_factor_tco2_per_mwh,
        "interval_minutes": int(schema.INTERVAL.total_seconds() // 60),
    }


# --- query and span what-ifs ----------------------------------------------------------------------
def query(service: Any, args: Query, today: dt.date) -> dict[str, Any]:
    """The semantic layer (the same call as POST /query)."""
    return {**query_service.run_query(service, args), **_tariff_facts(service.tariff)}


def scenario(service: Any, args: ScenarioSpec, today: dt.date) -> dict[str, Any]:
    """What-if arithmetic without a clock window."""
    try:
        out = query_service.run_scenario(service, args)
    except ValueError as exc:
        raise ToolError(str(exc)) from exc
    return {**out, **_tariff_facts(service.tariff)}


# --- forecast -------------------------------------------------------------------------------------
def forecast(service: Any, args: ForecastArgs, today: dt.date) -> dict[str, Any]:
    """The champion forecaster through the same code as POST /forecast."""
    origin = None if args.start is None else pd.Timestamp(args.start)
    horizon, keep_after = args.horizon_hours * 4, None
    if args.day is not None:
        _, cov = service.readings()
        midnight = pd.Timestamp(args.day)
        last = pd.Timestamp(cov.last_timestamp)
        if midnight <= last:
            origin, horizon = midnight, schema.INTERVALS_PER_DAY
        else:
            origin, keep_after = None, midnight
            horizon = int((midnight + pd.Timedelta(days=1) - last) / schema.INTERVAL)
            if horizon > MAX_HORIZON:
                raise ToolError(
                    f"{args.day} is more than 7 days after the readings: no forecast reaches it; "
                    f"the readings cover {cov.first_day} to {cov.last_day}"
                )
    try:
        out = forecast_service.forecast_figures(service, origin, horizon, keep_after)
    except (InputRuleError, ValueError, RuntimeError) as exc:
        _, cov = service.readings()
        raise ToolError(f"{exc}; the readings cover {cov.first_day} to {cov.last_day}") from exc
    start, end = pd.Timestamp(out["peak_interval_start"]), pd.Timestamp(out["peak_interval_end"])
    out["peak_interval"] = f"{start:%Y-%m-%d %H:%M}-{end:%H:%M}"
    out["origin_label"] = f"{pd.Timestamp(out['origin']):%Y-%m-%d %H:%M}"
    out["end_label"] = f"{pd.Timestamp(out['end']):%Y-%m-%d %H:%M}"
    if "total_q10_kwh" in out:
        out["quantile_range_pct"] = [10, 90]
    return {**out, **_tariff_facts(service.tariff)}


# --- day-level what-ifs ---------------------------------------------------------------------------
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


def _scenario_dict(result: engine.ScenarioResult) -> dict[str, Any]:
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


def _day_rows(service: Any, day: dt.date) -> tuple[pd.DataFrame, str | None]:
    try:
        return day_baseline(service, day)
    except (NoBaseline, InputRuleError) as exc:
        raise ToolError(str(exc)) from exc


def _through_midnight(
    service: Any, day: dt.date, rows: pd.DataFrame, source: str | None, end: float
) -> pd.DataFrame:
    """The day's rows and, for a window that runs past midnight ("22:00-02:00"), the next day's
    readings too; a window past the readings is refused rather than priced over part of it."""
    if end <= 24:
        return rows
    following = day + dt.timedelta(days=1)
    table, _ = service.readings_table()
    if source is not None or not table.has_day(following):
        raise ToolError(f"the window runs past midnight into {following}, which has no readings")
    return table.pandas_rows(day, following)


def what_if(service: Any, args: WhatIfArgs, today: dt.date) -> dict[str, Any]:
    """One engine scenario over the readings of a day (the same functions as POST /scenarios)."""
    day = args.date or today
    tf: Tariff = service.tariff
    rows, source = _day_rows(service, day)
    notes: list[str] = [] if source is None else [f"Baseline: {source} (no readings yet)."]
    if args.date is None:
        notes.append(f"No day named: the reference day {day} ('today', the last day of the readings).")
    try:
        if args.kind == "shift_load":
            start = args.from_start_hour
            if start is None:
                blocks = _blocks(tf, day, MAXIMUM)
                if not blocks:
                    raise ToolError(f"{day} has no maximum-period hours in the tariff (a light-all-day day)")
                start = blocks[0][0]
                notes.append(f"Source window: the first maximum-period block of {day}, from {start}:00.")
            to_start = NIGHT_START_HOUR if args.to_start_hour is None else args.to_start_hour
            rows = _through_midnight(service, day, rows, source, max(start, to_start) + args.hours)
            src = engine.TimeWindow(_at(day, start), _at(day, start + args.hours))
            dst = engine.TimeWindow(_at(day, to_start), _at(day, to_start + args.hours))
            in_src = rows.loc[src.mask(rows[schema.TIMESTAMP]), schema.USAGE_KWH].sum()
            energy = float(in_src) if args.energy_kwh is None else args.energy_kwh
            if args.energy_kwh is None:
                notes.append(f"All {energy:.2f} kWh used in the source window are moved.")
            result = engine.shift_load(rows, energy, src, dst, tf)
            periods = tf.tariff_period(pd.Series([src.start + schema.INTERVAL, dst.start + schema.INTERVAL]))
            extra: dict[str, Any] = {
                "from_period": str(periods.iloc[0]),
                "to_period": str(periods.iloc[1]),
                "moved_kwh": energy,
            }
        elif args.kind == "change_load_type":
            start = 10 if args.from_start_hour is None else args.from_start_hour
            rows = _through_midnight(service, day, rows, source, start + args.hours)
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
    out = _scenario_dict(result)
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
        out = explain_service.explain_peak(service, args.date)
    except InputRuleError as exc:
        raise ToolError(str(exc)) from exc
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


# --- recommend ------------------------------------------------------------------------------------
def recommend(service: Any, args: RecommendArgs, today: dt.date) -> dict[str, Any]:
    """The span's maximum-period energy, what moving it all to the light period saves, and its
    energy-weighted lagging power factor; a day after the readings (up to a week) uses the forecast."""
    start = args.start or today
    end = args.end or start
    _, cov = service.readings_table()
    tf: Tariff = service.tariff
    if start > cov.last_day and start == end:
        rows, source = _day_rows(service, start)
        ts = rows[schema.TIMESTAMP]
        usage = rows[schema.USAGE_KWH].to_numpy(dtype=float)
        top = (tf.tariff_period(ts) == MAXIMUM).to_numpy()
        seasons = tf.season(ts).to_numpy()
        saving = sum(
            float(usage[top & (seasons == s)].sum())
            * (engine.period_price(tf, s, "maximum") - engine.period_price(tf, s, "light"))
            for s in set(seasons[top])
        )
        out: dict[str, Any] = {
            "coverage": None,
            "forecast_day": start.isoformat(),
            "baseline_source": source,
            "maximum_kwh": float(usage[top].sum()),
            "shift_saving_krw": float(saving),
            "lagging_pf": None,
        }
    else:
        out = query_service.recommend(service, Span(start=start, end=end))
    out["default_day"] = args.start is None
    out["total_shift_saving_krw"] = out.get("shift_saving_krw")
    return {**out, **_tariff_facts(tf)}


QUERY_DESCRIPTION = (
    "Figures from the readings: a metric (usage_kwh, cost_krw, co2_t, co2_measured_t, lagging/leading "
    "reactive kvarh, lagging/leading power factor) aggregated over a span of days (sum, daily/weekly/"
    "monthly/hourly/interval mean, max = peak interval, min, plain_mean, counts of intervals/hours/days "
    "meeting a condition), with filters (tariff_period, load_type, day_type, weekday, months, hours, "
    "season), a group_by with ranking (top N, order), a share_of a part, or a comparison with a second span."
)

TOOLS: dict[str, Tool] = {
    t.name: t
    for t in (
        Tool("query", QUERY_DESCRIPTION, Query, query),
        Tool(
            "scenario",
            "What-if arithmetic without a clock window: move_energy (kWh from one tariff period to another in a "
            "season or span), move_hours, cut_energy (what cutting kWh saves in KRW and tCO2), power_factor "
            "(raise it to a target over a span: kVArh change, no kWh saved).",
            ScenarioSpec,
            scenario,
        ),
        Tool(
            "forecast",
            "Forecast usage_kwh, cost and CO2 for the next hours (default 24 h) or from a given start.",
            ForecastArgs,
            forecast,
        ),
        Tool(
            "what_if",
            "Clock-window scenario on one day: shift_load (move hours of production, default to the night), "
            "change_load_type (bill a window at another period), improve_power_factor.",
            WhatIfArgs,
            what_if,
        ),
        Tool(
            "explain_peak",
            "Explain a day's peak interval (readings, tariff, SHAP).",
            ExplainPeakArgs,
            explain_peak,
        ),
        Tool("recommend", "Quantified saving actions for a day or span.", RecommendArgs, recommend),
    )
}


def validate(name: str, arguments: Any) -> BaseModel:
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


__all__ = ["TOOLS", "Tool", "ToolError", "coverage", "json_schema", "validate"]
