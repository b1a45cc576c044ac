"""Copilot v8: follow-ups that name only a side keep the previous metric family; a range in a
follow-up (or a first question) is read whole without an opening word ("17 to 30 June", "17 al 30 de
abril", "2 thru 20 April"); unknown words are let through only by their form and place (phrasal and
request verbs, manner adverbs, connectors), never words that change a figure (selling, generating,
exporting, time adverbs); "a week ago", "hace un par de semanas", "the last N months"; shares whose whole
is filtered; the quarter hour of highest consumption is the peak. Planner only (no data)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from energy_api.copilot.normalize import normalize
from energy_api.copilot.planner import NOT_UNDERSTOOD, PlanContext, RulePlanner
from energy_api.copilot.vocabulary import harmless_unknown, meaningful_unknown

TODAY = dt.date(2018, 12, 31)
DATA = (dt.date(2018, 1, 1), dt.date(2018, 12, 31))


def plan(message: str, lang: str = "en", last: tuple[str, dict[str, Any]] | None = None):
    ctx = PlanContext(today=TODAY, language=lang, available=DATA)
    if last is not None:
        ctx.last_tool, ctx.last_arguments = last
        span = last[1]["span"]
        ctx.last_period = (dt.date.fromisoformat(span["start"]), dt.date.fromisoformat(span["end"]))
    return RulePlanner().plan(message, ctx)


def span(p) -> tuple[str, str]:
    return p.arguments["span"]["start"], p.arguments["span"]["end"]


def turns(first: str, second: str, lang: str = "en"):
    p = plan(first, lang)
    assert p.tool == "query", (first, p.clarify, p.meta.get("why"))
    return plan(second, lang, last=(p.tool, p.arguments))


@pytest.mark.parametrize(
    ("first", "second", "lang", "metric"),
    [
        ("what was the power factor in March?", "and the leading one?", "en", "leading_pf"),
        ("factor de potencia de abril", "¿y el capacitivo?", "es", "leading_pf"),
        ("¿cuál fue el factor de potencia capacitivo en junio?", "¿y el inductivo?", "es", "lagging_pf"),
        ("lagging power factor in Q2", "and the capacitive one?", "en", "leading_pf"),
        ("leading reactive energy in July", "and the lagging one?", "en", "lagging_reactive_kvarh"),
        ("energía reactiva inductiva de mayo", "¿y la capacitiva?", "es", "leading_reactive_kvarh"),
        ("consumption in May", "and the reactive energy?", "en", "lagging_reactive_kvarh"),
    ],
)
def test_a_side_word_keeps_the_metric_family(first: str, second: str, lang: str, metric: str) -> None:
    p = turns(first, second, lang)
    assert p.arguments["metric"] == metric
    before = plan(first, lang).arguments["span"]
    assert p.arguments["span"] == before  # "one" is a pronoun here, never the first quarter


def test_plain_mean_power_factor_follow_up_keeps_its_aggregation() -> None:
    p = turns("plain mean of the power factor in June", "and the leading one?")
    assert (p.arguments["metric"], p.arguments["aggregation"]) == ("leading_pf", "plain_mean")


@pytest.mark.parametrize(
    ("first", "second", "lang", "expected"),
    [
        ("consumption in May", "and for 17 to 30 June?", "en", ("2018-06-17", "2018-06-30")),
        ("average daily consumption in March", "what about 10-20 April?", "en", ("2018-04-10", "2018-04-20")),
        ("coste de marzo", "¿y del 17 al 30 de abril?", "es", ("2018-04-17", "2018-04-30")),
        ("consumo de enero", "¿y 3 al 9 de febrero?", "es", ("2018-02-03", "2018-02-09")),
        ("cost on weekdays in March", "and from 5 thru 9 April?", "en", ("2018-04-05", "2018-04-09")),
        ("¿cuánto costó la semana pasada?", "¿y la anterior?", "es", ("2018-12-17", "2018-12-23")),
        ("cost in May 2018", "and the month before?", "en", ("2018-04-01", "2018-04-30")),
    ],
)
def test_a_follow_up_range_replaces_the_span_whole(
    first: str, second: str, lang: str, expected: tuple[str, str]
) -> None:
    p = turns(first, second, lang)
    assert span(p) == expected
    assert p.arguments.get("aggregation") == plan(first, lang).arguments.get("aggregation")
    assert p.arguments.get("filters") == plan(first, lang).arguments.get("filters")


@pytest.mark.parametrize(
    ("message", "lang", "expected"),
    [
        ("consumption 17 to 30 June", "en", ("2018-06-17", "2018-06-30")),
        ("cost 2 thru 20 April", "en", ("2018-04-02", "2018-04-20")),
        ("consumption from March 3 thru March 9", "en", ("2018-03-03", "2018-03-09")),
        ("cost from June 4 till June 10", "en", ("2018-06-04", "2018-06-10")),
        ("consumo 3-9 de febrero", "es", ("2018-02-03", "2018-02-09")),
        ("consumo del lunes 2 al domingo 8 de abril", "es", ("2018-04-02", "2018-04-08")),
        ("consumption a week ago", "en", ("2018-12-24", "2018-12-30")),
        ("consumo de hace un par de semanas", "es", ("2018-12-17", "2018-12-23")),
        ("energy used three weeks back", "en", ("2018-12-10", "2018-12-16")),
        ("cuánto gastamos los últimos 3 meses", "es", ("2018-10-01", "2018-12-31")),
        ("emisiones de los 400 días pasados", "es", ("2017-11-27", "2018-12-31")),
    ],
)
def test_ranges_and_relative_periods(message: str, lang: str, expected: tuple[str, str]) -> None:
    p = plan(message, lang)
    assert p.tool == "query", (p.clarify, p.meta)
    assert span(p) == expected


@pytest.mark.parametrize(
    ("message", "lang", "metric"),
    [
        ("How much energy did we rack up in October?", "en", "usage_kwh"),
        ("tally up the cost of August", "en", "cost_krw"),
        ("total consumption throughout Q3", "en", "usage_kwh"),
        ("analiza el consumo de la semana pasada", "es", "usage_kwh"),
        ("analízame el gasto de noviembre", "es", "cost_krw"),
        ("revisa el consumo de febrero por favor", "es", "usage_kwh"),
        ("¿me puedes sacar el coste del mes pasado?", "es", "cost_krw"),
        ("lagging and leading reactive energy in May, separately", "en", "lagging_reactive_kvarh"),
    ],
)
def test_harmless_unknown_words_are_let_through(message: str, lang: str, metric: str) -> None:
    p = plan(message, lang)
    assert p.tool == "query", (p.clarify, p.meta)
    assert p.arguments["metric"] == metric


@pytest.mark.parametrize(
    ("message", "lang"),
    [
        ("how much energy did we export in March?", "en"),
        ("how much energy was generated in March?", "en"),
        ("¿cuánta energía vendimos en junio?", "es"),
        ("¿cuánta electricidad generamos en mayo?", "es"),
        ("gas consumption in April", "en"),
        ("consumo de agua en abril", "es"),
        ("consumption recently", "en"),
        ("how much energy did line 2 use in March?", "en"),
    ],
)
def test_words_that_change_the_figure_still_decline(message: str, lang: str) -> None:
    assert plan(message, lang).clarify == NOT_UNDERSTOOD


def test_the_harmless_classes() -> None:
    text = normalize("could you tally up the cost, separately, for the plant we run", "en").text
    assert harmless_unknown("tally", text)  # a phrasal verb
    assert harmless_unknown("separately", "cost separately")  # a manner adverb
    assert harmless_unknown("chequea", "chequea el consumo de mayo")  # a request verb before its object
    assert not harmless_unknown("gas", "gas consumption in april")  # a noun before a noun
    assert not harmless_unknown("recently", "consumption recently")  # a time adverb
    assert meaningful_unknown("vendimos") and meaningful_unknown("exported")


@pytest.mark.parametrize(
    ("message", "lang", "part", "whole"),
    [
        (
            "share of weekend consumption that fell in the light period in May",
            "en",
            {"tariff_period": ["light"]},
            {"day_type": ["weekend"]},
        ),
        (
            "share of Q4 weekday consumption under maximum load",
            "en",
            {"load_type": ["Maximum_Load"]},
            {"day_type": ["weekday"]},
        ),
        (
            "del consumo de los fines de semana de julio, ¿cuánto fue en carga ligera (en %)?",
            "es",
            {"load_type": ["Light_Load"]},
            {"day_type": ["weekend"]},
        ),
        (
            "¿qué peso tuvo la carga máxima en el consumo laborable de mayo?",
            "es",
            {"load_type": ["Maximum_Load"]},
            {"day_type": ["weekday"]},
        ),
    ],
)
def test_shares_of_a_filtered_whole(message: str, lang: str, part: dict, whole: dict) -> None:
    p = plan(message, lang)
    assert p.tool == "query", (p.clarify, p.meta)
    assert p.arguments["share_of"] == part
    assert p.arguments["filters"] == whole


def test_weekday_as_an_adjective_is_a_filter() -> None:
    p = plan("weekday energy in Q1")
    assert p.arguments["filters"] == {"day_type": ["weekday"]}
    assert p.arguments["group_by"] == "none"


@pytest.mark.parametrize(
    ("message", "lang", "expected"),
    [
        ("el cuarto de hora de mayor consumo del primer semestre", "es", ("2018-01-01", "2018-06-30")),
        (
            "¿cuál fue la lectura de 15 minutos más alta del segundo semestre?",
            "es",
            ("2018-07-01", "2018-12-31"),
        ),
        ("¿en qué cuarto de hora consumimos más en el segundo semestre?", "es", ("2018-07-01", "2018-12-31")),
    ],
)
def test_the_quarter_hour_of_highest_consumption_is_the_peak(
    message: str, lang: str, expected: tuple[str, str]
) -> None:
    p = plan(message, lang)
    assert (p.arguments["aggregation"], p.arguments["group_by"]) == ("max", "none")
    assert span(p) == expected


def test_the_unit_a_second_half_leaves_implied() -> None:
    p = plan("compara el gasto del primer semestre con el del segundo", "es")
    assert span(p) == ("2018-01-01", "2018-06-30")
    assert p.arguments["compare_to"] == {"start": "2018-07-01", "end": "2018-12-31"}


@pytest.mark.parametrize(
    ("message", "lang", "day"),
    [
        ("backtest the forecast for November 20", "en", "2018-11-20"),
        ("run a backtest for 2018-10-10", "en", "2018-10-10"),
        ("haz un backtest de la previsión del 5 de diciembre", "es", "2018-12-05"),
    ],
)
def test_a_backtest_is_the_forecast_of_a_past_day(message: str, lang: str, day: str) -> None:
    p = plan(message, lang)
    assert p.tool == "forecast", (p.clarify, p.meta)
    assert p.arguments["day"] == day


def test_a_share_follow_up_keeps_the_whole_and_changes_the_part() -> None:
    p = turns("consumption on weekends in Q3", "and the peak period share?")
    assert p.arguments["share_of"] == {"tariff_period": ["maximum"]}
    assert p.arguments["filters"] == {"day_type": ["weekend"]}
    first = plan("¿qué porcentaje del consumo de marzo fue en punta?", "es")
    p = plan("¿y en valle?", "es", last=(first.tool, first.arguments))
    assert p.arguments["share_of"] == {"tariff_period": ["light"]}
    assert "filters" not in p.arguments


@pytest.mark.parametrize(
    ("message", "lang", "tool", "expected"),
    [
        ("how could we have trimmed the bill on 2018-02-14?", "en", "recommend", None),
        ("consumption in the past 2 years", "en", "query", ("2017-01-01", "2018-12-31")),
        ("consumo hace diez días", "es", "query", ("2018-12-21", "2018-12-21")),
        ("top 15-minute reading from 1 thru 15 October", "en", "query", ("2018-10-01", "2018-10-15")),
    ],
)
def test_more_v8_forms(message: str, lang: str, tool: str, expected: tuple[str, str] | None) -> None:
    p = plan(message, lang)
    assert p.tool == tool, (p.clarify, p.meta)
    if expected is not None:
        assert span(p) == expected


def test_producing_energy_declines() -> None:
    assert plan("¿cuánta energía produjimos en marzo?", "es").clarify == NOT_UNDERSTOOD


@pytest.mark.parametrize(
    ("first", "second", "lang", "key", "expected"),
    [
        ("power factor in June", "and the plain mean?", "en", "aggregation", "plain_mean"),
        ("¿qué porcentaje del consumo de marzo fue en punta?", "¿y por meses?", "es", "group_by", "month"),
        (
            "factor de potencia del 1 al 15 de mayo",
            "¿y el capacitivo del 16 al 31?",
            "es",
            "span",
            {"start": "2018-05-16", "end": "2018-05-31"},
        ),
        (
            "consumption from 1 to 10 June",
            "and 11-20?",
            "en",
            "span",
            {"start": "2018-06-11", "end": "2018-06-20"},
        ),
        (
            "coste del 2018-04-02 al 2018-04-08",
            "¿y la semana siguiente?",
            "es",
            "span",
            {"start": "2018-04-09", "end": "2018-04-15"},
        ),
    ],
)
def test_follow_ups_change_one_slot(first: str, second: str, lang: str, key: str, expected: Any) -> None:
    p = turns(first, second, lang)
    assert p.tool == "query", (p.clarify, p.meta)
    assert p.arguments[key] == expected


def test_a_count_follow_up_changes_the_threshold_only() -> None:
    p = turns("how many hours was the power factor below 90% in May?", "and below 85%?")
    assert p.arguments["condition"]["column"] == "lagging_power_factor"
    assert (p.arguments["condition"]["op"], p.arguments["condition"]["value"]) == ("<", 85)


def test_days_of_a_range_are_no_power_factor_target() -> None:
    p = plan("factor de potencia del 1 al 15 de mayo", "es")
    assert (p.tool, p.arguments["metric"]) == ("query", "lagging_pf")
    assert plan("raise the PF to 0.95 from 1 thru 15 May").arguments["target_pf_pct"] == 95


def test_an_unread_follow_up_never_switches_to_consumption() -> None:
    first = plan("leading reactive energy in July")
    p = plan("and the weird one?", last=(first.tool, first.arguments))
    assert p.tool is None or p.arguments.get("metric") != "usage_kwh"


@pytest.mark.parametrize(
    ("message", "lang", "expected"),
    [
        ("consumption June 17th through the 30th", "en", ("2018-06-17", "2018-06-30")),
        ("cost 17th-30th June", "en", ("2018-06-17", "2018-06-30")),
        ("gasto del día 5 al día 12 de septiembre", "es", ("2018-09-05", "2018-09-12")),
        ("emisiones entre los días 10 y 20 de octubre", "es", ("2018-10-10", "2018-10-20")),
        ("consumo del 20 de diciembre al 5 de enero", "es", ("2018-12-20", "2019-01-05")),
        ("cost from Dec 24 thru Jan 6", "en", ("2018-12-24", "2019-01-06")),
        ("consumo del 1 de marzo al 15 de abril", "es", ("2018-03-01", "2018-04-15")),
    ],
)
def test_more_range_forms(message: str, lang: str, expected: tuple[str, str]) -> None:
    assert span(plan(message, lang)) == expected


@pytest.mark.parametrize(
    ("message", "lang", "passes"),
    [
        ("analiza marzo", "es", True),
        ("revisa ayer", "es", True),
        ("analyze March consumption", "en", True),
        ("agua consumida en abril", "es", False),
        ("water consumption in May", "en", False),
    ],
)
def test_an_imperative_before_a_period(message: str, lang: str, passes: bool) -> None:
    text = normalize(message, lang).text
    word = text.split()[0]
    assert harmless_unknown(word, text) is passes


@pytest.mark.parametrize(
    ("message", "lang", "aggregation", "group"),
    [
        ("¿cuánto consumimos diariamente en marzo?", "es", "daily_mean", "none"),
        ("¿cuánto consumimos al día en marzo?", "es", "daily_mean", "none"),
        ("gasto del día 5 al día 12 de septiembre", "es", "sum", "none"),
        ("which weekday consumption was highest in 2018?", "en", "sum", "weekday"),
    ],
)
def test_per_day_words_and_weekday_rankings(message: str, lang: str, aggregation: str, group: str) -> None:
    p = plan(message, lang)
    assert (p.arguments["aggregation"], p.arguments["group_by"]) == (aggregation, group)
