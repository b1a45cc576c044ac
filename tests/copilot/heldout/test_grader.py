"""The held-out grader and reference: hand-made answers that must pass and must fail, and reference
figures checked against a second, tiny computation (the csv module, no pandas) on the raw file."""

from __future__ import annotations

import csv
import datetime as dt
import functools
import math
from collections import Counter

import pandas as pd
import pytest
import yaml

from tests.copilot.heldout import grade
from tests.copilot.heldout.grade import TurnGrade, TurnRun, figures_in, grade_answer, read_number, verdict
from tests.copilot.heldout.reference import (
    CSV_CANDIDATES,
    SET_PATH,
    Expected,
    Figure,
    Label,
    Reference,
    SpecError,
    expected_for,
    load_cases,
)

AVAILABLE = ("2018-01-01", "2018-12-31")
APRIL = Expected(figures=[Figure(78769.8, "kWh")], spans=[("2018-04-01", "2018-04-30")])


def ok(answer: str, lang: str, expected: Expected) -> bool:
    return grade_answer(answer, lang, expected, AVAILABLE).ok


# --- numbers --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "lang", "value"),
    [
        ("1.234.567,8", "es", 1234567.8),
        ("1234567,8", "es", 1234567.8),
        ("92,3", "es", 92.3),
        ("1.234", "es", 1234.0),
        ("1,234,567.8", "en", 1234567.8),
        ("1234567.8", "en", 1234567.8),
        ("1.234", "en", 1.234),
        ("1,234", "en", 1234.0),
        ("1,234.5", "es", None),  # English layout in a Spanish answer does not read
        ("1.234,5", "en", None),
        ("92.3", "es", None),
        ("92,3", "en", None),
        ("12.34.5", "es", None),
    ],
)
def test_numbers_read_in_the_question_convention(text: str, lang: str, value: float | None) -> None:
    assert read_number(text, lang) == value


def test_figures_pair_numbers_with_their_units() -> None:
    shown = figures_in(
        "Del 2018-04-01 al 2018-04-30: 78.769,8\u00a0kWh, 54.461 kvarh, 36,2 t CO2, ₩1.234 y 91,5%", "es"
    )
    assert [(s.value, s.unit) for s in shown] == [
        (78769.8, "kWh"),
        (54461.0, "kVArh"),
        (36.2, "tCO2"),
        (1234.0, "KRW"),
        (91.5, "%"),
    ]
    # the pieces of a date are not negative numbers, the 2 of tCO2 and the 4 of Q4 are not numbers
    assert figures_in("Q4 2018-10-01: tCO2 at 10:15-10:30 h", "en") == [grade.Shown("30", 30.0, "h")]
    assert [(s.value, s.unit) for s in figures_in("-1,460.6 kWh; 3 hours; 96 intervals", "en")] == [
        (-1460.6, "kWh"),
        (3.0, "h"),
        (96.0, "intervals"),
    ]
    assert figures_in("12 kWhs 5 hasta", "es") == []  # a unit is a whole word


# --- figures, spans, conventions ------------------------------------------------------------------
def test_a_right_figure_with_its_span_passes_in_both_conventions() -> None:
    assert ok("Consumo del 2018-04-01 al 2018-04-30: 78.769,8 kWh.", "es", APRIL)
    assert ok("Consumo del 2018-04-01 al 2018-04-30: 78770 kWh.", "es", APRIL)  # no grouping, rounded
    assert ok("April (2018-04-01 to 2018-04-30): 78,769.8 kWh", "en", APRIL)
    assert ok("2018-04-01 - 2018-04-30: 79,100 kWh", "en", APRIL)  # within 0.5 % + 0.5 kWh


def test_wrong_value_unit_span_or_convention_fails() -> None:
    assert not ok("Consumo del 2018-04-01 al 2018-04-30: 80.230 kWh.", "es", APRIL)  # another month's value
    assert not ok(
        "Del 2018-04-01 al 2018-04-30: 78,769.8 kWh", "es", APRIL
    )  # English layout, Spanish question
    assert not ok("Del 2018-04-01 al 2018-04-30: 78.769,8 kVArh", "es", APRIL)  # right number, wrong unit
    assert not ok("Consumo del 2018-01-01 al 2018-12-31: 78.769,8 kWh.", "es", APRIL)  # wrong span
    assert not ok("Consumo de 2018-04-30: 78.769,8 kWh.", "es", APRIL)  # a range read as its last day


def test_reactive_energy_in_kwh_is_wrong() -> None:
    reactive = Expected(figures=[Figure(54461.19, "kVArh")], spans=[("2018-01-01", "2018-01-31")])
    assert ok("Reactive energy 2018-01-01 to 2018-01-31: 54,461 kVArh", "en", reactive)
    assert not ok("Reactive energy 2018-01-01 to 2018-01-31: 54,461 kWh", "en", reactive)
    result = grade_answer("Reactive energy 2018-01-01 to 2018-01-31: 54,461 kWh", "en", reactive, AVAILABLE)
    assert result.shows_figure and "missing" in result.reasons[0]


def test_differences_match_on_their_absolute_value_only() -> None:
    diff = Expected(figures=[Figure(-1460.61, "kWh", signless=True)])
    assert ok("abril consumió 1.460,6 kWh menos", "es", diff)
    assert ok("diferencia: -1.460,6 kWh", "es", diff)
    plain = Expected(figures=[Figure(1460.61, "kWh")])
    assert not ok("diferencia: -1.460,6 kWh", "es", plain)


def test_one_day_span_needs_the_date_once() -> None:
    day = Expected(figures=[Figure(339.2, "kWh")], spans=[("2018-12-30", "2018-12-30")])
    assert ok("Yesterday (2018-12-30): 339.2 kWh", "en", day)
    assert not ok("Yesterday (2018-12-29): 339.2 kWh", "en", day)


def test_tolerances_per_unit() -> None:
    assert ok("0,4594 tCO2", "es", Expected(figures=[Figure(0.45, "tCO2")]))  # 0.01 t absolute
    assert not ok("0,47 tCO2", "es", Expected(figures=[Figure(0.45, "tCO2")]))
    assert ok("370,5 h", "es", Expected(figures=[Figure(370.75, "h")]))  # 0.25 h absolute
    assert not ok("96 intervalos", "es", Expected(figures=[Figure(97, "intervals")]))  # exact count
    assert ok("42,5 %", "es", Expected(figures=[Figure(42.541, "%")]))
    assert not ok("43,0 %", "es", Expected(figures=[Figure(42.541, "%")]))


# --- labels ---------------------------------------------------------------------------------------
def test_labels_in_either_language_without_accents_or_case() -> None:
    wed = Expected(labels=[Label("weekday", 2)])
    assert ok("El día que más consume es el MIERCOLES", "es", wed)
    assert ok("Wednesday is the highest", "es", wed)
    assert not ok("el martes", "es", wed)
    assert ok("el mes más caro fue enero", "es", Expected(labels=[Label("month", 1)]))
    assert not ok("el mes más caro fue 2018-01", "es", Expected(labels=[Label("month", 1)]))
    hour = Expected(labels=[Label("hour", 9)])
    assert ok("a las 09:00-10:00", "es", hour)
    assert not ok("a las 19:00", "es", hour)
    assert ok("periodo punta", "es", Expected(labels=[Label("period", "maximum")]))
    assert not ok("en el periodo off-peak", "en", Expected(labels=[Label("period", "maximum")]))
    assert ok("light load (Light_Load)", "en", Expected(labels=[Label("load_type", "Light_Load")]))
    assert ok("carga máxima", "es", Expected(labels=[Label("load_type", "Maximum_Load")]))


def test_peak_interval_is_named_by_its_start() -> None:
    peak = Expected(
        figures=[Figure(151.31, "kWh")],
        labels=[Label("date", "2018-03-23"), Label("time", "09:00")],
        spans=[("2018-03-01", "2018-03-31")],
    )
    assert ok("Pico del 2018-03-01 al 2018-03-31: 151,31 kWh el 2018-03-23 09:00-09:15", "es", peak)
    assert not ok("Pico del 2018-03-01 al 2018-03-31: 151,31 kWh (2018-03-23 09:15)", "es", peak)


# --- markers --------------------------------------------------------------------------------------
def test_partial_needs_a_word_in_the_question_language() -> None:
    part = Expected(figures=[Figure(230320.04, "kWh")], spans=[("2018-10-01", "2018-12-31")], partial=True)
    assert ok("Los datos cubren sólo del 2018-10-01 al 2018-12-31: 230.320 kWh", "es", part)
    assert ok("Cobertura parcial: 2018-10-01 a 2018-12-31, 230.320 kWh", "es", part)
    assert not ok("Del 2018-10-01 al 2018-12-31: 230.320 kWh", "es", part)
    assert ok("The data only covers 2018-10-01 to 2018-12-31: 230,320 kWh", "en", part)


def test_no_data_names_the_available_span_and_shows_no_figure() -> None:
    nod = Expected(no_data=True)
    assert ok("No hay datos para marzo de 2019; las lecturas van del 2018-01-01 al 2018-12-31.", "es", nod)
    assert not ok("No hay datos para marzo de 2019 (lecturas hasta 2018-12-31).", "es", nod)
    assert not ok("No data for March 2019 (2018-01-01 to 2018-12-31); 2018 total: 959,637 kWh", "en", nod)
    # a percentage is not a metric figure of a no-data answer
    assert ok("No data for 2017 (100 % of readings are 2018-01-01 to 2018-12-31)", "en", nod)


