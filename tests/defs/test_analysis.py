"""The analysis group in Dagster on the real cleaned year, and the alert sensors against loopback servers.

Upstream tables are written by stand-in assets from real computations (the cleaner on the reference,
the physics estimator, a seasonal-naive backtest, a small LightGBM and XGBoost), so the test does not
re-run the training group.
"""

import dagster as dg
import polars as pl
import pytest

from energy_assets.defs.analysis import assets as analysis
from energy_assets.defs.cleaning.assets import report_table
from energy_assets.defs.monitoring import alert_sensors as sensors
from energy_assets.defs.resources import ChampionStore
from energy_assets.defs.storage import ParquetWarehouseIOManager, WarehouseResource
from energy_assets.defs.training.io import ModelStoreIOManager
from energy_assets.domain import features
from energy_assets.domain.data import cleaning, frames, ingest
from energy_assets.domain.features import splits
from energy_assets.domain.monitoring import alerts
from energy_assets.domain.tasks import ESTIMATE, FORECAST, TEMPORAL
from energy_assets.domain.training import champion, leaderboard
from energy_assets.domain.training.estimate import estimate_datasets, evaluate_estimator
from energy_assets.domain.training.forecast import ForecastConfig, evaluate_forecaster
from tests.domain.monitoring import test_alerts

smtp_server = test_alerts.smtp_server
webhook_server = test_alerts.webhook_server


@pytest.fixture(scope="module")
def env(tmp_path_factory, reference_csv):
    folder = tmp_path_factory.mktemp("analysis")
    patch = pytest.MonkeyPatch()
    patch.setenv("ENERGY_DATA_DIR", str(folder))
    cleaned = cleaning.clean(ingest.read_raw(reference_csv))
    clean = cleaned.cleaned
    table = features.build_features(clean)
    split_frame = splits.build_splits(table)
    data = estimate_datasets(table, split_frame)
    temporal = data[TEMPORAL]
    physics = evaluate_estimator("physics", data)
    trees = {
        family: evaluate_estimator(family, temporal, params={"n_estimators": 40}, n_jobs=1)
        for family in ("lightgbm", "xgboost")
    }
    naive = evaluate_forecaster("seasonal_naive", clean, split_frame, config=ForecastConfig(max_origins=2))
    board = leaderboard.leaderboard_rows(
        [physics, *trees.values()],
        [naive],
        champions={ESTIMATE: "physics", FORECAST: naive.family},
    )
    champion_root = folder / "champion"
    for result in (physics, naive):
        champion.write_bundle(result, champion_root, data_version="test", code_version="test")

    def stand_in(name, value, io_manager_key="io_manager"):
        @dg.asset(name=name, io_manager_key=io_manager_key)
        def _asset():
            return value

        return _asset

    upstream = [
        stand_in("cleaned_steel_readings", frames.to_polars(clean)),
        stand_in("steel_features", frames.to_polars(table)),
        stand_in("steel_splits", frames.to_polars(split_frame)),
        stand_in("data_quality_report", pl.from_pandas(report_table(cleaned.report))),
        stand_in("model_leaderboard", pl.from_pandas(board)),
        stand_in("estimate_lightgbm", trees["lightgbm"], "model_store"),
        stand_in("estimate_xgboost", trees["xgboost"], "model_store"),
    ]
    database = str(folder / "warehouse.duckdb")
    resources = {
        "io_manager": ParquetWarehouseIOManager(database=database),
        "warehouse": WarehouseResource(database=database),
        "model_store": ModelStoreIOManager(base_dir=str(folder / "models")),
        "champion_store": ChampionStore(),
    }
    with dg.instance_for_test() as instance:
        assert dg.materialize(upstream, instance=instance, resources=resources).success
        yield {
            "instance": instance,
            "resources": resources,
            "upstream": upstream,
            "folder": folder,
            "champion_root": champion_root,
            "board": board,
            "clean": clean,
        }
    patch.undo()


ANALYSIS_ASSETS = [
    *analysis.CLEAN_EDA_ASSETS,
    analysis.eda_feature_ranking,
    analysis.eda_data_quality_summary,
    analysis.onnx_decision,
    analysis.generated_documents,
]


@pytest.fixture(scope="module")
def materialized(env):
    docs = env["folder"] / "docs"
    result = dg.materialize(
        [*ANALYSIS_ASSETS, *env["upstream"]],
        selection=ANALYSIS_ASSETS,
        instance=env["instance"],
        resources=env["resources"],
        run_config={
            "ops": {
                "generated_documents": {
                    "config": {"docs_dir": str(docs), "champion_folder": str(env["champion_root"])}
                }
            }
        },
    )
    assert result.success
    return result, docs


def _metadata(result, key: str) -> dict:
    (event,) = [e for e in result.get_asset_materialization_events() if e.asset_key == dg.AssetKey(key)]
    return event.step_materialization_data.materialization.metadata


def test_eda_assets_attach_figures_and_findings(materialized, env):
    result, _ = materialized
    for key in analysis.EDA_KEYS:
        meta = _metadata(result, key)
        assert "data:image/png;base64," in meta["figures"].value, key
        assert meta["findings"].value.startswith("- "), key
        for path in meta["figure_paths"].value:
            assert path.startswith(str(env["folder"] / "reports" / "figures")), path
    profile = _metadata(result, "eda_consumption_profiles")
    usage = env["clean"]["usage_kwh"]
    assert profile["maximum_load_energy_share_pct"].value == pytest.approx(
        usage[env["clean"]["load_type"] == "Maximum_Load"].sum() / usage.sum() * 100
    )


