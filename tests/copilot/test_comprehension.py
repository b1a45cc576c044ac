"""The rule planner's comprehension check (copilot v5): a question whose parse leaves material
unaccounted for (a number, an exclusion, a breakdown, an ordinal, a superlative, a filtered whole
of a share) gets no figure; and the free phrasings the v5 rules added reach the right tool. Planner
only (no data): every test runs in milliseconds."""

from __future__ import annotations

import datetime as dt

import pytest

from energy_api.copilot import render, slots
from energy_api.copilot.planner import NOT_UNDERSTOOD, PlanContext, RulePlanner

TODAY = dt.date(2018, 12, 31)
DATA = (dt.date(2018, 1, 1), dt.date(2018, 12, 31))


def plan(message: str, lang: str = "en", **context):
    return RulePlanner().plan(message, PlanContext(today=TODAY, language=lang, available=DATA, **context))


@pytest.mark.parametrize(
    "message",
    [
        "consumption in April excluding the 10th",  # a number no slot reads
        "consumo de abril sin contar el día 10",
        "kWh in April for line 3",
        "consumo de abril de la planta 2",
        "energy use per shift in March",  # a breakdown the query does not have
        "consumo de abril por turno de trabajo",
        "average cost per kWh in June",  # a ratio the query does not compute
        "consumption in April 2018 in the second plant",  # an ordinal that names no period
        "consumo en abril del turno de mañana",  # a work shift, not "tomorrow"
        "what percentage of peak-period consumption happened in March?",  # a filtered whole
        "¿qué porcentaje del consumo en horas punta fue en marzo?",
        "how much will we use tomorrow between 8 and 12?",  # a forecast of a window of hours
    ],
)
def test_material_left_over_gets_no_figure(message: str) -> None:
    p = plan(message, "es" if "consumo" in message or "porcentaje" in message else "en")
    assert p.tool is None and p.clarify == NOT_UNDERSTOOD, (p.tool, p.arguments)


@pytest.mark.parametrize(
    ("message", "tool", "expected"),
    [
        ("Rank the months by CO2 emissions, top 3", "query", {"group_by": "month", "top": 3}),
        (
            "Quick one: kWh used on 2018-08-15?",
            "query",
            {"span": {"start": "2018-08-15", "end": "2018-08-15"}},
        ),
        (
            "How much did we consume in April, not counting Sundays?",
            "query",
            {"filters": {"weekday": [0, 1, 2, 3, 4, 5]}},
        ),
        ("consumo de mayo excepto los sábados", "query", {"filters": {"weekday": [0, 1, 2, 3, 4, 6]}}),
        ("¿en qué momento consumimos más en octubre?", "query", {"aggregation": "max"}),
        ("what was our top demand in the first half?", "query", {"aggregation": "max"}),
        (
            "total consumption for April and May combined",
            "query",
            {"span": {"start": "2018-04-01", "end": "2018-05-31"}},
        ),
        (
            "peak demand between Christmas 2018 and 2019-01-15",
            "query",
            {"span": {"start": "2018-12-25", "end": "2019-01-15"}, "aggregation": "max"},
        ),
        (
            "diferencia de coste entre el 2018-03-05 y el 2018-03-12",
            "query",
            {
                "span": {"start": "2018-03-05", "end": "2018-03-05"},
                "compare_to": {"start": "2018-03-12", "end": "2018-03-12"},
            },
        ),
        ("¿Qué porcentaje del consumo anual fue en verano?", "query", {"share_of": {"season": ["summer"]}}),
        (
            "what happens if we raise the power factor to 93 % from 1 to 20 April?",
            "scenario",
            {
                "kind": "power_factor",
                "target_pf_pct": 93.0,
                "span": {"start": "2018-04-01", "end": "2018-04-20"},
            },
        ),
        (
            "effect of a capacitor bank that brings the PF up to 0.97 in Q3",
            "scenario",
            {"kind": "power_factor", "target_pf_pct": 97.0},
        ),
        (
            "con una batería de condensadores al 96 % en diciembre, ¿cómo queda la reactiva?",
            "scenario",
            {"kind": "power_factor", "target_pf_pct": 96.0},
        ),
        (
            "¿qué pasaría si el 12 de abril pasamos 60 kWh de las 9 a las 23?",
            "what_if",
            {"kind": "shift_load", "from_start_hour": 9, "to_start_hour": 23, "energy_kwh": 60.0},
        ),
        (
            "on 2018-06-14, bill 13:00 to 15:00 at the off-peak rate: what would it cost?",
            "what_if",
            {"kind": "change_load_type", "target": "light", "from_start_hour": 13, "hours": 2.0},
        ),
        ("day-ahead forecast for 2019-01-01", "forecast", {"day": "2019-01-01"}),
        ("what do you expect we'll consume over the next 12 hours?", "forecast", {"horizon_hours": 12}),
        ("what should we change to save money, based on last week?", "recommend", {"start": "2018-12-24"}),
    ],
)
def test_free_phrasings_reach_their_tool(message: str, tool: str, expected: dict) -> None:
    p = plan(message, "es" if any(c in message for c in "¿áéíóúñ") else "en")
    assert p.tool == tool, (p.clarify, p.meta.get("why"), p.meta.get("unknown"))
    for key, value in expected.items():
        assert p.arguments.get(key) == value, (key, p.arguments)


