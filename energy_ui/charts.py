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


def point_column(frame: pd.DataFrame) -> str:
    """The point drawn with the band: the median (q50) when the champion ships it, else the mean.

    The mean of a skewed forecast can lie outside its own 10-90 % band; the median never does.
    """
    return "q50" if "q50" in frame else "mean"


def forecast_band(
    frame: pd.DataFrame,
    low: str = "q10",
    high: str = "q90",
    title: str = "",
    recent: pd.DataFrame | None = None,
    actuals: pd.DataFrame | None = None,
) -> go.Figure:
    """The median (q50) forecast inside its low-high quantile band, the readings before the origin and,
    for a past origin, the actual readings of the forecast intervals."""
    fig = go.Figure()
    ts = frame[schema.TIMESTAMP]
    if recent is not None and not recent.empty:
        fig.add_trace(
            go.Scatter(
                x=recent[schema.TIMESTAMP],
                y=recent[schema.USAGE_KWH],
                mode="lines",
                line={"color": BASELINE},
                name="readings before the origin",
            )
        )
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
    point = point_column(frame)
    label = "forecast (median, q50)" if point == "q50" else "forecast (mean)"
    fig.add_trace(go.Scatter(x=ts, y=frame[point], mode="lines", line={"color": SCENARIO}, name=label))
    if actuals is not None and not actuals.empty:
        fig.add_trace(
            go.Scatter(
                x=actuals[schema.TIMESTAMP],
                y=actuals[schema.USAGE_KWH],
                mode="markers",
                marker={"color": "#222222", "size": 4},
                name="actual readings",
            )
        )
    fig.update_layout(
        title=title, yaxis_title="usage_kwh per 15 min", legend={"orientation": "h", "y": -0.15}, **_LAYOUT
    )
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
    """Baseline against scenario for the three figures the what-if changes: kWh, cost and CO2, or for a
    power-factor what-if reactive energy, apparent energy and cost."""
    keys = (("energy_kwh", "kWh"), ("cost_krw", "cost (KRW)"), ("co2_t", "CO2 (t)"))
    if answer["kind"] == "improve_power_factor" and answer["baseline"].get("reactive_kvarh") is not None:
        keys = (
            ("reactive_kvarh", "reactive (kVArh)"),
            ("apparent_kvah", "apparent (kVAh)"),
            ("cost_krw", "cost (KRW)"),
        )
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
    """Secondary view: SHAP contributions (kWh) of the peak interval, largest first, labelled for what
    they are (how the estimator computes kWh, not why the plant drew more)."""
    rows = pd.DataFrame(peak["contributions"][:top]).iloc[::-1]
    colours = [SCENARIO if v >= 0 else "#d1495b" for v in rows["contribution_kwh"]]
    fig = go.Figure(
        go.Bar(x=rows["contribution_kwh"], y=rows["feature"], orientation="h", marker_color=colours)
    )
    fig.update_layout(title="Estimator view (SHAP, kWh): how kWh is computed from the readings", **_LAYOUT)
    return fig


def hours_against_typical(peak: dict[str, Any]) -> go.Figure:
    """The peak day's kWh per hour against the typical hour of the same weekday (median of the reference days)."""
    hours = pd.DataFrame(peak.get("hours") or [])
    fig = go.Figure()
    if not hours.empty:
        above = {h["hour"] for h in peak.get("hours_above_normal") or []}
        colours = ["#d1495b" if h in above else BASELINE for h in hours["hour"]]
        fig.add_trace(
            go.Bar(x=hours["hour"], y=hours["usage_kwh"], marker_color=colours, name=str(peak["date"]))
        )
        if hours["typical_kwh"].notna().any():
            fig.add_trace(
                go.Scatter(
                    x=hours["hour"],
                    y=hours["typical_kwh"],
                    mode="lines+markers",
                    line={"color": SCENARIO},
                    name=f"typical {peak.get('weekday', '')} ({len(peak.get('reference_days') or [])} days)",
                )
            )
    fig.update_layout(
        title=f"{peak['date']} by hour against the typical {peak.get('weekday', 'day')} (red: above normal)",
        xaxis_title="hour",
        yaxis_title="kWh",
        legend={"orientation": "h", "y": -0.2},
        **_LAYOUT,
    )
    return fig


def leaderboard_bars(board: pd.DataFrame, task: str, split: str = "test") -> go.Figure:
    """RMSE per model family of one task and split (the leaderboard's deciding figure)."""
    rows = board[(board["task"] == task) & (board["split"] == split)].sort_values("rmse")
    colours = [SCENARIO if bool(c) else BASELINE for c in rows.get("is_champion", [False] * len(rows))]
    fig = go.Figure(go.Bar(x=rows["model"], y=rows["rmse"], marker_color=colours))
    fig.update_layout(title=f"{task}: {split} RMSE (kWh), champion highlighted", **_LAYOUT)
    return fig
