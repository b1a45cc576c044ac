"""Forecast: the champion's next hours from a chosen origin, with its 10-90 % band."""

from datetime import datetime, time

import streamlit as st

from energy_ui import charts, client, views

st.title("Forecast")
url = client.api_url()
span = views.load_or_stop(lambda: client.history_span(client.model_info(url)))
c1, c2, c3 = st.columns(3)
day = c1.date_input(
    "Origin day", value=span.last.date(), min_value=span.first_origin.date(), max_value=span.last.date()
)
hour = c2.selectbox("Origin hour (end of the last known interval)", list(range(24)), index=span.last.hour)
horizon = c3.slider("Horizon (15-minute intervals)", min_value=4, max_value=672, value=96, step=4)
origin = min(max(datetime.combine(day, time(hour)), span.first_origin), span.last)
with st.spinner("Forecasting..."):
    answer = views.load_or_stop(client.forecast, url, origin.isoformat(), int(horizon))
frame = client.forecast_frame(answer)
m1, m2, m3 = st.columns(3)
m1.metric("Total (kWh)", f"{answer['total_kwh']:,.1f}")
m2.metric("Highest interval (kWh)", f"{frame['mean'].max():.1f}")
m3.metric("Model", answer["model"]["model_version"])
st.plotly_chart(
    charts.forecast_band(frame, title=f"Next {horizon / 4:g} h from {answer['origin'].replace('T', ' ')}"),
    key="forecast",
)
with st.expander("Values"):
    st.dataframe(frame, hide_index=True)