def test_decline_needs_a_phrase_and_no_metric_figure() -> None:
    dec = Expected(decline=True)
    assert ok("No puedo responder a eso: puedo darte consumo, coste, CO2...", "es", dec)
    assert ok("Sorry, I didn’t understand. You can ask about kWh, cost or CO2.", "en", dec)
    assert ok("That is outside what I can answer.", "en", dec)
    assert not ok("I'm not sure what you need.", "en", dec)
    assert not ok("I can't answer that, but 2018 used 959,637 kWh.", "en", dec)  # a decline with a figure
    assert not ok("No entendí. Ayer: 339,2 kWh", "es", dec)


def test_no_kwh_saving_is_said_in_words_or_as_zero() -> None:
    pf = Expected(figures=[Figure(-10935.69, "kVArh", signless=True)], no_saving_kwh=True)
    assert ok("La reactiva baja 10.935,7 kVArh; el consumo activo no cambia.", "es", pf)
    assert ok("Reactive energy drops by 10,935.7 kVArh; 0 kWh saved.", "en", pf)
    assert ok("Reactive energy drops by 10,935.7 kVArh; active energy is unchanged.", "en", pf)
    assert not ok("Reactive energy drops by 10,935.7 kVArh and saves 1,200 kWh.", "en", pf)


# --- verdicts -------------------------------------------------------------------------------------
def test_verdicts() -> None:
    good = TurnRun("q", "answer", 200)
    right, wrong_fig = TurnGrade(True), TurnGrade(False, ["x"], shows_figure=True)
    wrong_words = TurnGrade(False, ["x"], shows_figure=False)
    assert verdict([good], [right]) == grade.RIGHT
    assert verdict([good], [wrong_fig]) == grade.SILENT_WRONG
    assert verdict([good], [wrong_words]) == grade.OTHER_WRONG
    assert verdict([TurnRun("q", None, 500)], [None]) == grade.CRASH
    assert verdict([TurnRun("q", "  ", 200)], [None]) == grade.CRASH
    assert verdict([TurnRun("q", None, None, "boom")], [None]) == grade.CRASH
    assert verdict([TurnRun("q", "x", 422)], [wrong_words]) == grade.OTHER_WRONG
    # an earlier ungraded turn that crashed makes the case a crash
    assert verdict([TurnRun("q", None, 503), good], [None, right]) == grade.CRASH
    # a multi-turn case is right only when every graded turn is
    assert verdict([good, good], [right, wrong_words]) == grade.OTHER_WRONG
    assert grade.graded_turns([{"q": "a", "graded": True}, {"q": "b"}, {"q": "c"}]) == [0, 2]


def test_silent_wrong_counts_percent_and_hours_figures() -> None:
    g = grade_answer("El factor de potencia fue 91,5 %", "es", APRIL, AVAILABLE)
    assert not g.ok and g.shows_figure
    g = grade_answer("¿De qué periodo?", "es", APRIL, AVAILABLE)
    assert not g.ok and not g.shows_figure


# --- the reference on a tiny synthetic frame (no CSV needed) --------------------------------------
def synthetic() -> Reference:
    """Two days, 2018-03-05 (Monday) and 2018-03-06: usage 1 kWh per interval, 10 at 10:15-10:30 on day 1."""
    stamps = pd.date_range("2018-03-05 00:15", "2018-03-07 00:00", freq="15min")
    usage = [1.0] * len(stamps)
    usage[41] = 10.0  # stamped 10:30 -> the interval 10:15-10:30 of 2018-03-05
    frame = pd.DataFrame(
        {
            "stamp": stamps,
            "usage_kwh": usage,
            "lagging_reactive_kvarh": [1.0] * len(stamps),
            "leading_reactive_kvarh": [0.0] * len(stamps),
            "co2_tco2": [0.0] * len(stamps),
            "lagging_power_factor": [70.71] * len(stamps),
            "leading_power_factor": [100.0] * len(stamps),
            "load_type": ["Light_Load"] * len(stamps),
        }
    )
    return Reference(readings=frame)


def test_reference_aggregations_on_a_synthetic_frame() -> None:
    ref = synthetic()
    assert ref.days == [dt.date(2018, 3, 5), dt.date(2018, 3, 6)]
    span = [dt.date(2018, 3, 5), dt.date(2018, 3, 6)]
    total = 2 * 96 + 9.0
    (fig,) = ref.expect({"kind": "figures", "metric": "usage_kwh", "span": span}).figures
    assert fig.value == pytest.approx(total)
    (fig,) = ref.expect({"kind": "figures", "metric": "usage_kwh", "agg": "daily_mean", "span": span}).figures
    assert fig.value == pytest.approx(total / 2)
    (fig,) = ref.expect(
        {"kind": "figures", "metric": "usage_kwh", "agg": "hourly_mean", "span": span}
    ).figures
    assert fig.value == pytest.approx(total / 48)
    peak = ref.expect({"kind": "peak", "span": span})
    assert peak.figures[0].value == 10.0
    assert [(lb.type, lb.value) for lb in peak.labels] == [("date", "2018-03-05"), ("time", "10:15")]
    # spring_fall maximum hours are 10-12 and 13-17: 6 h = 24 intervals a day, 2 days
    share = ref.expect({"kind": "share", "part": {"tariff_period": "maximum"}, "span": span}).figures[0]
    assert share.value == pytest.approx(100 * (2 * 24 + 9) / total)
    pf = ref.expect({"kind": "figures", "metric": "lagging_pf", "span": span}).figures[0]
    assert pf.value == pytest.approx(100 * total / math.hypot(total, 192.0))
    cost = ref.expect({"kind": "figures", "metric": "cost_krw", "span": "2018-03-06"}).figures[0]
    # spring_fall, by start hour: light 0-9 and 23 (40 intervals), medium 9, 12, 17-23 (32), maximum (24)
    assert cost.value == pytest.approx(40 * 52.30 + 32 * 72.50 + 24 * 98.30)
    part = ref.expect({"kind": "figures", "metric": "usage_kwh", "span": ["2018-03-06", "2018-03-09"]})
    assert part.partial and part.spans == [("2018-03-06", "2018-03-06")]
    with pytest.raises(SpecError):
        ref.expect({"kind": "figures", "metric": "usage_kwh", "span": "2018-03-08"})  # write it as no_data
    assert ref.expect({"kind": "no_data", "span": "2018-03-08"}).no_data


# --- the reference on the real file, against a second computation ---------------------------------
def raw_rows() -> list[dict[str, object]]:
    path = next((p for p in CSV_CANDIDATES if p.exists()), None)
    if path is None:
        pytest.skip("steel_industry_data.csv is in neither data/raw/ nor ../shared/data/")
    rows = []
    with path.open(encoding="utf-8-sig", newline="") as f:
        for r in csv.DictReader(f):
            stamp = dt.datetime.strptime(r["date"], "%d/%m/%Y %H:%M")
            if stamp.hour == 0 and stamp.minute == 0:
                stamp += dt.timedelta(days=1)
            start = stamp - dt.timedelta(minutes=15)
            q = float(r["Lagging_Current_Reactive.Power_kVarh"])
            rows.append({"start": start, "kwh": float(r["Usage_kWh"]), "q": q})
    return rows


@pytest.fixture(scope="module")
def real() -> Reference:
    raw_rows()  # skips without the file
    return Reference()


def test_reference_totals_match_a_plain_csv_sum(real: Reference) -> None:
    rows = raw_rows()
    april = sum(r["kwh"] for r in rows if r["start"].month == 4)
    got = real.expect({"kind": "figures", "metric": "usage_kwh", "span": {"month": 4, "year": 2018}})
    assert got.figures[0].value == pytest.approx(april)
    # the row stamped 02/01/2018 00:00 in the file closes 2018-01-01 (midnight quirk)
    jan1 = [r for r in rows if r["start"].date() == dt.date(2018, 1, 1)]
    assert len(jan1) == 96
    got = real.expect({"kind": "figures", "metric": "usage_kwh", "span": "2018-01-01"})
    assert got.figures[0].value == pytest.approx(sum(r["kwh"] for r in jan1))
    # Christmas is light all day: its cost is its kWh at the winter light price
    xmas = sum(r["kwh"] for r in rows if r["start"].date() == dt.date(2018, 12, 25))
    got = real.expect(
        {"kind": "figures", "metric": "cost_krw", "span": {"holiday": "christmas", "year": 2018}}
    )
    assert got.figures[0].value == pytest.approx(xmas * 57.70)
    # energy-weighted lagging power factor of one day
    day = [r for r in rows if r["start"].date() == dt.date(2018, 3, 5)]
    p, q = sum(r["kwh"] for r in day), sum(r["q"] for r in day)
    got = real.expect({"kind": "figures", "metric": "lagging_pf", "span": "2018-03-05"})
    assert got.figures[0].value == pytest.approx(100 * p / math.sqrt(p * p + q * q))


