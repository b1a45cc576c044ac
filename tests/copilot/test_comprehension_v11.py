"""Copilot v11: every advice / suggestion cue is the recommendation intent and an intent verb the rules do
not read is never filler; two periods "each on its own" are both figures with their spans; an English
day range after "over"; rankings by a reactive side; adjectives of the metric; forecast horizons in hours
and days. Planner only (no data)."""

from __future__ import annotations

import datetime as dt

import pytest

from energy_api.copilot.planner import PlanContext, RulePlanner

TODAY = dt.date(2018, 12, 31)
DATA = (dt.date(2018, 1, 1), dt.date(2018, 12, 31))
PLANNER = RulePlanner()


def plan(message: str, lang: str = "en"):
    return PLANNER.plan(message, PlanContext(today=TODAY, language=lang, available=DATA))


@pytest.mark.parametrize(
    ("message", "lang", "start"),
    [
        ("quiero pagar menos: ¿qué me aconsejas a la vista del 2018-05-14?", "es", "2018-05-14"),
        ("¿Qué nos aconsejas para el 2018-05-14?", "es", "2018-05-14"),
        ("¿qué propones para el 3 de mayo?", "es", "2018-05-03"),
        ("¿qué hacemos para pagar menos en abril?", "es", "2018-04-01"),
        ("¿qué hago con el consumo del 2018-06-01?", "es", "2018-06-01"),
        ("what do you propose for 2018-05-14?", "en", "2018-05-14"),
        ("how can we pay less in May?", "en", "2018-05-01"),
        ("what do you advise for May 14?", "en", "2018-05-14"),
    ],
)
def test_advice_cues_are_recommendations(message: str, lang: str, start: str) -> None:
    p = plan(message, lang)
    assert (p.tool, p.arguments.get("start")) == ("recommend", start), (p.tool, p.arguments, p.meta)


@pytest.mark.parametrize(
    ("message", "lang"),
    [
        ("¿qué me pronosticarías para el consumo de marzo?", "es"),
        ("¿me simulas el coste de marzo?", "es"),
        ("can you contrasted the cost of March?", "en"),
    ],
)
def test_an_unread_intent_verb_is_never_filler(message: str, lang: str) -> None:
    p = plan(message, lang)
    assert p.tool != "query" or "compare_to" in p.arguments, (p.tool, p.arguments)


@pytest.mark.parametrize(
    ("message", "lang", "a", "b"),
    [
        (
            "consumo del 4 al 10 de junio y del 11 al 17 de junio, cada semana por separado",
            "es",
            ("2018-06-04", "2018-06-10"),
            ("2018-06-11", "2018-06-17"),
        ),
        (
            "the energy of June 15-21 and of June 22-28, each on its own",
            "en",
            ("2018-06-15", "2018-06-21"),
            ("2018-06-22", "2018-06-28"),
        ),
    ],
)
def test_two_periods_each_on_its_own(message: str, lang: str, a: tuple, b: tuple) -> None:
    args = plan(message, lang).arguments
    assert (args["span"], args["compare_to"]) == (
        {"start": a[0], "end": a[1]},
        {"start": b[0], "end": b[1]},
    )


def test_one_period_each_week_separately_declines() -> None:
    assert plan("consumo de junio, cada semana por separado", "es").tool is None


def test_day_range_after_over_is_no_threshold() -> None:
    args = plan("the average consumption over 12-25 November").arguments
    assert (args["aggregation"], args["span"], "condition" in args) == (
        "daily_mean",
        {"start": "2018-11-12", "end": "2018-11-25"},
        False,
    )


def test_ranking_by_a_reactive_side_in_a_half() -> None:
    args = plan("top 2 months by lagging reactive energy in H2").arguments
    assert (args["metric"], args["group_by"], args["top"], args["span"]["start"]) == (
        "lagging_reactive_kvarh",
        "month",
        2,
        "2018-07-01",
    )


def test_adjective_of_the_metric_is_filler() -> None:
    args = plan("gasto energético del 1T en kWh", "es").arguments
    assert (args["metric"], args["span"]) == ("usage_kwh", {"start": "2018-01-01", "end": "2018-03-31"})


@pytest.mark.parametrize(
    ("message", "hours"),
    [
        ("what will consumption be over the next 36 h?", 36),
        ("what will the energy be over the next 2 days?", 48),
    ],
)
def test_forecast_horizons(message: str, hours: int) -> None:
    p = plan(message)
    assert (p.tool, p.arguments.get("horizon_hours")) == ("forecast", hours)


def test_will_be_with_a_past_month_is_no_forecast() -> None:
    assert plan("what will the consumption be in March?").tool != "forecast"


def test_two_dated_days_joined_by_a_dash_are_a_range() -> None:
    args = plan("usage for 22-28 Oct and for 29 Oct-4 Nov").arguments
    assert (args["span"], args["compare_to"]) == (
        {"start": "2018-10-22", "end": "2018-10-28"},
        {"start": "2018-10-29", "end": "2018-11-04"},
    )


def test_a_period_the_query_does_not_read_declines() -> None:
    assert plan("usage for 22-28 Oct and for 29 Oct to 4 Nov and 5 Nov").tool is None


@pytest.mark.parametrize(
    ("message", "lang"),
    [
        ("kWh de la semana del 6 al 12 de agosto y de la del 13 al 19, cada una", "es"),
        ("usage for August 6-12 and 13-19, each", "en"),
    ],
)
def test_second_range_inherits_the_month(message: str, lang: str) -> None:
    args = plan(message, lang).arguments
    assert args["compare_to"] == {"start": "2018-08-13", "end": "2018-08-19"}


