"""Overview: the last 7 days of consumption, cost and CO2 by tariff period, the week's peak, power factor."""

import streamlit as st

from energy_ui import charts, client, views

st.title("Overview")
url = client.api_url()
span = views.load_or_stop(lambda: client.history_span(client.model_info(url)))
last_day = span.last_full_day()
with st.spinner("Pricing the week through the API..."):
    week = views.load_or_stop(client.week_overview, url, last_day.isoformat())
daily, by_period, peak = week["daily"], week["by_period"], week["peak"]
st.caption(
    f"{client.OVERVIEW_DAYS} days to {last_day:%a %d %b %Y}, from the readings the API serves "
    f"({peak['readings_source']}); prices from the API's tariff."
)
kwh, cost = float(daily["energy_kwh"].sum()), float(daily["cost_krw"].sum())
c1, c2, c3, c4 = st.columns(4)
c1.metric("Energy (kWh)", f"{kwh:,.0f}")
c2.metric("Cost (KRW)", f"{cost:,.0f}")
c3.metric("CO2 (t)", f"{daily['co2_t'].sum():,.2f}")
pf = daily["power_factor_pct"].dropna()
weighted = (pf * daily.loc[pf.index, "energy_kwh"]).sum() / daily.loc[pf.index, "energy_kwh"].sum()
c4.metric("Lagging power factor (%)", f"{weighted:.1f}" if len(pf) else "n/a")
left, right = st.columns(2)
left.plotly_chart(charts.daily_bars(daily), key="daily")
right.plotly_chart(charts.period_bars(by_period), key="periods")

st.subheader("Peak of the week")
start = peak["timestamp"]
p1, p2, p3, p4 = st.columns(4)
p1.metric("Peak interval (end)", str(start).replace("T", " ")[:16])
p2.metric("usage_kwh", f"{peak['usage_kwh']:.2f}")
p3.metric("Tariff period", peak["tariff_period"])
p4.metric("Lagging PF at peak (%)", f"{peak['lagging_power_factor']:.1f}")
for fact in peak["facts"]:
    st.markdown(f"- {fact}")
st.plotly_chart(charts.contributions(peak), key="contributions")
with st.expander("Per day"):
    st.dataframe(daily.merge(week["peaks"], on="day", how="left"), hide_index=True)