def test_reference_forecast_is_the_weekly_seasonal_naive(real: Reference) -> None:
    rows = raw_rows()
    # tomorrow (2019-01-01, a holiday: light all day) = the readings of 2018-12-25
    week_before = [r["kwh"] for r in rows if r["start"].date() == dt.date(2018, 12, 25)]
    got = real.expect({"kind": "forecast", "start": "tomorrow", "hours": 24})
    total, peak, cost, co2 = (f.value for f in got.figures)
    assert total == pytest.approx(sum(week_before))
    assert peak == pytest.approx(max(week_before))
    assert cost == pytest.approx(sum(week_before) * 57.70)
    assert co2 == pytest.approx(sum(week_before) * 0.4594 / 1000)
    assert got.labels == [Label("date", "2019-01-01", "horizon start")]


def test_reference_relative_periods_and_holidays(real: Reference) -> None:
    assert real.today == dt.date(2018, 12, 31)
    r = real.relative
    assert r("yesterday") == (dt.date(2018, 12, 30),) * 2
    assert r("last_week") == (dt.date(2018, 12, 24), dt.date(2018, 12, 30))
    assert r("weeks_ago", 2) == (dt.date(2018, 12, 17), dt.date(2018, 12, 23))
    assert r("this_week") == (dt.date(2018, 12, 31), dt.date(2019, 1, 6))
    assert r("last_month") == (dt.date(2018, 11, 1), dt.date(2018, 11, 30))
    assert r("last_days", 10) == (dt.date(2018, 12, 22), dt.date(2018, 12, 31))
    assert r("last_year") == (dt.date(2017, 1, 1), dt.date(2017, 12, 31))
    assert real.requested_days({"holiday": "chuseok", "year": 2018})[::3] == [
        dt.date(2018, 9, 23),
        dt.date(2018, 9, 26),
    ]
    assert real.requested_days({"holiday": "seollal", "year": 2018}) == [
        dt.date(2018, 2, d) for d in (15, 16, 17)
    ]


def test_the_set_is_balanced_and_every_expectation_computes(real: Reference) -> None:
    assert yaml.safe_load(SET_PATH.read_text("utf-8"))["today"] == real.today
    cases = load_cases()
    assert len(cases) >= 130
    langs = Counter(c["lang"] for c in cases)
    assert langs["es"] == langs["en"]
    per = Counter((c["category"], c["lang"]) for c in cases)
    for category in {c["category"] for c in cases}:
        assert per[(category, "es")] >= 3 and per[(category, "en")] >= 3, category
    for case in cases:
        for turn in case["turns"]:
            if "expect" in turn:
                expected = expected_for(real, turn["expect"])
                assert expected.figures or expected.no_data or expected.decline, case["id"]


# --- amendments made before the planner changed (headline rule, percentage tolerance) --------------
def test_one_asked_figure_must_be_the_headline() -> None:
    daily_mean = Expected(figures=[Figure(1.21, "tCO2", "daily mean")], spans=[("2018-04-01", "2018-04-30")])
    assert ok(
        "2018-04-01 to 2018-04-30: 1.21 tCO2 per day on average (36.2 tCO2 in total).", "en", daily_mean
    )
    # a per-day list that happens to contain the mean is not an answer to the mean
    listing = "2018-04-01 to 2018-04-30: 2018-04-01 0.95 tCO2, 2018-04-02 1.21 tCO2, 2018-04-03 1.40 tCO2"
    assert not ok(listing, "en", daily_mean)
    assert "headline" in " ".join(grade_answer(listing, "en", daily_mean, AVAILABLE).reasons)


def test_percentages_match_on_points_not_on_a_share_of_the_value() -> None:
    pf = Expected(figures=[Figure(94.75, "%")], spans=[("2018-12-31", "2018-12-31")])
    assert ok("2018-12-31: lagging power factor 94.8 %", "en", pf)
    assert ok("2018-12-31: factor de potencia 94,7 %", "es", pf)
    assert not ok("2018-12-31: improve the power factor to 95.0 %", "en", pf)


def test_no_saving_accepts_the_plural_verb() -> None:
    expected = Expected(no_saving_kwh=True)
    assert ok("Active energy and cost do not change.", "en", expected)
    assert not ok("Active energy falls.", "en", expected)


# --- the second held-out set (v2): balanced, new, and every expectation computes ------------------
V2_PATH = SET_PATH.with_name("questions_v2.yaml")


def test_the_v2_set_is_balanced_new_and_every_expectation_computes(real: Reference) -> None:
    doc = yaml.safe_load(V2_PATH.read_text("utf-8"))
    assert doc["version"] == 2 and doc["today"] == real.today
    cases = load_cases(V2_PATH)
    assert len(cases) == 132
    assert len({c["id"] for c in cases}) == 132
    assert Counter(c["lang"] for c in cases) == {"es": 66, "en": 66}
    v1 = load_cases()
    categories = {c["category"] for c in v1}
    assert {c["category"] for c in cases} == categories and len(categories) == 22
    per = Counter((c["category"], c["lang"]) for c in cases)
    for category in categories:
        assert per[(category, "es")] == 3 and per[(category, "en")] == 3, category
    # no v2 question repeats a v1 question, and no id is shared with v1
    asked_v1 = {t["q"].strip().lower() for c in v1 for t in c["turns"]}
    assert not {t["q"].strip().lower() for c in cases for t in c["turns"]} & asked_v1
    assert not {c["id"] for c in cases} & {c["id"] for c in v1}
    for case in cases:
        for turn in case["turns"]:
            if "expect" in turn:
                try:
                    expected = expected_for(real, turn["expect"])
                except SpecError as err:  # pragma: no cover - the message names the case
                    pytest.fail(f"{case['id']}: {err}")
                assert expected.figures or expected.no_data or expected.decline, case["id"]


def test_reference_paths_that_only_v2_uses_match_a_plain_csv_sum(real: Reference) -> None:
    """Spans and aggregations v1 never exercised: a season, today, a wrapped hour range, weekly means."""
    rows = raw_rows()

    def kwh(keep) -> float:
        return sum(r["kwh"] for r in rows if keep(r["start"]))

    summer = real.expect({"kind": "figures", "metric": "co2_t", "span": {"season": "summer", "year": 2018}})
    assert summer.spans == [("2018-06-01", "2018-08-31")]
    assert summer.figures[0].value == pytest.approx(kwh(lambda s: s.month in (6, 7, 8)) * 0.4594 / 1000)
    today = real.expect({"kind": "figures", "metric": "usage_kwh", "span": {"relative": "today"}})
    assert today.spans == [("2018-12-31", "2018-12-31")]
    assert today.figures[0].value == pytest.approx(kwh(lambda s: s.date() == dt.date(2018, 12, 31)))
    night = real.expect(
        {"kind": "share", "part": {"hours": [23, 9]}, "span": {"month": 6, "year": 2018}}
    ).figures[0]
    june = kwh(lambda s: s.month == 6)
    assert night.value == pytest.approx(
        100 * kwh(lambda s: s.month == 6 and (s.hour >= 23 or s.hour < 9)) / june
    )
    # Q1 2018 starts on a Monday: ISO weeks 1..13, the 13th partial (2018-03-26 .. 2018-03-31)
    weekly = real.expect(
        {"kind": "figures", "metric": "usage_kwh", "agg": "weekly_mean", "span": {"quarter": 1, "year": 2018}}
    ).figures[0]
    assert weekly.value == pytest.approx(kwh(lambda s: s.month <= 3) / 13)
    three_ago = real.relative("weeks_ago", 3)
    assert three_ago == (dt.date(2018, 12, 10), dt.date(2018, 12, 16))
    new_year = real.expect(
        {"kind": "figures", "metric": "usage_kwh", "span": {"holiday": "new_years_day", "year": 2018}}
    )
    assert new_year.spans == [("2018-01-01", "2018-01-01")]
    assert real.requested_days({"holiday": "christmas", "year": 2017}) == [dt.date(2017, 12, 25)]


# --- the third held-out set (v3): balanced, new, and every expectation computes -------------------
V3_PATH = SET_PATH.with_name("questions_v3.yaml")
V3_MARKERS = {"partial": "partial", "no_data": "no_data", "decline": "decline"}


@pytest.fixture(scope="module")
def v3_cases() -> list[dict]:
    return load_cases(V3_PATH)


# --- v3 spot checks against a plain pandas computation written here, on the raw file -------------
@pytest.fixture(scope="module")
def plain() -> pd.DataFrame:
    """The raw CSV read again with pandas: the interval START of each reading, its day, hour, kWh."""
    path = next((p for p in CSV_CANDIDATES if p.exists()), None)
    if path is None:
        pytest.skip("steel_industry_data.csv is in neither data/raw/ nor ../shared/data/")
    raw = pd.read_csv(path, encoding="utf-8-sig")
    stamp = pd.to_datetime(raw["date"], format="%d/%m/%Y %H:%M")
    stamp = stamp.where(stamp.dt.strftime("%H:%M") != "00:00", stamp + pd.Timedelta(days=1))
    start = stamp - pd.Timedelta(minutes=15)
    return pd.DataFrame(
        {
            "start": start,
            "day": start.dt.normalize(),
            "hour": start.dt.hour,
            "kwh": raw["Usage_kWh"].astype(float),
            "lead_pf": raw["Leading_Current_Power_Factor"].astype(float),
        }
    )


