"""The training group end to end on the real data with small budgets: MLflow, leaderboard, champions."""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path

import dagster as dg
import duckdb
import mlflow
import pytest
from typer.testing import CliRunner

from energy_assets import launcher
from energy_assets.cli import app
from energy_assets.defs.training import assets as training_assets
from energy_assets.domain.training import champion, tracking

pytestmark = pytest.mark.slow

DATA_ASSETS = [
    "raw_steel_readings",
    "cleaned_steel_readings",
    "steel_readings_quarantine",
    "steel_readings_repairs",
    "data_quality_report",
    "plant_readings",
    "plant_readings_sources",
    "readings_ingest_audit",
    "steel_features",
    "steel_splits",
]


def _small_config(champion_dir: Path) -> dict:
    estimate = {"config": {"n_trials": 1, "timeout_s": 5.0, "n_jobs": 1}}
    forecast = {
        "config": {
            "max_origins": 3,
            "n_estimators": 30,
            "n_jobs": 1,
            "chronos_model": "/nonexistent/chronos-2",
            "timesfm_model": "/nonexistent/timesfm",
        }
    }
    ops = {key: estimate for key in training_assets.ESTIMATE_KEYS.values()}
    forecast_keys = [
        *training_assets.FORECAST_KEYS.values(),
        training_assets.ENSEMBLE_KEY,
        training_assets.NOWCAST_KEY,
    ]
    ops |= {key: forecast for key in forecast_keys}
    ops |= {
        name: {"config": {"folder": str(champion_dir)}}
        for name in ("champion_estimate_model", "champion_forecast_model")
    }
    return {"ops": ops}


@pytest.fixture(scope="module")
def platform_servers(platform, data_dir):
    """The Dagster and MLflow UIs over this module's instance and store, started before the training so
    that their start-up (the code location's import above all) overlaps it; None without chromium."""
    from tests.ui import platform_uis
    from tests.ui.browser import CHROMIUM

    if not CHROMIUM.exists() or importlib.util.find_spec("playwright") is None:
        yield None
        return
    _, instance = platform
    uri = tracking.tracking_uri()
    tracking.ensure_experiment(uri)  # the store exists before the server opens it (no schema race)
    started = platform_uis.Started(Path(instance.root_directory), data_dir, uri)
    yield started
    started.stop()


@pytest.fixture(scope="module")
def trained(platform, data_dir, tmp_path_factory, platform_servers):
    definitions, instance = platform
    champion_dir = tmp_path_factory.mktemp("champion")
    data = definitions.resolve_job_def("data_platform").execute_in_process(
        instance=instance, asset_selection=[dg.AssetKey(k) for k in DATA_ASSETS]
    )
    assert data.success
    # launched through the code location, as `energy run` does: the run carries the location's origin,
    # so the Dagster UI lists it in the job's history (test_the_platform_uis_in_chromium)
    result = launcher.launch_job(instance, "retrain", run_config=_small_config(champion_dir))
    assert result.success
    return result, champion_dir


def test_estimate_champion_is_physics_and_meets_the_targets(trained):
    _, champion_dir = trained
    card = champion.read_bundle_card(champion_dir / "estimate")
    assert card["family"] == "physics"
    test = card["metrics"]["test"]
    assert test["rmse"] <= 0.05 and test["mae"] <= 0.02 and test["cv_pct"] <= 0.2
    assert card["data_version"].startswith("frame:") and card["code_version"]


def test_bundles_load_and_predict_in_a_fresh_process(trained):
    _, champion_dir = trained
    script = (
        "import sys, pandas as pd\n"
        "from energy_assets.domain.training import champion\n"
        "b = champion.load_bundle(sys.argv[1] + '/forecast')\n"
        "h = pd.read_parquet(sys.argv[1] + '/forecast/history.parquet')\n"
        "f = b.model.predict(h, h['timestamp'].max(), 96)\n"
        "e = champion.load_bundle(sys.argv[1] + '/estimate')\n"
        "print(len(f), b.family, e.family)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script, str(champion_dir)], capture_output=True, text=True, check=True
    )
    rows, _, family = out.stdout.split()
    assert rows == "96" and family == "physics"


