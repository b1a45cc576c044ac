"""Monitoring in Dagster: a replayed week, the drift report, the retrain sensor and the schedules.

Runs on a real temporary instance and a real DuckDB file. The upstream tables are written by
small stand-in assets (the cleaned reference, the history and its splits), so the test does not re-run ingest.
The replay is delivered through the readings inbox (real folder, real inbox sensor, real cleaner).
"""

from __future__ import annotations

import json

import dagster as dg
import duckdb
import pandas as pd
import polars as pl
import pytest

from energy_assets.defs.monitoring import assets, jobs, partitions, schedules, sensors
from energy_assets.defs.operations import sensors as operations_sensors
from energy_assets.defs.resources import ChampionStore, Inbox
from energy_assets.defs.storage import ParquetWarehouseIOManager, WarehouseResource
from energy_assets.domain.data import frames, schema
from energy_assets.domain.features import splits
from energy_assets.domain.live import inbox as inbox_layouts
from energy_assets.domain.live import simulator

WEEK = [d.strftime("%Y-%m-%d") for d in pd.date_range("2018-12-11", "2018-12-17")]


@pytest.fixture(scope="module")
def env(tmp_path_factory, clean_reference):
    folder = tmp_path_factory.mktemp("monitoring")
    patch = pytest.MonkeyPatch()
    patch.setenv("ENERGY_DATA_DIR", str(folder))
    database = str(folder / "warehouse.duckdb")
    resources = {
        "io_manager": ParquetWarehouseIOManager(database=database),
        "warehouse": WarehouseResource(database=database),
        "champion_store": ChampionStore(),
        "inbox": Inbox(folder=str(folder / "inbox"), settle_seconds=0),
    }

    @dg.asset(name="cleaned_steel_readings")
    def cleaned_stand_in() -> pl.DataFrame:
        return frames.to_polars(clean_reference)

    @dg.asset(name="plant_readings")
    def history_stand_in() -> pl.DataFrame:
        return frames.to_polars(clean_reference)  # an empty inbox: the base cleaning

    @dg.asset(name="steel_splits")
    def splits_stand_in() -> pl.DataFrame:
        return frames.to_polars(splits.build_splits(clean_reference))

    upstream = [cleaned_stand_in, history_stand_in, splits_stand_in]
    with dg.instance_for_test() as instance:
        assert dg.materialize(upstream, instance=instance, resources=resources).success
        yield {
            "instance": instance,
            "resources": resources,
            "upstream": upstream,
            "folder": folder,
            "db": database,
        }
    patch.undo()


def _feed(env, days, scenario="none"):
    for day in days:
        result = dg.materialize(
            [assets.plant_feed, *env["upstream"]],
            selection=[assets.plant_feed],
            partition_key=day,
            instance=env["instance"],
            resources=env["resources"],
            run_config={"ops": {"plant_feed": {"config": {"scenario": scenario, "seed": 7}}}},
        )
        assert result.success


def _report(env) -> dict:
    result = dg.materialize(
        [assets.drift_report, assets.drift_history, assets.plant_feed, *env["upstream"]],
        selection=[assets.drift_report, assets.drift_history],
        instance=env["instance"],
        resources=env["resources"],
        run_config={
            "ops": {"drift_report": {"config": {"champion_folder": str(env["folder"] / "no-bundle")}}}
        },
    )
    assert result.success
    [event] = [e for e in result.get_asset_materialization_events() if e.asset_key == assets.DRIFT_REPORT]
    return {k: v.value for k, v in event.materialization.metadata.items()}


def _retrain_definitions() -> dg.Definitions:
    """The project's real definitions: the sensor's target is the real ``retrain`` job."""
    from energy_assets.definitions import defs

    return defs()


def _tick(env, cursor):
    if "definitions" not in env:
        env["definitions"] = _retrain_definitions()
    context = dg.build_sensor_context(instance=env["instance"], cursor=cursor, definitions=env["definitions"])
    return sensors.drift_retrain_sensor(context), context


