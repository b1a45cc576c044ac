"""Run a :class:`~.spec.Query` over a :class:`~.table.ReadingsTable`: polars expressions built from
the typed fields, and the coverage of every answer.

Every result says which days were asked (``requested``), which of them hold readings
(``covered``: first and last day, count), whether that is only part of the request (``partial``)
and what the readings cover at all (``available``). A span without readings gives no value at all
(``no_data``), never a zero.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import polars as pl

from energy_assets.domain.query.spec import COUNTS, DAY_BASED, POWER_FACTORS, Condition, Filters, Query, Span
from energy_assets.domain.query.table import ReadingsTable

#: Column summed for each summable metric.
VALUE_COLUMN: dict[str, str] = {
    "usage_kwh": "usage_kwh",
    "cost_krw": "cost_krw",
    "co2_t": "co2_t",
    "co2_measured_t": "co2_tco2",
    "lagging_reactive_kvarh": "lagging_reactive_kvarh",
    "leading_reactive_kvarh": "leading_reactive_kvarh",
}
_MEAN_KEYS: dict[str, list[str]] = {
    "daily_mean": ["day"],
    "weekly_mean": ["iso_year", "iso_week"],
    "monthly_mean": ["year", "month"],
    "hourly_mean": ["day", "hour"],
}
_GROUP_KEYS: dict[str, list[str]] = {
    "hour": ["hour"],
    "day": ["day"],
    "weekday": ["weekday"],
    "week": ["iso_year", "iso_week"],
    "month": ["year", "month"],
    "quarter": ["year", "quarter"],
    "season": ["season"],
    "load_type": ["load_type"],
    "tariff_period": ["tariff_period"],
    "day_type": ["day_type"],
}
_OPS = {
    "<": lambda c, v: c < v,
    "<=": lambda c, v: c <= v,
    ">": lambda c, v: c > v,
    ">=": lambda c, v: c >= v,
}


class QueryError(ValueError):
    """A query the readings cannot answer as asked (e.g. the filters keep no reading)."""


# --- coverage --------------------------------------------------------------------------------------
def coverage(table: ReadingsTable, span: Span) -> dict[str, Any]:
    """Requested span, the covered part (days holding readings), partial or not, and what is available."""
    days = table.days_between(span.start, span.end)
    requested = (span.end - span.start).days + 1
    return {
        "requested": {"start": span.start.isoformat(), "end": span.end.isoformat(), "days": requested},
        "covered": None
        if not days
        else {"start": days[0].isoformat(), "end": days[-1].isoformat(), "days": len(days)},
        "partial": bool(days) and len(days) < requested,
        "no_data": not days,
        "available": {
            "start": table.coverage.first_day.isoformat(),
            "end": table.coverage.last_day.isoformat(),
        },
    }


# --- filters ---------------------------------------------------------------------------------------
def filter_expression(filters: Filters | None) -> pl.Expr | None:
    """One boolean polars expression for the filters (None: keep everything)."""
    if filters is None:
        return None
    parts: list[pl.Expr] = []
    for name in ("tariff_period", "load_type", "day_type", "season"):
        values = getattr(filters, name)
        if values:
            parts.append(pl.col(name).is_in(list(values)))
    if filters.weekday:
        parts.append(pl.col("weekday").is_in(list(filters.weekday)))
    if filters.months:
        parts.append(pl.col("month").is_in(list(filters.months)))
    if filters.quarters:
        parts.append(pl.col("quarter").is_in(list(filters.quarters)))
    if filters.dates:
        parts.append(pl.col("day").is_in(list(filters.dates)))
    if filters.hours is not None:
        a, b = filters.hours.start, filters.hours.end
        hour = pl.col("hour")
        parts.append((hour >= a) & (hour < b) if a < b else (hour >= a) | (hour < b))
    if not parts:
        return None
    out = parts[0]
    for part in parts[1:]:
        out = out & part
    return out


def _filtered(frame: pl.DataFrame, filters: Filters | None) -> pl.DataFrame:
    expr = filter_expression(filters)
    return frame if expr is None else frame.filter(expr)


# --- aggregation -----------------------------------------------------------------------------------
def _pf(frame: pl.DataFrame, side: str, plain: bool) -> float:
    if plain:
        return float(frame[f"{side}_power_factor"].mean())
    p = float(frame["usage_kwh"].sum())
    q = float(frame[f"{side}_reactive_kvarh"].sum())
    return 100.0 * p / math.hypot(p, q) if p > 0 else 0.0


def _condition_mask(frame: pl.DataFrame, condition: Condition) -> pl.Series:
    return frame.select(_OPS[condition.op](pl.col(condition.column), condition.value)).to_series()


def _daily(frame: pl.DataFrame, column: str) -> pl.DataFrame:
    """Daily value of a condition column: the total, or the energy-weighted power factor."""
    if column.endswith("_power_factor"):
        side = column.split("_")[0]
        q = f"{side}_reactive_kvarh"
        out = frame.group_by("day").agg(pl.col("usage_kwh").sum().alias("p"), pl.col(q).sum().alias("q"))
        return out.with_columns(
            pl.when(pl.col("p") > 0)
            .then(100.0 * pl.col("p") / (pl.col("p") ** 2 + pl.col("q") ** 2).sqrt())
            .otherwise(0.0)
            .alias("value")
        )
    return frame.group_by("day").agg(pl.col(column).sum().alias("value"))


def extreme(frame: pl.DataFrame, metric: str, largest: bool) -> dict[str, Any]:
    """The largest (or smallest) 15-minute value of a summable metric, with its interval."""
    column = VALUE_COLUMN[metric]
    values = frame[column]
    index = int(values.arg_max() if largest else values.arg_min())  # first occurrence on ties
    row = frame.row(index, named=True)
    start, end = row["start"], row["timestamp"]
    ties = int((values == row[column]).sum())
    return {
        "value": float(row[column]),
        "day": row["day"].isoformat(),
        "start_time": f"{start:%H:%M}",
        "end_time": f"{end:%H:%M}",
        "interval_end": f"{end:%Y-%m-%d %H:%M}",
        "ties": ties,
    }


def aggregate(frame: pl.DataFrame, query: Query) -> tuple[float, dict[str, Any]]:
    """The value of ``query``'s metric and aggregation over ``frame`` (already filtered), and extras."""
    metric, agg = query.metric, query.aggregation
    if agg in COUNTS:
        assert query.condition is not None
        condition = query.condition
        if agg == "count_days":
            if condition.scope == "day":
                daily = _daily(frame, condition.column)
                n = int(daily.filter(_OPS[condition.op](pl.col("value"), condition.value)).height)
            else:
                n = int(frame.filter(_condition_mask(frame, condition))["day"].n_unique())
            return float(n), {"days_in_span": int(frame["day"].n_unique())}
        n = int(_condition_mask(frame, condition).sum())
        extra = {"intervals_in_span": frame.height, "intervals_matching": n, "hours_matching": n * 0.25}
        return (float(n) if agg == "count_intervals" else n * 0.25), extra
    if metric in POWER_FACTORS:
        return _pf(frame, metric.split("_")[0], plain=agg == "plain_mean"), {}
    column = VALUE_COLUMN[metric]
    if agg == "sum":
        return float(frame[column].sum()), {}
    if agg == "interval_mean":
        return float(frame[column].sum()) / frame.height, {}
    if agg in _MEAN_KEYS:
        totals = frame.group_by(_MEAN_KEYS[agg]).agg(pl.col(column).sum())
        return float(totals[column].mean()), {"periods": totals.height}
    if agg in ("max", "min"):
        peak = extreme(frame, metric, largest=agg == "max")
        return peak["value"], {"interval": peak}
    raise QueryError(f"unknown aggregation {agg!r}")