def test_a_decimal_energy_is_no_year() -> None:
    p = plan("si pasamos 2.000,5 kWh de punta a valle en verano, ¿cuánto nos ahorramos?", "es")
    assert (p.tool, p.arguments["kwh"], p.arguments.get("season")) == ("scenario", 2000.5, "summer")


def test_clock_times_with_minutes_are_a_window() -> None:
    args = plan("how much of November's usage happened overnight, 23:00 to 07:00, as a percentage?").arguments
    assert args["share_of"] == {"hours": {"start": 23, "end": 7}}


def test_bill_a_window_at_another_price_is_the_what_if() -> None:
    p = plan("bill 17:00-20:00 on 2018-02-07 at the light price instead: how much cheaper?")
    assert (p.tool, p.arguments["target"], p.arguments["from_start_hour"]) == ("what_if", "light", 17)


@pytest.mark.parametrize(
    ("message", "lang", "aggregation"),
    [
        ("count the quarter-hours with leading reactive over 10 kvarh in January", "en", "count_intervals"),
        ("horas de julio en periodo punta con FP inductivo por debajo del 80 %", "es", "count_hours"),
    ],
)
def test_counts_without_the_question_word(message: str, lang: str, aggregation: str) -> None:
    assert plan(message, lang).arguments["aggregation"] == aggregation


def test_ranking_with_que_mas_and_the_metric() -> None:
    args = plan("del segundo semestre, los dos meses que más energía consumieron", "es").arguments
    assert (args["group_by"], args["top"], args["span"]["start"]) == ("month", 2, "2018-07-01")


@pytest.mark.parametrize(
    ("message", "tool"),
    [
        ("dame ideas para rebajar el recibo con los datos del tercer trimestre", "recommend"),
        ("¿cómo reducimos la factura eléctrica? fíjate en la semana del 19 al 25 de noviembre", "recommend"),
        ("compensación para un cos φ del 97 % en el cuarto trimestre: ¿cómo cambia la reactiva?", "scenario"),
    ],
)
def test_spanish_verbs_and_symbols(message: str, tool: str) -> None:
    assert plan(message, "es").tool == tool


def _follow(first: str, second: str, lang: str):
    p1 = plan(first, lang)
    span = p1.arguments["span"]
    last = (dt.date.fromisoformat(span["start"]), dt.date.fromisoformat(span["end"]))
    ctx = PlanContext(
        today=TODAY,
        language=lang,
        available=DATA,
        last_period=last,
        last_tool=p1.tool,
        last_arguments=p1.arguments,
    )
    return PLANNER.plan(second, ctx)


@pytest.mark.parametrize(
    ("first", "second", "lang", "metric", "span"),
    [
        (
            "energía de marzo, en kWh",
            "perfecto, ¿y eso en dinero cuánto fue?",
            "es",
            "cost_krw",
            "2018-03-01",
        ),
        ("coste del 1 al 7 de octubre", "ahora del 8 al 14", "es", "cost_krw", "2018-10-08"),
        ("cost from 1 to 7 October", "and from the 8th to the 14th?", "en", "cost_krw", "2018-10-08"),
    ],
)
def test_follow_ups_after_assent_or_now(first: str, second: str, lang: str, metric: str, span: str) -> None:
    args = _follow(first, second, lang).arguments
    assert (args["metric"], args["span"]["start"]) == (metric, span)


def test_advice_for_a_period_after_the_readings_declines() -> None:
    assert plan("how do we spend less next month?").tool is None


@pytest.mark.parametrize(
    ("message", "tool"),
    [
        ("simulate moving 100 kWh from peak to off-peak in May", "scenario"),
        ("contrast March and April consumption", "query"),
    ],
)
def test_intent_verbs_read_by_their_rule(message: str, tool: str) -> None:
    assert plan(message).tool == tool


@pytest.mark.parametrize(
    ("message", "lang", "start", "end"),
    [
        # "del año <N>" names year N; read as "this year" it answered 2018 for 2019 and dropped the month
        ("¿cuánto gastamos en mayo del año 2019?", "es", "2019-05-01", "2019-05-31"),
        ("¿cuánto gastamos en mayo del año 2018?", "es", "2018-05-01", "2018-05-31"),
        ("factor de potencia del año 2019", "es", "2019-01-01", "2019-12-31"),
        ("consumo en el año 2017", "es", "2017-01-01", "2017-12-31"),
        ("energy of the year 2019", "en", "2019-01-01", "2019-12-31"),
        ("consumo del año", "es", "2018-01-01", "2018-12-31"),
    ],
)
def test_the_year_followed_by_a_number_is_that_year(message: str, lang: str, start: str, end: str) -> None:
    p = plan(message, lang)
    assert p.tool == "query", (p.clarify, p.meta.get("why"))
    assert p.arguments["span"] == {"start": start, "end": end}


@pytest.mark.parametrize(
    ("message", "metric", "order"),
    [
        ("dame los tres días de agosto que menos energía gastaron", "usage_kwh", "asc"),
        ("los 3 días de agosto en que más luz gastamos", "usage_kwh", "desc"),
        ("los 3 días de agosto en que más dinero gastamos", "cost_krw", "desc"),
        ("los 3 días de octubre en que más pagamos", "cost_krw", "desc"),
    ],
)
def test_a_ranking_clause_object_decides_its_metric(message: str, metric: str, order: str) -> None:
    p = plan(message, "es")
    assert p.tool == "query", (p.clarify, p.meta.get("why"))
    assert (p.arguments["metric"], p.arguments["order"], p.arguments["top"]) == (metric, order, 3)
