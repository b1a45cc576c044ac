"""The typed query of the semantic layer: what the copilot and ``POST /query`` may ask, nothing more.

A :class:`Query` names one metric, how to aggregate it over a span of days, optional filters, an
optional grouping (with a ranking), an optional share of a part or a comparison with a second
span. Every field is a closed vocabulary or a bounded number, checked by pydantic: there is no
free text that could reach a query engine (the engine builds polars expressions from these
fields, never SQL or code).
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Metric = Literal[
    "usage_kwh",
    "cost_krw",
    "co2_t",
    "co2_measured_t",
    "lagging_reactive_kvarh",
    "leading_reactive_kvarh",
    "lagging_pf",
    "leading_pf",
]
Aggregation = Literal[
    "sum",
    "daily_mean",
    "weekly_mean",
    "monthly_mean",
    "hourly_mean",
    "interval_mean",
    "max",
    "min",
    "plain_mean",
    "count_intervals",
    "count_hours",
    "count_days",
]
GroupBy = Literal[
    "none",
    "hour",
    "day",
    "weekday",
    "week",
    "month",
    "quarter",
    "season",
    "load_type",
    "tariff_period",
    "day_type",
]
TariffPeriod = Literal["light", "medium", "maximum"]
LoadType = Literal["Light_Load", "Medium_Load", "Maximum_Load"]
DayType = Literal["weekday", "weekend", "public_holiday"]
Season = Literal["summer", "spring_fall", "winter"]
ConditionColumn = Literal[
    "usage_kwh",
    "lagging_reactive_kvarh",
    "leading_reactive_kvarh",
    "lagging_power_factor",
    "leading_power_factor",
    "co2_tco2",
]

UNITS: dict[str, str] = {
    "usage_kwh": "kWh",
    "cost_krw": "KRW",
    "co2_t": "tCO2",
    "co2_measured_t": "tCO2",
    "lagging_reactive_kvarh": "kVArh",
    "leading_reactive_kvarh": "kVArh",
    "lagging_pf": "%",
    "leading_pf": "%",
}
POWER_FACTORS = ("lagging_pf", "leading_pf")
#: Aggregations of power factor: energy-weighted over the span (``sum`` reads as weighted) or the
#: plain mean of the 15-minute column.
PF_AGGREGATIONS = ("sum", "plain_mean")
COUNTS = ("count_intervals", "count_hours", "count_days")
#: Longest span one query may cover (ten years of days): bounds the work of a request.
MAX_SPAN_DAYS = 3660


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Span(_Model):
    """Days ``start`` .. ``end``, both included, by interval start."""

    start: dt.date = Field(description="First day (YYYY-MM-DD).", examples=["2018-04-01"])
    end: dt.date = Field(description="Last day, included (YYYY-MM-DD).", examples=["2018-04-30"])

    @model_validator(mode="after")
    def _order(self) -> Span:
        if self.end < self.start:
            raise ValueError("end must not be before start")
        if (self.end - self.start).days >= MAX_SPAN_DAYS:
            raise ValueError(f"a span may cover at most {MAX_SPAN_DAYS} days")
        return self


class Hours(_Model):
    """Interval-start hours ``[start, end)``; ``start > end`` wraps past midnight (23 -> 9)."""

    start: int = Field(ge=0, le=23)
    end: int = Field(ge=1, le=24)

    @model_validator(mode="after")
    def _not_empty(self) -> Hours:
        if self.start == self.end:
            raise ValueError("start and end must differ")
        return self

    def contains(self, hour: int) -> bool:
        if self.start < self.end:
            return self.start <= hour < self.end
        return hour >= self.start or hour < self.end


class Filters(_Model):
    """Readings kept before aggregating; every list keeps the rows matching any of its values."""

    tariff_period: list[TariffPeriod] | None = Field(None, min_length=1)
    load_type: list[LoadType] | None = Field(None, min_length=1)
    day_type: list[DayType] | None = Field(None, min_length=1)
    weekday: list[int] | None = Field(None, min_length=1, description="0 = Monday .. 6 = Sunday.")
    months: list[int] | None = Field(None, min_length=1, description="1 = January .. 12 = December.")
    quarters: list[int] | None = Field(None, min_length=1)
    season: list[Season] | None = Field(None, min_length=1)
    hours: Hours | None = None
    dates: list[dt.date] | None = Field(
        None, min_length=1, max_length=366, description="Only these days (e.g. the days of a holiday)."
    )

    @model_validator(mode="after")
    def _ranges(self) -> Filters:
        for name, low, high in (("weekday", 0, 6), ("months", 1, 12), ("quarters", 1, 4)):
            values = getattr(self, name)
            if values and any(not low <= v <= high for v in values):
                raise ValueError(f"{name} values must be between {low} and {high}")
        return self

    def is_empty(self) -> bool:
        return all(getattr(self, name) is None for name in type(self).model_fields)


class Condition(_Model):
    """A condition on the stored 15-minute value (``interval``) or on the daily total (``day``)."""

    column: ConditionColumn
    op: Literal["<", "<=", ">", ">="]
    value: float = Field(allow_inf_nan=False)
    scope: Literal["interval", "day"] = "interval"


class Query(_Model):
    """One question to the readings: a metric aggregated over a span, filtered, grouped, ranked."""

    metric: Metric = "usage_kwh"
    aggregation: Aggregation = "sum"
    span: Span
    filters: Filters | None = None
    condition: Condition | None = Field(None, description="Needed by the count aggregations.")
    group_by: GroupBy = "none"
    group_aggregation: Literal["sum", "mean"] = Field(
        "sum",
        description="Per group: the aggregation above ('sum'), or 'mean' = on average per day "
        "(day-based groups) or per hour (hour of day).",
    )
    order: Literal["desc", "asc"] = "desc"
    top: int | None = Field(None, ge=1, le=50, description="Keep the top (or bottom) N groups.")
    share_of: Filters | None = Field(None, description="Share (%) of this part in the span's total.")
    compare_to: Span | None = Field(None, description="A second span: values, difference and % change.")
    compare_filters: Filters | None = Field(
        None,
        description="Filters of the second span when they differ (e.g. winter vs summer); default: filters.",
    )

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"metric": "usage_kwh", "span": {"start": "2018-04-01", "end": "2018-04-30"}},
                {
                    "metric": "cost_krw",
                    "span": {"start": "2018-01-01", "end": "2018-12-31"},
                    "group_by": "month",
                    "top": 1,
                },
            ]
        },
    )

    @model_validator(mode="after")
    def _consistent(self) -> Query:
        if self.metric in POWER_FACTORS and self.aggregation not in (*PF_AGGREGATIONS, *COUNTS):
            raise ValueError(
                f"aggregation {self.aggregation!r} is not defined for {self.metric}; use 'sum' "
                "(energy-weighted) or 'plain_mean'"
            )
        if self.aggregation == "plain_mean" and self.metric not in POWER_FACTORS:
            raise ValueError("aggregation 'plain_mean' is for lagging_pf or leading_pf")
        if self.aggregation in COUNTS and self.condition is None:
            raise ValueError(f"aggregation {self.aggregation!r} needs a condition")
        if self.condition is not None and self.aggregation not in COUNTS:
            raise ValueError("condition is only used by the count aggregations")
        if self.condition is not None and self.condition.scope == "day" and self.aggregation != "count_days":
            raise ValueError("a condition with scope 'day' needs aggregation 'count_days'")
        if self.compare_filters is not None and self.compare_to is None:
            raise ValueError("compare_filters needs compare_to")
        if self.top is not None and self.group_by == "none":
            raise ValueError("top needs a group_by")
        if self.group_aggregation == "mean" and self.group_by not in (*DAY_BASED, "hour"):
            raise ValueError(f"group_aggregation 'mean' is not defined for groups by {self.group_by}")
        extras = sum(x is not None for x in (self.share_of, self.compare_to)) + (self.group_by != "none")
        if extras > 1:
            raise ValueError("use at most one of group_by, share_of and compare_to")
        if self.share_of is not None and (
            self.metric in POWER_FACTORS or self.aggregation != "sum" or self.share_of.is_empty()
        ):
            raise ValueError("share_of needs a summed metric (not a power factor) and at least one filter")
        return self

    @property
    def unit(self) -> str:
        if self.aggregation == "count_intervals":
            return "intervals"
        if self.aggregation == "count_hours":
            return "h"
        if self.aggregation == "count_days":
            return "days"
        return UNITS[self.metric]


#: Groups whose 'on average' means the mean of the per-day totals of each group.
DAY_BASED: tuple[str, ...] = ("weekday", "month", "day", "day_type", "season", "week", "quarter")

__all__ = [
    "COUNTS",
    "DAY_BASED",
    "MAX_SPAN_DAYS",
    "POWER_FACTORS",
    "UNITS",
    "Aggregation",
    "Condition",
    "Filters",
    "GroupBy",
    "Hours",
    "Metric",
    "Query",
    "Span",
]
