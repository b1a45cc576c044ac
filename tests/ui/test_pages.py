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


def frames_with(at: AppTest, *columns: str) -> list[pd.DataFrame]:
    return [d.value for d in at.dataframe if set(columns) <= set(d.value.columns)]


def figures(at: AppTest) -> dict[str, str]:
    """The figure/value tables (long values shown whole, never cut like a metric's)."""
    out: dict[str, str] = {}
    for frame in frames_with(at, "figure", "value"):
        out.update(zip(frame["figure"], frame["value"], strict=True))
    return out


def downloads(at: AppTest) -> list[str]:
    return [b.proto.label for b in at.get("download_button")]


def test_overview_totals_match_the_readings(ui_env: LiveServer, clean_reference: pd.DataFrame) -> None:
    at = page("overview").run()
    no_exception(at)
    rows = week(clean_reference)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Energy (kWh)"] == f"{rows[schema.USAGE_KWH].sum():,.0f}"
    co2 = rows[schema.USAGE_KWH].sum() * default_tariff().emission_factor_t_per_kwh
    assert metrics["CO2 (t)"] == f"{co2:,.2f}"
    peak = rows.loc[rows[schema.USAGE_KWH].idxmax()]
    assert metrics["Peak (kWh)"] == f"{peak[schema.USAGE_KWH]:.2f}"
    assert figures(at)["interval end"] == f"{peak[schema.TIMESTAMP]:%Y-%m-%d %H:%M}"
    # the peak in plant terms: against the typical same-weekday slot, and the hours above normal
    facts = [m.value for m in at.markdown if m.value.startswith("- ")]
    assert "against a typical" in facts[0] and "previous" in facts[0]
    assert any("ran above normal" in f or "No hour ran above normal" in f for f in facts)
    assert any("SHAP" in e.label or "estimator" in e.label.lower() for e in at.expander)
    (daily,) = frames_with(at, "energy_kwh", "peak_end")
    assert len(daily) == 7
    assert daily["energy_kwh"].sum() == pytest.approx(rows[schema.USAGE_KWH].sum())
    assert {"Download overview-per-day.csv", "Download overview-by-tariff-period.csv"} <= set(downloads(at))
    # a date range: three days
    at.date_input[0].set_value((pd.Timestamp("2018-02-02").date(), pd.Timestamp("2018-02-04").date())).run()
    no_exception(at)
    (daily,) = frames_with(at, "energy_kwh", "peak_end")
    assert [str(d) for d in daily["day"]] == ["2018-02-02", "2018-02-03", "2018-02-04"]
    three = clean_reference[
        (clean_reference[schema.TIMESTAMP] > "2018-02-02 00:00")
        & (clean_reference[schema.TIMESTAMP] <= "2018-02-05 00:00")
    ]
    assert {m.label: m.value for m in at.metric}["Energy (kWh)"] == f"{three[schema.USAGE_KWH].sum():,.0f}"


def test_forecast_page_charts_the_median_in_its_band(
    ui_env: LiveServer, clean_reference: pd.DataFrame
) -> None:
    at = page("forecast").run()
    no_exception(at)
    shown = figures(at)
    assert shown["model"] == "seasonal_naive@2026-01-01T00:00:00+00:00"  # whole, not cut
    assert shown["point shown"].startswith("median (q50)")
    (frame,) = frames_with(at, "mean", "q10", "q90")
    assert len(frame) == 96 and {"mean", "q10", "q50", "q90"} <= set(frame.columns)
    assert ((frame["q10"] <= frame["q50"]) & (frame["q50"] <= frame["q90"])).all()
    # the weekly seasonal naive repeats the same slot a week earlier
    ref = clean_reference.set_index(schema.TIMESTAMP)[schema.USAGE_KWH]
    first = frame[schema.TIMESTAMP].iloc[0]
    assert frame["mean"].iloc[0] == pytest.approx(ref[first - pd.Timedelta(days=7)])
    assert {m.label: m.value for m in at.metric}["Actuals"] == "none yet"  # the end of the readings
    assert "Download forecast.csv" in downloads(at)
    at.slider[0].set_value(8).run()
    no_exception(at)
    assert len(frames_with(at, "mean", "q10", "q90")[0]) == 8
    # a past origin: the actuals and the error, checked against the readings
    at.date_input[0].set_value(pd.Timestamp("2018-02-03").date())
    at.selectbox[0].set_value(0).run()
    no_exception(at)
    (scored,) = frames_with(at, "actual_kwh", "error_kwh")
    assert len(scored) == 8
    actual = ref.reindex(scored[schema.TIMESTAMP]).to_numpy()
    assert scored["actual_kwh"].to_numpy() == pytest.approx(actual)
    assert scored["error_kwh"].to_numpy() == pytest.approx(actual - scored["q50"].to_numpy())
    mae = abs(actual - scored["q50"].to_numpy()).mean()
    assert {m.label: m.value for m in at.metric}["Mean absolute error (kWh)"] == f"{mae:.2f}"
    assert "Download forecast-vs-actual.csv" in downloads(at)