def v3_expected(real: Reference, cases: list[dict], cid: str, turn: int = -1) -> Expected:
    (case,) = [c for c in cases if c["id"] == cid]
    return expected_for(real, case["turns"][turn]["expect"])


def test_v3_reference_figures_match_plain_pandas(
    real: Reference, v3_cases: list[dict], plain: pd.DataFrame
) -> None:
    df = plain
    month = df["start"].dt.month

    def first(cid: str) -> float:
        return v3_expected(real, v3_cases, cid).figures[0].value

    dec = df[month == 12]
    day_share = 100 * dec.loc[(dec["hour"] >= 8) & (dec["hour"] < 18), "kwh"].sum() / dec["kwh"].sum()
    assert first("v3-share-en-01") == pytest.approx(day_share)
    assert first("v3-cnt-es-01") == pytest.approx(0.25 * ((month == 11) & (df["kwh"] > 100)).sum())
    assert first("v3-pf-es-02") == pytest.approx(df.loc[month == 9, "lead_pf"].mean())
    # Q2 2018 touches 14 ISO weeks (2018-04-01 is a Sunday; 2018-06-30 a Saturday)
    q2 = df[month.between(4, 6)]
    assert q2["start"].dt.isocalendar()["week"].nunique() == 14
    assert first("v3-avg-en-04") == pytest.approx(q2["kwh"].sum() / 14)
    # the top 3 hours of April by total, with their labels
    top = df[month == 4].groupby("hour")["kwh"].sum().nlargest(3)
    got = v3_expected(real, v3_cases, "v3-rank-en-01")
    assert [lb.value for lb in got.labels] == list(top.index)
    assert [f.value for f in got.figures] == pytest.approx(list(top.values))
    # Chuseok 2018 = 2018-09-23 .. 2018-09-26 (its substitute day included), CO2 from the factor
    chuseok = df["day"].between(pd.Timestamp("2018-09-23"), pd.Timestamp("2018-09-26"))
    assert first("v3-hol-en-01") == pytest.approx(df.loc[chuseok, "kwh"].sum() * 0.4594 / 1000)
    # forecast of 2019-01-06 by the weekly seasonal naive = the readings of 2018-12-30
    assert first("v3-fc-en-02") == pytest.approx(df.loc[df["day"] == pd.Timestamp("2018-12-30"), "kwh"].sum())


def test_v3_tariff_arithmetic_matches_plain_pandas(
    real: Reference, v3_cases: list[dict], plain: pd.DataFrame
) -> None:
    df = plain
    # 1 h of maximum-period load a day in November 2018 (winter; no public holiday; Sundays are light):
    # maximum hours 10-12, 17-20, 22-23 (6 h a day) on Mondays..Saturdays
    nov = df[df["start"].dt.month == 11]
    working = nov[nov["start"].dt.weekday < 6]
    peak = working[working["hour"].isin([10, 11, 17, 18, 19, 22])]
    days = peak["day"].nunique()
    assert days == 26
    per_hour = peak["kwh"].sum() / (len(peak) * 0.25)
    saving, *prices = (f.value for f in v3_expected(real, v3_cases, "v3-tar-en-03").figures)
    assert saving == pytest.approx(1 * per_hour * days * (144.40 - 57.70))
    assert prices == [144.40, 57.70]
    # cutting 5,000 kWh at the whole data's average price
    cost, co2 = (f.value for f in v3_expected(real, v3_cases, "v3-tar-en-04").figures)
    assert co2 == pytest.approx(5000 * 0.4594 / 1000)
    assert cost == pytest.approx(5000 * real.frame["cost_krw"].sum() / df["kwh"].sum())


# --- the fourth held-out set (v4): balanced, new, and every expectation computes ------------------
V4_PATH = SET_PATH.with_name("questions_v4.yaml")


@pytest.fixture(scope="module")
def v4_cases() -> list[dict]:
    return load_cases(V4_PATH)


# --- v4 spot checks against a plain pandas computation written here, on the raw file -------------
#: South Korean public holidays of 2018, typed from the calendar (a second source for the check)
KR_2018 = pd.to_datetime(
    [
        "2018-01-01", "2018-02-15", "2018-02-16", "2018-02-17", "2018-03-01", "2018-05-05", "2018-05-07",
        "2018-05-22", "2018-06-06", "2018-06-13", "2018-08-15", "2018-09-23", "2018-09-24", "2018-09-25",
        "2018-09-26", "2018-10-03", "2018-10-09", "2018-12-25",
    ]
)  # fmt: skip


@pytest.fixture(scope="module")
def plain4() -> pd.DataFrame:
    """The raw CSV read again: interval start, calendar, kWh, kVArh, PF, load type and tariff period."""
    path = next((p for p in CSV_CANDIDATES if p.exists()), None)
    if path is None:
        pytest.skip("steel_industry_data.csv is in neither data/raw/ nor ../shared/data/")
    raw = pd.read_csv(path, encoding="utf-8-sig")
    stamp = pd.to_datetime(raw["date"], format="%d/%m/%Y %H:%M")
    stamp = stamp.where(stamp.dt.strftime("%H:%M") != "00:00", stamp + pd.Timedelta(days=1))
    start = stamp - pd.Timedelta(minutes=15)
    df = pd.DataFrame(
        {
            "start": start,
            "day": start.dt.normalize(),
            "month": start.dt.month,
            "hour": start.dt.hour,
            "dow": start.dt.weekday,
            "kwh": raw["Usage_kWh"].astype(float),
            "q": raw["Lagging_Current_Reactive.Power_kVarh"].astype(float),
            "load": raw["Load_Type"],
        }
    )
    # the tariff file's hours, typed again: light 23-9 every season; maximum 10-12 + 13-17 (summer,
    # spring/fall) or 10-12 + 17-20 + 22-23 (winter); the rest medium; Sundays and holidays all light
    winter = df["month"].isin([11, 12, 1, 2])
    h = df["hour"]
    warm_max = ((h >= 10) & (h < 12)) | ((h >= 13) & (h < 17))
    winter_max = ((h >= 10) & (h < 12)) | ((h >= 17) & (h < 20)) | (h == 22)
    light = (h >= 23) | (h < 9) | (df["dow"] == 6) | df["day"].isin(KR_2018)
    maximum = ~light & ((winter & winter_max) | (~winter & warm_max))
    df["period"] = "medium"
    df.loc[maximum, "period"] = "maximum"
    df.loc[light, "period"] = "light"
    return df


def test_v4_filtered_figures_match_plain_pandas(
    real: Reference, v4_cases: list[dict], plain4: pd.DataFrame
) -> None:
    df = plain4
    m = df["month"]

    def got(cid: str, turn: int = -1) -> Expected:
        return v3_expected(real, v4_cases, cid, turn)

    def first(cid: str) -> float:
        return got(cid).figures[0].value

    # filtered totals and averages: Sundays of July, Saturdays of November (4 of them), weekend kVArh
    assert first("v4-tot-en-04") == pytest.approx(df.loc[(m == 7) & (df["dow"] == 6), "kwh"].sum())
    sat_nov = df[(m == 11) & (df["dow"] == 5)]
    assert sat_nov["day"].nunique() == 4
    assert first("v4-avg-es-01") == pytest.approx(sat_nov["kwh"].sum() / 4)
    assert first("v4-rea-en-03") == pytest.approx(df.loc[(m == 11) & (df["dow"] >= 5), "q"].sum())
    # mean hourly total over July's maximum-period hours
    july_max = df[(m == 7) & (df["period"] == "maximum")]
    assert first("v4-avg-en-02") == pytest.approx(july_max.groupby(["day", "hour"])["kwh"].sum().mean())
    # counts with a threshold: ">=" 130 kWh in H2, maximum-period quarter hours under 20 kWh in Q2
    assert first("v4-cnt-en-02") == ((m >= 7) & (df["kwh"] >= 130)).sum()
    q2_max = df[m.between(4, 6) & (df["period"] == "maximum")]
    assert first("v4-cnt-es-03") == pytest.approx(0.25 * (q2_max["kwh"] < 20).sum())
    assert first("v4-cnt-en-03") == pytest.approx(0.25 * ((m == 10) & (df["q"] > 60)).sum())
    # share of a filtered whole: Light_Load within July's light-period energy (not within all of July)
    july_light = df[(m == 7) & (df["period"] == "light")]
    share = 100 * july_light.loc[july_light["load"] == "Light_Load", "kwh"].sum() / july_light["kwh"].sum()
    assert first("v4-share-es-01") == pytest.approx(share)
    # Children's Day 2018 = 2018-05-05 and its substitute 2018-05-07, both light all day (spring price)
    kids = got("v4-hol-es-04")
    assert kids.spans == [("2018-05-05", "2018-05-07")]
    kids_kwh = df.loc[df["day"].isin(pd.to_datetime(["2018-05-05", "2018-05-07"])), "kwh"].sum()
    assert kids.figures[0].value == pytest.approx(kids_kwh * 52.30)
    # the Sunday peak of 2018, named by its interval start
    sundays = df[df["dow"] == 6]
    top = sundays.loc[sundays["kwh"].idxmax()]
    peak = got("v4-peak-en-02")
    assert peak.figures[0].value == top["kwh"]
    assert [lb.value for lb in peak.labels] == [f"{top['start']:%Y-%m-%d}", f"{top['start']:%H:%M}"]
    # the 3 weekdays of April with the largest totals
    top3 = df[m == 4].groupby("dow")["kwh"].sum().nlargest(3)
    ranking = got("v4-rank-es-01")
    assert [lb.value for lb in ranking.labels] == list(top3.index)
    assert [f.value for f in ranking.figures] == pytest.approx(list(top3.values))
    # a ranking over a partly covered span: the days 2018-12-20 .. 2018-12-31 only
    late = df[df["day"] >= pd.Timestamp("2018-12-20")].groupby("day")["kwh"].sum()
    part = got("v4-part-en-02")
    assert part.partial and part.spans == [("2018-12-20", "2018-12-31")]
    assert part.labels[0].value == f"{late.idxmax():%Y-%m-%d}"
    # two ranges in one question: both totals, both spans
    two = got("v4-rng-es-04")
    weeks = [df.loc[df["day"].between(pd.Timestamp(a), pd.Timestamp(b)), "kwh"].sum() for a, b in
             (("2018-07-16", "2018-07-22"), ("2018-07-23", "2018-07-29"))]  # fmt: skip
    assert [f.value for f in two.figures] == pytest.approx(weeks)
    assert two.spans == [("2018-07-16", "2018-07-22"), ("2018-07-23", "2018-07-29")]


