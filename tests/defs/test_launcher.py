"""``energy run`` launches through the code location: its runs carry the location's origin, so the
Dagster UI lists them on the Overview timeline and in the job's run history."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest
import yaml
from dagster._core.storage.tags import REPOSITORY_LABEL_TAG
from typer.testing import CliRunner

from energy_assets import launcher
from energy_assets.cli import app

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def project_instance(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The project's own dagster.yaml (DAGSTER_HOME = project root) over a private storage folder."""
    storage = data_dir / "dagster"
    storage.mkdir(exist_ok=True)
    monkeypatch.setenv("ENERGY_DATA_DIR", str(data_dir))
    monkeypatch.setenv("DAGSTER_HOME", str(ROOT))
    monkeypatch.setenv("ENERGY_DAGSTER_STORAGE", str(storage))
    monkeypatch.delenv("ENERGY_RAW_CSV", raising=False)
    return storage


def test_the_location_name_is_the_workspace_one():
    workspace = yaml.safe_load((ROOT / "workspace.yaml").read_text())
    (entry,) = workspace["load_from"]
    assert entry["python_module"]["location_name"] == launcher.LOCATION_NAME
    assert entry["python_module"]["module_name"] == launcher.MODULE_NAME


def test_energy_run_leaves_a_run_with_the_code_location_origin(project_instance: Path):
    out = CliRunner().invoke(app, ["run", "--select", "raw_steel_readings"])
    assert out.exit_code == 0, out.output
    assert ": SUCCESS" in out.output and "raw_steel_readings" in out.output
    with dg.DagsterInstance.get() as instance:
        label = f"__repository__@{launcher.LOCATION_NAME}"
        runs = instance.get_runs(
            dg.RunsFilter(job_name="materialize_all", tags={REPOSITORY_LABEL_TAG: label})
        )
        assert len(runs) == 1
        run = runs[0]
        assert run.status == dg.DagsterRunStatus.SUCCESS
        assert run.remote_job_origin.location_name == launcher.LOCATION_NAME
        assert run.job_code_origin.repository_origin.code_pointer.module == launcher.MODULE_NAME
        assert run.asset_selection == {dg.AssetKey("raw_steel_readings")}
        # the console says INFO and up; the event log the UI reads keeps every (DEBUG) event
        assert run.run_config["loggers"]["console"]["config"]["log_level"] == "INFO"
        assert "STEP_START" not in out.output
        events = {e.dagster_event.event_type_value for e in instance.all_logs(run.run_id) if e.dagster_event}
        assert {"STEP_START", "STEP_SUCCESS", "ASSET_MATERIALIZATION"} <= events


def test_an_unknown_log_level_is_one_line_naming_the_option():
    from energy_assets.cli import one_line

    out = CliRunner().invoke(app, ["run", "--log-level", "loud"])
    assert out.exit_code == 1
    assert one_line(out.exception) == "--log-level 'loud' is not a log level (DEBUG, INFO, WARNING, ERROR)"


def test_a_failed_launched_run_exits_non_zero(project_instance: Path):
    # steel_features alone, with no cleaned table in this fresh warehouse: its input cannot load
    fresh = project_instance.parent / "fresh"
    (fresh / "raw").mkdir(parents=True)
    for csv in (project_instance.parent / "raw").iterdir():
        (fresh / "raw" / csv.name).symlink_to(csv)
    import os

    os.environ["ENERGY_DATA_DIR"] = str(fresh)
    out = CliRunner().invoke(app, ["run", "--select", "steel_features"])
    assert out.exit_code == 1, out.output
    assert ": FAILURE" in out.output


def test_the_jobs_run_in_one_process_whoever_launches_them():
    from energy_assets.definitions import defs

    definitions = defs()
    for job in ("materialize_all", "data_platform", "retrain"):
        assert definitions.resolve_job_def(job).executor_def.name == "in_process", job


def test_a_selected_output_of_a_multi_asset_brings_its_whole_step():
    from energy_assets.definitions import defs

    definitions = defs()
    keys, added = launcher.resolve_selection(["steel_readings_quarantine", "raw_steel_readings"], definitions)
    names = [key.to_user_string() for key in keys]
    assert set(names) == {
        "steel_readings_quarantine",
        "raw_steel_readings",
        "cleaned_steel_readings",
        "steel_readings_repairs",
        "data_quality_report",
    }
    assert len(names) == len(set(names))
    assert sorted(added) == ["cleaned_steel_readings", "data_quality_report", "steel_readings_repairs"]
    keys, added = launcher.resolve_selection(["tariff_prices"], definitions)
    assert (keys, added) == ([dg.AssetKey("tariff_prices")], [])
    with pytest.raises(
        ValueError, match=r"--select 'cleaned_stel_readings'.*did you mean cleaned_steel_readings"
    ):
        launcher.resolve_selection(["cleaned_stel_readings"], definitions)
    with pytest.raises(ValueError, match=r"--select 'nope': no asset of that name \(the Dagster UI"):
        launcher.resolve_selection(["nope"], definitions)
