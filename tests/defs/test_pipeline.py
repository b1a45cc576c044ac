"""Materialize the graph into the real warehouse (Parquet tables + views-only DuckDB file) and query it
the way analysts do."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from energy_assets import cli
from energy_assets.domain import features, tariff
from energy_assets.domain.data import schema

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def run_result(platform):
    definitions, instance = platform
    result = definitions.resolve_job_def("data_platform").execute_in_process(instance=instance)
    assert result.success
    return result


@pytest.fixture()
def warehouse(run_result, data_dir):
    """Read-only, as analysts open it (a run may write while it is open: tables are Parquet files)."""
    conn = duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True)
    yield conn
    conn.close()


def test_every_check_passes(run_result):
    evaluations = run_result.get_asset_check_evaluations()
    assert len(evaluations) >= 6
    assert all(e.passed for e in evaluations), [e.check_name for e in evaluations if not e.passed]


def test_tables_hold_the_expected_rows(warehouse):
    counts = {
        name: warehouse.execute(f"SELECT count(*) FROM main.{name}").fetchone()[0]
        for name in ("raw_steel_readings", "cleaned_steel_readings", "steel_features", "steel_splits")
    }
    assert counts == dict.fromkeys(counts, 35_040)
    assert warehouse.execute("SELECT count(*) FROM main.dirty_steel_readings").fetchone()[0] == 35_340
    parts = dict(
        warehouse.execute("SELECT temporal_split, count(*) FROM main.steel_splits GROUP BY 1").fetchall()
    )
    assert parts == {"train": 21_024, "validation": 5_256, "test": 8_760}


def test_cleaned_table_round_trips_with_the_midnight_fix(warehouse, clean_reference):
    stored = warehouse.execute("SELECT * FROM main.cleaned_steel_readings ORDER BY timestamp").df()
    stored[schema.TIMESTAMP] = stored[schema.TIMESTAMP].astype("datetime64[ns]")
    pd.testing.assert_frame_equal(stored, clean_reference, check_dtype=False)


def test_daily_cost_view_matches_the_tariff_module(warehouse, clean_reference):
    july = clean_reference[
        (clean_reference[schema.TIMESTAMP] > "2018-07-01")
        & (clean_reference[schema.TIMESTAMP] <= "2018-08-01")
    ]
    expected = float(tariff.energy_cost_krw(july[schema.TIMESTAMP], july[schema.USAGE_KWH]).sum())
    got = warehouse.execute(
        "SELECT sum(cost_krw) FROM daily_energy_by_tariff_period WHERE day BETWEEN DATE '2018-07-01' AND DATE '2018-07-31'"
    ).fetchone()[0]
    assert got == pytest.approx(expected, rel=1e-4)  # per-day rounding to whole won
    periods = {
        r[0]
        for r in warehouse.execute(
            "SELECT DISTINCT tariff_period FROM daily_energy_by_tariff_period"
        ).fetchall()
    }
    assert periods == {"light", "medium", "maximum"}


def test_monthly_peaks_and_power_factor_views(warehouse, clean_reference):
    peaks = warehouse.execute("SELECT month, peak_usage_kwh FROM monthly_peaks ORDER BY month").df()
    assert len(peaks) == 12
    assert peaks["peak_usage_kwh"].max() == clean_reference[schema.USAGE_KWH].max() == 157.18
    pf = warehouse.execute("SELECT * FROM power_factor_summary").df()
    assert set(pf["load_type"]) == set(schema.LOAD_TYPES)
    assert pf["mean_lagging_power_factor"].between(0, 100).all()


def test_features_table_has_the_shared_feature_columns(warehouse):
    columns = {r[0] for r in warehouse.execute("DESCRIBE main.steel_features").fetchall()}
    assert set(features.FEATURE_COLUMNS) <= columns


def test_scorecard_and_quality_report_are_queryable(warehouse):
    scores = warehouse.execute("SELECT source, exact_match_pct, passes FROM main.cleaning_scorecard").df()
    assert "course dirty copy" in set(scores["source"])
    assert scores["passes"].all()
    course = scores.set_index("source").loc["course dirty copy", "exact_match_pct"]
    assert course >= 99.8
    report = warehouse.execute("SELECT * FROM main.data_quality_report WHERE metric = 'rows_in'").fetchone()
    assert report[2] == "35040"


def test_summary_names_where_every_output_went(run_result, data_dir):
    text = cli.render_summary(run_result)
    assert "SUCCESS" in text
    assert f"{data_dir / 'warehouse.duckdb'}::main.cleaned_steel_readings" in text
    assert "cleaned_steel_readings.pandera_contract" in text


def test_pointing_the_source_at_the_course_copy_just_works(platform, data_dir, run_result):
    definitions, instance = platform
    job = definitions.resolve_job_def("data_platform")
    config = {
        "ops": {
            "raw_steel_readings": {"config": {"path": str(data_dir / "raw" / "steel_energy_modified.csv")}}
        }
    }
    # an analyst keeps a read-only session open while the run rewrites the cleaning tables (issue 15
    # item 7: the DuckDB IO manager waited ~100 s for the file's lock, then failed)
    analyst = duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True)
    before = analyst.execute("SELECT count(*) FROM main.steel_readings_quarantine").fetchone()[0]
    result = job.execute_in_process(
        instance=instance,
        run_config=config,
        asset_selection=[
            __import__("dagster").AssetKey(k)
            for k in (
                "raw_steel_readings",
                "cleaned_steel_readings",
                "steel_readings_quarantine",
                "steel_readings_repairs",
                "data_quality_report",
            )
        ],
    )
    assert result.success
    assert before == 0  # the UCI file quarantines nothing; the same session now sees the course copy's
    assert analyst.execute("SELECT count(*) FROM main.steel_readings_quarantine").fetchone()[0] == 700
    analyst.close()
    conn = duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True)
    try:
        assert conn.execute("SELECT count(*) FROM main.cleaned_steel_readings").fetchone()[0] == 35_040
        reasons = dict(
            conn.execute("SELECT reason, count(*) FROM main.steel_readings_quarantine GROUP BY 1").fetchall()
        )
    finally:
        conn.close()
    assert sum(reasons.values()) == 700