def test_v4_whatifs_and_comparisons_match_plain_pandas(
    real: Reference, v4_cases: list[dict], plain4: pd.DataFrame
) -> None:
    df = plain4
    m = df["month"]

    def figures(cid: str) -> list[float]:
        return [f.value for f in v3_expected(real, v4_cases, cid).figures]

    # 3,500 kWh moved peak -> light over Q3: split by the maximum-period energy of summer (Jul-Aug)
    # and spring/fall (Sep), each at its own prices
    top = df[(df["period"] == "maximum") & m.between(7, 9)]
    w_summer = top.loc[top["month"] <= 8, "kwh"].sum() / top["kwh"].sum()
    (saving,) = figures("v4-tar-es-04")
    assert saving == pytest.approx(3500 * (w_summer * (167.90 - 52.30) + (1 - w_summer) * (98.30 - 52.30)))
    # 2 h of peak load a day in September: mean energy per maximum hour x 2 x days with maximum hours
    sep = top[top["month"] == 9]
    per_hour = sep["kwh"].sum() / (len(sep) * 0.25)
    assert sep["day"].nunique() == 22  # 30 days - 5 Sundays - 2018-09-24..26 (Chuseok on weekdays)
    saving, *prices = figures("v4-tar-en-03")
    assert saving == pytest.approx(2 * per_hour * 22 * (98.30 - 52.30))
    assert prices == [98.30, 52.30]
    # 6 h of June's peak load (not each day) -> light, summer prices
    june = df[(df["period"] == "maximum") & (m == 6)]
    saving, *_ = figures("v4-tar-es-03")
    assert saving == pytest.approx(6 * june["kwh"].sum() / (len(june) * 0.25) * (167.90 - 52.30))
    # "how much more in January than in July": A = July, B = January, % relative to July
    jul, jan = df.loc[m == 7, "q"].sum(), df.loc[m == 1, "q"].sum()
    assert figures("v4-cmp-es-02") == pytest.approx([jul, jan, jan - jul, 100 * (jan - jul) / jul])


# --- the fifth held-out set (v5): balanced, new, and every expectation computes -------------------
V5_PATH = SET_PATH.with_name("questions_v5.yaml")


@pytest.fixture(scope="module")
def v5_cases() -> list[dict]:
    return load_cases(V5_PATH)


# --- v5 spot checks against the plain pandas frame of v4 (the raw file read again, tariff typed) --
def test_v5_filtered_figures_match_plain_pandas(
    real: Reference, v5_cases: list[dict], plain4: pd.DataFrame
) -> None:
    df = plain4
    m = df["month"]

    def got(cid: str, turn: int = -1) -> Expected:
        return v3_expected(real, v5_cases, cid, turn)

    def first(cid: str) -> float:
        return got(cid).figures[0].value

    # filtered totals and averages: Tuesdays of March, the 4 Sundays of October
    assert first("v5-tot-es-04") == pytest.approx(df.loc[(m == 3) & (df["dow"] == 1), "kwh"].sum())
    oct_sun = df[(m == 10) & (df["dow"] == 6)]
    assert oct_sun["day"].nunique() == 4
    assert first("v5-avg-es-04") == pytest.approx(oct_sun["kwh"].sum() / 4)
    # "fin de semana" is the weekend DAY TYPE: Saturdays and Sundays that are not public holidays
    weekend = (df["dow"] >= 5) & ~df["day"].isin(KR_2018)
    assert first("v5-share-es-04") == pytest.approx(100 * df.loc[weekend, "kwh"].sum() / df["kwh"].sum())
    # share of a filtered whole: Maximum_Load within November's maximum-period energy
    nov_max = df[(m == 11) & (df["period"] == "maximum")]
    share = 100 * nov_max.loc[nov_max["load"] == "Maximum_Load", "kwh"].sum() / nov_max["kwh"].sum()
    assert first("v5-share-en-03") == pytest.approx(share)
    # counts: ">=" on reactive energy; a threshold with decimals inside the light period
    assert first("v5-cnt-es-04") == ((m == 9) & (df["q"] >= 40)).sum()
    jan_light = df[(m == 1) & (df["period"] == "light")]
    assert first("v5-cnt-es-03") == pytest.approx(0.25 * (jan_light["kwh"] > 50.5).sum())
    # the 2 cheapest days of last month (November, winter prices), bottom first
    winter = {"light": 57.70, "medium": 96.80, "maximum": 144.40}
    nov = df[m == 11]
    cost = (nov["kwh"] * nov["period"].map(winter)).groupby(nov["day"]).sum().nsmallest(2)
    cheap = got("v5-rank-en-03")
    assert [lb.value for lb in cheap.labels] == [f"{d:%Y-%m-%d}" for d in cost.index]
    assert [f.value for f in cheap.figures] == pytest.approx(list(cost.values))
    # the Saturday peak of 2018, named by its interval start
    sat = df[df["dow"] == 5]
    top = sat.loc[sat["kwh"].idxmax()]
    peak = got("v5-peak-en-02")
    assert peak.figures[0].value == top["kwh"]
    assert [lb.value for lb in peak.labels] == [f"{top['start']:%Y-%m-%d}", f"{top['start']:%H:%M}"]
    # a partly covered ranking: only 2018-12-15 .. 2018-12-31 holds readings
    part = got("v5-part-en-02")
    assert part.partial and part.spans == [("2018-12-15", "2018-12-31")]


def test_v5_whatifs_and_comparisons_match_plain_pandas(
    real: Reference, v5_cases: list[dict], plain4: pd.DataFrame
) -> None:
    df = plain4
    m = df["month"]

    def figures(cid: str) -> list[float]:
        return [f.value for f in v3_expected(real, v5_cases, cid).figures]

    # 4,200 kWh peak -> light over H1: split by the maximum-period energy of winter (Jan-Feb),
    # spring/fall (Mar-May) and summer (Jun), each at its own maximum - light price
    top = df[(df["period"] == "maximum") & (m <= 6)]
    gap = {"winter": 144.40 - 57.70, "spring_fall": 98.30 - 52.30, "summer": 167.90 - 52.30}
    season = top["month"].map(lambda x: "winter" if x <= 2 else "summer" if x == 6 else "spring_fall")
    per = top["kwh"].groupby(season).sum() / top["kwh"].sum()
    (saving,) = figures("v5-tar-en-01")
    assert saving == pytest.approx(4200 * sum(per[s] * gap[s] for s in per.index))
    # 3 h of medium load a day moved to light in April: days with medium hours = Mondays..Saturdays
    apr = df[(df["period"] == "medium") & (m == 4)]
    assert apr["day"].nunique() == 25  # 30 days - 5 Sundays, no public holiday in April 2018
    saving, *prices = figures("v5-tar-es-04")
    assert saving == pytest.approx(3 * apr["kwh"].sum() / (len(apr) * 0.25) * 25 * (72.50 - 52.30))
    assert prices == [72.50, 52.30]
    # "last week vs two weeks ago": A = 2018-12-24..30, B = 2018-12-17..23, % relative to A
    a = df.loc[df["day"].between(pd.Timestamp("2018-12-24"), pd.Timestamp("2018-12-30")), "kwh"].sum()
    b = df.loc[df["day"].between(pd.Timestamp("2018-12-17"), pd.Timestamp("2018-12-23")), "kwh"].sum()
    assert figures("v5-cmp-en-04") == pytest.approx([a, b, b - a, 100 * (b - a) / a])


# --- the sixth held-out set (v6): balanced, new, and every expectation computes -------------------
V6_PATH = SET_PATH.with_name("questions_v6.yaml")


@pytest.fixture(scope="module")
def v6_cases() -> list[dict]:
    return load_cases(V6_PATH)


