"""Each page run by streamlit.testing against a live API: real answers, real numbers, clear errors."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import httpx
import pandas as pd
import pytest
import uvicorn
from fastapi import FastAPI
from streamlit.testing.v1 import AppTest

from energy_assets.domain.data import schema
from energy_assets.domain.tariff import default_tariff
from energy_ui import client
from tests.api.conftest import LiveServer, free_port
from tests.ui.conftest import DRIFT_VERDICT

UI = Path(__file__).resolve().parents[2] / "energy_ui"
TIMEOUT = 60


def page(name: str) -> AppTest:
    return AppTest.from_file(str(UI / "app_pages" / f"{name}.py"), default_timeout=TIMEOUT)


def no_exception(at: AppTest) -> None:
    assert not at.exception, [e.message for e in at.exception]


def week(clean_reference: pd.DataFrame) -> pd.DataFrame:
    """Intervals that START on 29 January .. 4 February 2018: the Overview's 7 days."""
    ts = clean_reference[schema.TIMESTAMP]
    return clean_reference[(ts > "2018-01-29 00:00") & (ts <= "2018-02-05 00:00")]


def test_overview_totals_match_the_readings(ui_env: LiveServer, clean_reference: pd.DataFrame) -> None:
    at = page("overview").run()
    no_exception(at)
    rows = week(clean_reference)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Energy (kWh)"] == f"{rows[schema.USAGE_KWH].sum():,.0f}"
    co2 = rows[schema.USAGE_KWH].sum() * default_tariff().emission_factor_t_per_kwh
    assert metrics["CO2 (t)"] == f"{co2:,.2f}"
    peak = rows.loc[rows[schema.USAGE_KWH].idxmax()]
    assert metrics["usage_kwh"] == f"{peak[schema.USAGE_KWH]:.2f}"
    assert metrics["Peak interval (end)"] == f"{peak[schema.TIMESTAMP]:%Y-%m-%d %H:%M}"
    daily = at.dataframe[0].value
    assert len(daily) == 7
    assert daily["energy_kwh"].sum() == pytest.approx(rows[schema.USAGE_KWH].sum())


def test_forecast_page_charts_the_band(ui_env: LiveServer, clean_reference: pd.DataFrame) -> None:
    at = page("forecast").run()
    no_exception(at)
    assert at.metric[2].value == "seasonal_naive@2026-01-01T00:00:00+00:00"
    frame = at.dataframe[0].value
    assert len(frame) == 96 and {"mean", "q10", "q90"} <= set(frame.columns)
    assert (frame["q10"] <= frame["q90"]).all()
    # the weekly seasonal naive repeats the same slot a week earlier
    ref = clean_reference.set_index(schema.TIMESTAMP)[schema.USAGE_KWH]
    first = frame[schema.TIMESTAMP].iloc[0]
    assert frame["mean"].iloc[0] == pytest.approx(ref[first - pd.Timedelta(days=7)])
    at.slider[0].set_value(8).run()
    no_exception(at)
    assert len(at.dataframe[0].value) == 8


def test_what_if_shift_load_saves_money(ui_env: LiveServer) -> None:
    at = page("what_if").run()
    no_exception(at)
    at.button[0].click().run()  # the form's submit: 200 kWh from 10-12 h to 23-01 h on 2 February
    no_exception(at)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Δ energy (kWh)"] == "+0.00"
    assert float(metrics["Δ cost (KRW)"].replace(",", "")) < 0
    table = at.dataframe[0].value.set_index("quantity")
    assert table.loc["energy (kWh)", "delta"] == pytest.approx(0.0, abs=1e-9)
    assert any("200 kWh leave" in m.value for m in at.markdown)


def test_what_if_shows_the_422_rule(ui_env: LiveServer) -> None:
    at = page("what_if").run()
    at.number_input[0].set_value(99999.0)
    at.button[0].click().run()
    no_exception(at)
    assert "refused" in at.warning[0].value
    assert any("exceeds" in m.value for m in at.markdown)


def test_copilot_answer_shows_its_evidence(ui_env: LiveServer) -> None:
    if httpx.post(f"{ui_env.url}/copilot/chat", json={"message": "hola"}).status_code == 404:
        pytest.skip("this API has no POST /copilot/chat yet")
    at = page("copilot").run()
    no_exception(at)
    at.chat_input[0].set_value("What will the next 24 hours cost?").run()
    no_exception(at)
    user, reply = at.session_state["copilot_turns"]
    assert user["content"] == "What will the next 24 hours cost?"
    assert reply["content"] and reply["language"] == "en"
    assert reply["tool_calls"], "an answer without evidence"
    assert at.expander[0].label.startswith("Tool call: ")
    assert at.get("plotly_chart"), "the forecast/what-if evidence is charted"
    at.radio[0].set_value("Español").run()
    assert at.title[0].value == "Copiloto"
    at.chat_input[0].set_value("¿Cuánto costará mañana?").run()
    no_exception(at)
    assert at.session_state["copilot_turns"][-1]["language"] == "es"


def test_copilot_404_is_explained(monkeypatch: pytest.MonkeyPatch) -> None:
    """An API without the copilot (older version) answers 404: the page says so, in plain words."""
    bare = FastAPI()
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(bare, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    try:
        monkeypatch.setenv("ENERGY_API_URL", f"http://127.0.0.1:{port}")
        at = page("copilot").run()
        at.chat_input[0].set_value("What will tomorrow cost?").run()
        no_exception(at)
        assert "404" in at.warning[0].value and "not available" in at.warning[0].value
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_models_and_drift(ui_env: LiveServer) -> None:
    at = page("models_drift").run()
    no_exception(at)
    champions = at.dataframe[0].value.set_index("task")
    assert champions.loc["estimate", "family"] == "physics"
    assert 0 < champions.loc["estimate", "test_rmse"] < 0.5
    assert len(at.dataframe[1].value) == 3  # the leaderboard file
    assert DRIFT_VERDICT in at.error[0].value
    assert at.metric[0].value == "0.410"


def test_api_down_is_said_plainly(ui_env: LiveServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENERGY_API_URL", "http://127.0.0.1:9")
    at = page("forecast").run()
    no_exception(at)
    assert "API unavailable" in at.error[0].value and "127.0.0.1:9" in at.error[0].value


def test_app_navigates_every_page(ui_env: LiveServer) -> None:
    at = AppTest.from_file(str(UI / "app.py"), default_timeout=TIMEOUT).run()
    no_exception(at)
    assert at.title[0].value == "Overview"
    assert any("estimate: physics@" in c.value for c in at.sidebar.caption)
    for name, title in (("forecast", "Forecast"), ("what_if", "What-if"), ("models_drift", "Models & drift")):
        at.switch_page(str(UI / "app_pages" / f"{name}.py")).run()
        no_exception(at)
        assert at.title[0].value == title


def test_week_overview_splits_the_week_by_tariff_period(
    ui_env: LiveServer, clean_reference: pd.DataFrame
) -> None:
    week_answer = client.week_overview(ui_env.url, "2018-02-04")
    rows = week(clean_reference)
    periods = default_tariff().tariff_period(rows[schema.TIMESTAMP])
    by_period = week_answer["by_period"].set_index("tariff_period")
    for period in ("light", "medium", "maximum"):
        expected = rows.loc[(periods == period).to_numpy(), schema.USAGE_KWH].sum()
        assert by_period.loc[period, "energy_kwh"] == pytest.approx(expected)
    assert by_period["cost_krw"].sum() == pytest.approx(week_answer["daily"]["cost_krw"].sum())
