"""Plotly figures for the pages: built from the frames :mod:`energy_ui.client` shapes, nothing else."""

from __future__ import annotations

from typing import Any

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from energy_assets.domain.data import schema

PERIOD_COLOURS = {"light": "#7fb77e", "medium": "#f2b134", "maximum": "#d1495b"}
BASELINE, SCENARIO = "#8d99ae", "#2b7a78"
_LAYOUT = {"margin": {"l": 10, "r": 10, "t": 40, "b": 10}, "height": 360, "template": "plotly_white"}


def forecast_band(frame: pd.DataFrame, low: str = "q10", high: str = "q90", title: str = "") -> go.Figure:
    """Point forecast with the low-high quantile band (the 10-90 % band when the champion ships it)."""
    fig = go.Figure()
    ts = frame[schema.TIMESTAMP]
    if low in frame and high in frame:
        fig.add_trace(
            go.Scatter(x=ts, y=frame[high], mode="lines", line={"width": 0}, name=high, showlegend=False)
        )
        fig.add_trace(
            go.Scatter(
                x=ts,
                y=frame[low],
                mode="lines",
                line={"width": 0},
                fill="tonexty",
                fillcolor="rgba(43,122,120,0.2)",
                name=f"{low}-{high} band",
            )
        )
    fig.add_trace(go.Scatter(x=ts, y=frame["mean"], mode="lines", line={"color": SCENARIO}, name="forecast"))
    fig.update_layout(title=title, yaxis_title="usage_kwh per 15 min", **_LAYOUT)
    return fig


def daily_bars(daily: pd.DataFrame) -> go.Figure:
    """kWh per day with cost on a second axis: the week at a glance."""
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_trace(go.Bar(x=daily["day"], y=daily["energy_kwh"], name="kWh", marker_color=BASELINE))
    fig.add_trace(
        go.Scatter(x=daily["day"], y=daily["cost_krw"], name="cost (KRW)", mode="lines+markers"),
        secondary_y=True,
    )
    fig.update_yaxes(title_text="kWh", secondary_y=False)
    fig.update_yaxes(title_text="KRW", secondary_y=True)
    fig.update_layout(
        title="Consumption and cost per day", legend={"orientation": "h", "y": -0.15}, **_LAYOUT
    )
    return fig


def period_bars(by_period: pd.DataFrame) -> go.Figure:
    """kWh, cost and CO2 per KEPCO tariff period side by side."""
    fig = make_subplots(rows=1, cols=3, subplot_titles=("kWh", "cost (KRW)", "CO2 (t)"))
    colours = [PERIOD_COLOURS.get(p, BASELINE) for p in by_period["tariff_period"]]
    for col, key in enumerate(("energy_kwh", "cost_krw", "co2_t"), start=1):
        fig.add_trace(
            go.Bar(x=by_period["tariff_period"], y=by_period[key], marker_color=colours, showlegend=False),
            row=1,
            col=col,
        )
    fig.update_layout(title="By tariff period", **_LAYOUT)
    return fig


def scenario_bars(answer: dict[str, Any]) -> go.Figure:
    """Baseline against scenario for kWh, cost and CO2 (the three figures a what-if changes)."""
    keys = (("energy_kwh", "kWh"), ("cost_krw", "cost (KRW)"), ("co2_t", "CO2 (t)"))
    fig = make_subplots(rows=1, cols=3, subplot_titles=[label for _, label in keys])
    for col, (key, _) in enumerate(keys, start=1):
        for part, colour in (("baseline", BASELINE), ("scenario", SCENARIO)):
            fig.add_trace(
                go.Bar(
                    x=[part],
                    y=[answer[part][key]],
                    marker_color=colour,
                    name=part,
                    showlegend=col == 1,
                    text=[f"{answer[part][key]:,.2f}"],
                    textposition="auto",
                ),
                row=1,
                col=col,
            )
    fig.update_layout(title=f"Baseline vs scenario ({answer['kind']})", **_LAYOUT)
    return fig


def contributions(peak: dict[str, Any], top: int = 8) -> go.Figure:
    """SHAP contributions (kWh) of the peak interval, largest first."""
    rows = pd.DataFrame(peak["contributions"][:top]).iloc[::-1]
    colours = [SCENARIO if v >= 0 else "#d1495b" for v in rows["contribution_kwh"]]
    fig = go.Figure(
        go.Bar(x=rows["contribution_kwh"], y=rows["feature"], orientation="h", marker_color=colours)
    )
    fig.update_layout(title="What drove the peak (SHAP, kWh)", **_LAYOUT)
    return fig


def leaderboard_bars(board: pd.DataFrame, task: str, split: str = "test") -> go.Figure:
    """RMSE per model family of one task and split (the leaderboard's deciding figure)."""
    rows = board[(board["task"] == task) & (board["split"] == split)].sort_values("rmse")
    colours = [SCENARIO if bool(c) else BASELINE for c in rows.get("is_champion", [False] * len(rows))]
    fig = go.Figure(go.Bar(x=rows["model"], y=rows["rmse"], marker_color=colours))
    fig.update_layout(title=f"{task}: {split} RMSE (kWh), champion highlighted", **_LAYOUT)
    return fig
