"""Forecast: the champion's median forecast inside its 10-90 % band from a chosen origin, with the day of
readings before the origin and, for a past origin, the actual readings and the error."""

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
point = charts.point_column(frame)
scored = client.forecast_vs_actual(answer)
m1, m2, m3 = st.columns(3)
m1.metric("Total (kWh)", f"{frame[point].sum():,.1f}", help=f"Sum of the {point} forecast")
m2.metric("Highest interval (kWh)", f"{frame[point].max():.1f}")
if scored.empty:
    m3.metric("Actuals", "none yet", help="The origin is the end of the readings: nothing to compare with.")
else:
    m3.metric("Mean absolute error (kWh)", f"{scored['error_kwh'].abs().mean():.2f}")
views.figures(
    {
        "origin (end of the last known interval)": answer["origin"].replace("T", " "),
        "model": answer["model"]["model_version"],
        "family": str(answer["model"].get("family")),
        "point shown": "median (q50), inside its 10-90 % band" if point == "q50" else "mean",
        "history": answer["history_source"],
    },
    "forecast-figures",
)
st.plotly_chart(
    charts.forecast_band(
        frame,
        title=f"Next {horizon / 4:g} h from {answer['origin'].replace('T', ' ')}",
        recent=client.observed_frame(answer, "recent"),
        actuals=client.observed_frame(answer, "actuals"),
    ),
    key="forecast",
)
if not scored.empty:
    st.subheader("Forecast vs actual")
    inside = scored["inside_band"].mean() if "inside_band" in scored else None
    st.caption(
        f"{len(scored)} of {len(frame)} forecast intervals have a reading; error = actual - {point}"
        + (f"; {inside:.0%} of the actuals lie inside the 10-90 % band." if inside is not None else ".")
    )
    views.table(scored, "forecast-vs-actual")
st.subheader("Values")
views.table(frame, "forecast")
