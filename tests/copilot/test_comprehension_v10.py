"""Copilot v10: words that cannot change a figure are read by class (bill synonyms, verbs of amounting
to, "file" / "dataset", function words from the ``stop-words`` lists), halves of the year without the
year word, rankings with a superlative adjective or a period between the unit and "con más", hour
windows in words (midnight, noon), holidays by other names, counts with the question word last or
qualifiers before "hours", the measured CO2 named by where it is registered; and the traps that must
still decline. Planner only (no data)."""

from __future__ import annotations

import datetime as dt

import pytest

from energy_api.copilot.planner import PlanContext, RulePlanner

TODAY = dt.date(2018, 12, 31)
DATA = (dt.date(2018, 1, 1), dt.date(2018, 12, 31))
PLANNER = RulePlanner()


def plan(message: str, lang: str = "en", **context):
    return PLANNER.plan(message, PlanContext(today=TODAY, language=lang, available=DATA, **context))


def query(message: str, lang: str = "en") -> dict:
    p = plan(message, lang)
    assert p.tool == "query", (message, p.clarify, p.meta.get("why"), p.meta.get("unknown"))
    return p.arguments


@pytest.mark.parametrize(
    ("message", "lang", "start", "end"),
    [
        ("¿A cuánto ascendió el recibo de la luz en marzo?", "es", "2018-03-01", "2018-03-31"),
        ("¿Cuál fue el importe de la luz en abril en wones?", "es", "2018-04-01", "2018-04-30"),
        ("¿Cuánto nos cobraron de luz en mayo?", "es", "2018-05-01", "2018-05-31"),
        ("How much were the charges in June?", "en", "2018-06-01", "2018-06-30"),
        ("What was the invoice for October?", "en", "2018-10-01", "2018-10-31"),
        ("how much were we charged in April?", "en", "2018-04-01", "2018-04-30"),
        ("¿Cuánto nos salió la luz en marzo?", "es", "2018-03-01", "2018-03-31"),
        ("How much did electricity set us back in May?", "en", "2018-05-01", "2018-05-31"),
    ],
)
def test_bill_synonyms_are_cost(message: str, lang: str, start: str, end: str) -> None:
    a = query(message, lang)
    assert (a["metric"], a["span"]) == ("cost_krw", {"start": start, "end": end})


@pytest.mark.parametrize(
    "message",
    [
        "What were the demand charges in May?",
        "¿Cuánto pagamos de IVA en marzo?",
        "what were the fixed charges in June?",
    ],
)
def test_bill_parts_without_a_price_decline(message: str) -> None:
    assert plan(message).tool is None


@pytest.mark.parametrize(
    ("message", "lang"),
    [
        ("What was the CO2 registered in the file for March?", "en"),
        ("¿Cuánto CO2 registrado en el fichero hubo en marzo?", "es"),
        ("the CO2 reported in March", "en"),
    ],
)
def test_measured_co2_by_where_it_is_registered(message: str, lang: str) -> None:
    assert query(message, lang)["metric"] == "co2_measured_t"
    assert query("CO2 in March")["metric"] == "co2_t"


@pytest.mark.parametrize(
    ("first", "follow"),
    [("¿Cuánto CO2 emitimos en marzo?", "¿Y el medido?"), ("CO2 in March", "and the recorded one?")],
)
def test_measured_co2_follow_up(first: str, follow: str) -> None:
    p = plan(first)
    q = plan(follow, last_tool=p.tool, last_arguments=p.arguments)
    assert q.tool == "query" and q.arguments["metric"] == "co2_measured_t"
    assert q.arguments["span"] == {"start": "2018-03-01", "end": "2018-03-31"}


