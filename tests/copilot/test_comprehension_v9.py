"""Copilot v9: a recommendation (or any cue) whose object is of another domain declines; rankings of N
days whose metric is a relative-clause verb ("los 3 días de octubre en que más pagamos") or a hyphenated
compound ("the 4 lowest-consumption days"); ISO ranges with "/" or ".."; counts phrased as "total
hours with ..." / "horas en total"; an imperative "check <period>" after a recommendation; a letter
substituted into a month name is no typo of it ("match" is not "march"). Planner only (no data)."""

from __future__ import annotations

import datetime as dt

import pytest

from energy_api.copilot.planner import OUT_OF_SCOPE, PlanContext, RulePlanner

TODAY = dt.date(2018, 12, 31)
DATA = (dt.date(2018, 1, 1), dt.date(2018, 12, 31))


def plan(message: str, lang: str = "en"):
    return RulePlanner().plan(message, PlanContext(today=TODAY, language=lang, available=DATA))


@pytest.mark.parametrize(
    "message",
    [
        "¿qué serie me recomiendas ver esta noche?",
        "what should I watch tonight?",
        "can you suggest a good series to binge this weekend?",
        "what's the forecast for the match tomorrow?",
        "compare our sales in March and April",
        "¿qué plan me recomiendas para el domingo?",
    ],
)
def test_other_domain_objects_decline(message: str) -> None:
    p = plan(message, "es" if "¿" in message else "en")
    assert p.tool is None and p.clarify is not None, (p.tool, p.arguments)


def test_plain_recommendations_still_answer() -> None:
    for message, start in [
        ("¿qué recomiendas para el 17 al 23 de septiembre?", "2018-09-17"),
        ("how could we lower the bill? check October", "2018-10-01"),
        ("¿qué me recomiendas para esta noche para ahorrar luz?", "2018-12-31"),
    ]:
        p = plan(message)
        assert p.tool == "recommend" and p.arguments["start"] == start, (message, p.clarify)
    assert plan("¿qué serie me recomiendas ver esta noche?").clarify == OUT_OF_SCOPE


@pytest.mark.parametrize(
    ("message", "metric", "n", "order", "start"),
    [
        ("¿cuáles fueron los tres días de octubre en que más pagamos?", "cost_krw", 3, "desc", "2018-10-01"),
        (
            "los cuatro días del segundo trimestre en los que menos consumimos",
            "usage_kwh",
            4,
            "asc",
            "2018-04-01",
        ),
        ("dime los dos meses del año en los que más CO2 emitimos", "co2_t", 2, "desc", "2018-01-01"),
        ("the four lowest-consumption days in August", "usage_kwh", 4, "asc", "2018-08-01"),
        ("list the 3 highest-cost days of November", "cost_krw", 3, "desc", "2018-11-01"),
        ("two days in March when we spent the most", "cost_krw", 2, "desc", "2018-03-01"),
    ],
)
def test_rankings_of_n_days(message: str, metric: str, n: int, order: str, start: str) -> None:
    p = plan(message)
    a = p.arguments
    assert p.tool == "query", (p.clarify, p.meta.get("why"))
    assert (a["metric"], a.get("top"), a["order"], a["span"]["start"]) == (metric, n, order, start)
    assert a["group_by"] in ("day", "month")


@pytest.mark.parametrize("sep", ["..", "/", " / ", " to ", " thru "])
def test_iso_ranges(sep: str) -> None:
    p = plan(f"cost 2018-05-01{sep}2018-05-15")
    assert p.tool == "query" and p.arguments["span"] == {"start": "2018-05-01", "end": "2018-05-15"}
    assert "compare_to" not in p.arguments


@pytest.mark.parametrize(
    ("message", "agg"),
    [
        ("total hours with lagging PF below 85 % during July", "count_hours"),
        ("horas en total con factor de potencia inferior al 90 % en mayo", "count_hours"),
        ("hours in total above 100 kWh per interval in Q1", "count_hours"),
        ("intervals in total above 100 kWh in March", "count_intervals"),
    ],
)
def test_total_hours_are_counts(message: str, agg: str) -> None:
    p = plan(message)
    assert p.tool == "query" and p.arguments["aggregation"] == agg, (p.tool, p.arguments)