def test_eda_summaries_are_warehouse_tables(materialized, env):
    import duckdb

    with duckdb.connect(str(env["folder"] / "warehouse.duckdb"), read_only=True) as conn:
        frame = conn.execute("SELECT name, value, text FROM main.eda_descriptive_statistics").df()
    rows = frame.set_index("name")
    assert rows.loc["rows", "value"] == len(env["clean"])
    assert frame["text"].str.contains("MWh").any()


def test_onnx_decision_measures_both_tree_families(materialized):
    result, _ = materialized
    meta = _metadata(result, "onnx_decision")
    serve = meta["serve_onnx"].value
    assert set(serve) == {"lightgbm", "xgboost"}
    assert "max_abs_diff" in meta["decisions"].value


def test_generated_documents_quote_the_leaderboard_and_eda(materialized, env):
    _, docs = materialized
    canvas = (docs / "ML_Canvas.md").read_text(encoding="utf-8")
    for title in ("1. Value proposition", "2. Prediction task", "9. Monitoring"):
        assert f"## {title}" in canvas
    assert canvas.count("\n## ") == 10  # nine canvas sections + figures
    board = env["board"]
    physics_test = board[(board["model"] == "physics") & (board["split"] == "test")]["rmse"].item()
    assert f"{physics_test:.4f}" in canvas
    total = env["clean"]["usage_kwh"].sum() / 1000
    assert f"{total:,.1f} MWh" in canvas
    card = (docs / "model_cards" / "estimate.md").read_text(encoding="utf-8")
    assert "physics" in card and "tree families" in card  # ONNX does not apply to the physics champion
    assert (docs / "model_cards" / "forecast.md").is_file()


# --- alert sensors --------------------------------------------------------------------------------------
class Verdict(dg.Config):
    verdict: str


class Fail(dg.Config):
    fail: bool


def _drift_report_asset():
    @dg.asset(name="drift_report")
    def drift_report(config: Verdict) -> dg.MaterializeResult:
        return dg.MaterializeResult(
            metadata={
                "verdict": config.verdict,
                "drift": config.verdict == "drift",
                "reasons": dg.MetadataValue.json(
                    ["psi usage_kwh 0.4 > 0.25"] if config.verdict == "drift" else []
                ),
                "window_start": "2018-12-11",
                "window_end": "2018-12-17",
            }
        )

    return drift_report


def test_drift_alert_sensor_sends_one_alert_per_episode(smtp_server, webhook_server, monkeypatch):
    url, received = webhook_server
    for key, value in test_alerts._env(smtp_server, url).items():
        monkeypatch.setenv(key, value)
    asset = _drift_report_asset()
    with dg.instance_for_test() as instance:
        cursor = None
        for verdicts in (["ok", "drift"], ["drift"], ["drift", "ok"], ["drift"]):
            for verdict in verdicts:
                run_config = {"ops": {"drift_report": {"config": {"verdict": verdict}}}}
                assert dg.materialize([asset], instance=instance, run_config=run_config).success
            context = dg.build_sensor_context(instance=instance, cursor=cursor)
            outcome = sensors.drift_alert_sensor(context)
            cursor = outcome.cursor
        idle = sensors.drift_alert_sensor(dg.build_sensor_context(instance=instance, cursor=cursor))
    assert isinstance(idle, dg.SkipReason)
    mails = smtp_server[1].messages
    assert len(mails) == 2 and len(received) == 2  # episodes opened at the 2nd and the 6th report
    assert all(m["Subject"].startswith("[energy-copilot] drift detected") for _, _, m in mails)
    assert received[0][1]["details"]["reasons"] == ["psi usage_kwh 0.4 > 0.25"]
    assert received[0][1]["episode"] != received[1][1]["episode"]


def test_run_failure_sensor_alerts_once_per_failing_streak(webhook_server, monkeypatch):
    url, received = webhook_server
    monkeypatch.setenv(alerts.WEBHOOK_URL_ENV, url)

    @dg.asset
    def flaky(config: Fail) -> dg.MaterializeResult:
        if config.fail:
            raise RuntimeError("meter feed unreachable")
        return dg.MaterializeResult()

    with dg.instance_for_test() as instance:
        for fail in (True, True, False, True):
            run = dg.materialize(
                [flaky],
                instance=instance,
                raise_on_error=False,
                run_config={"ops": {"flaky": {"config": {"fail": fail}}}},
            )
            if fail:
                context = dg.build_run_status_sensor_context(
                    sensor_name="run_failure_alert_sensor",
                    dagster_instance=instance,
                    dagster_run=run.dagster_run,
                    dagster_event=run.get_run_failure_event(),
                ).for_run_failure()
                sensors.run_failure_alert_sensor(context)
    assert len(received) == 2  # first failure, then the failure after the success
    assert all(p["kind"] == "run_failure" for _, p in received)
    assert "meter feed unreachable" in received[0][1]["body"]