@pytest.mark.parametrize(
    ("message", "lang", "agg", "start"),
    [
        ("first-half consumption", "en", "sum", "2018-01-01"),
        ("average monthly cost over the second half", "en", "monthly_mean", "2018-07-01"),
        ("¿Cuál fue la mayor lectura de 15 minutos del segundo semestre?", "es", "max", "2018-07-01"),
        ("first-quarter cost", "en", "sum", "2018-01-01"),
    ],
)
def test_halves_without_the_year(message: str, lang: str, agg: str, start: str) -> None:
    a = query(message, lang)
    assert (a["aggregation"], a["span"]["start"]) == (agg, start)


def test_halves_compared_with_a_tariff_filter() -> None:
    a = query("compara los kWh en punta del primer y del segundo semestre", "es")
    assert a["span"] == {"start": "2018-01-01", "end": "2018-06-30"}
    assert a["compare_to"] == {"start": "2018-07-01", "end": "2018-12-31"}
    assert a["filters"]["tariff_period"] == ["maximum"]


def test_half_of_a_month_is_not_of_the_year() -> None:
    assert plan("consumption in the second half of March").tool is None


@pytest.mark.parametrize(
    ("message", "lang", "metric", "n", "order", "group"),
    [
        ("¿Cuáles fueron los 3 días de marzo con más consumo?", "es", "usage_kwh", 3, "desc", "day"),
        ("los 4 días del segundo trimestre con menos gasto", "es", "cost_krw", 4, "asc", "day"),
        ("What were the 3 costliest days of May?", "en", "cost_krw", 3, "desc", "day"),
        ("the 5 priciest days of June", "en", "cost_krw", 5, "desc", "day"),
        ("the 3 busiest days of August", "en", "usage_kwh", 3, "desc", "day"),
        ("the 3 quietest days of August", "en", "usage_kwh", 3, "asc", "day"),
        ("the 4 weeks with the highest cost in 2018", "en", "cost_krw", 4, "desc", "week"),
        ("las 4 semanas más caras del año", "es", "cost_krw", 4, "desc", "week"),
        ("the quarter with the highest consumption", "en", "usage_kwh", 1, "desc", "quarter"),
        ("la estación con menos consumo", "es", "usage_kwh", 1, "asc", "season"),
    ],
)
def test_rankings(message: str, lang: str, metric: str, n: int, order: str, group: str) -> None:
    a = query(message, lang)
    assert (a["metric"], a.get("top"), a["order"], a["group_by"]) == (metric, n, order, group)


def test_weekday_breakdown_is_no_period() -> None:
    assert query("los días de la semana con más consumo", "es")["group_by"] == "weekday"
    assert query("the busiest days of the week in 2018")["group_by"] == "weekday"


@pytest.mark.parametrize(
    ("message", "hours"),
    [
        ("what percent of March's cost fell between midnight and 8 am", {"start": 0, "end": 8}),
        ("share of April consumption between 10 pm and 6 am", {"start": 22, "end": 6}),
        ("¿qué porcentaje del consumo de mayo fue entre medianoche y las 6?", {"start": 0, "end": 6}),
        ("what share of the 2018 cost was from noon to midnight?", {"start": 12, "end": 24}),
    ],
)
def test_hour_windows_in_words(message: str, hours: dict) -> None:
    assert query(message)["share_of"]["hours"] == hours


def test_clock_word_without_a_window_declines() -> None:
    for message in ("consumption at midnight in March", "consumo a medianoche en marzo"):
        assert plan(message).tool is None, message


@pytest.mark.parametrize(
    ("message", "start"),
    [
        ("How much did we consume on Korean New Year?", "2018-02-15"),
        ("cost on Korean Thanksgiving", "2018-09-23"),
        ("¿Cuánto nos costó la luz durante Acción de Gracias?", "2018-09-23"),
    ],
)
def test_holidays_by_other_names(message: str, start: str) -> None:
    assert query(message)["span"]["start"] == start


