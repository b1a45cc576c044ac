"""Files the pipeline publishes for people: the leaderboard JSON and the drift reports.

These are reports, not models: the Models & drift page reads them from the data directory
(:class:`energy_ui.settings.UiSettings`: ``ENERGY_DATA_DIR``, ``ENERGY_WAREHOUSE``) because the API does not
serve them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from energy_ui.settings import settings

LEADERBOARD_FILE = "leaderboard.json"
DRIFT_HISTORY_TABLE = "main.drift_history"


def leaderboard_path() -> Path:
    return settings().reports_dir / LEADERBOARD_FILE


def leaderboard() -> pd.DataFrame | None:
    """The latest model leaderboard (``model_leaderboard`` asset), None before the first run."""
    path = leaderboard_path()
    if not path.exists():
        return None
    records: list[dict[str, Any]] = json.loads(path.read_text())
    return pd.DataFrame(records)


def drift_history(limit: int = 20) -> pd.DataFrame | None:
    """Newest drift verdicts first, read-only from the warehouse; None when there are none yet.

    The file holds only views over the pipeline's Parquet tables, swapped in whole, so a run never
    locks it; ``duckdb.Error`` (e.g. a table's files missing) is left to the page, which says so.
    """
    path = settings().warehouse_path
    if not path.exists():
        return None
    with duckdb.connect(str(path), read_only=True) as con:
        found = con.execute(
            "select count(*) from information_schema.tables where table_schema = 'main' and table_name = 'drift_history'"
        ).fetchone()
        if not found or not found[0]:
            return None
        return con.execute(
            f"select * exclude (metrics_json) from {DRIFT_HISTORY_TABLE} order by window_end desc limit ?",
            [limit],
        ).df()


def latest_drift_report(history: pd.DataFrame | None = None) -> Path | None:
    """The newest Evidently HTML: the latest history row's file, else the newest under reports/drift."""
    if history is not None and not history.empty and "report_path" in history:
        for value in history["report_path"]:
            if value and Path(value).exists():
                return Path(value)
    folder = settings().reports_dir / "drift"
    reports = sorted(folder.glob("*.html")) if folder.exists() else []
    return reports[-1] if reports else None