def test_leaderboard_has_every_family_and_the_published_anchor(trained, data_dir):
    con = duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True)
    try:
        table = con.execute("SELECT task, model, split, rmse, status FROM main.model_leaderboard").df()
    finally:
        con.close()
    models = set(table["model"])
    assert {
        "physics",
        "hybrid",
        "cubist",
        "xgboost",
        "lightgbm",
        "seasonal_naive",
        "lightgbm_quantile",
        "xgboost_quantile",
        "profile_blend",
        "chronos",
        "timesfm",
    } <= models
    anchor = table[table["status"] == "published"]
    assert anchor["rmse"].tolist() == [0.2410]
    foundation = table[table["model"].isin(["chronos", "timesfm"])]
    assert foundation["rmse"].isna().all()
    assert foundation["status"].str.startswith("not evaluated").all()
    con = duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True)
    try:
        plans = con.execute(
            "SELECT DISTINCT plan FROM main.model_leaderboard WHERE model = 'profile_blend'"
        ).df()
        bands = con.execute("SELECT model, split, plan, band, mase FROM main.forecast_horizon_bands").df()
    finally:
        con.close()
    assert sorted(plans["plan"]) == ["derived", "plant"]
    assert {"seasonal_naive", "profile_blend", "weighted_ensemble"} <= set(bands["model"])
    assert set(bands["band"]) == {"15 min", "1 h", "4 h", "12 h", "24 h"}
    con = duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True)
    try:
        hours = con.execute(
            "SELECT DISTINCT origin_hour FROM main.forecast_horizon_bands "
            "WHERE origins = 'hourly' AND origin_hour IS NOT NULL ORDER BY 1"
        ).df()
    finally:
        con.close()
    assert hours["origin_hour"].tolist() == [0.0, 3.0, 6.0, 9.0, 12.0, 15.0, 18.0, 21.0]


def test_leaderboard_cli_json(trained, data_dir, monkeypatch):
    monkeypatch.setenv("ENERGY_DATA_DIR", str(data_dir))
    out = CliRunner().invoke(app, ["leaderboard", "--json"])
    assert out.exit_code == 0, out.output
    records = json.loads(out.output)
    for record in records:
        assert {"task", "model", "split", "rmse", "mae", "cv_pct"} <= set(record)
        if record["task"] == "forecast":
            assert {"mase", "coverage_80"} <= set(record)
    cubist = [r for r in records if r["model"] == "cubist" and r["split"] == "paper_test"]
    assert cubist and cubist[0]["rmse"] > 0


def test_mlflow_holds_one_run_per_family_with_versions(trained, data_dir):
    client = mlflow.MlflowClient(tracking_uri=tracking.tracking_uri())
    experiment = client.get_experiment_by_name(tracking.EXPERIMENT)
    runs = client.search_runs([experiment.experiment_id], max_results=200)
    names = {r.info.run_name for r in runs}
    assert {
        "estimate-physics",
        "estimate-cubist",
        "forecast-lightgbm_quantile",
        "forecast-profile_blend",
        "champion-estimate",
    } <= names
    physics = next(r for r in runs if r.info.run_name == "estimate-physics")
    assert physics.data.tags["data_version"].startswith("frame:")
    assert "test_rmse" in physics.data.metrics


def test_a_second_promotion_keeps_the_current_champion(platform, trained):
    definitions, instance = platform
    _, champion_dir = trained
    result = definitions.resolve_job_def("retrain").execute_in_process(
        instance=instance,
        run_config={"ops": {"champion_estimate_model": {"config": {"folder": str(champion_dir)}}}},
        asset_selection=[dg.AssetKey("champion_estimate_model")],
    )
    assert result.success
    mat = result.get_asset_materialization_events()[0].event_specific_data.materialization
    assert mat.metadata["promoted"].value is False
    assert mat.metadata["decision"].value.startswith("kept physics")


