"""Overview: consumption, cost and CO2 of a chosen span (default the last 7 days) by day and tariff period,
the span's peak explained in plant terms, and the power factor."""

from datetime import timedelta

import pandas as pd
import streamlit as st

from energy_ui import charts, client, views

st.title("Overview")
url = client.api_url()
span = views.load_or_stop(lambda: client.history_span(client.model_info(url)))
last_day = span.last_full_day()
first_day = max(last_day - timedelta(days=client.OVERVIEW_DAYS - 1), span.first.date())
chosen = st.date_input(
    f"Days (up to {client.MAX_OVERVIEW_DAYS})",
    value=(first_day, last_day),
    min_value=span.first.date(),
    max_value=last_day,
    key="overview_days",
)
start, end = (chosen[0], chosen[-1]) if isinstance(chosen, tuple | list) and chosen else (first_day, last_day)
if (end - start).days >= client.MAX_OVERVIEW_DAYS:
    st.warning(
        f"{(end - start).days + 1} days chosen: the Overview shows up to {client.MAX_OVERVIEW_DAYS}; "
        f"showing the last {client.MAX_OVERVIEW_DAYS} days to {end}."
    )
    start = end - timedelta(days=client.MAX_OVERVIEW_DAYS - 1)
with st.spinner(f"Pricing {(end - start).days + 1} days through the API (a few seconds per day)..."):
    week = views.load_or_stop(client.week_overview, url, end.isoformat(), start.isoformat())
daily, by_period, peak = week["daily"], week["by_period"], week["peak"]
st.caption(
    f"{len(daily)} days, {start:%a %d %b %Y} to {end:%a %d %b %Y}, from the readings the API serves "
    f"({peak['readings_source']}); prices from the API's tariff."
)
kwh, cost = float(daily["energy_kwh"].sum()), float(daily["cost_krw"].sum())
c1, c2, c3, c4 = st.columns(4)
c1.metric("Energy (kWh)", f"{kwh:,.0f}")
c2.metric("Cost (KRW)", f"{cost:,.0f}")
c3.metric("CO2 (t)", f"{daily['co2_t'].sum():,.2f}")
pf = daily["power_factor_pct"].dropna()
weighted = (pf * daily.loc[pf.index, "energy_kwh"]).sum() / daily.loc[pf.index, "energy_kwh"].sum()
c4.metric("Lagging PF (%)", f"{weighted:.1f}" if len(pf) else "n/a")
left, right = st.columns(2)
left.plotly_chart(charts.daily_bars(daily), key="daily")
right.plotly_chart(charts.period_bars(by_period), key="periods")

st.subheader("Peak of the span")
end_ts = pd.Timestamp(peak["timestamp"])
p1, p2, p3, p4 = st.columns(4)
p1.metric(
    "Peak (kWh)", f"{peak['usage_kwh']:.2f}", help=f"interval {peak.get('peak_interval')} on {peak['date']}"
)
typical = peak.get("typical_usage_kwh")
p2.metric(
    "Typical (kWh)",
    "n/a" if typical is None else f"{typical:.2f}",
    delta=None if peak.get("excess_kwh") is None else f"{peak['excess_kwh']:+.2f} kWh",
    delta_color="inverse",
    help="Median at the same time over the previous same-weekday days",
)
p3.metric("Tariff period", peak["tariff_period"])
p4.metric("Apparent (kVAh)", f"{peak['apparent_kvah']:.2f}" if "apparent_kvah" in peak else "n/a")
views.figures(
    {
        "peak interval": f"{peak['date']} ({peak.get('weekday', '')}) {peak.get('peak_interval', '')}",
        "interval end": f"{end_ts:%Y-%m-%d %H:%M}",
        "load type": peak["load_type"],
        "reference days": ", ".join(str(d) for d in peak.get("reference_days") or []) or "none",
        "lagging reactive at peak (kVArh)": f"{peak['lagging_reactive_kvarh']:.2f}",
        "lagging power factor at peak (%)": f"{peak['lagging_power_factor']:.2f}",
    },
    "overview-peak",
)
views_facts = peak["facts"]
for fact in views_facts[:-1]:
    st.markdown(f"- {fact}")
st.plotly_chart(charts.hours_against_typical(peak), key="hours")
above = pd.DataFrame(
    peak.get("hours_above_normal") or [], columns=["hour", "usage_kwh", "typical_kwh", "excess_kwh"]
)
if not above.empty:
    st.markdown("**Hours above normal**")
    views.table(above, "hours-above-normal")
with st.expander(peak.get("contributions_view", "Estimator view (SHAP)")):
    st.markdown(views_facts[-1])
    st.plotly_chart(charts.contributions(peak), key="contributions")
st.subheader("Per day")
views.table(daily.merge(week["peaks"], on="day", how="left"), "overview-per-day")
views.table(by_period, "overview-by-tariff-period")