@pytest.mark.parametrize(
    ("message", "agg", "filters", "value"),
    [
        (
            "horas en valle con más de 40 kWh en enero, ¿cuántas?",
            "count_hours",
            {"tariff_period": ["light"]},
            40,
        ),
        (
            "in Q3, how many peak-period hours had a power factor under 85%?",
            "count_hours",
            {"tariff_period": ["maximum"]},
            85,
        ),
        ("intervalos con más de 150 kWh en marzo, ¿cuántos hubo?", "count_intervals", None, 150),
        ("how many weekend hours were above 100 kWh in May?", "count_hours", {"day_type": ["weekend"]}, 100),
    ],
)
def test_counts(message: str, agg: str, filters: dict | None, value: float) -> None:
    a = query(message)
    assert (a["aggregation"], a.get("filters"), a["condition"]["value"]) == (agg, filters, value)


def test_negative_contraction_never_dropped() -> None:
    for message in (
        "how many hours in May didnt exceed 100 kWh?",
        "how many hours in May didn't exceed 100 kWh?",
    ):
        p = plan(message)
        assert p.tool is None or p.arguments["condition"]["op"] == "<=", p.arguments


@pytest.mark.parametrize(
    "message",
    [
        "Si movemos 1.000 kWh de punta a valle en verano, ¿qué ahorro sale?",
        "Si movemos 1.000 kWh de punta a valle en verano, ¿cuánto sale?",
        "If we move 1,000 kWh from peak to off-peak in summer, how much would that save us?",
    ],
)
def test_tariff_arithmetic_colloquial(message: str) -> None:
    p = plan(message)
    assert p.tool == "scenario" and p.arguments["kwh"] == 1000.0, (p.clarify, p.meta.get("why"))


def test_change_verb_against_amounting_to() -> None:
    assert "compare_to" in query("¿cuánto ascendió el consumo de enero a marzo?", "es")
    a = query("¿a cuánto ascendió el recibo de enero a marzo?", "es")
    assert "compare_to" not in a and a["span"] == {"start": "2018-01-01", "end": "2018-03-31"}


@pytest.mark.parametrize(
    "message",
    [
        "Yo quisiera saber cuánto gastamos en mayo, ¿usted lo sabe?",
        "¿Nosotros cuánto consumimos en mayo?",
        "Actually, what did we consume in May?",
    ],
)
def test_function_words_are_filler(message: str) -> None:
    assert query(message)["span"] == {"start": "2018-05-01", "end": "2018-05-31"}


@pytest.mark.parametrize(
    "message",
    [
        "¿Cuánto consumimos en mayo los demás días?",
        "how much did we use in the office rooms in May?",
        "¿Cuánto consumimos en mayo cuando trabaja la línea?",
    ],
)
def test_stop_words_that_change_a_figure_still_decline(message: str) -> None:
    assert plan(message).tool is None, plan(message).arguments


@pytest.mark.parametrize(
    ("message", "lang"),
    [
        ("consumption from Q1 to Q3", "en"),
        ("consumo del primer al tercer trimestre", "es"),
        ("cost from the first to the third quarter of 2018", "en"),
    ],
)
def test_a_range_of_quarters_is_one_span(message: str, lang: str) -> None:
    a = query(message, lang)
    assert a["span"] == {"start": "2018-01-01", "end": "2018-09-30"} and "compare_to" not in a


def test_a_change_between_quarters_compares_them() -> None:
    a = query("¿Cuánto subió el gasto del primer al segundo trimestre?", "es")
    assert (a["span"]["end"], a["compare_to"]["start"]) == ("2018-03-31", "2018-04-01")


@pytest.mark.parametrize(
    ("message", "lang", "agg"),
    [
        ("What's a normal day's consumption in April?", "en", "daily_mean"),
        ("¿Cuánto gasta la planta en un día normal de abril?", "es", "daily_mean"),
        ("the cost of a normal week in April", "en", "weekly_mean"),
    ],
)
def test_a_normal_unit_is_its_mean(message: str, lang: str, agg: str) -> None:
    assert query(message, lang)["aggregation"] == agg


