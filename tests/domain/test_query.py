"""The semantic layer (domain/query) on the real 2018 readings against plain pandas written here:
totals and filters by interval start, averages of daily totals, rankings, shares, comparisons,
counts, coverage (partial, no data), span-level what-ifs, and arguments refused with field and rule."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest
import yaml
from pydantic import ValidationError

from energy_assets.domain import query as q
from energy_assets.domain.query import scenarios
from energy_assets.domain.tariff import DEFAULT_TARIFF_PATH, default_tariff

D = dt.date


@pytest.fixture(scope="module")
def table(clean_reference: pd.DataFrame) -> q.ReadingsTable:
    return q.ReadingsTable(clean_reference, default_tariff(), "test")


@pytest.fixture(scope="module")
def plain(clean_reference: pd.DataFrame) -> pd.DataFrame:
    """Independent calendar: interval start, day, and price from the tariff YAML read as a file."""
    tariff = yaml.safe_load(DEFAULT_TARIFF_PATH.read_text("utf-8"))
    frame = clean_reference.copy()
    frame["start"] = frame["timestamp"] - pd.Timedelta(minutes=15)
    frame["day"] = frame["start"].dt.date
    season_of = {m: s for s, months in tariff["seasons"].items() for m in months}
    frame["season"] = frame["start"].dt.month.map(season_of)
    import holidays

    kr = holidays.country_holidays("KR", years=[2018])

    def period(row: pd.Series) -> str:
        if row["start"].dayofweek == 6 or row["day"] in kr:
            return "light"
        for name, ranges in tariff["periods"][row["season"]].items():
            for a, b in ranges:
                if (
                    (a <= row["start"].hour < b)
                    if a < b
                    else (row["start"].hour >= a or row["start"].hour < b)
                ):
                    return name
        raise AssertionError(row)

    frame["period"] = frame.apply(period, axis=1)
    frame["price"] = [
        tariff["prices_krw_per_kwh"][s][p] for s, p in zip(frame["season"], frame["period"], strict=True)
    ]
    return frame


def run(table: q.ReadingsTable, **spec) -> dict:
    return q.run(table, q.Query.model_validate(spec))


def span(a: str, b: str) -> dict[str, str]:
    return {"start": a, "end": b}


def days(plain: pd.DataFrame, a: str, b: str) -> pd.DataFrame:
    return plain[(plain["day"] >= D.fromisoformat(a)) & (plain["day"] <= D.fromisoformat(b))]


def test_total_and_cost_of_a_month_by_interval_start(table, plain) -> None:
    april = days(plain, "2018-04-01", "2018-04-30")
    r = run(table, span=span("2018-04-01", "2018-04-30"))
    assert r["value"] == pytest.approx(april["usage_kwh"].sum())
    assert r["coverage"]["covered"] == {"start": "2018-04-01", "end": "2018-04-30", "days": 30}
    assert not r["coverage"]["partial"] and r["intervals"] == 30 * 96
    cost = run(table, metric="cost_krw", span=span("2018-04-01", "2018-04-30"))
    assert cost["value"] == pytest.approx((april["usage_kwh"] * april["price"]).sum())


def test_filters_daily_mean_and_power_factor(table, plain) -> None:
    march = days(plain, "2018-03-01", "2018-03-31")
    peak = march[march["period"] == "maximum"]
    r = run(table, span=span("2018-03-01", "2018-03-31"), filters={"tariff_period": ["maximum"]})
    assert r["value"] == pytest.approx(peak["usage_kwh"].sum())
    mean = run(table, span=span("2018-03-01", "2018-03-31"), aggregation="daily_mean")
    assert mean["value"] == pytest.approx(march.groupby("day")["usage_kwh"].sum().mean())
    pf = run(table, metric="lagging_pf", span=span("2018-03-01", "2018-03-31"))
    p, qv = march["usage_kwh"].sum(), march["lagging_reactive_kvarh"].sum()
    assert pf["value"] == pytest.approx(100 * p / math.hypot(p, qv))
    plain_pf = run(
        table, metric="lagging_pf", aggregation="plain_mean", span=span("2018-03-01", "2018-03-31")
    )
    assert plain_pf["value"] == pytest.approx(march["lagging_power_factor"].mean())
    weekend = run(table, span=span("2018-03-01", "2018-03-31"), filters={"day_type": ["weekend"]})
    sat_sun = march[(march["start"].dt.dayofweek >= 5) & (march["day"] != D(2018, 3, 1))]
    assert weekend["value"] == pytest.approx(sat_sun["usage_kwh"].sum())
    hours = run(table, span=span("2018-03-01", "2018-03-31"), filters={"hours": {"start": 23, "end": 9}})
    night = march[(march["start"].dt.hour >= 23) | (march["start"].dt.hour < 9)]
    assert hours["value"] == pytest.approx(night["usage_kwh"].sum())


def test_ranking_by_month_and_by_weekday_on_average(table, plain) -> None:
    r = run(table, metric="cost_krw", span=span("2018-01-01", "2018-12-31"), group_by="month", top=2)
    by_month = (plain["usage_kwh"] * plain["price"]).groupby(plain["start"].dt.month).sum().sort_values()
    assert [g["key"][1] for g in r["ranking"]] == list(by_month.index[::-1][:2])
    assert r["ranking"][0]["value"] == pytest.approx(by_month.iloc[-1])
    avg = run(
        table, span=span("2018-01-01", "2018-12-31"), group_by="weekday", group_aggregation="mean", top=1
    )
    daily = plain.groupby("day")["usage_kwh"].sum()
    per_weekday = daily.groupby(pd.to_datetime(daily.index).dayofweek).mean()
    assert avg["ranking"][0]["key"] == int(per_weekday.idxmax())
    assert avg["ranking"][0]["value"] == pytest.approx(per_weekday.max())


def test_share_comparison_count_and_peak(table, plain) -> None:
    march = days(plain, "2018-03-01", "2018-03-31")
    share = run(table, span=span("2018-03-01", "2018-03-31"), share_of={"tariff_period": ["maximum"]})
    want = 100 * march.loc[march["period"] == "maximum", "usage_kwh"].sum() / march["usage_kwh"].sum()
    assert share["share"]["pct"] == pytest.approx(want)
    cmp = run(table, span=span("2018-03-01", "2018-03-31"), compare_to=span("2018-04-01", "2018-04-30"))
    april = days(plain, "2018-04-01", "2018-04-30")["usage_kwh"].sum()
    assert cmp["difference"] == pytest.approx(april - march["usage_kwh"].sum())
    assert cmp["change_pct"] == pytest.approx(100 * (april / march["usage_kwh"].sum() - 1))
    count = run(
        table,
        aggregation="count_hours",
        span=span("2018-03-01", "2018-03-31"),
        condition={"column": "lagging_power_factor", "op": "<", "value": 90},
    )
    assert count["value"] == pytest.approx((march["lagging_power_factor"] < 90).sum() * 0.25)
    peak = run(table, span=span("2018-03-05", "2018-03-05"), aggregation="max")
    day = days(plain, "2018-03-05", "2018-03-05")
    top = day.loc[day["usage_kwh"].idxmax()]
    assert peak["value"] == top["usage_kwh"]
    assert (
        peak["interval"]["start_time"] == f"{top['start']:%H:%M}" and peak["interval"]["day"] == "2018-03-05"
    )


def test_holiday_days_filter_keeps_only_those_days(table, plain) -> None:
    kept = ["2018-05-05", "2018-05-07"]
    r = run(table, span=span("2018-05-05", "2018-05-07"), filters={"dates": kept})
    want = plain[plain["day"].astype(str).isin(kept)]["usage_kwh"].sum()
    assert r["value"] == pytest.approx(want)


def test_coverage_partial_and_no_data(table, plain) -> None:
    partial = run(table, span=span("2018-12-31", "2019-01-06"))
    assert partial["coverage"]["partial"] and partial["coverage"]["covered"]["days"] == 1
    assert partial["value"] == pytest.approx(days(plain, "2018-12-31", "2018-12-31")["usage_kwh"].sum())
    none = run(table, span=span("2019-03-01", "2019-03-31"))
    assert none["coverage"]["no_data"] and none["value"] is None
    assert none["coverage"]["available"] == {"start": "2018-01-01", "end": "2018-12-31"}


def test_span_what_ifs(table, plain) -> None:
    moved = scenarios.run(
        table,
        scenarios.ScenarioSpec(
            kind="move_energy", kwh=1000, from_period="maximum", to_period="light", season="summer"
        ),
    )
    assert moved["saving_krw"] == pytest.approx(1000 * (167.9 - 52.3))
    year = scenarios.run(
        table,
        scenarios.ScenarioSpec(
            kind="move_energy",
            kwh=1000,
            from_period="maximum",
            to_period="light",
            span=q.Span(start=D(2018, 1, 1), end=D(2018, 12, 31)),
        ),
    )
    top = plain[plain["period"] == "maximum"].groupby("season")["usage_kwh"].sum()
    prices = {"summer": 167.9 - 52.3, "spring_fall": 98.3 - 52.3, "winter": 144.4 - 57.7}
    assert year["saving_krw"] == pytest.approx(sum(1000 * v / top.sum() * prices[s] for s, v in top.items()))
    cut = scenarios.run(table, scenarios.ScenarioSpec(kind="cut_energy", kwh=500))
    avg = (plain["usage_kwh"] * plain["price"]).sum() / plain["usage_kwh"].sum()
    assert cut["saving_krw"] == pytest.approx(500 * avg) and cut["saving_co2_t"] == pytest.approx(0.2297)
    pf = scenarios.run(
        table,
        scenarios.ScenarioSpec(
            kind="power_factor", target_pf_pct=95, span=q.Span(start=D(2018, 3, 1), end=D(2018, 3, 31))
        ),
    )
    march = days(plain, "2018-03-01", "2018-03-31")
    p, qv, f = march["usage_kwh"], march["lagging_reactive_kvarh"], march["lagging_power_factor"]
    new_q = np.where((p > 0) & (f < 95), p * math.tan(math.acos(0.95)), qv)
    assert pf["reactive_after_kvarh"] == pytest.approx(new_q.sum())
    assert pf["delta_kwh"] == 0 and pf["delta_cost_krw"] == 0


@pytest.mark.parametrize(
    ("spec", "field"),
    [
        ({"span": span("2018-02-01", "2018-01-01")}, "span"),
        (
            {"span": span("2018-01-01", "2018-01-31"), "metric": "lagging_pf", "aggregation": "daily_mean"},
            "aggregation",
        ),
        ({"span": span("2018-01-01", "2018-01-31"), "aggregation": "count_hours"}, "condition"),
        ({"span": span("2018-01-01", "2018-01-31"), "top": 3}, "group_by"),
        ({"span": span("2018-01-01", "2018-01-31"), "filters": {"weekday": [9]}}, "weekday"),
        ({"span": span("2018-01-01", "2018-01-31"), "sql": "select 1"}, "sql"),
    ],
)
def test_bad_queries_name_the_field_and_the_rule(spec: dict, field: str) -> None:
    with pytest.raises(ValidationError) as info:
        q.Query.model_validate(spec)
    assert field in str(info.value)


@pytest.mark.parametrize(
    "spec",
    [
        {"group_by": "month"},
        {"group_by": "weekday", "group_aggregation": "mean"},
        {"group_by": "hour", "group_aggregation": "mean", "metric": "cost_krw"},
        {"group_by": "tariff_period", "metric": "lagging_pf"},
        {"group_by": "day", "metric": "co2_t"},
    ],
)
def test_the_vectorised_groups_equal_the_general_path(table, spec: dict) -> None:
    from energy_assets.domain.query import engine

    query = q.Query.model_validate({"span": span("2018-01-01", "2018-12-31"), **spec})
    frame = table.rows(D(2018, 1, 1), D(2018, 12, 31))
    fast = engine.groups(frame, query)
    names = engine._GROUP_KEYS[query.group_by]
    slow = sorted(
        (
            (engine._key(names, tuple(k)), engine._group_value(part, query))
            for k, part in frame.group_by(names)
        ),
        key=lambda kv: (kv[1], str(kv[0])),
        reverse=True,
    )
    assert [g["key"] for g in fast] == [k for k, _ in slow]
    assert [g["value"] for g in fast] == pytest.approx([v for _, v in slow])