@pytest.fixture(scope="module")
def clean_week(env):
    _feed(env, WEEK)
    return _report(env)


def test_feed_partitions_are_plant_days_of_the_test_period():
    keys = partitions.plant_feed_partitions.get_partition_keys()
    assert (keys[0], keys[-1], len(keys)) == ("2018-10-02", "2018-12-31", 91)
    assert partitions.plant_feed_partitions.timezone == "Asia/Seoul"


def _inbox_requests(env) -> list[dg.RunRequest]:
    """One tick of the real inbox sensor over the feed's inbox: the ingest runs it asks for."""
    context = dg.build_sensor_context(
        instance=env["instance"],
        cursor=env.get("inbox_cursor"),
        resources={"inbox": env["resources"]["inbox"]},
    )
    result = operations_sensors.inbox_sensor(context)
    env["inbox_cursor"] = result.cursor
    return list(result.run_requests or [])


def test_the_feed_is_delivered_through_the_inbox(env, clean_week, clean_reference):
    """Each replayed day is a day file in the inbox (UCI export layout) that the inbox sensor ingests
    and the base export's cleaner reads back exactly as the day it replays."""
    inbox = env["resources"]["inbox"]
    names = [simulator.day_name(pd.Timestamp(d).date()) for d in WEEK]
    assert sorted(p.name for p in inbox.path().iterdir()) == names
    requests = _inbox_requests(env)
    assert sorted(r.partition_key for r in requests) == names
    read, result = inbox.clean(inbox.path() / names[-1])
    assert read.layout == inbox_layouts.UCI_EXPORT and result.report["rows_quarantined"] == 0
    day = clean_reference[clean_reference[schema.TIMESTAMP].between("2018-12-17 00:15", "2018-12-18 00:00")]
    got = result.cleaned[list(schema.CLEAN_COLUMNS)].reset_index(drop=True)
    pd.testing.assert_frame_equal(got, day.reset_index(drop=True), check_dtype=False)
    assert _inbox_requests(env) == []  # nothing new: no second run


def test_clean_week_gives_no_retrain(env, clean_week):
    assert clean_week["verdict"] == "ok"
    assert clean_week["window_days"] == 7
    assert clean_week["rolling_rmse"] < 0.05  # physics champion on healthy readings
    assert clean_week["max_psi"] < 0.2
    assert (env["folder"] / "reports" / "drift" / "2018-12-17.html").stat().st_size > 100_000
    result, _ = _tick(env, None)
    assert isinstance(result, dg.SensorResult)
    assert not result.run_requests
    env["cursor"] = result.cursor


def test_injected_drift_requests_exactly_one_gpu_retrain(env, clean_week):
    _feed(env, WEEK[-2:], scenario="stuck_sensor")
    # the faulty days are delivered again (new bytes): two new ingest runs, the same file names
    if "inbox_cursor" in env:
        redelivered = _inbox_requests(env)
        assert sorted(r.partition_key for r in redelivered) == [
            simulator.day_name(pd.Timestamp(d).date()) for d in WEEK[-2:]
        ]
    report = _report(env)
    assert report["verdict"] == "drift"
    assert report["max_psi_feature"] == "triangle_consistent"
    assert report["rolling_rmse"] > 0.25
    result, _ = _tick(env, env["cursor"])
    assert len(result.run_requests) == 1
    request = result.run_requests[0]
    assert request.job_name in (None, jobs.RETRAIN_JOB)
    assert request.tags["energy/accelerator"] == "gpu"
    k8s = json.loads(request.tags["dagster-k8s/config"])
    assert k8s["container_config"]["resources"]["limits"]["nvidia.com/gpu"] == "1"
    # the same episode: a second tick, then a second drifted report, request nothing new
    again, _ = _tick(env, result.cursor)
    assert isinstance(again, dg.SkipReason)
    _report(env)
    third, _ = _tick(env, result.cursor)
    assert not third.run_requests
    env["cursor"] = third.cursor
    # history: one row per report, the last two drifted
    with duckdb.connect(env["db"], read_only=True) as conn:
        verdicts = [
            r[0]
            for r in conn.execute("SELECT verdict FROM main.drift_history ORDER BY recorded_at").fetchall()
        ]
        metrics = json.loads(
            conn.execute("SELECT metrics_json FROM main.drift_history LIMIT 1").fetchone()[0]
        )
    assert verdicts == ["ok", "drift", "drift"]
    assert 0 <= metrics["evidently"]["drifted_columns_share"] <= 1


