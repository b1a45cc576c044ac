"""Copilot v7: day what-ifs whose clock windows are written as dashed ranges ("10:00-12:00",
"9am-11am", "17-19 h"), named "window / franja / tramo / slot", run past midnight or are asked as an
imperative ("re-bill", "price the ... slot"); windows of different lengths decline; "August compared
with August 2017" keeps the bare month in the latest year. Planner only (no data), except one test of
a window past midnight priced over the next day's readings."""

from __future__ import annotations

import datetime as dt

import pytest

from energy_api.copilot import slots
from energy_api.copilot.normalize import normalize
from energy_api.copilot.planner import NOT_UNDERSTOOD, PlanContext, RulePlanner

TODAY = dt.date(2018, 12, 31)
DATA = (dt.date(2018, 1, 1), dt.date(2018, 12, 31))


def plan(message: str, lang: str = "en"):
    return RulePlanner().plan(message, PlanContext(today=TODAY, language=lang, available=DATA))


@pytest.mark.parametrize(
    ("text", "lang", "hours"),
    [
        ("from 10:00-12:00 to 22:00-24:00", "en", [10, 12, 22, 24]),
        ("from 9am-11am to 1am-3am", "en", [9, 11, 1, 3]),
        ("the window 2pm-4pm", "en", [14, 16]),
        ("from the 14-17 window to the 2-5 window", "en", [14, 17, 2, 5]),
        ("del tramo 17-19 h al tramo 1-3 h", "es", [17, 19, 1, 3]),
        ("de 11:00\u201313:00 a 03:00\u201305:00", "es", [11, 13, 3, 5]),
    ],
)
def test_dashed_clock_windows_read_both_ends(text: str, lang: str, hours: list[int]) -> None:
    assert slots.find_hours(normalize(text, lang).text) == hours


def test_iso_dates_keep_their_dashes() -> None:
    assert "2018-06-14" in normalize("on 2018-06-14 from 9am-11am", "en").text


@pytest.mark.parametrize(
    ("message", "lang", "expected"),
    [
        (
            "What if we move 100 kWh from 10:00-12:00 to 22:00-24:00 on March 5?",
            "en",
            {
                "date": "2018-03-05",
                "from_start_hour": 10,
                "to_start_hour": 22,
                "hours": 2.0,
                "energy_kwh": 100.0,
            },
        ),
        (
            "Ahorro si trasladamos 150 kWh de la ventana de 14 a 17 h a la de 2 a 5 h el 10 de julio",
            "es",
            {
                "date": "2018-07-10",
                "from_start_hour": 14,
                "to_start_hour": 2,
                "hours": 3.0,
                "energy_kwh": 150.0,
            },
        ),
        (
            "How much do we save moving 100 kWh from 10:00-14:00 to 22:00-02:00 on 2018-11-20?",
            "en",
            {
                "date": "2018-11-20",
                "from_start_hour": 10,
                "to_start_hour": 22,
                "hours": 4.0,
                "energy_kwh": 100.0,
            },
        ),
    ],
)
def test_shift_between_dashed_windows(message: str, lang: str, expected: dict) -> None:
    p = plan(message, lang)
    assert p.tool == "what_if" and p.arguments["kind"] == "shift_load", (p.clarify, p.meta.get("why"))
    assert {k: p.arguments[k] for k in expected} == expected


