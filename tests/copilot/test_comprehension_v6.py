"""Copilot v6: the comprehension check extended to every tool (each number the user wrote is read by a
slot of the plan, each named day type / tariff period / load type is applied, a "%" left over is a
share that was not computed), thresholds read in every form (negated, inclusive, written after the
number), shares whose whole carries a filter, and periods named by reference to another ("the month
before", "the same week last year"). Planner only (no data): every test runs in milliseconds."""

from __future__ import annotations

import datetime as dt

import pytest

from energy_api.copilot import render, slots
from energy_api.copilot.planner import NOT_UNDERSTOOD, PlanContext, RulePlanner

TODAY = dt.date(2018, 12, 31)
DATA = (dt.date(2018, 1, 1), dt.date(2018, 12, 31))


def plan(message: str, lang: str = "en"):
    return RulePlanner().plan(message, PlanContext(today=TODAY, language=lang, available=DATA))


def span(start: str, end: str) -> dict[str, str]:
    return {"start": start, "end": end}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("consumo no mayor de 10 kwh", ("<=", 10.0)),
        ("no more than 5 kwh", ("<=", 5.0)),
        ("not above 3 kwh", ("<=", 3.0)),
        ("el fp no bajo del 95 %", (">=", 95.0)),
        ("not below 90 %", (">=", 90.0)),
        ("at or above 80 kwh", (">=", 80.0)),
        ("at or below 20 kwh", ("<=", 20.0)),
        ("100 kwh o mas", (">=", 100.0)),
        ("90% or less", ("<=", 90.0)),
        ("igual o superior a 50 kwh", (">=", 50.0)),
        ("mayor o igual a 50 kwh", (">=", 50.0)),
        ("menor o igual que 7 kwh", ("<=", 7.0)),
        ("por encima de 90 kwh", (">", 90.0)),  # the plain forms are unchanged
        ("below 85 %", ("<", 85.0)),
    ],
)
def test_thresholds_in_every_form(text: str, expected: tuple[str, float]) -> None:
    found = slots.find_condition(text)
    assert found is not None and found[:2] == expected
    assert slots.count_conditions(text) == 1


@pytest.mark.parametrize(
    ("message", "lang"),
    [
        # a what-if or a forecast whose numbers are not all read by its slots
        ("si el 20 de agosto hubiéramos recortado 30 kWh de las 11 a las 2, ¿cuánto ahorramos?", "es"),
        ("move 30 kWh from 10 to 3 on March 5 and March 6: savings?", "en"),  # a one-day what-if, two days
        # a percentage asked and not computed, a share of time
        ("how much did we consume in March, as a %?", "en"),  # a share with no part
        ("expected usage this coming weekend", "en"),  # a forecast horizon no tool names
        ("consumo en horario nocturno de abril", "es"),  # a time of day no filter reads
        ("¿qué porcentaje de las horas de 2018 fueron de carga máxima?", "es"),
        # "N months" outside any period the query reads
        ("consumo de los últimos 3 meses del año", "es"),
    ],
)
def test_material_left_over_gets_no_figure(message: str, lang: str) -> None:
    p = plan(message, lang)
    assert p.tool is None and p.clarify == NOT_UNDERSTOOD, (p.tool, p.arguments)


