"""What the pipeline's cleaning run published about the data: its report, quarantine, repairs, scorecard.

The cleaning assets write the quarantined rows (with a reason code), every repaired cell (original, new
value, method, rule) and the cleaning scorecard to the DuckDB warehouse, and the report (counts by
reason and method) to ``<reports>/data_quality_report.json``. This module reads them back, read-only,
for the API's ``GET /data/quality`` (and so for the operator app's Data quality page). A table the run
did not write (a clean source has no quarantine) reads as empty, never as an error.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from energy_assets.domain.data.cleaning import log

#: Warehouse tables: the names of the cleaning assets that write them (energy_assets/defs/cleaning).
QUARANTINE_TABLE = "steel_readings_quarantine"
REPAIRS_TABLE = "steel_readings_repairs"
SCORECARD_TABLE = "cleaning_scorecard"
REPORT_FILE = "data_quality_report.json"
#: Rows of quarantine and repairs an answer carries (the counts are always over every row).
DEFAULT_LIMIT = 500


@dataclass
class DataQuality:
    report: dict[str, Any] | None  # None: no cleaning run has published its report yet
    scorecard: pd.DataFrame
    quarantine: pd.DataFrame  # first ``limit`` rows
    quarantine_rows: int
    quarantine_by_reason: dict[str, int]
    repairs: pd.DataFrame  # first ``limit`` rows
    repairs_rows: int
    repairs_by_method: dict[str, int]
    sources: list[str] = field(default_factory=list)  # what was read (file and table names)


def _table(con: duckdb.DuckDBPyConnection | None, name: str) -> pd.DataFrame | None:
    if con is None:
        return None
    found = con.execute(
        "select count(*) from information_schema.tables where table_name = ?", [name]
    ).fetchone()
    if not found or not found[0]:
        return None
    return con.execute(f'select * from "{name}"').df()  # name is one of this module's constants


def _counts(frame: pd.DataFrame, column: str) -> dict[str, int]:
    if frame.empty or column not in frame:
        return {}
    counts = frame[column].astype(str).value_counts()
    return {str(k): int(v) for k, v in counts.sort_index().items()}


def read_quality(warehouse: Path, reports: Path, *, limit: int = DEFAULT_LIMIT) -> DataQuality:
    """The published report, scorecard, quarantine (with reasons) and repairs (with methods and rules).

    ``warehouse`` is opened read-only; a missing file or table reads as empty.
    """
    if limit < 0:
        raise ValueError(f"limit must be >= 0, got {limit}")
    sources: list[str] = []
    report_path = Path(reports) / REPORT_FILE
    report = json.loads(report_path.read_text(encoding="utf-8")) if report_path.exists() else None
    if report is not None:
        sources.append(REPORT_FILE)
    con = duckdb.connect(str(warehouse), read_only=True) if Path(warehouse).exists() else None
    try:
        frames = {}
        for name, columns in (
            (SCORECARD_TABLE, ()),
            (QUARANTINE_TABLE, log.QUARANTINE_COLUMNS),
            (REPAIRS_TABLE, log.REPAIR_COLUMNS),
        ):
            got = _table(con, name)
            if got is not None:
                sources.append(name)
            frames[name] = got if got is not None else pd.DataFrame(columns=list(columns))
    finally:
        if con is not None:
            con.close()
    quarantine, repairs = frames[QUARANTINE_TABLE], frames[REPAIRS_TABLE]
    return DataQuality(
        report=report,
        scorecard=frames[SCORECARD_TABLE],
        quarantine=quarantine.head(limit),
        quarantine_rows=len(quarantine),
        quarantine_by_reason=_counts(quarantine, "reason"),
        repairs=repairs.head(limit),
        repairs_rows=len(repairs),
        repairs_by_method=_counts(repairs, "method"),
        sources=sources,
    )


__all__ = [
    "DEFAULT_LIMIT",
    "QUARANTINE_TABLE",
    "REPAIRS_TABLE",
    "REPORT_FILE",
    "SCORECARD_TABLE",
    "DataQuality",
    "read_quality",
]
