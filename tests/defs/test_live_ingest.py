"""The live loop through Dagster, as the issue's "Done when" states it: 14 days of readings moved to
2025 dropped into the inbox one day at a time (a duplicated file, an overlapping correction, a file with
bad rows), the inbox sensor (cursor, one run key per file name + SHA-256, a new dynamic partition per
file) and its ingest runs, a crash injected half-way through one run then retried, the day-ahead
sensor and its forecast runs; afterwards every interval once, the bad rows quarantined with their
reasons, 13 forecasts stored and 13 scored, each figure equal to a plain pandas recomputation.

Cheap by construction: a base of 8 days, a seasonal-naive champion fitted once in the module
fixture, every run in process on one temporary instance, no sleeps (file mtimes are set)."""

import dagster as dg
import numpy as np
import pandas as pd
import pytest

from energy_assets.defs.operations import forecasts, ingest, jobs, partitions, schedules, sensors
from energy_assets.defs.resources import ChampionStore, Inbox, ProductionPlan
from energy_assets.defs.storage import ParquetWarehouseIOManager, WarehouseResource
from energy_assets.domain.data import frames, schema, store
from energy_assets.domain.live import accuracy, day_ahead, history, simulator
from energy_assets.domain.live import inbox as inbox_mod
from energy_assets.domain.models.forecast import SeasonalNaiveForecaster
from energy_assets.domain.tasks import TEST, VALIDATION
from energy_assets.domain.training import champion
from energy_assets.domain.training.results import EVALUATED, ForecastResult

TABLES = ("plant_readings", "plant_readings_sources", "readings_ingest_audit", "inbox_quarantine")


@pytest.fixture(scope="module")
def live(tmp_path_factory, clean_reference):
    folder = tmp_path_factory.mktemp("live")
    moved = simulator.shift_weeks(clean_reference, simulator.weeks_to_year(clean_reference, 2025))
    scenario = simulator.live_scenario(
        moved,
        first_day="2025-03-03",
        days=14,
        base_days=8,
        duplicate_after=4,
        bad_rows_day=7,
        overlap_after=9,
    )
    database = str(folder / "warehouse.duckdb")
    warehouse = store.Warehouse.at(database)
    warehouse.write("cleaned_steel_readings", frames.to_polars(scenario.base))

    @dg.asset(name="cleaned_steel_readings")
    def base_stand_in():
        raise AssertionError("written directly above")

    model = SeasonalNaiveForecaster().fit(scenario.base)
    champion.write_bundle(
        ForecastResult(
            family=model.name, status=EVALUATED, model=model, metrics={VALIDATION: {}, TEST: None}
        ),
        folder / "champion",
        data_version="frame:test",
        code_version="test",
        created_at="2025-03-01T00:00:00+00:00",
    )
    inbox = Inbox(folder=str(folder / "inbox"), settle_seconds=0)
    definitions = dg.Definitions(
        assets=[
            base_stand_in,
            ingest.inbox_readings,
            ingest.plant_readings,
            forecasts.day_ahead_forecast,
            forecasts.forecast_accuracy,
        ],
        jobs=[jobs.inbox_ingest, jobs.day_ahead],
        sensors=[sensors.inbox_sensor, sensors.day_ahead_sensor],
        resources={
            "io_manager": ParquetWarehouseIOManager(database=database),
            "warehouse": WarehouseResource(database=database),
            "inbox": inbox,
            "champion_store": ChampionStore(root=str(folder / "champion")),
            "production_plan": ProductionPlan(folder=str(folder / "plan")),
        },
    )
    # in-memory run and event storage: the sqlite event log of instance_for_test cost ~60 % of the time
    with dg.DagsterInstance.ephemeral() as instance:
        yield {
            "moved": moved,
            "scenario": scenario,
            "warehouse": warehouse,
            "inbox": inbox,
            "job": definitions.resolve_job_def("inbox_ingest"),
            "day_ahead": definitions.resolve_job_def("day_ahead"),
            "instance": instance,
            "cursor": None,
        }