# --- v6 spot checks against the plain pandas frame of v4 (the raw file read again, tariff typed) --
def test_v6_filtered_figures_match_plain_pandas(
    real: Reference, v6_cases: list[dict], plain4: pd.DataFrame
) -> None:
    df = plain4
    m = df["month"]

    def got(cid: str, turn: int = -1) -> Expected:
        return v3_expected(real, v6_cases, cid, turn)

    def first(cid: str, turn: int = -1) -> float:
        return got(cid, turn).figures[0].value

    # a night share with hours wrapping past midnight: 22:00-06:00 starts in July
    jul = df[m == 7]
    night = (jul["hour"] >= 22) | (jul["hour"] < 6)
    assert first("v6-share-es-01") == pytest.approx(100 * jul.loc[night, "kwh"].sum() / jul["kwh"].sum())
    # a share of reactive energy by load type (March)
    mar = df[m == 3]
    share = 100 * mar.loc[mar["load"] == "Maximum_Load", "q"].sum() / mar["q"].sum()
    assert first("v6-share-es-03") == pytest.approx(share)
    # public holidays' share of the year's energy (the typed 2018 calendar)
    assert first("v6-share-en-01") == pytest.approx(
        100 * df.loc[df["day"].isin(KR_2018), "kwh"].sum() / df["kwh"].sum()
    )
    # Children's Day 2018 = 2018-05-05 and its substitute 2018-05-07 (not the Sunday between them)
    kids = df[df["day"].isin(pd.to_datetime(["2018-05-05", "2018-05-07"]))]
    spring = {"light": 52.30, "medium": 72.50, "maximum": 98.30}
    assert first("v6-hol-es-02") == pytest.approx((kids["kwh"] * kids["period"].map(spring)).sum())
    # counts: "<=" with a small threshold; ">=" inside a weekday filter; hours above a threshold
    assert first("v6-cnt-es-04") == ((m == 2) & (df["kwh"] <= 3)).sum()
    assert first("v6-cnt-en-04") == ((m == 8) & (df["dow"] == 0) & (df["kwh"] >= 110)).sum()
    assert first("v6-fu-es-02", 0) == pytest.approx(0.25 * ((m == 3) & (df["kwh"] > 90)).sum())
    assert first("v6-fu-es-02") == pytest.approx(0.25 * ((m == 4) & (df["kwh"] > 90)).sum())
    # the weekday with the lowest mean daily total in Q3, and the 5 lowest days of June
    q3 = df[m.between(7, 9)]
    daily = q3.groupby("day")["kwh"].sum()
    low = daily.groupby(daily.index.weekday).mean().nsmallest(1)
    rank = got("v6-rank-es-04")
    assert [lb.value for lb in rank.labels] == list(low.index)
    assert rank.figures[0].value == pytest.approx(low.iloc[0])
    jun = df[m == 6].groupby("day")["kwh"].sum().nsmallest(5)
    rank = got("v6-rank-en-02")
    assert [lb.value for lb in rank.labels] == [f"{d:%Y-%m-%d}" for d in jun.index]
    # "the last 450 days" and "this week": only the data's days, flagged partial
    assert got("v6-part-es-03").partial and got("v6-part-es-03").spans == [("2018-01-01", "2018-12-31")]
    week = got("v6-part-es-02")
    assert week.partial and week.spans == [("2018-12-31", "2018-12-31")]
    assert week.figures[0].value == pytest.approx(
        df.loc[df["day"] == pd.Timestamp("2018-12-31"), "kwh"].sum()
    )
    # "last year" is 2017: no reading
    assert got("v6-nod-es-01").no_data


def test_v6_whatifs_match_plain_pandas(real: Reference, v6_cases: list[dict], plain4: pd.DataFrame) -> None:
    df = plain4
    m = df["month"]

    def figures(cid: str) -> list[float]:
        return [f.value for f in v3_expected(real, v6_cases, cid).figures]

    # 5,000 kWh peak -> light over Q4: October at spring/fall prices, November-December at winter ones
    top = df[(df["period"] == "maximum") & (m >= 10)]
    oct_w = top.loc[top["month"] == 10, "kwh"].sum() / top["kwh"].sum()
    (saving,) = figures("v6-tar-en-02")
    assert saving == pytest.approx(5000 * (oct_w * (98.30 - 52.30) + (1 - oct_w) * (144.40 - 57.70)))
    # cutting 3,000 kWh in September at September's average price
    sep = df[m == 9]
    spring = {"light": 52.30, "medium": 72.50, "maximum": 98.30}
    price = (sep["kwh"] * sep["period"].map(spring)).sum() / sep["kwh"].sum()
    cost, co2 = figures("v6-tar-es-04")
    assert cost == pytest.approx(3000 * price)
    assert co2 == pytest.approx(3000 * 0.4594 / 1000)
    # 2 h of maximum-period load a day in July moved to light: every day with maximum hours counts
    jul = df[(df["period"] == "maximum") & (m == 7)]
    days = jul["day"].nunique()
    assert days == 26  # 31 days - 5 Sundays, no public holiday in July 2018
    saving, *prices = figures("v6-tar-es-03")
    assert saving == pytest.approx(2 * jul["kwh"].sum() / (len(jul) * 0.25) * days * (167.90 - 52.30))
    assert prices == [167.90, 52.30]
    # comparison with a filter on both periods: light-period kWh of April vs October
    light = df["period"] == "light"
    a, b = df.loc[light & (m == 4), "kwh"].sum(), df.loc[light & (m == 10), "kwh"].sum()
    assert figures("v6-cmp-es-04") == pytest.approx([a, b, b - a, 100 * (b - a) / a])


# --- the seventh held-out set (v7): balanced, new, and every expectation computes -----------------
V7_PATH = SET_PATH.with_name("questions_v7.yaml")


@pytest.fixture(scope="module")
def v7_cases() -> list[dict]:
    return load_cases(V7_PATH)


# --- v7 spot checks against the plain pandas frame of v4 (the raw file read again, tariff typed) --
def test_v7_filtered_figures_match_plain_pandas(
    real: Reference, v7_cases: list[dict], plain4: pd.DataFrame
) -> None:
    df = plain4
    m = df["month"]

    def got(cid: str, turn: int = -1) -> Expected:
        return v3_expected(real, v7_cases, cid, turn)

    def first(cid: str, turn: int = -1) -> float:
        return got(cid, turn).figures[0].value

    # a share of a filtered whole: of June's Maximum_Load kWh, the maximum-period part
    jun = df[(m == 6) & (df["load"] == "Maximum_Load")]
    share = 100 * jun.loc[jun["period"] == "maximum", "kwh"].sum() / jun["kwh"].sum()
    assert first("v7-share-es-04") == pytest.approx(share)
    # a share of Saturdays' energy in July (no holiday on a July Saturday) in the medium period
    sat = df[(m == 7) & (df["dow"] == 5)]
    assert first("v7-share-en-03") == pytest.approx(
        100 * sat.loc[sat["period"] == "medium", "kwh"].sum() / sat["kwh"].sum()
    )
    # counts: decimals inside a weekday filter; hours in the light period above a threshold
    assert first("v7-cnt-es-03") == ((m == 11) & (df["dow"] == 1) & (df["kwh"] > 50.5)).sum()
    assert first("v7-cnt-es-04") == pytest.approx(
        0.25 * ((m == 1) & (df["period"] == "light") & (df["kwh"] > 40)).sum()
    )
    assert first("v7-cnt-en-03") == ((m == 12) & (df["kwh"] <= 3.2)).sum()
    # a count over a range that the data covers only up to 2018-12-31
    part = got("v7-part-es-03")
    assert part.partial and part.spans == [("2018-12-15", "2018-12-31")]
    assert part.figures[0].value == pytest.approx(
        0.25 * ((df["day"] >= pd.Timestamp("2018-12-15")) & (df["kwh"] > 100)).sum()
    )
    # a daily mean over a range starting in 2017: only the 7 days of 2018 count
    part = got("v7-part-en-02")
    assert part.partial and part.spans == [("2018-01-01", "2018-01-07")]
    first_week = df[df["day"] <= pd.Timestamp("2018-01-07")]
    assert part.figures[0].value == pytest.approx(first_week["kwh"].sum() / 7)
    # the 2 hours of the day with the least kWh in October, and the load type with the most kWh in Q1
    hours = df[m == 10].groupby("hour")["kwh"].sum().nsmallest(2)
    assert [lb.value for lb in got("v7-rank-es-04").labels] == list(hours.index)
    load = df[m <= 3].groupby("load")["kwh"].sum().nlargest(1)
    rank = got("v7-rank-en-04")
    assert [lb.value for lb in rank.labels] == list(load.index)
    assert rank.figures[0].value == pytest.approx(load.iloc[0])
    # Korean New Year 2018 is three days (2018-02-15..17); its peak is one of their readings
    seollal = df[df["day"].between(pd.Timestamp("2018-02-15"), pd.Timestamp("2018-02-17"))]
    assert first("v7-hol-en-04") == pytest.approx(seollal["kwh"].max())
    # a follow-up that only changes the tariff period: light-period kWh of February
    assert first("v7-fu-es-02") == pytest.approx(df.loc[(m == 2) & (df["period"] == "light"), "kwh"].sum())