def test_a_new_episode_after_recovery_triggers_again(env, clean_week):
    if "cursor" not in env:
        pytest.skip("needs the drift test's cursor")
    _feed(env, WEEK[-2:])
    assert _report(env)["verdict"] == "ok"
    _feed(env, WEEK[-2:], scenario="co2_plus_50pct")
    assert _report(env)["verdict"] == "drift"
    result, _ = _tick(env, env["cursor"])
    assert len(result.run_requests) == 1
    assert result.run_requests[0].run_key.startswith("drift-episode-")


def test_schedules_run_on_plant_time(env, clean_week):
    assert schedules.weekly_retrain_schedule.cron_schedule == "0 3 * * 0"
    assert schedules.weekly_retrain_schedule.job_name == jobs.RETRAIN_JOB
    assert schedules.weekly_retrain_schedule.tags["energy/accelerator"] == "gpu"
    assert schedules.weekly_drift_report_schedule.cron_schedule == "0 9 * * 1"
    assert schedules.daily_plant_feed_schedule.cron_schedule == "0 1 * * *"
    for schedule in (
        schedules.weekly_retrain_schedule,
        schedules.weekly_drift_report_schedule,
        schedules.daily_plant_feed_schedule,
    ):
        assert schedule.execution_timezone == "Asia/Seoul"
    context = dg.build_schedule_context(instance=env["instance"])
    request = schedules.daily_plant_feed_schedule(context)
    assert request.partition_key == "2018-10-02"  # the first day not yet replayed


def test_definitions_resolve_with_the_retrain_job():
    definitions = _retrain_definitions()
    assert definitions.resolve_job_def(jobs.RETRAIN_JOB).name == jobs.RETRAIN_JOB
    assert definitions.resolve_sensor_def("drift_retrain_sensor").job_name == jobs.RETRAIN_JOB
    graph = definitions.resolve_asset_graph()
    assert graph.get(dg.AssetKey("drift_report")).group_name == "monitoring"
    assert graph.get(dg.AssetKey("plant_feed")).partitions_def == partitions.plant_feed_partitions


def test_drift_report_reads_the_champion_bundle(env, clean_week, clean_reference, monkeypatch):
    """By default from the training group's champion root (ENERGY_CHAMPION_DIR here)."""
    from energy_assets.domain.models.estimate.triangle import PowerTriangleEstimator
    from energy_assets.domain.training import champion
    from energy_assets.domain.training.results import EstimateResult

    model = PowerTriangleEstimator().fit(clean_reference)
    result = EstimateResult(
        "physics",
        model,
        model.params(),
        {"validation": {"rmse": 0.02}},
        0.0,
        1.0,
        1,
        tuple(model.feature_names),
        "cpu",
    )
    folder = champion.write_bundle(
        result, env["folder"] / "champion", data_version="test", code_version="test"
    )
    outcome = dg.materialize(
        [assets.drift_report, assets.plant_feed, *env["upstream"]],
        selection=[assets.drift_report],
        instance=env["instance"],
        resources=env["resources"],
    )
    [event] = outcome.get_asset_materialization_events()
    metadata = event.materialization.metadata
    assert metadata["champion"].value == f"physics ({folder})"
    assert metadata["rolling_rmse"].value < 0.25
