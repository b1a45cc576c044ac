"""Models & drift: the champions, their scores, the leaderboard and the latest drift verdict."""

import duckdb
import pandas as pd
import streamlit as st
import streamlit.components.v1 as components

from energy_ui import charts, client, reports, views

st.title("Models & drift")
url = client.api_url()
info = views.load_or_stop(client.model_info, url)
scores = views.load_or_stop(client.model_metrics, url)

st.subheader("Champions serving now")
rows = []
for task, state in info.items():
    if task == "tariff" or not isinstance(state, dict):
        continue
    test = ((scores.get(task) or {}).get("metrics") or {}).get("test") or {}
    validation = ((scores.get(task) or {}).get("metrics") or {}).get("validation") or {}
    rows.append(
        {
            "task": task,
            "family": state.get("family"),
            "model_version": state.get("model_version"),
            "loaded": state.get("loaded"),
            "validation_rmse": validation.get("rmse"),
            "test_rmse": test.get("rmse"),
            "selected_by": (scores.get(task) or {}).get("selected_by"),
            "data_version": state.get("data_version"),
        }
    )
views.table(pd.DataFrame(rows), "champions")
st.caption(f"Tariff: {info['tariff']['name']} ({info['tariff']['source']})")

st.subheader("Leaderboard")
board = reports.leaderboard()
if board is None:
    st.info(f"No leaderboard yet at {reports.leaderboard_path()}: run the pipeline (`make run`) first.")
else:
    left, right = st.columns(2)
    for column, task in zip((left, right), sorted(board["task"].unique()), strict=False):
        column.plotly_chart(charts.leaderboard_bars(board, task), key=f"board-{task}")
    views.table(board, "leaderboard")

st.subheader("Drift")
try:
    history = reports.drift_history()
except duckdb.Error as exc:
    history = None
    st.warning(f"The warehouse is busy (a run is writing it); try again shortly. ({type(exc).__name__})")
if history is None or history.empty:
    st.info("No drift verdict yet: materialize the weekly drift report in Dagster.")
else:
    latest = history.iloc[0]
    verdict = f"{latest['verdict']} (window {latest['window_start']} to {latest['window_end']})"
    (st.error if bool(latest["drift"]) else st.success)(f"Latest verdict: {verdict}")
    d1, d2, d3 = st.columns(3)
    d1.metric("Max PSI", f"{latest['max_psi']:.3f}", help=str(latest["max_psi_feature"]))
    d2.metric(
        "Rolling RMSE (kWh)", "n/a" if pd.isna(latest["rolling_rmse"]) else f"{latest['rolling_rmse']:.3f}"
    )
    d3.metric(
        "Baseline RMSE (kWh)", "n/a" if pd.isna(latest["baseline_rmse"]) else f"{latest['baseline_rmse']:.3f}"
    )
    views.table(history, "drift-history")
report = reports.latest_drift_report(history)
if report is not None:
    html = report.read_text(encoding="utf-8")
    st.download_button("Download the Evidently report", html, file_name=report.name, mime="text/html")
    with st.expander(f"Evidently report {report.name}"):
        components.html(html, height=700, scrolling=True)
