"""Operator app: ``streamlit run energy_ui/app.py`` (API URL from ENERGY_API_URL).

Six pages over the API: Overview (also at /), Forecast, What-if, Data quality, Copilot, Models & drift.
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `streamlit run` puts energy_ui/ on the path, not the project root
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

from energy_ui import client  # noqa: E402

#: Not ``pages/``: Streamlit would also serve a folder of that name as legacy pages next to st.navigation.
PAGES = Path(__file__).resolve().parent / "app_pages"

st.set_page_config(page_title="Energy copilot", page_icon="⚡", layout="wide")
overview = st.Page(PAGES / "overview.py", title="Overview", icon=":material/factory:", url_path="overview")


def _home() -> None:
    """The root URL opens the Overview at its own address, so /overview is a link that works."""
    st.switch_page(overview)


navigation = st.navigation(
    [
        st.Page(_home, title="Home", url_path="home", default=True, visibility="hidden"),
        overview,
        st.Page(PAGES / "forecast.py", title="Forecast", icon=":material/show_chart:", url_path="forecast"),
        st.Page(PAGES / "what_if.py", title="What-if", icon=":material/compare_arrows:", url_path="what-if"),
        st.Page(
            PAGES / "data_quality.py",
            title="Data quality",
            icon=":material/fact_check:",
            url_path="data-quality",
        ),
        st.Page(PAGES / "copilot.py", title="Copilot", icon=":material/chat:", url_path="copilot"),
        st.Page(
            PAGES / "models_drift.py",
            title="Models & drift",
            icon=":material/model_training:",
            url_path="models-drift",
        ),
    ]
)
with st.sidebar:
    st.caption(f"API: {client.api_url()}")
    try:
        health = client.health(client.api_url())
    except client.ApiError as exc:
        st.error(f"API down: {exc.message}")
    else:
        for task, state in health["models"].items():
            mark = ":green[:material/check_circle:]" if state["loaded"] else ":red[:material/error:]"
            st.caption(f"{mark} {task}: {state['model_version'] or state['last_error'] or 'not loaded'}")
navigation.run()
