"""Pieces several pages draw the same way: API errors and one copilot turn with its evidence."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
import streamlit as st

from energy_ui import charts, client


def api_error(exc: client.ApiError) -> None:
    """Say what went wrong and what to do, in the operator's terms (never a traceback)."""
    if isinstance(exc, client.ApiUnavailable):
        st.error(f"API unavailable. {exc.message}")
    elif isinstance(exc, client.ApiRejected):
        st.warning("The API refused these inputs (422). Change them and try again:")
        for problem in exc.problems:
            st.markdown(f"- `{problem}`")
    elif isinstance(exc, client.ApiNotFound):
        st.warning(f"Not found (404): {exc.message}")
    else:
        st.error(exc.message)


def load_or_stop(fetch: Any, *args: Any) -> Any:
    """Run one API read; on an error show it and stop the page (the rest needs the answer)."""
    try:
        return fetch(*args)
    except client.ApiError as exc:
        api_error(exc)
        st.stop()


def table(frame: pd.DataFrame, name: str, caption: str | None = None) -> None:
    """A table with its CSV download (every table the app shows can be taken to a spreadsheet)."""
    st.dataframe(frame, hide_index=True)
    st.download_button(
        f"Download {name}.csv",
        frame.to_csv(index=False).encode("utf-8"),
        file_name=f"{name}.csv",
        mime="text/csv",
        key=f"csv-{name}",
        icon=":material/download:",
        on_click="ignore",
    )
    if caption:
        st.caption(caption)


def figures(rows: dict[str, str], name: str) -> None:
    """Long values (timestamps, model versions) as a two-column table: shown whole, never cut."""
    table(pd.DataFrame({"figure": list(rows), "value": list(rows.values())}), name)


#: Headline figures per what-if kind: (label, delta key, format). Power factor changes reactive and
#: apparent power and the surcharge, not the kWh, so its headlines are kVArh, the peak 15-minute kVA
#: (before -> after under the delta) and KRW.
HEADLINES = {
    "improve_power_factor": (
        ("Δ reactive (kVArh)", "reactive_kvarh", "{:+,.2f}"),
        ("Δ peak apparent demand (kVA)", "peak_apparent_kva", "{:+,.1f}"),
        ("Δ cost (KRW)", "cost_krw", "{:+,.0f}"),
    ),
}
DEFAULT_HEADLINES = (
    ("Δ energy (kWh)", "energy_kwh", "{:+,.2f}"),
    ("Δ cost (KRW)", "cost_krw", "{:+,.0f}"),
    ("Δ CO2 (t)", "co2_t", "{:+,.4f}"),
)


def scenario_result(answer: dict[str, Any], key: str = "") -> None:
    """Deltas as metrics, baseline vs scenario chart, the totals table and the assumptions."""
    delta = answer["delta"]
    for column, (label, field, fmt) in zip(
        st.columns(3), HEADLINES.get(answer["kind"], DEFAULT_HEADLINES), strict=True
    ):
        value = delta.get(field)
        column.metric(label, "n/a" if value is None else fmt.format(value))
        before, after = answer["baseline"].get(field), answer["scenario"].get(field)
        if field == "peak_apparent_kva" and before is not None and after is not None:
            column.caption(f"{before:,.1f} kVA → {after:,.1f} kVA")
    st.plotly_chart(charts.scenario_bars(answer), key=f"scenario-chart-{key}")
    table(client.totals_frame(answer), f"what-if-{answer['kind']}{'-' + key if key else ''}")
    st.caption(f"{answer['intervals']} intervals; baseline: {answer['baseline_source']}")
    st.markdown("**Assumptions**")
    for line in answer["assumptions"]:
        st.markdown(f"- {line}")


def tool_call(call: dict[str, Any], key: str) -> None:
    """One copilot tool call: name, arguments, result, and a chart when it is a forecast or what-if."""
    result = call.get("result")
    with st.expander(f"Tool call: {call.get('name', 'tool')}", expanded=False):
        st.markdown("Arguments")
        st.json(call.get("arguments") or {}, expanded=False)
        st.markdown("Result")
        st.json(result if isinstance(result, dict | list) else {"value": result}, expanded=False)
    if not isinstance(result, dict):
        return
    for field, records in tabular(result).items():
        table(records_frame(records), f"copilot-{key}-{call.get('name', 'tool')}-{field}")
    if result.get("points"):
        st.plotly_chart(forecast_chart(result), key=f"fc-{key}")
    elif result.get("origin") and (result.get("intervals") or result.get("horizon")):
        # the copilot's forecast tool answers in figures; the curve comes from POST /forecast itself
        try:
            answer = client.forecast(
                client.api_url(),
                pd.Timestamp(result["origin"]).isoformat(),
                int(result.get("intervals") or result["horizon"]),
            )
        except client.ApiError as exc:
            api_error(exc)
        else:
            st.plotly_chart(forecast_chart(answer), key=f"fc-{key}")
    elif {"baseline", "scenario", "delta"} <= set(result) and "kind" in result:
        st.plotly_chart(charts.scenario_bars(result), key=f"sc-{key}")


def tabular(result: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The lists of records in a tool result (a query's groups, a forecast's points, a peak's hours):
    each is shown as a table with its CSV download, under the JSON."""
    return {
        field: value
        for field, value in result.items()
        if isinstance(value, list) and value and all(isinstance(item, dict) for item in value)
    }


def records_frame(records: list[dict[str, Any]]) -> pd.DataFrame:
    """Records as a flat table: nested mappings become dotted columns, lists their JSON text."""
    frame = pd.json_normalize(records)
    for column in frame.select_dtypes(include="object").columns:
        frame[column] = frame[column].map(lambda v: json.dumps(v) if isinstance(v, list | dict) else v)
    return frame


def forecast_chart(answer: dict[str, Any]) -> Any:
    return charts.forecast_band(client.forecast_frame(answer), title=f"Forecast from {answer['origin']}")


def chat_turn(turn: dict[str, Any], index: int) -> None:
    with st.chat_message(turn["role"]):
        st.markdown(turn["content"])
        for n, call in enumerate(turn.get("tool_calls") or []):
            tool_call(call, key=f"{index}-{n}")
        if turn.get("language"):
            st.caption(f"language: {turn['language']}")