def test_the_registry_and_the_bundle_name_the_same_champion_version(trained, data_dir):
    _, champion_dir = trained
    client = mlflow.MlflowClient(tracking_uri=tracking.tracking_uri())
    for task in ("estimate", "forecast"):
        card = champion.read_bundle_card(champion_dir / task)
        registry = card["extra"]["registry"]
        entry = client.get_model_version_by_alias(tracking.registered_name(task), "champion")
        assert registry["version"] == str(entry.version)
        assert entry.tags["data_version"] == card["data_version"]
        assert entry.tags["code_version"] == card["code_version"]
        loaded = mlflow.pyfunc.load_model(f"models:/{tracking.registered_name(task)}@champion")
        assert loaded.metadata.get_input_schema() is not None


def test_dagster_and_mlflow_runs_link_both_ways(trained):
    result, _ = trained
    client = mlflow.MlflowClient(tracking_uri=tracking.tracking_uri())
    experiment = client.get_experiment_by_name(tracking.EXPERIMENT)
    mats = {
        e.event_specific_data.materialization.asset_key.to_user_string(): e.event_specific_data.materialization
        for e in result.get_asset_materialization_events()
    }
    url = mats["estimate_lightgbm"].metadata["mlflow_run"].value
    run_id = url.rsplit("/", 1)[1]
    run = client.get_run(run_id)
    assert run.data.tags["dagster_run_url"].endswith(f"/runs/{result.run_id}")
    assert run.data.tags["dagster_asset"] == "estimate_lightgbm"
    (model,) = mlflow.search_logged_models(
        experiment_ids=[experiment.experiment_id],
        filter_string=f"source_run_id = '{run_id}'",
        output_format="list",
    )
    assert "lightgbm" in mlflow.models.get_model_info(model.model_uri).flavors
    parent = client.get_run(run.data.tags["mlflow.parentRunId"])
    assert parent.info.status == "FINISHED"
    assert parent.data.tags["dagster_run_url"].endswith(f"/runs/{result.run_id}")


def test_a_failed_dagster_run_is_a_failed_mlflow_run(platform, tmp_path, monkeypatch):
    _, instance = platform
    # a fresh warehouse: estimate_physics cannot load its inputs, the step fails
    monkeypatch.setenv("ENERGY_WAREHOUSE", str(tmp_path / "empty.duckdb"))
    from energy_assets.definitions import defs

    result = (
        defs()
        .resolve_job_def("retrain")
        .execute_in_process(
            instance=instance, asset_selection=[dg.AssetKey("estimate_physics")], raise_on_error=False
        )
    )
    assert not result.success
    client = mlflow.MlflowClient(tracking_uri=tracking.tracking_uri())
    experiment = client.get_experiment_by_name(tracking.EXPERIMENT)
    (parent,) = client.search_runs([experiment.experiment_id], f"tags.dagster_run_id = '{result.run_id}'")
    assert parent.info.status == "FAILED"


def _floats(value):
    """Every float inside a metadata value (JSON metadata included)."""
    raw = getattr(value, "value", value)
    if isinstance(raw, float):
        yield raw
    elif isinstance(raw, dict):
        for item in raw.values():
            yield from _floats(item)
    elif isinstance(raw, list):
        for item in raw:
            yield from _floats(item)


def test_training_metadata_is_rounded_and_names_its_units(trained):
    result, _ = trained
    for event in result.get_asset_materialization_events():
        mat = event.event_specific_data.materialization
        for key, value in mat.metadata.items():
            for number in _floats(value):
                assert float(f"{number:.6g}") == number, (
                    f"{mat.asset_key.to_user_string()}.{key} = {number!r}"
                )
        if mat.asset_key.to_user_string() == "champion_forecast_model" and "card_intraday" in mat.metadata:
            # what /forecast serves 15 minutes ahead at the operating-day origins, beside persistence
            served = mat.metadata["card_intraday"].value["served_15min"]
            assert mat.metadata["served_15min_model"].value == served["model"]
            if served["test"] is not None:
                test_mae = mat.metadata["served_15min_test_mae_kwh"].value
                assert test_mae == pytest.approx(served["test"]["mae"])
                assert "served_15min_test_persistence_mae_kwh" in mat.metadata
            else:  # only the day-ahead model's hourly validation backtest is kept
                assert served["model"] != "nowcast"
        if mat.asset_key.to_user_string() == "estimate_physics":
            assert "validation_rmse_kwh" in mat.metadata and "validation_rmse" not in mat.metadata
            assert mat.metadata["mlflow_run"].value.startswith("http")