@pytest.mark.parametrize(
    ("message", "lang", "expected"),
    [
        (
            "número de horas con un consumo no mayor de 10 kWh en el segundo trimestre",
            "es",
            {"condition": {"column": "usage_kwh", "op": "<=", "value": 10.0, "scope": "interval"}},
        ),
        (
            "¿qué porcentaje del consumo de los días laborables de abril fue en horas punta?",
            "es",
            {"filters": {"day_type": ["weekday"]}, "share_of": {"tariff_period": ["maximum"]}},
        ),
        (
            "what share of the weekend energy in 2018 was light load?",
            "en",
            {"filters": {"day_type": ["weekend"]}, "share_of": {"load_type": ["Light_Load"]}},
        ),
        (
            "del consumo en horas punta de 2018, ¿qué parte fue en julio?",
            "es",
            {"filters": {"tariff_period": ["maximum"]}, "share_of": {"months": [7]}},
        ),
        (
            "¿cuánto representa el coste de los festivos sobre el total de diciembre?",
            "es",
            {"share_of": {"day_type": ["public_holiday"]}, "span": span("2018-12-01", "2018-12-31")},
        ),
        (
            "How much of November's bill came from weekends (as a %)?",
            "en",
            {"metric": "cost_krw", "share_of": {"day_type": ["weekend"]}},
        ),
        (
            "yesterday's consumption vs the day before",
            "en",
            {"span": span("2018-12-30", "2018-12-30"), "compare_to": span("2018-12-29", "2018-12-29")},
        ),
        (
            "May vs the previous month: consumption",
            "en",
            {"span": span("2018-05-01", "2018-05-31"), "compare_to": span("2018-04-01", "2018-04-30")},
        ),
        (
            "el consumo de octubre frente al mes anterior",
            "es",
            {"span": span("2018-10-01", "2018-10-31"), "compare_to": span("2018-09-01", "2018-09-30")},
        ),
        (
            "consumo de diciembre frente al mismo mes del año pasado",
            "es",
            {"span": span("2018-12-01", "2018-12-31"), "compare_to": span("2017-12-01", "2017-12-31")},
        ),
        (
            "how did the weekday cost in March differ from April?",
            "en",
            {"filters": {"day_type": ["weekday"]}, "compare_to": span("2018-04-01", "2018-04-30")},
        ),
        ("los 5 peores días de consumo de julio", "es", {"group_by": "day", "top": 5, "order": "desc"}),
        ("the worst 3 days for power factor in March", "en", {"group_by": "day", "top": 3, "order": "asc"}),
        ("las 3 horas de más consumo los domingos", "es", {"group_by": "hour", "top": 3}),
        ("consumo del 1S", "es", {"span": span("2018-01-01", "2018-06-30")}),
        (
            "compare consumption on 2018-03-05 and 2018-03-12",
            "en",
            {"span": span("2018-03-05", "2018-03-05"), "compare_to": span("2018-03-12", "2018-03-12")},
        ),
        (
            "porcentaje del consumo de marzo respecto al total del año",
            "es",
            {"span": span("2018-01-01", "2018-12-31"), "share_of": {"months": [3]}},
        ),
        ("cost in the 3rd quarter of last year", "en", {"span": span("2017-07-01", "2017-09-30")}),
        ("consumo de marzo del año pasado", "es", {"span": span("2017-03-01", "2017-03-31")}),
        ("emissions in the first six months of 2018", "en", {"span": span("2018-01-01", "2018-06-30")}),
        (
            "compara las emisiones de la primera y la segunda quincena de marzo",
            "es",
            {"span": span("2018-03-01", "2018-03-15"), "compare_to": span("2018-03-16", "2018-03-31")},
        ),
        (
            "¿consumimos más en la primera quincena de julio que en la segunda?",
            "es",
            {"span": span("2018-07-16", "2018-07-31"), "compare_to": span("2018-07-01", "2018-07-15")},
        ),
        ("consumo total de los martes y jueves de octubre", "es", {"filters": {"weekday": [1, 3]}}),
        (
            "what hour of the day is usually the busiest?",
            "en",
            {"group_by": "hour", "group_aggregation": "mean"},
        ),
        ("which day last month had the highest consumption?", "en", {"group_by": "day", "top": 1}),
        ("¿qué día de la semana pasada gastamos más?", "es", {"group_by": "day", "top": 1}),
        ("bottom 2 weekdays by cost in Q3", "en", {"group_by": "weekday", "top": 2, "order": "asc"}),
        (
            "¿cuánto consumimos en marzo en las horas de máxima demanda?",
            "es",
            {"filters": {"tariff_period": ["maximum"]}},
        ),
    ],
)
def test_query_reads_the_whole_question(message: str, lang: str, expected: dict) -> None:
    p = plan(message, lang)
    assert p.tool == "query", (p.clarify, p.meta.get("why"))
    for key, value in expected.items():
        assert p.arguments.get(key) == value, (key, p.arguments)


@pytest.mark.parametrize(
    ("message", "lang", "tool", "expected"),
    [
        (
            "si el 20 de agosto hubiéramos pasado 30 kWh de las 11 a las 2 de la madrugada, ¿cuánto nos ahorramos?",
            "es",
            "what_if",
            {"kind": "shift_load", "from_start_hour": 11, "to_start_hour": 2, "energy_kwh": 30.0},
        ),
        (
            "What if we had shifted 25.5 kWh out of the 18:00 hour into the 23:00 hour on 2018-08-20?",
            "en",
            "what_if",
            {"from_start_hour": 18, "to_start_hour": 23, "energy_kwh": 25.5},
        ),
        (
            "what would 2018-11-12 between 9 and 11 have cost at the medium rate?",
            "en",
            "what_if",
            {"kind": "change_load_type", "from_start_hour": 9, "hours": 2.0, "target": "medium"},
        ),
        ("give me a 12-hour forecast", "en", "forecast", {"horizon_hours": 12}),
        ("forecast for next Monday", "en", "forecast", {"day": "2019-01-07"}),
        (
            "what if we moved 50 kWh from peak to off-peak on 2018-03-05?",
            "en",
            "scenario",
            {
                "kind": "move_energy",
                "from_period": "maximum",
                "to_period": "light",
                "span": span("2018-03-05", "2018-03-05"),
            },
        ),
        ("¿cuánto crees que consumiremos en las próximas 6 horas?", "es", "forecast", {"horizon_hours": 6}),
        ("Cutting 2 MWh in the off-peak period in winter saves how much?", "en", "scenario", {"kwh": 2000.0}),
        ("¿qué deberíamos cambiar para gastar menos en el segundo semestre?", "es", "recommend", {}),
        ("¿cómo podríamos haber ahorrado la semana pasada?", "es", "recommend", {"start": "2018-12-24"}),
    ],
)
def test_other_tools_read_the_whole_question(message: str, lang: str, tool: str, expected: dict) -> None:
    p = plan(message, lang)
    assert p.tool == tool, (p.clarify, p.meta.get("why"), p.arguments)
    for key, value in expected.items():
        assert p.arguments.get(key) == value, (key, p.arguments)


def test_a_comparison_states_the_change_from_both_sides() -> None:
    cov = {
        "covered": {"start": "2018-07-01", "end": "2018-07-31", "days": 31},
        "partial": False,
        "no_data": False,
    }
    result = {
        "metric": "usage_kwh",
        "aggregation": "sum",
        "unit": "kWh",
        "query": {"metric": "usage_kwh", "aggregation": "sum"},
        "a": {"value": 200.0, "coverage": cov},
        "b": {"value": 150.0, "coverage": cov},
        "difference": -50.0,
        "change_pct": -25.0,
    }
    text = render._comparison(result, "en", [])
    assert "25.00 % lower relative to A" in text and "33.33 % higher relative to B" in text