def test_a_week_named_by_a_holiday_declines() -> None:
    assert plan("What was the kWh total for Christmas week?").tool is None
    assert plan("the week of Chuseok cost").tool is None


@pytest.mark.parametrize(
    ("message", "lang", "start", "end"),
    [
        ("¿Cuánto gastamos el trimestre pasado?", "es", "2018-07-01", "2018-09-30"),
        ("consumption this quarter", "en", "2018-10-01", "2018-12-31"),
        ("¿Cuánto gastamos el semestre pasado?", "es", "2018-01-01", "2018-06-30"),
        ("consumption this half", "en", "2018-07-01", "2018-12-31"),
        ("cost in 2H 2018", "en", "2018-07-01", "2018-12-31"),
    ],
)
def test_relative_and_business_halves(message: str, lang: str, start: str, end: str) -> None:
    assert query(message, lang)["span"] == {"start": start, "end": end}


def test_an_unread_half_declines() -> None:
    assert plan("cost in the back half of 2018").tool is None


@pytest.mark.parametrize(
    ("message", "lang", "metric", "order"),
    [
        ("highest-cost day in March?", "en", "cost_krw", "desc"),
        ("the costliest day of March", "en", "cost_krw", "desc"),
        ("el día de marzo con menor consumo", "es", "usage_kwh", "asc"),
        ("the day of March with the highest cost", "en", "cost_krw", "desc"),
    ],
)
def test_the_top_one_in_the_singular(message: str, lang: str, metric: str, order: str) -> None:
    a = query(message, lang)
    assert (a["metric"], a["group_by"], a.get("top"), a["order"]) == (metric, "day", 1, order)
    assert a["span"] == {"start": "2018-03-01", "end": "2018-03-31"}


@pytest.mark.parametrize(
    "message",
    ["biggest quarter-hour reading yesterday", "the highest quarter-hour kWh on Mondays in November"],
)
def test_a_quarter_hour_is_no_quarter(message: str) -> None:
    a = query(message)
    assert (a["aggregation"], a["group_by"]) == ("max", "none")


def test_en_curso_is_the_current_unit() -> None:
    assert query("emisiones de CO2 de la semana en curso", "es")["span"]["start"] == "2018-12-31"
    assert query("el consumo del mes en curso", "es")["span"]["start"] == "2018-12-01"


def test_spanish_markers_without_a_question_word() -> None:
    from energy_api.copilot.language import detect_language

    assert detect_language("kWh: 2T frente a 4T") == "es"
    assert detect_language("kWh: Q2 versus the highest quarter") == "en"


@pytest.mark.parametrize(
    ("message", "lang"),
    [
        ("how often did the power factor drop below 90% in May?", "en"),
        ("¿cuántas veces bajó el FP del 90 % en mayo?", "es"),
        ("how many times did we exceed 120 kWh in May?", "en"),
    ],
)
def test_times_of_a_condition_count_the_readings(message: str, lang: str) -> None:
    a = query(message, lang)
    assert a["aggregation"] == "count_intervals" and a["span"]["start"] == "2018-05-01"


def test_what_happened_on_a_day_and_bill_as() -> None:
    assert plan("¿Qué pasó el 14 de junio para que consumiéramos tanto?", "es").tool == "explain_peak"
    p = plan("bill the 18:00-20:00 window on June 14 as off-peak")
    assert p.tool == "what_if" and p.arguments["target"] == "light"


@pytest.mark.parametrize(
    "message",
    [
        "¿Cuánto cuesta el kWh en punta en verano?",
        "¿Cuál fue el precio medio del kWh en junio?",
        "What's the electricity price today?",
        "the average price per kWh in July",
    ],
)
def test_a_unit_price_declines(message: str) -> None:
    assert plan(message).tool is None


def test_sale_is_selling_in_english_and_salir_in_spanish() -> None:
    assert plan("energy sale in May").tool is None
    assert plan("¿Cuánto nos salió la luz en marzo?", "es").arguments["metric"] == "cost_krw"
