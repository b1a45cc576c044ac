"""A live API on loopback (the tiny champion of tests/api) and a data dir with published reports."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from energy_api.settings import Settings
from energy_assets.domain.data import cleaning, dirty, ingest, quality, schema
from tests.api.conftest import LiveServer, reference_slice, start_server, write_champion

#: Leaderboard rows as the model_leaderboard asset publishes them (JSON keys of its records).
LEADERBOARD = [
    {
        "task": "estimate",
        "model": "physics",
        "split": "test",
        "rmse": 0.031,
        "mae": 0.02,
        "cv_pct": 0.1,
        "status": "published",
        "is_champion": True,
    },
    {
        "task": "estimate",
        "model": "xgboost",
        "split": "test",
        "rmse": 0.412,
        "mae": 0.2,
        "cv_pct": 1.4,
        "status": "evaluated",
        "is_champion": False,
    },
    {
        "task": "forecast",
        "model": "seasonal_naive",
        "split": "test",
        "rmse": 24.7,
        "mae": 12.1,
        "cv_pct": 80.0,
        "status": "published",
        "is_champion": True,
    },
]
DRIFT_VERDICT = "drift: usage_kwh PSI 0.41 above 0.2"
#: A week of the UCI file corrupted by the project's own generator, then cleaned: real quarantine and repairs.
DIRTY_SEED = 7


def dirty_week_cleaned(reference_csv: Path) -> cleaning.CleaningResult:
    raw = ingest.read_raw(reference_csv)[list(schema.RAW_COLUMNS)].head(7 * schema.INTERVALS_PER_DAY)
    corrupted, _ = dirty.corrupt(raw.reset_index(drop=True), seed=DIRTY_SEED)
    return cleaning.clean(corrupted)


def publish_cleaning_run(warehouse: Path, reports: Path, result: cleaning.CleaningResult) -> None:
    """What the cleaning assets publish: quarantine and repairs tables, the report JSON, a scorecard row."""
    reports.mkdir(parents=True, exist_ok=True)
    (reports / quality.REPORT_FILE).write_text(json.dumps(result.report, default=str))
    scorecard = pd.DataFrame(
        [
            {
                "source": "generated seed 7",
                "rows_in": result.report["rows_in"],
                "precision_match_pct": 99.9,
                "passes": True,
            }
        ]
    )
    with duckdb.connect(str(warehouse)) as con:
        for name, frame in (
            (quality.QUARANTINE_TABLE, result.quarantine),
            (quality.REPAIRS_TABLE, result.repairs.astype({"original": str, "value": str})),
            (quality.SCORECARD_TABLE, scorecard),
        ):
            con.register("frame", frame)
            con.execute(f'create or replace table "{name}" as select * from frame')
            con.unregister("frame")


@pytest.fixture(scope="session")
def ui_api(clean_reference: pd.DataFrame, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    root = tmp_path_factory.mktemp("ui-champion")
    write_champion(root, reference_slice(clean_reference))
    server = start_server(Settings(champion_dir=root, reload_interval_s=0))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def dirty_week(reference_csv: Path) -> cleaning.CleaningResult:
    return dirty_week_cleaned(reference_csv)


@pytest.fixture(scope="session")
def ui_data_dir(tmp_path_factory: pytest.TempPathFactory, dirty_week: cleaning.CleaningResult) -> Path:
    """reports/leaderboard.json, one drift verdict in the warehouse and its HTML report, and a cleaning
    run's quarantine, repairs, report and scorecard."""
    data = tmp_path_factory.mktemp("ui-data")
    reports = data / "reports"
    (reports / "drift").mkdir(parents=True)
    (reports / "leaderboard.json").write_text(json.dumps(LEADERBOARD))
    html = reports / "drift" / "2018-02-04.html"
    html.write_text("<html><body><h1>Evidently drift report</h1></body></html>")
    with duckdb.connect(str(data / "warehouse.duckdb")) as con:
        con.execute(
            "create table drift_history (window_start timestamp, window_end timestamp, verdict varchar, "
            "drift boolean, max_psi double, max_psi_feature varchar, share_drifted_columns double, "
            "rolling_rmse double, baseline_rmse double, report_path varchar, metrics_json varchar)"
        )
        con.execute(
            "insert into drift_history values (?, ?, ?, true, 0.41, ?, 0.25, 0.9, 0.03, ?, '{}')",
            ["2018-01-29 00:15", "2018-02-05 00:00", DRIFT_VERDICT, schema.USAGE_KWH, str(html)],
        )
    publish_cleaning_run(data / "warehouse.duckdb", reports, dirty_week)
    return data


@pytest.fixture
def ui_env(ui_api: LiveServer, ui_data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> LiveServer:
    monkeypatch.setenv("ENERGY_API_URL", ui_api.url)
    monkeypatch.setenv("ENERGY_DATA_DIR", str(ui_data_dir))
    monkeypatch.setenv("ENERGY_WAREHOUSE", str(ui_data_dir / "warehouse.duckdb"))
    return ui_api
