"""Data quality: what the cleaning run did to the data the API serves (report, scorecard, quarantine
with reasons, repairs with method and rule), from GET /data/quality."""

import pandas as pd
import streamlit as st

from energy_ui import client, views

st.title("Data quality")
url = client.api_url()
with st.spinner("Reading the cleaning run's evidence through the API..."):
    answer = views.load_or_stop(client.data_quality, url)
report = answer["report"]
if report is None:
    st.info("No cleaning report published yet: run the pipeline (`make run`) first.")
else:
    c1, c2, c3, c4 = st.columns(4)
    c1.metric("Rows in", f"{report.get('rows_in', 0):,}")
    c2.metric("Rows kept", f"{report.get('rows_out', 0):,}")
    c3.metric("Quarantined", f"{report.get('rows_quarantined', 0):,}")
    c4.metric("Cells repaired", f"{report.get('cells_repaired', 0):,}")
    st.caption(
        f"Readings {report.get('first_timestamp')} to {report.get('last_timestamp')}; "
        f"{report.get('missing_intervals', 0)} missing intervals; {report.get('cells_imputed', 0)} cells imputed; "
        f"{report.get('midnight_rows_moved_to_next_day', 0)} midnight rows moved to the next day."
    )
    counts = [
        {"what": what, "key": key, "count": value}
        for what, part in (
            ("quarantined rows by reason", report.get("quarantined_by_reason") or {}),
            ("repaired cells by method", report.get("cells_repaired_by_method") or {}),
            ("imputed cells by column", report.get("cells_imputed_by_column") or {}),
        )
        for key, value in part.items()
    ]
    st.subheader("Report")
    views.table(
        pd.DataFrame(counts, columns=["what", "key", "count"]),
        "cleaning-report",
        caption=None if counts else "Nothing quarantined, repaired or imputed in the served data.",
    )

st.subheader("Cleaning scorecard")
scorecard = pd.DataFrame(answer["scorecard"])
if scorecard.empty:
    st.info("No scorecard yet: materialize cleaning_scorecard in Dagster.")
else:
    st.caption("How well the cleaner recovers the reference from dirty copies (bar: >= 99.5 % at precision).")
    views.table(scorecard, "cleaning-scorecard")

for part, title, reason in (
    ("quarantine", "Quarantine", "by_reason"),
    ("repairs", "Repairs", "by_method"),
):
    block = answer[part]
    st.subheader(f"{title} ({block['rows']:,} rows)")
    shown = pd.DataFrame(block["shown"])
    if shown.empty:
        st.success(f"No {part} in the cleaning run of the served data.")
        continue
    counts = block.get(reason) or {}
    st.caption(
        ", ".join(f"{k}: {v:,}" for k, v in counts.items())
        + (f" (first {len(shown)} rows shown; the CSV holds those)" if len(shown) < block["rows"] else "")
    )
    views.table(shown, f"cleaning-{part}")
st.caption(f"Sources: {', '.join(answer['sources']) or 'none'}")