def test_off_peak_is_not_also_the_peak_period() -> None:
    assert slots.find_periods("at the off-peak rate") == ["light"]
    assert [p for _, p in slots.tariff_periods("in off-peak hours")] == ["light"]


def test_a_metric_change_after_a_peak_asks_for_the_total() -> None:
    first = plan("peak on 2018-03-05")
    assert first.arguments["aggregation"] == "max"
    follow = plan("and the cost that day?", last_tool="query", last_arguments=first.arguments)
    assert follow.arguments["metric"] == "cost_krw" and follow.arguments["aggregation"] == "sum"


def test_a_forecast_beyond_the_week_declines_with_the_contract_words() -> None:
    p = plan("forecast for next month")
    assert p.tool is None and p.clarify == "no_forecast"
    assert p.meta["requested"] == ("2019-01-01", "2019-01-31")
    answer = render.render(p, None, ("2018-01-01", "2018-12-31"))
    assert "can't answer" in answer and "kWh" not in answer


@pytest.mark.parametrize("message", ["asdf qwer zxcv", "xkcd lorem ipsum"])
def test_a_decline_without_language_markers_is_said_in_both_languages(message: str) -> None:
    p = plan(message)
    assert p.clarify == NOT_UNDERSTOOD and p.meta.get("language_unsure")
    answer = render.render(p, None, ("2018-01-01", "2018-12-31"))
    assert "No entendí" in answer and "I did not understand" in answer


def test_a_marked_language_declines_in_that_language_only() -> None:
    p = plan("¿quién ganó el mundial de fútbol?", "en")
    answer = render.render(p, None, ("2018-01-01", "2018-12-31"))
    assert p.language == "es" and "No puedo responder" in answer and "I can't" not in answer


@pytest.mark.parametrize(
    ("message", "start", "end"),
    [
        ("How much did we spend in the week of March 5?", "2018-03-05", "2018-03-11"),
        ("coste de la semana del 31 de diciembre de 2018", "2018-12-31", "2019-01-06"),
        ("energy in the first 10 days of May", "2018-05-01", "2018-05-10"),
        ("consumo de los últimos 5 días de junio", "2018-06-26", "2018-06-30"),
        ("coste de la primera quincena de junio", "2018-06-01", "2018-06-15"),
        ("consumo de la segunda quincena de febrero", "2018-02-16", "2018-02-28"),
        ("consumo de abril a partir del día 15", "2018-04-15", "2018-04-30"),
        ("consumption from 2018-12-20 until the end of January 2019", "2018-12-20", "2019-01-31"),
    ],
)
def test_parts_of_a_period_are_one_span(message: str, start: str, end: str) -> None:
    p = plan(message, "es" if "consumo" in message or "coste" in message else "en")
    assert p.tool == "query" and "compare_to" not in p.arguments, (p.clarify, p.meta.get("why"))
    assert p.arguments["span"] == {"start": start, "end": end}
