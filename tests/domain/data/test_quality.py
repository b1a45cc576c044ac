"""The cleaning run's evidence read back from a real DuckDB warehouse and report file."""

from __future__ import annotations

import json
from pathlib import Path

from energy_assets.domain.data import quality
from tests.ui.conftest import dirty_week_cleaned, publish_cleaning_run


def test_read_quality_gives_back_what_the_cleaning_run_published(reference_csv: Path, tmp_path: Path) -> None:
    result = dirty_week_cleaned(reference_csv)
    assert len(result.quarantine) and len(result.repairs)  # the generator did corrupt the week
    publish_cleaning_run(tmp_path / "warehouse.duckdb", tmp_path / "reports", result)
    got = quality.read_quality(tmp_path / "warehouse.duckdb", tmp_path / "reports", limit=10)
    assert got.report == json.loads(json.dumps(result.report, default=str))
    assert got.quarantine_rows == len(result.quarantine) and len(got.quarantine) == 10
    assert got.quarantine_by_reason == result.report["quarantined_by_reason"]
    assert got.repairs_rows == len(result.repairs)
    assert sum(got.repairs_by_method.values()) == len(result.repairs)
    assert {"reason", "detail"} <= set(got.quarantine.columns)
    assert {"column", "original", "value", "method", "rule"} <= set(got.repairs.columns)
    assert got.sources == [
        quality.REPORT_FILE,
        quality.SCORECARD_TABLE,
        quality.QUARANTINE_TABLE,
        quality.REPAIRS_TABLE,
    ]


def test_nothing_published_reads_as_empty(tmp_path: Path) -> None:
    got = quality.read_quality(tmp_path / "missing.duckdb", tmp_path / "reports")
    assert got.report is None and got.sources == []
    assert got.quarantine_rows == 0 and got.repairs_rows == 0 and got.scorecard.empty
    assert list(got.quarantine.columns)[:3] == ["source_row", "reason", "detail"]