def _group_value(frame: pl.DataFrame, query: Query) -> float:
    if query.group_aggregation == "mean" and query.metric not in POWER_FACTORS:
        inner = "hourly_mean" if query.group_by == "hour" else "daily_mean"
        return aggregate(frame, query.model_copy(update={"aggregation": inner}))[0]
    return aggregate(frame, query)[0]


def _key(names: list[str], values: tuple[Any, ...]) -> Any:
    if len(names) == 1:
        value = values[0]
        return value.isoformat() if isinstance(value, dt.date) else value
    return list(values)


def _vectorised(frame: pl.DataFrame, query: Query, names: list[str]) -> pl.DataFrame | None:
    """Per-group values in one polars pass for the common cases (sums, power factors, means of
    daily or hourly totals); None when the aggregation needs the general path."""
    extent = [
        pl.col("day").min().alias("_first"),
        pl.col("day").max().alias("_last"),
        pl.col("day").n_unique().alias("_days"),
    ]
    metric, agg = query.metric, query.aggregation
    if metric in POWER_FACTORS and agg == "sum":
        side = metric.split("_")[0]
        out = frame.group_by(names).agg(
            pl.col("usage_kwh").sum().alias("_p"), pl.col(f"{side}_reactive_kvarh").sum().alias("_q"), *extent
        )
        return out.with_columns(
            pl.when(pl.col("_p") > 0)
            .then(100.0 * pl.col("_p") / (pl.col("_p") ** 2 + pl.col("_q") ** 2).sqrt())
            .otherwise(0.0)
            .alias("_value")
        )
    if metric in POWER_FACTORS or agg != "sum":
        return None
    column = VALUE_COLUMN[metric]
    if query.group_aggregation == "sum":
        return frame.group_by(names).agg(pl.col(column).sum().alias("_value"), *extent)
    inner = ["day", "hour"] if query.group_by == "hour" else ["day"]
    keys = list(dict.fromkeys([*names, *inner]))
    totals = frame.group_by(keys).agg(pl.col(column).sum().alias("_total"))
    values = totals.group_by(names).agg(pl.col("_total").mean().alias("_value"))
    return values.join(frame.group_by(names).agg(*extent), on=names)