def _tick(live) -> list[dg.RunRequest]:
    """One inbox sensor evaluation, its partitions added as the daemon would; its run requests."""
    context = dg.build_sensor_context(
        instance=live["instance"], cursor=live["cursor"], resources={"inbox": live["inbox"]}
    )
    result = sensors.inbox_sensor(context)
    live["cursor"] = result.cursor
    for request in result.dynamic_partitions_requests or []:
        live["instance"].add_dynamic_partitions(partitions.inbox_files.name, list(request.partition_keys))
    return list(result.run_requests or [])


def _launch(live, request: dg.RunRequest, raise_on_error: bool = True):
    return live["job"].execute_in_process(
        instance=live["instance"],
        partition_key=request.partition_key,
        tags=request.tags,
        raise_on_error=raise_on_error,
    )


def _tables(live) -> dict[str, pd.DataFrame]:
    return {t: frames.to_pandas(live["warehouse"].read(t)) for t in TABLES}


def _crash_then_retry(live, request: dg.RunRequest, monkeypatch) -> None:
    """A crash half-way through the run (plant_readings written, its sources and audit not), the
    retry the daemon makes, then one more clean run of the same file: the retry left exactly what a
    clean run leaves."""
    real_replace = store.replace

    def crash(source, target):
        if "plant_readings_sources" in str(target):
            raise OSError("killed half-way")
        real_replace(source, target)

    monkeypatch.setattr(store, "replace", crash)
    assert not _launch(live, request, raise_on_error=False).success
    monkeypatch.undo()
    assert _launch(live, request).success
    retried = _tables(live)
    assert _launch(live, request).success
    clean = _tables(live)
    for name in TABLES:
        pd.testing.assert_frame_equal(retried[name], clean[name], obj=name)


def _pinball(y: np.ndarray, q_pred: np.ndarray, q: float) -> float:
    diff = y - q_pred
    return float(np.mean(np.maximum(q * diff, (q - 1) * diff)))


def _expected_scores(forecast: pd.DataFrame, truth: pd.Series) -> dict[str, float]:
    """RMSE, MAE, MASE vs the weekly naive, mean pinball and q10..q90 coverage in plain numpy."""
    targets = pd.to_datetime(forecast[day_ahead.TARGET])
    y = truth.reindex(targets).to_numpy()
    naive = truth.reindex(targets - pd.Timedelta(days=7)).to_numpy()
    mean = forecast["mean"].to_numpy()
    qs = [c for c in forecast.columns if c.startswith("q") and c[1:].isdigit()]
    return {
        "rmse_kwh": float(np.sqrt(np.mean((y - mean) ** 2))),
        "mae_kwh": float(np.mean(np.abs(y - mean))),
        "mase": float(np.mean(np.abs(y - mean)) / np.mean(np.abs(y - naive))),
        "pinball_kwh": float(np.mean([_pinball(y, forecast[c].to_numpy(), int(c[1:]) / 100) for c in qs])),
        "coverage_pct": float(100 * np.mean((forecast["q10"] <= y) & (y <= forecast["q90"]))),
    }