def test_v7_whatifs_match_plain_pandas(real: Reference, v7_cases: list[dict], plain4: pd.DataFrame) -> None:
    df = plain4
    m = df["month"]

    def figures(cid: str) -> list[float]:
        return [f.value for f in v3_expected(real, v7_cases, cid).figures]

    # 1,000.5 kWh peak -> light over H1: Jan-Feb at winter prices, Mar-May spring/fall, June summer
    top = df[(df["period"] == "maximum") & (m <= 6)]
    by_season = top.groupby(m.map({1: "w", 2: "w", 3: "s", 4: "s", 5: "s", 6: "u"}))["kwh"].sum()
    w = by_season / by_season.sum()
    gap = {"w": 144.40 - 57.70, "s": 98.30 - 52.30, "u": 167.90 - 52.30}
    (saving,) = figures("v7-tar-en-02")
    assert saving == pytest.approx(1000.5 * sum(w[s] * gap[s] for s in gap))
    # cutting 4,500 kWh in October at October's average price
    oct_ = df[m == 10]
    spring = {"light": 52.30, "medium": 72.50, "maximum": 98.30}
    price = (oct_["kwh"] * oct_["period"].map(spring)).sum() / oct_["kwh"].sum()
    cost, co2 = figures("v7-tar-en-01")
    assert cost == pytest.approx(4500 * price)
    assert co2 == pytest.approx(4500 * 0.4594 / 1000)
    # 3 h of maximum-period load a day in November moved to light: November has 26 days with maximum
    nov = df[(df["period"] == "maximum") & (m == 11)]
    days = nov["day"].nunique()
    assert days == 26  # 30 days - 4 Sundays, no public holiday in November 2018
    saving, *prices = figures("v7-tar-es-04")
    assert saving == pytest.approx(3 * nov["kwh"].sum() / (len(nov) * 0.25) * days * (144.40 - 57.70))
    assert prices == [144.40, 57.70]
    # comparison with a filter on both halves: maximum-period kWh of H1 vs H2
    top = df["period"] == "maximum"
    a, b = df.loc[top & (m <= 6), "kwh"].sum(), df.loc[top & (m >= 7), "kwh"].sum()
    assert figures("v7-cmp-es-04") == pytest.approx([a, b, b - a, 100 * (b - a) / a])


# --- the eighth held-out set (v8): balanced, new, and every expectation computes -----------------
V8_PATH = SET_PATH.with_name("questions_v8.yaml")
#: the tariff file's prices, typed again (KRW/kWh), and its seasons by month
PRICES = {
    "summer": {"light": 52.30, "medium": 98.40, "maximum": 167.90},
    "spring_fall": {"light": 52.30, "medium": 72.50, "maximum": 98.30},
    "winter": {"light": 57.70, "medium": 96.80, "maximum": 144.40},
}
SEASON = {**dict.fromkeys([6, 7, 8], "summer"), **dict.fromkeys([3, 4, 5, 9, 10], "spring_fall")}
SEASON |= dict.fromkeys([11, 12, 1, 2], "winter")


@pytest.fixture(scope="module")
def v8_cases() -> list[dict]:
    return load_cases(V8_PATH)


def test_v8_filtered_figures_match_plain_pandas(
    real: Reference, v8_cases: list[dict], plain4: pd.DataFrame
) -> None:
    df = plain4
    m = df["month"]

    def got(cid: str, turn: int = -1) -> Expected:
        return v3_expected(real, v8_cases, cid, turn)

    def first(cid: str, turn: int = -1) -> float:
        return got(cid, turn).figures[0].value

    # a share of a filtered whole: of October's Maximum_Load kWh, the maximum-period part (not 100 %:
    # Maximum_Load readings on Sundays and holidays are billed light)
    oct_max = df[(m == 10) & (df["load"] == "Maximum_Load")]
    share = 100 * oct_max.loc[oct_max["period"] == "maximum", "kwh"].sum() / oct_max["kwh"].sum()
    assert 50 < share < 99.9 and first("v8-share-en-04") == pytest.approx(share)
    # weekend share of November (no public holiday in November 2018)
    nov = df[m == 11]
    assert first("v8-share-es-02") == pytest.approx(
        100 * nov.loc[nov["dow"] >= 5, "kwh"].sum() / nov["kwh"].sum()
    )
    # counts: ">=" on reactive energy, a decimal inside a weekday filter, hours inside a tariff period
    assert first("v8-cnt-es-04") == ((m == 4) & (df["q"] >= 20)).sum()
    assert first("v8-cnt-en-03") == ((m == 11) & (df["dow"] == 0) & (df["kwh"] > 80.5)).sum()
    assert first("v8-cnt-es-03") == pytest.approx(
        0.25 * ((m == 12) & (df["period"] == "maximum") & (df["kwh"] > 60.5)).sum()
    )
    # "this week" (2018-12-31..2019-01-06) holds one day: its daily mean is that day's total, partial
    part = got("v8-part-es-03")
    assert part.partial and part.spans == [("2018-12-31", "2018-12-31")]
    assert part.figures[0].value == pytest.approx(
        df.loc[df["day"] == pd.Timestamp("2018-12-31"), "kwh"].sum()
    )
    # a count over a range that the data covers only up to 2018-12-31
    part = got("v8-part-en-03")
    assert part.partial and part.spans == [("2018-12-20", "2018-12-31")]
    assert part.figures[0].value == pytest.approx(
        0.25 * ((df["day"] >= pd.Timestamp("2018-12-20")) & (df["kwh"] > 60)).sum()
    )
    # the weekday with the lowest Q4 total, the 3 lowest days of March
    low = df[m >= 10].groupby("dow")["kwh"].sum().nsmallest(1)
    rank = got("v8-rank-es-04")
    assert [lb.value for lb in rank.labels] == list(low.index) and rank.figures[0].value == pytest.approx(
        low.iloc[0]
    )
    days = df[m == 3].groupby("day")["kwh"].sum().nsmallest(3)
    assert [lb.value for lb in got("v8-rank-en-01").labels] == [d.date().isoformat() for d in days.index]
    # October 2018 (Monday 1st .. Wednesday 31st) touches 5 ISO weeks: the weekly mean of its cost
    oct_ = df[m == 10]
    cost = (oct_["kwh"] * oct_["period"].map(PRICES["spring_fall"])).sum()
    assert oct_["start"].dt.isocalendar()["week"].nunique() == 5
    assert first("v8-avg-en-03") == pytest.approx(cost / 5)
    # a follow-up that turns the top 3 into the bottom 3 days by cost of December
    dec = df[m == 12]
    per_day = (dec["kwh"] * dec["period"].map(PRICES["winter"])).groupby(dec["day"]).sum().nsmallest(3)
    bottom = got("v8-fu-en-04")
    assert [lb.value for lb in bottom.labels] == [d.date().isoformat() for d in per_day.index]
    assert [f.value for f in bottom.figures] == pytest.approx(list(per_day.values))


def test_v8_whatifs_match_plain_pandas(real: Reference, v8_cases: list[dict], plain4: pd.DataFrame) -> None:
    df = plain4
    m = df["month"]

    def figures(cid: str) -> list[float]:
        return [f.value for f in v3_expected(real, v8_cases, cid).figures]

    # 2 h of maximum-period load a day in October: 31 days - 4 Sundays - 2 holidays (3rd, 9th) = 25
    top = df[(df["period"] == "maximum") & (m == 10)]
    days = top["day"].nunique()
    assert days == 25
    saving, *prices = figures("v8-tar-es-04")
    assert saving == pytest.approx(2 * top["kwh"].sum() / (len(top) * 0.25) * days * (98.30 - 52.30))
    assert prices == [98.30, 52.30]
    # 800.25 kWh peak -> light over Q4: October at spring/fall prices, November-December at winter prices
    q4 = df[(df["period"] == "maximum") & (m >= 10)]
    w = q4.groupby(m.map(SEASON))["kwh"].sum() / q4["kwh"].sum()
    (saving,) = figures("v8-tar-en-03")
    gap = {s: PRICES[s]["maximum"] - PRICES[s]["light"] for s in w.index}
    assert saving == pytest.approx(800.25 * sum(w[s] * gap[s] for s in w.index))
    # cutting 3,000 kWh in December at December's average price
    dec = df[m == 12]
    price = (dec["kwh"] * dec["period"].map(PRICES["winter"])).sum() / dec["kwh"].sum()
    cost, co2 = figures("v8-tar-es-03")
    assert cost == pytest.approx(3000 * price) and co2 == pytest.approx(3000 * 0.4594 / 1000)
    # comparison with a filter on both weeks: light-period kWh of 2-8 April vs 9-15 April
    light = df["period"] == "light"
    wk = df["day"].dt.day
    a = df.loc[light & (m == 4) & wk.between(2, 8), "kwh"].sum()
    b = df.loc[light & (m == 4) & wk.between(9, 15), "kwh"].sum()
    assert figures("v8-cmp-es-04") == pytest.approx([a, b, b - a, 100 * (b - a) / a])


# --- the ninth held-out set (v9): balanced, new, and every expectation computes -----------------
V9_PATH = SET_PATH.with_name("questions_v9.yaml")


@pytest.fixture(scope="module")
def v9_cases() -> list[dict]:
    return load_cases(V9_PATH)