def test_after_the_history_moved_the_old_champion_is_scored_on_the_new_window(platform, trained):
    """The serving champions' cards say they were trained on another history: each old bundle is
    loaded and scored on the candidate's validation window, the decision is made on those two
    scores, and both are in the metadata (the cards are restored afterwards)."""
    definitions, instance = platform
    _, champion_dir = trained
    saved = {
        task: (champion_dir / task / champion.BUNDLE_FILE).read_text() for task in ("estimate", "forecast")
    }
    try:
        for task, text in saved.items():
            card = json.loads(text)
            card["extra"]["training_data_version"] = "sha256:an-older-history"
            (champion_dir / task / champion.BUNDLE_FILE).write_text(json.dumps(card))
        keys = ("champion_estimate_model", "champion_forecast_model")
        result = definitions.resolve_job_def("retrain").execute_in_process(
            instance=instance,
            run_config={"ops": {k: {"config": {"folder": str(champion_dir)}} for k in keys}},
            asset_selection=[dg.AssetKey(k) for k in keys],
        )
        assert result.success
        for event in result.get_asset_materialization_events():
            meta = event.event_specific_data.materialization.metadata
            compared = meta["promotion_comparison"].value
            assert "new validation window" in meta["decision"].value
            assert compared["champion_rmse"] == meta["new_window_old_champion_rmse_kwh"].value
            assert compared["candidate_rmse"] == meta["new_window_candidate_rmse_kwh"].value
            beats = compared["candidate_rmse"] < compared["champion_rmse"]
            assert meta["promoted"].value is beats
    finally:
        for task, text in saved.items():
            (champion_dir / task / champion.BUNDLE_FILE).write_text(text)


def test_the_platform_uis_in_chromium(trained, platform_servers):
    """Dagster's asset and run pages and MLflow's experiment, run and registry pages over this module's
    trained instance and store (no training of its own), as a data engineer and an analyst open them."""
    from tests.ui import platform_uis
    from tests.ui.browser import CHROMIUM, NO_CHROMIUM

    if not CHROMIUM.exists():
        pytest.skip(NO_CHROMIUM)
    pytest.importorskip("playwright.sync_api", reason="needs `pip install playwright` (no browser download)")
    result, champion_dir = trained
    mats = {
        e.event_specific_data.materialization.asset_key.to_user_string(): e.event_specific_data.materialization
        for e in result.get_asset_materialization_events()
    }
    run_url = mats["estimate_lightgbm"].metadata["mlflow_run"].value
    experiment_id, run_id = re.search(r"/experiments/([^/]+)/runs/([^/?]+)", run_url).groups()
    version = champion.read_bundle_card(champion_dir / "estimate")["extra"]["registry"]["version"]
    found = platform_servers.wait()
    with platform_uis.browser_page() as page:
        walk = platform_uis.Walk(page)
        platform_uis.walk_dagster(
            walk,
            found.dagster,
            asset="estimate_lightgbm",
            description="LightGBM",
            owner="energy-ml",
            mlflow_run_path=f"/#/experiments/{experiment_id}/runs/{run_id}",
            job="retrain",
            run_id=result.run_id,
        )
        platform_uis.walk_mlflow(
            walk,
            found.mlflow,
            experiment_id=experiment_id,
            parent_run="retrain",
            run_id=run_id,
            run_name="estimate-lightgbm",
            dataset="steel_features",
            registered=tracking.registered_name("estimate"),
            champion_version=str(version),
        )
    assert not walk.defects, walk.defects