def test_fourteen_days_through_the_inbox_forecast_and_scored(live, monkeypatch) -> None:
    scenario = live["scenario"]
    folder = live["inbox"].path()
    kinds = [d.kind for d in scenario.deliveries]
    assert kinds.count("day") + kinds.count("bad_rows") == 14 and {"duplicate", "overlap"} <= set(kinds)
    day_cursor, issued = None, []
    for i, delivery in enumerate(scenario.deliveries):
        simulator.drop_file(folder, delivery.name, delivery.data, modified=1_740_000_000 + 60 * i)
        (request,) = _tick(live)
        assert request.run_key == f"{delivery.name}:{inbox_mod.sha256_bytes(delivery.data)}"
        assert request.partition_key == delivery.name
        if delivery.kind == "overlap":
            _crash_then_retry(live, request, monkeypatch)
        else:
            assert _launch(live, request).success
        if delivery.kind == "duplicate":
            # the same file dropped again (new mtime, same bytes): no run
            simulator.drop_file(folder, delivery.name, delivery.data, modified=1_740_000_000 + 60 * i + 30)
            assert _tick(live) == []
        answer = sensors.day_ahead_sensor(
            dg.build_sensor_context(instance=live["instance"], cursor=day_cursor)
        )
        if not isinstance(answer, dg.SensorResult):
            assert delivery.kind in ("duplicate", "overlap")  # no new complete day
            continue
        day_cursor = answer.cursor
        (ask,) = answer.run_requests
        assert ask.run_key == f"day_ahead:{ask.partition_key}"
        if pd.Timestamp(ask.partition_key).date() > scenario.days[-1]:
            continue  # the day after the last delivered one: issued in production, no actuals here
        result = live["day_ahead"].execute_in_process(
            instance=live["instance"], partition_key=ask.partition_key
        )
        assert result.success
        issued.append(ask.partition_key)
    assert issued == [d.isoformat() for d in scenario.days[1:]]  # 13 days: the 2nd to the 14th
    # the last day's actuals came after its forecast run: the next run scores it (here, scoring alone)
    result = live["day_ahead"].execute_in_process(
        instance=live["instance"],
        partition_key=issued[-1],
        asset_selection=[dg.AssetKey("forecast_accuracy")],
    )
    assert result.success

    # every interval once, with the corrections: equal to plain pandas over the scenario's rows
    clean = _tables(live)
    readings = clean["plant_readings"].sort_values(schema.TIMESTAMP).reset_index(drop=True)
    expected = scenario.expected.reset_index(drop=True)
    pd.testing.assert_frame_equal(readings[list(expected.columns)], expected, check_dtype=False)
    assert readings[schema.TIMESTAMP].is_unique and len(readings) == (8 + 14) * 96
    audit = clean["readings_ingest_audit"].set_index(history.SOURCE_FILE)
    by_kind = {d.kind: d.name for d in scenario.deliveries}
    assert audit.loc[by_kind["duplicate"], ["intervals_new", "intervals_unchanged"]].tolist() == [0, 96]
    assert audit.loc[
        by_kind["overlap"], ["intervals_new", "intervals_replaced", "intervals_unchanged"]
    ].tolist() == [
        0,
        6,
        114,
    ]
    assert len(audit) == len(scenario.deliveries)  # the same file twice is one row
    quarantine = clean["inbox_quarantine"]
    assert set(quarantine[history.SOURCE_FILE]) == {by_kind["bad_rows"]}
    assert sorted(quarantine["reason"]) == sorted(scenario.bad_rows.values())
    with live["warehouse"].connect() as con:
        assert con.execute("SELECT count(*) FROM plant_readings").fetchone() == (len(readings),)

    # 13 forecasts stored, from the champion, on the derived plan; each the week-before readings
    stored = frames.to_pandas(live["warehouse"].read("day_ahead_forecast"))
    assert live["warehouse"].partitions("day_ahead_forecast") == issued
    assert len(stored) == 13 * 96 and set(stored[day_ahead.PLAN_SOURCE]) == {day_ahead.DERIVED}
    assert set(stored[day_ahead.MODEL_VERSION]) == {"seasonal_naive@2025-03-01T00:00:00+00:00"}
    truth = expected.set_index(schema.TIMESTAMP)[schema.USAGE_KWH]
    week_before = truth.reindex(stored[day_ahead.TARGET] - pd.Timedelta(days=7)).to_numpy()
    assert stored["mean"].tolist() == pytest.approx(week_before.tolist())

    # 13 scored, every figure (the day's and the rolling 7 and 28 days) equal to plain numpy
    scored = frames.to_pandas(live["warehouse"].read("forecast_accuracy"))
    assert scored["forecast_day"].dt.date.astype(str).tolist() == issued
    stored["day"] = pd.to_datetime(stored[day_ahead.FORECAST_DAY]).dt.date.astype(str)
    for i, row in scored.reset_index(drop=True).iterrows():
        days = issued[: i + 1]
        for suffix, window in (("", days[-1:]), ("_7d", days[-7:]), ("_28d", days[-28:])):
            want = _expected_scores(stored[stored["day"].isin(window)], truth)
            for name, value in want.items():
                assert row[f"{name}{suffix}"] == pytest.approx(value), (days[-1], name, suffix)
    assert scored["mase"].tolist() == pytest.approx([1.0] * 13)  # the naive champion is the naive baseline
    meta = result.asset_materializations_for_node("forecast_accuracy")[0].metadata
    assert meta["units"].value == accuracy.UNITS and meta["last_scored_day"].value == issued[-1]
    assert meta["verdict"].value == "ok"