def test_v9_filtered_figures_match_plain_pandas(
    real: Reference, v9_cases: list[dict], plain4: pd.DataFrame
) -> None:
    df = plain4
    m = df["month"]

    def got(cid: str, turn: int = -1) -> Expected:
        return v3_expected(real, v9_cases, cid, turn)

    def first(cid: str, turn: int = -1) -> float:
        return got(cid, turn).figures[0].value

    # a share of a filtered whole: of December's maximum-period kWh, the Maximum_Load part
    top = df[(m == 12) & (df["period"] == "maximum")]
    share = 100 * top.loc[top["load"] == "Maximum_Load", "kwh"].sum() / top["kwh"].sum()
    assert 0 < share < 100 and first("v9-share-es-04") == pytest.approx(share)
    # an hour window that wraps midnight (start hours 23..8) over Q3
    q3 = df[m.between(7, 9)]
    night = (q3["hour"] >= 23) | (q3["hour"] < 9)
    assert first("v9-share-en-01") == pytest.approx(100 * q3.loc[night, "kwh"].sum() / q3["kwh"].sum())
    # counts: a decimal threshold inside the light period, a weekday filter (April has no holiday)
    assert first("v9-cnt-es-03") == pytest.approx(
        0.25 * ((m == 6) & (df["period"] == "light") & (df["kwh"] > 40.5)).sum()
    )
    assert first("v9-cnt-en-04") == ((m == 4) & (df["dow"] == 1) & (df["kwh"] > 70)).sum()
    # Q2 2018 (Sunday 1 April .. Saturday 30 June) touches 14 ISO weeks, the first of one day
    q2 = df[m.between(4, 6)]
    assert q2["start"].dt.isocalendar()["week"].nunique() == 14
    assert first("v9-avg-es-03") == pytest.approx(q2["kwh"].sum() / 14)
    # Children's Day 2018 is Saturday 5 May with its substitute day Monday 7 May (not Sunday 6 May)
    hol = got("v9-hol-es-01")
    assert hol.spans == [("2018-05-05", "2018-05-07")]
    kids = df["day"].isin(pd.to_datetime(["2018-05-05", "2018-05-07"]))
    assert hol.figures[0].value == pytest.approx(df.loc[kids, "kwh"].sum())
    # a daily mean over a range the data covers only up to 2018-12-31: 7 covered days
    part = got("v9-part-en-04")
    assert part.partial and part.spans == [("2018-12-25", "2018-12-31")]
    assert part.figures[0].value == pytest.approx(
        df.loc[df["day"] >= pd.Timestamp("2018-12-25"), "kwh"].sum() / 7
    )
    # a ranking over a partly covered range: the top 3 days by cost from 2018-12-10
    dec = df[df["day"] >= pd.Timestamp("2018-12-10")]
    per_day = (dec["kwh"] * dec["period"].map(PRICES["winter"])).groupby(dec["day"]).sum().nlargest(3)
    rank = got("v9-part-en-03")
    assert rank.partial and [lb.value for lb in rank.labels] == [d.date().isoformat() for d in per_day.index]
    assert [f.value for f in rank.figures] == pytest.approx(list(per_day.values))
    # a follow-up that turns a top 2 into the bottom 2 hours of the day by total kWh in October
    low = df[m == 10].groupby("hour")["kwh"].sum().nsmallest(2)
    bottom = got("v9-fu-en-04")
    assert [lb.value for lb in bottom.labels] == list(low.index)
    assert [f.value for f in bottom.figures] == pytest.approx(list(low.values))


def test_v9_whatifs_match_plain_pandas(real: Reference, v9_cases: list[dict], plain4: pd.DataFrame) -> None:
    df = plain4
    m = df["month"]

    def figures(cid: str) -> list[float]:
        return [f.value for f in v3_expected(real, v9_cases, cid).figures]

    # 3 h of maximum-period load a day in November: 30 days - 4 Sundays = 26 (no holiday in November)
    top = df[(df["period"] == "maximum") & (m == 11)]
    assert top["day"].nunique() == 26
    saving, *prices = figures("v9-tar-es-04")
    assert saving == pytest.approx(3 * top["kwh"].sum() / (len(top) * 0.25) * 26 * (144.40 - 57.70))
    assert prices == [144.40, 57.70]
    # 4 h in July without "each day": 4 x July's mean maximum-period kWh per hour, once
    top = df[(df["period"] == "maximum") & (m == 7)]
    saving, *prices = figures("v9-tar-en-04")
    assert saving == pytest.approx(4 * top["kwh"].sum() / (len(top) * 0.25) * (167.90 - 52.30))
    # 1,000.5 kWh medium -> light over H1: winter, spring/fall and summer (June) weights
    mid = df[(df["period"] == "medium") & (m <= 6)]
    w = mid.groupby(m.map(SEASON))["kwh"].sum() / mid["kwh"].sum()
    assert set(w.index) == {"winter", "spring_fall", "summer"}
    (saving,) = figures("v9-tar-en-03")
    assert saving == pytest.approx(
        1000.5 * sum(w[s] * (PRICES[s]["medium"] - PRICES[s]["light"]) for s in w.index)
    )
    # comparison with a filter on both months: maximum-period kWh of July vs August
    peak = df["period"] == "maximum"
    a, b = df.loc[peak & (m == 7), "kwh"].sum(), df.loc[peak & (m == 8), "kwh"].sum()
    assert figures("v9-cmp-en-03") == pytest.approx([a, b, b - a, 100 * (b - a) / a])
    # recommendation for 8-21 October: maximum-period kWh, its saving at light, energy-weighted PF
    span = df[df["day"].between(pd.Timestamp("2018-10-08"), pd.Timestamp("2018-10-21"))]
    energy = span.loc[span["period"] == "maximum", "kwh"].sum()
    pf = 100 * span["kwh"].sum() / math.hypot(span["kwh"].sum(), span["q"].sum())
    assert figures("v9-rec-es-04") == pytest.approx([energy, energy * (98.30 - 52.30), pf])


# --- the later 176-case sets (v3..v9): one rule for each, new against every earlier set -------
LATER_SETS = {3: V3_PATH, 4: V4_PATH, 5: V5_PATH, 6: V6_PATH, 7: V7_PATH, 8: V8_PATH, 9: V9_PATH}


@functools.cache  # read-only; the balance and the near-duplicate rules share one parse per version
def _earlier_cases(version: int) -> list[dict]:
    """v1, v2 and every later set before ``version``: what a new set must not repeat."""
    if version == 3:
        return load_cases() + load_cases(V2_PATH)
    return _earlier_cases(version - 1) + load_cases(LATER_SETS[version - 1])  # each set parsed once


@pytest.mark.parametrize("version", sorted(LATER_SETS))
def test_a_later_set_is_balanced_with_new_ids(version: int) -> None:
    path = LATER_SETS[version]
    cases = load_cases(path)
    head = path.read_text("utf-8").split("\ncases:")[0]
    assert yaml.safe_load(head) == {"version": version, "today": dt.date(2018, 12, 31)}
    ids = [c["id"] for c in cases]
    assert len(cases) == 176 and len(set(ids)) == 176 and all(i.startswith(f"v{version}-") for i in ids)
    assert Counter(c["lang"] for c in cases) == {"es": 88, "en": 88}
    earlier = _earlier_cases(version)
    categories = {c["category"] for c in load_cases(V2_PATH)}
    assert {c["category"] for c in cases} == categories and len(categories) == 22
    per = Counter((c["category"], c["lang"]) for c in cases)
    assert all(per[(cat, lang)] == 4 for cat in categories for lang in ("es", "en")), per
    assert not set(ids) & {c["id"] for c in earlier}
    # every follow-up case has an earlier turn to follow
    assert all(len(c["turns"]) >= 2 for c in cases if c["category"] == "follow_ups")
    if version >= 4:  # from v4 on, no question is asked twice inside a set either
        asked = [t["q"].strip().lower() for c in cases for t in c["turns"]]
        assert len(asked) == len(set(asked))


@pytest.mark.parametrize("version", sorted(LATER_SETS))
def test_no_later_question_is_a_near_duplicate_of_an_earlier_set(version: int) -> None:
    from rapidfuzz import fuzz, process

    earlier = [t["q"].strip().lower() for c in _earlier_cases(version) for t in c["turns"]]
    for case in load_cases(LATER_SETS[version]):
        for turn in case["turns"]:
            q = turn["q"].strip().lower()
            match, score, _ = process.extractOne(q, earlier, scorer=fuzz.ratio)
            assert score < 90, f"{case['id']}: {q!r} is nearly {match!r} ({score:.0f})"


@pytest.mark.parametrize("version", sorted(LATER_SETS))
def test_every_later_expectation_computes(real: Reference, version: int) -> None:
    for case in load_cases(LATER_SETS[version]):
        for i in grade.graded_turns(case["turns"]):
            try:
                expected = expected_for(real, case["turns"][i]["expect"])
            except SpecError as err:  # pragma: no cover - the message names the case
                pytest.fail(f"{case['id']}: {err}")
            assert expected.figures or expected.no_data or expected.decline, case["id"]
            marker = V3_MARKERS.get(case["category"])
            if marker:  # the marker categories really test their marker
                assert getattr(expected, marker), case["id"]
            elif not expected.decline and not expected.no_data:
                assert not expected.partial, case["id"]  # a fully covered period outside "partial"
                assert expected.spans or expected.labels or case["category"] == "tariff_arithmetic", case[
                    "id"
                ]
