"""What-if: shift load, change the billing period or improve power factor; cost and CO2 side by side."""

from datetime import timedelta

import streamlit as st

from energy_assets.domain.data import schema
from energy_ui import client, views

KINDS = {
    "shift_load": "Shift load",
    "change_load_type": "Change load type / billing period",
    "improve_power_factor": "Improve power factor",
}
HOURS = list(range(24))
FROM_START, FROM_END = 10, 12

st.title("What-if")
url = client.api_url()
span = views.load_or_stop(lambda: client.history_span(client.model_info(url)))
kind = st.radio("Scenario", list(KINDS), format_func=KINDS.get, horizontal=True, key="what_if_kind")
st.caption("Windows are clock hours; an end at or before the start runs into the next day.")
default_day = span.last_weekday()
with st.form("what_if_form"):
    day = st.date_input(
        "Day",
        value=default_day,
        min_value=span.first.date(),
        max_value=(span.last - timedelta(days=1)).date(),
    )
    body: dict = {"kind": kind}
    if kind == "shift_load":
        # the default moves half of what the default window used on the served readings
        used = views.load_or_stop(client.window_energy, url, default_day.isoformat(), FROM_START, FROM_END)
        default_kwh = client.default_shift_kwh(used)
        body["energy_kwh"] = st.number_input("kWh to move", min_value=0.0, value=default_kwh, step=10.0)
        st.caption(
            f"{FROM_START:02d}:00-{FROM_END:02d}:00 on {default_day:%a %d %b %Y} used {used:,.2f} kWh; "
            f"the default moves {client.DEFAULT_SHIFT_SHARE:.0%} of it (a window can only give what it used)."
        )
        a, b, c, d = st.columns(4)
        from_start = a.selectbox("From: start hour", HOURS, index=FROM_START)
        from_end = b.selectbox("From: end hour", HOURS, index=FROM_END)
        to_start = c.selectbox("To: start hour", HOURS, index=23)
        to_end = d.selectbox("To: end hour", HOURS, index=1)
    elif kind == "change_load_type":
        a, b, c = st.columns(3)
        start = a.selectbox("Start hour", HOURS, index=10)
        end = b.selectbox("End hour", HOURS, index=12)
        body["to"] = c.selectbox("Bill as", [*schema.LOAD_TYPES, *schema.TARIFF_PERIODS], index=1)
    else:
        a, b, c, d = st.columns(4)
        start = a.selectbox("Start hour", HOURS, index=0)
        end = b.selectbox("End hour", HOURS, index=0)
        body["target_pf_pct"] = c.number_input(
            "Target power factor (%)", min_value=0.0, max_value=100.0, value=95.0
        )
        body["side"] = d.selectbox("Side", ["lagging", "leading"])
    submitted = st.form_submit_button("Run what-if", type="primary")

if submitted:
    if kind == "shift_load":
        body["from_window"] = client.window(day, from_start, from_end)
        body["to_window"] = client.window(day, to_start, to_end)
    else:
        body["window"] = client.window(day, start, end)
    try:
        with st.spinner("Running the what-if through the API..."):
            st.session_state["what_if_answer"] = client.scenario(url, body)
    except client.ApiError as exc:
        st.session_state.pop("what_if_answer", None)
        views.api_error(exc)
answer = st.session_state.get("what_if_answer")
if answer and answer["kind"] == kind:
    views.scenario_result(answer, key="what-if")