def test_the_evening_schedule_issues_tomorrow_from_the_latest_reading(live, monkeypatch) -> None:
    """After the 14 days: 2025-03-17 delivered up to 19:45, the 20:00 tick (plant time) asks for the
    18th from the latest reading; the run stores it; once the 17th is complete the sensor skips it."""
    assert schedules.day_ahead_evening_schedule.cron_schedule == "0 20 * * *"
    assert schedules.day_ahead_evening_schedule.execution_timezone == "Asia/Seoul"
    day = simulator.day_rows(live["moved"], ["2025-03-17"])
    evening, night = day.iloc[:79], day.iloc[79:]  # 00:15 .. 19:45, then 20:00 .. 24:00
    data = simulator.export_bytes(simulator.to_export(evening))
    simulator.drop_file(
        live["inbox"].path(), "readings_2025-03-17_until_1945.csv", data, modified=1_741_000_000
    )
    (request,) = _tick(live)
    assert _launch(live, request).success
    # a schedule context needs a persistent instance: one holding the live instance's latest
    # plant_readings materialization (all the schedule reads) stands in for the evaluation
    latest = live["instance"].get_latest_materialization_event(dg.AssetKey("plant_readings"))
    assert latest.asset_materialization.metadata["last_timestamp"].value == "2025-03-17 19:45:00"
    with dg.instance_for_test() as persistent:
        persistent.report_runless_asset_event(latest.asset_materialization)

        def evaluate(when: str):
            tick = pd.Timestamp(when, tz="Asia/Seoul").to_pydatetime()
            context = dg.build_schedule_context(instance=persistent, scheduled_execution_time=tick)
            return schedules.day_ahead_evening_schedule(context)

        skipped = evaluate("2025-03-19 20:00")
        request = evaluate("2025-03-17 20:00")
    assert isinstance(skipped, dg.SkipReason) and "nothing of 2025-03-19" in skipped.skip_message
    assert (request.partition_key, request.run_key) == ("2025-03-18", "day_ahead:2025-03-18")
    assert request.run_config["ops"]["day_ahead_forecast"]["config"] == {"from_latest": True}
    result = live["day_ahead"].execute_in_process(
        instance=live["instance"],
        partition_key=request.partition_key,
        run_config=request.run_config,
        tags=request.tags,
    )
    assert result.success
    stored = frames.to_pandas(live["warehouse"].read("day_ahead_forecast", ["2025-03-18"]))
    assert len(stored) == 96 and stored[day_ahead.HORIZON].tolist() == list(range(18, 114))
    truth = live["scenario"].expected.set_index(schema.TIMESTAMP)[schema.USAGE_KWH]  # with the corrections
    week_before = truth.reindex(stored[day_ahead.TARGET] - pd.Timedelta(days=7)).to_numpy()
    assert stored["mean"].tolist() == pytest.approx(week_before.tolist())
    meta = result.asset_materializations_for_node("day_ahead_forecast")[0].metadata
    assert meta["origin"].value == "2025-03-17 19:45:00"
    # the rest of the day arrives: the 17th is complete, and the 18th was issued already
    simulator.drop_file(
        live["inbox"].path(),
        "readings_2025-03-17_from_2000.csv",
        simulator.export_bytes(simulator.to_export(night)),
        modified=1_741_000_600,
    )
    (request,) = _tick(live)
    assert _launch(live, request).success
    answer = sensors.day_ahead_sensor(dg.build_sensor_context(instance=live["instance"], cursor="2025-03-16"))
    assert not answer.run_requests and "issued already" in answer.skip_reason.skip_message