def window_kwh(clean_reference: pd.DataFrame, day: str, start_hour: int, end_hour: int) -> float:
    """kWh of the intervals whose START lies in [start, end) on ``day``, straight from the readings."""
    start = clean_reference[schema.TIMESTAMP] - pd.Timedelta(minutes=15)
    lo, hi = (
        pd.Timestamp(day) + pd.Timedelta(hours=start_hour),
        pd.Timestamp(day) + pd.Timedelta(hours=end_hour),
    )
    return float(clean_reference.loc[(start >= lo) & (start < hi), schema.USAGE_KWH].sum())


def test_what_if_default_works_on_the_served_data(ui_env: LiveServer, clean_reference: pd.DataFrame) -> None:
    at = page("what_if").run()
    no_exception(at)
    used = window_kwh(clean_reference, "2018-02-02", 10, 12)
    expected = client.default_shift_kwh(used)
    assert 0 < expected <= used / 2
    assert at.number_input[0].value == pytest.approx(expected)
    at.button[0].click().run()  # the form's submit with its defaults: no 422
    no_exception(at)
    assert not at.warning
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Δ energy (kWh)"] == "+0.00"
    assert float(metrics["Δ cost (KRW)"].replace(",", "")) < 0
    table = frames_with(at, "quantity", "delta")[0].set_index("quantity")
    assert table.loc["energy (kWh)", "delta"] == pytest.approx(0.0, abs=1e-9)
    assert any(f"{expected:g} kWh leave" in m.value for m in at.markdown)
    assert "Download what-if-shift_load-what-if.csv" in downloads(at)


def test_power_factor_what_if_headlines_are_reactive_energy_and_peak_apparent_power(
    ui_env: LiveServer,
) -> None:
    at = page("what_if").run()
    at.radio[0].set_value("improve_power_factor").run()
    at.button[0].click().run()  # the whole default day to 95 % lagging
    no_exception(at)
    metrics = {m.label: m.value for m in at.metric}
    # apparent POWER (kVA) at the peak 15 minutes, not only apparent energy (kVAh)
    assert set(metrics) == {"Δ reactive (kVArh)", "Δ peak apparent demand (kVA)", "Δ cost (KRW)"}
    table = frames_with(at, "quantity", "delta")[0].set_index("quantity")
    reactive = table.loc["reactive energy (kVarh)", "delta"]
    assert reactive < 0 and metrics["Δ reactive (kVArh)"] == f"{reactive:+,.2f}"
    peak = table.loc["peak 15-minute apparent demand (kVA)"]
    assert metrics["Δ peak apparent demand (kVA)"] == f"{peak['delta']:+,.1f}"
    assert peak["delta"] < 0 and peak["baseline"] > peak["scenario"]
    assert any(f"{peak['baseline']:,.1f} kVA → {peak['scenario']:,.1f} kVA" in c.value for c in at.caption)
    assert table.loc["apparent energy (kVAh)", "delta"] < 0


def test_what_if_shows_the_422_rule(ui_env: LiveServer) -> None:
    at = page("what_if").run()
    at.number_input[0].set_value(99999.0)
    at.button[0].click().run()
    no_exception(at)
    assert "refused" in at.warning[0].value
    assert any("exceeds" in m.value for m in at.markdown)


def test_data_quality_page_shows_the_cleaning_run(ui_env: LiveServer, dirty_week) -> None:
    at = page("data_quality").run()
    no_exception(at)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Quarantined"] == f"{len(dirty_week.quarantine):,}"
    assert metrics["Cells repaired"] == f"{dirty_week.report['cells_repaired']:,}"
    (quarantine,) = frames_with(at, "source_row", "reason", "detail")
    assert len(quarantine) == len(dirty_week.quarantine)  # a week: under the 500-row limit
    assert set(quarantine["reason"]) == set(dirty_week.report["quarantined_by_reason"])
    (repairs,) = frames_with(at, "column", "original", "method", "rule")
    assert len(repairs) == len(dirty_week.repairs)
    assert frames_with(at, "source", "precision_match_pct")
    assert {
        "Download cleaning-report.csv",
        "Download cleaning-scorecard.csv",
        "Download cleaning-quarantine.csv",
        "Download cleaning-repairs.csv",
    } <= set(downloads(at))


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
    champions = frames_with(at, "task", "family")[0].set_index("task")
    assert champions.loc["estimate", "family"] == "physics"
    assert 0 < champions.loc["estimate", "test_rmse"] < 0.5
    assert len(frames_with(at, "task", "model", "split")[0]) == 3  # the leaderboard file
    assert {"Download champions.csv", "Download leaderboard.csv", "Download drift-history.csv"} <= set(
        downloads(at)
    )
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
    assert at.title[0].value == "Overview"  # the root switches to the Overview at its own URL
    assert any("estimate: physics@" in c.value for c in at.sidebar.caption)
    for name, title in (
        ("forecast", "Forecast"),
        ("what_if", "What-if"),
        ("data_quality", "Data quality"),
        ("models_drift", "Models & drift"),
        ("overview", "Overview"),
    ):
        at.switch_page(str(UI / "app_pages" / f"{name}.py")).run()
        no_exception(at)
        assert at.title[0].value == title


def test_operator_mode_hides_the_developer_toolbar() -> None:
    import tomllib

    config = tomllib.loads((UI.parent / ".streamlit" / "config.toml").read_text())
    assert config["client"]["toolbarMode"] == "viewer"


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