def groups(frame: pl.DataFrame, query: Query) -> list[dict[str, Any]]:
    """One entry per group (``key``, ``value``, covered first/last day), sorted by value as ordered."""
    names = _GROUP_KEYS[query.group_by]
    out = []
    fast = _vectorised(frame, query, names)
    if fast is not None:
        for row in fast.iter_rows(named=True):
            out.append(
                {
                    "key": _key(names, tuple(row[n] for n in names)),
                    "value": float(row["_value"]),
                    "first_day": row["_first"].isoformat(),
                    "last_day": row["_last"].isoformat(),
                    "days": int(row["_days"]),
                }
            )
    else:
        for values, part in frame.group_by(names, maintain_order=False):
            days = part["day"]
            out.append(
                {
                    "key": _key(names, tuple(values)),
                    "value": _group_value(part, query),
                    "first_day": days.min().isoformat(),
                    "last_day": days.max().isoformat(),
                    "days": int(days.n_unique()),
                }
            )
    out.sort(key=lambda g: (g["value"], str(g["key"])), reverse=query.order == "desc")
    return out


# --- the query -------------------------------------------------------------------------------------
def _one(table: ReadingsTable, query: Query, span: Span, filters: Filters | None = None) -> dict[str, Any]:
    cov = coverage(table, span)
    out: dict[str, Any] = {"coverage": cov, "value": None}
    if cov["no_data"]:
        return out
    frame = _filtered(table.rows(span.start, span.end), query.filters if filters is None else filters)
    out["intervals"] = frame.height
    if frame.height == 0:
        out["no_matching_readings"] = True
        return out
    value, extra = aggregate(frame, query)
    out["value"] = value
    out.update(extra)
    return out


def run(table: ReadingsTable, query: Query) -> dict[str, Any]:
    """The answer to ``query``: value(s), groups, share or comparison, each with its coverage."""
    result: dict[str, Any] = {
        "query": query.model_dump(mode="json", exclude_none=True),
        "metric": query.metric,
        "aggregation": query.aggregation,
        "unit": query.unit,
        "source": table.coverage.source,
        "emission_factor_tco2_per_mwh": table.tariff.emission_factor_tco2_per_mwh,
        "tariff": table.tariff.name,
    }
    if query.compare_to is not None:
        a = _one(table, query, query.span)
        b = _one(table, query, query.compare_to, query.compare_filters)
        result.update({"a": a, "b": b, "coverage": _merged(a["coverage"], b["coverage"])})
        if a["value"] is not None and b["value"] is not None:
            diff = b["value"] - a["value"]
            result["difference"] = diff
            result["change_pct"] = 100.0 * diff / a["value"] if a["value"] else None
        return result
    base = _one(table, query, query.span)
    result.update(base)
    if base["value"] is None:
        return result
    frame = _filtered(table.rows(query.span.start, query.span.end), query.filters)
    if query.share_of is not None:
        part = _filtered(frame, query.share_of)
        part_value = float(part[VALUE_COLUMN[query.metric]].sum()) if part.height else 0.0
        whole = base["value"]
        result["share"] = {
            "part": part_value,
            "whole": whole,
            "pct": 100.0 * part_value / whole if whole else None,
            "part_intervals": part.height,
        }
    if query.group_by != "none":
        everything = groups(frame, query)
        result["groups"] = everything
        result["ranking"] = everything[: query.top] if query.top else everything
        result["group_count"] = len(everything)
    return result


def _merged(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    return {
        "requested": [a["requested"], b["requested"]],
        "covered": [a["covered"], b["covered"]],
        "partial": a["partial"] or b["partial"],
        "no_data": a["no_data"] or b["no_data"],
        "available": a["available"],
    }


__all__ = ["DAY_BASED", "VALUE_COLUMN", "QueryError", "aggregate", "coverage", "extreme", "groups", "run"]