@pytest.mark.parametrize(
    ("message", "lang", "expected"),
    [
        (
            "Re-bill the 18:00-20:00 window of June 14 at the mid-peak price",
            "en",
            ("2018-06-14", 18, 2.0, "medium"),
        ),
        ("What if the window 2pm-4pm on Dec 3 was priced as peak?", "en", ("2018-12-03", 14, 2.0, "maximum")),
        ("price the 8am-10am slot of May 2 at the peak rate", "en", ("2018-05-02", 8, 2.0, "maximum")),
        (
            "On 2018-02-07 what if 13:00-15:00 were charged at the mid rate?",
            "en",
            ("2018-02-07", 13, 2.0, "medium"),
        ),
        ("What would Aug 15, 19-21h cost at the peak price?", "en", ("2018-08-15", 19, 2.0, "maximum")),
        ("facturar como punta las horas 19-21 del 15 de agosto", "es", ("2018-08-15", 19, 2.0, "maximum")),
        (
            "What if we bill between 10am and noon on April 3 as off-peak?",
            "en",
            ("2018-04-03", 10, 2.0, "light"),
        ),
        (
            "¿Y si de 22:00 a 02:00 del 20 de noviembre se facturara como valle?",
            "es",
            ("2018-11-20", 22, 4.0, "light"),
        ),
        (
            "si la ventana de 9 a 11 del 3 de octubre se hubiera cobrado como carga ligera, cuánto menos pagaríamos?",
            "es",
            ("2018-10-03", 9, 2.0, "light"),
        ),
    ],
)
def test_rebill_a_window(message: str, lang: str, expected: tuple) -> None:
    p = plan(message, lang)
    assert p.tool == "what_if" and p.arguments["kind"] == "change_load_type", (p.clarify, p.meta.get("why"))
    a = p.arguments
    assert (a["date"], a["from_start_hour"], a["hours"], a["target"]) == expected


@pytest.mark.parametrize(
    "message",
    [
        "move 50 kWh from 10:00-14:00 to 22:00-24:00 on March 5",  # windows of different lengths
        "move 50 kWh from 10-12 to 1-3 on March 5 and March 6",  # two days
        "move 50 kWh from 10-12 to 0-2 and from 17-19 to 2-4 on March 5",  # two moves
        "move 100 kWh from 10:30-12:30 to 22:00-24:00 on March 5",  # a window inside the hours
        "rebill 9:00-11:00 on June 14 as light and 11:00-13:00 as medium",  # two windows re-billed
        "si la franja 10:00-12:00 del 5 de marzo se facturase a valle y la de 17-19 a llano",
    ],
)
def test_day_whatifs_it_cannot_read_decline(message: str) -> None:
    p = plan(message, "es" if " del " in message else "en")
    assert p.tool is None and p.clarify == NOT_UNDERSTOOD


def test_bare_month_compared_with_the_same_month_of_another_year() -> None:
    p = plan("energy use in August compared with August 2017")
    spans = {p.arguments["span"]["start"], p.arguments["compare_to"]["start"]}
    assert spans == {"2018-08-01", "2017-08-01"}


def test_window_past_midnight_is_priced_over_the_next_day(copilot) -> None:
    from tests.copilot.conftest import chat_turns

    late = chat_turns(copilot, ["What if 22:00-02:00 on 2018-11-20 were billed at the light price?"])[-1][
        "answer"
    ]
    assert "2018-11-21 02:00" in late and "KRW" in late, late
    end = chat_turns(copilot, ["What if 22:00-02:00 on 2018-12-31 were billed at the light price?"])[-1][
        "answer"
    ]
    assert "2019-01-01" in end and "no readings" in end, end


@pytest.mark.parametrize(
    ("message", "lang"),
    [
        ("Of all the electricity in 2018, how much was consumed on Sundays (percent)?", "en"),
        ("how big a share of Q4 consumption was medium load?", "en"),
        ("% del consumo anual que fue de carga ligera", "es"),
    ],
)
def test_shares_asked_freely(message: str, lang: str) -> None:
    p = plan(message, lang)
    assert p.tool == "query" and "share_of" in p.arguments, (p.clarify, p.meta.get("why"))


def test_how_did_it_go_from_one_month_to_the_next_compares_them() -> None:
    p = plan("how did consumption go from March to April?")
    assert p.arguments["span"]["start"] == "2018-03-01" and p.arguments["compare_to"]["start"] == "2018-04-01"
