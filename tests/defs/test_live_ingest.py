"""Readings in through Dagster: the inbox sensor (cursor, one run key per file name + SHA-256, a new
dynamic partition per file), the ingest job on each request, and the warehouse after a duplicate, an
overlapping file, bad rows and a crash injected half-way through a run then retried."""

import dagster as dg
import pandas as pd
import pytest

from energy_assets.defs.operations import forecasts, ingest, jobs, partitions, sensors
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
        moved, first_day="2025-03-03", days=2, base_days=8, duplicate_after=1, bad_rows_day=2, overlap_after=2
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
    with dg.instance_for_test() as instance:
        yield {
            "scenario": scenario,
            "warehouse": warehouse,
            "inbox": inbox,
            "job": definitions.resolve_job_def("inbox_ingest"),
            "day_ahead": definitions.resolve_job_def("day_ahead"),
            "instance": instance,
            "cursor": None,
        }


def _tick(live) -> list[dg.RunRequest]:
    """One sensor evaluation, its partitions added as the daemon would; returns its run requests."""
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


def test_the_live_path_end_to_end(live, monkeypatch) -> None:
    scenario = live["scenario"]
    folder = live["inbox"].path()
    *first, last = scenario.deliveries
    assert last.kind == "overlap"
    for i, delivery in enumerate(first):
        simulator.drop_file(folder, delivery.name, delivery.data, modified=1_740_000_000 + 60 * i)
        (request,) = _tick(live)
        assert request.run_key == f"{delivery.name}:{inbox_mod.sha256_bytes(delivery.data)}"
        assert request.partition_key == delivery.name
        assert _launch(live, request).success
    # the same file dropped again (new mtime, same bytes): no run
    again = first[0]
    simulator.drop_file(folder, again.name, again.data, modified=1_740_000_900)
    assert _tick(live) == []

    # the overlapping file: a crash half-way through its run (plant_readings written, its sources
    # and audit not), then the retry the daemon makes
    simulator.drop_file(folder, last.name, last.data, modified=1_740_001_000)
    (request,) = _tick(live)
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
    assert _launch(live, request).success  # one more clean run of the same file changes nothing
    clean = _tables(live)
    for name in TABLES:
        pd.testing.assert_frame_equal(retried[name], clean[name], obj=name)

    # every interval once, with the corrections: equal to plain pandas over the scenario's rows
    readings = clean["plant_readings"].sort_values(schema.TIMESTAMP).reset_index(drop=True)
    expected = scenario.expected.reset_index(drop=True)
    pd.testing.assert_frame_equal(readings[list(expected.columns)], expected, check_dtype=False)
    assert readings[schema.TIMESTAMP].is_unique and len(readings) == (8 + 2) * 96
    audit = clean["readings_ingest_audit"].set_index(history.SOURCE_FILE)
    kinds = {d.name: d.kind for d in scenario.deliveries}
    resent = next(n for n, k in kinds.items() if k == "duplicate")
    assert audit.loc[resent, ["intervals_new", "intervals_unchanged"]].tolist() == [0, 96]
    assert audit.loc[last.name, ["intervals_new", "intervals_replaced", "intervals_unchanged"]].tolist() == [
        0,
        6,
        114,
    ]
    assert len(audit) == len(scenario.deliveries)  # the same file twice is one row
    quarantine = clean["inbox_quarantine"]
    assert sorted(quarantine["reason"]) == sorted(scenario.bad_rows.values())
    with live["warehouse"].connect() as con:
        assert con.execute("SELECT count(*) FROM plant_readings").fetchone() == (len(readings),)


def test_the_day_ahead_forecast_is_issued_stored_and_scored(live) -> None:
    """After the ingest test: the sensor asks for the day after the last complete one; the forecast of
    the second day (issued from the end of the first) is stored and, its actuals being in, scored."""
    context = dg.build_sensor_context(instance=live["instance"])
    (request,) = sensors.day_ahead_sensor(context).run_requests
    assert (request.partition_key, request.run_key) == ("2025-03-05", "day_ahead:2025-03-05")
    result = live["day_ahead"].execute_in_process(instance=live["instance"], partition_key="2025-03-04")
    assert result.success
    stored = frames.to_pandas(live["warehouse"].read("day_ahead_forecast", ["2025-03-04"]))
    assert len(stored) == 96 and set(stored[day_ahead.PLAN_SOURCE]) == {day_ahead.DERIVED}
    assert stored[day_ahead.MODEL_VERSION].iloc[0] == "seasonal_naive@2025-03-01T00:00:00+00:00"
    readings = frames.to_pandas(live["warehouse"].read("plant_readings"))
    usage = readings.set_index(schema.TIMESTAMP)[schema.USAGE_KWH]
    week_before = usage.reindex(stored[day_ahead.TARGET] - pd.Timedelta(days=7)).to_numpy()
    assert stored["mean"].tolist() == pytest.approx(week_before.tolist())
    scored = frames.to_pandas(live["warehouse"].read("forecast_accuracy"))
    assert scored["forecast_day"].dt.date.astype(str).tolist() == ["2025-03-04"]
    actual = usage.reindex(stored[day_ahead.TARGET]).to_numpy()
    assert scored["mae_kwh"].iloc[0] == pytest.approx(float(abs(actual - stored["mean"]).mean()))
    assert scored["mase"].iloc[0] == pytest.approx(1.0)  # the naive champion is the naive baseline
    meta = result.asset_materializations_for_node("forecast_accuracy")[0].metadata
    assert meta["units"].value == accuracy.UNITS and meta["last_scored_day"].value == "2025-03-04"
