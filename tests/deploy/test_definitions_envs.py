"""The code location loads with ENERGY_ENV=local (unchanged) and ENERGY_ENV=gcp, with no cloud call."""

from __future__ import annotations

import json
from pathlib import Path

import dagster as dg
import polars as pl
import pytest

from energy_assets.definitions import defs
from energy_assets.defs import cloud, resources
from energy_assets.defs.storage import ParquetWarehouseIOManager
from energy_assets.domain import paths

LOCAL_RESOURCE_KEYS = {
    "io_manager",
    "warehouse",
    "mlflow",
    "model_store",
    "champion_store",
    "compute_device",
    "inbox",
    "production_plan",
}


@pytest.fixture
def gcp_env(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("dagster_gcp")
    monkeypatch.setenv("ENERGY_ENV", "gcp")
    monkeypatch.setenv("ENERGY_ARTIFACTS_URL", "gs://energy-test-bucket/plant-a")
    monkeypatch.setenv("ENERGY_GCP_PROJECT", "energy-test-project")
    monkeypatch.delenv("ENERGY_BQ_DATASET", raising=False)


def test_local_is_the_default_and_unchanged(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ENERGY_ENV", raising=False)
    assert cloud.current_env() == "local"
    loaded = defs()
    assert set(loaded.resources) == LOCAL_RESOURCE_KEYS
    io_manager = loaded.resources["io_manager"]
    assert isinstance(io_manager, ParquetWarehouseIOManager)
    assert io_manager.database == str(paths.warehouse_path())
    keys = {key.to_user_string() for key in loaded.resolve_asset_graph().get_all_asset_keys()}
    assert "published_artifacts" not in keys
    assert {"champion_estimate_model", "champion_forecast_model", "model_leaderboard"} <= keys


def test_unknown_environment_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENERGY_ENV", "aws")
    with pytest.raises(ValueError, match="expected one of local, gcp"):
        cloud.current_env()


@pytest.mark.usefixtures("gcp_env")
def test_gcp_definitions_load_with_gcs_and_the_publisher() -> None:
    loaded = defs()
    assert set(loaded.resources) == LOCAL_RESOURCE_KEYS | {"gcs", "artifact_store"}
    # Without a BigQuery dataset the warehouse is the same Parquet IO manager as locally.
    assert isinstance(loaded.resources["io_manager"], ParquetWarehouseIOManager)
    assert loaded.resources["artifact_store"].url == "gs://energy-test-bucket/plant-a"
    publisher = loaded.resolve_assets_def("published_artifacts")
    assert {k.to_user_string() for k in publisher.dependency_keys} == set(cloud.PUBLISHED_AFTER)
    loaded.resolve_all_job_defs()  # every job's resource requirements are satisfied


@pytest.mark.usefixtures("gcp_env")
def test_gcp_with_bigquery_mirrors_the_warehouse(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENERGY_BQ_DATASET", "energy")
    loaded = defs()
    io_manager = loaded.resources["io_manager"]
    assert isinstance(io_manager, cloud.WarehouseMirrorIOManager)
    assert io_manager.bigquery.project == "energy-test-project"
    assert io_manager.bigquery.dataset == "energy"
    assert io_manager.warehouse.database == str(paths.warehouse_path())


@pytest.mark.usefixtures("gcp_env")
def test_gcp_needs_a_gs_url_and_a_project_for_bigquery(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENERGY_ARTIFACTS_URL", "/local/folder")
    with pytest.raises(ValueError, match="not a gs:// URL"):
        resources.resources_for_env()
    monkeypatch.setenv("ENERGY_ARTIFACTS_URL", "gs://bucket/x")
    monkeypatch.setenv("ENERGY_BQ_DATASET", "energy")
    monkeypatch.delenv("ENERGY_GCP_PROJECT")
    with pytest.raises(ValueError, match="needs ENERGY_GCP_PROJECT"):
        resources.resources_for_env()


def test_split_gcs_url() -> None:
    assert cloud.split_gcs_url("gs://bucket/a/b/") == ("bucket", "a/b")
    assert cloud.split_gcs_url("gs://bucket") == ("bucket", "")
    with pytest.raises(ValueError):
        cloud.split_gcs_url("gs:///prefix")


class _Blob:
    def __init__(self, uploads: dict[str, bytes], key: str) -> None:
        self.uploads, self.key = uploads, key

    def upload_from_filename(self, filename: str) -> None:
        self.uploads[self.key] = Path(filename).read_bytes()


class _Bucket:
    def __init__(self, uploads: dict[str, bytes]) -> None:
        self.uploads = uploads

    def blob(self, key: str) -> _Blob:
        return _Blob(self.uploads, key)


class _Client:
    def __init__(self) -> None:
        self.uploads: dict[str, bytes] = {}
        self.buckets: list[str] = []

    def bucket(self, name: str) -> _Bucket:
        self.buckets.append(name)
        return _Bucket(self.uploads)


def test_artifact_store_uploads_files_not_pickles(tmp_path: Path) -> None:
    pytest.importorskip("dagster_gcp")
    from dagster_gcp import GCSResource

    client = _Client()

    class FakeGCS(GCSResource):
        def get_client(self):  # the only method the store uses; no network
            return client

    bundle = tmp_path / "champion"
    (bundle / "estimate" / "model").mkdir(parents=True)
    (bundle / "estimate" / "bundle.json").write_text(json.dumps({"family": "xgboost"}))
    (bundle / "estimate" / "model" / "model.ubj").write_bytes(b"\x00\x01")
    store = cloud.GCSArtifactStore(url="gs://bkt/plant-a/", gcs=FakeGCS())
    written = store.upload_folder(bundle, "champion")
    # The manifest is uploaded last: the API must never see a bundle.json before its model files.
    assert written == [
        "gs://bkt/plant-a/champion/estimate/model/model.ubj",
        "gs://bkt/plant-a/champion/estimate/bundle.json",
    ]
    assert client.buckets == ["bkt"]
    assert client.uploads["plant-a/champion/estimate/model/model.ubj"] == b"\x00\x01"
    assert store.upload_folder(tmp_path / "missing", "reports") == []


class _Job:
    def __init__(self) -> None:
        self.waited = False

    def result(self) -> None:
        self.waited = True


class _Query:
    def __init__(self, frame) -> None:
        self.frame = frame

    def to_dataframe(self):
        return self.frame


class _BigQuery:
    def __init__(self) -> None:
        self.loads: list[tuple] = []
        self.queries: list[str] = []
        self.job = _Job()

    def load_table_from_dataframe(self, frame, destination, job_config):
        self.loads.append((frame, destination, job_config.write_disposition))
        return self.job

    def query(self, sql: str) -> _Query:
        self.queries.append(sql)
        return _Query(self.loads[-1][0])


def test_polars_bigquery_handler_round_trip() -> None:
    pytest.importorskip("dagster_gcp")
    from dagster._core.storage.db_io_manager import TableSlice

    handler = cloud.PolarsBigQueryTypeHandler()
    assert handler.supported_types == [pl.DataFrame]
    frame = pl.DataFrame({"usage_kwh": [3.17, 4.0], "nsm": [900, 1800]})
    table_slice = TableSlice(table="steel_features", schema="energy", database="proj")
    connection = _BigQuery()
    context = dg.build_output_context(asset_key=dg.AssetKey("steel_features"))
    handler.handle_output(context, table_slice, frame, connection)
    sent, destination, disposition = connection.loads[0]
    assert destination == "proj.energy.steel_features"
    assert disposition == "WRITE_APPEND"  # the DbIOManager truncated or deleted the partition first
    assert connection.job.waited
    assert sent["usage_kwh"].tolist() == [3.17, 4.0]
    back = handler.load_input(dg.build_input_context(), table_slice, connection)
    assert back.equals(frame)
    assert connection.queries == ["SELECT * FROM `proj.energy.steel_features`"]


class _RecordingIOManager(dg.IOManager):
    def __init__(self) -> None:
        self.frames: list[pl.DataFrame] = []

    def handle_output(self, context: dg.OutputContext, obj) -> None:
        self.frames.append(obj)

    def load_input(self, context: dg.InputContext):
        raise AssertionError("reads must come from the Parquet warehouse, never from the mirror")


def test_mirror_writes_the_warehouse_first_and_reads_only_it(tmp_path: Path) -> None:
    pytest.importorskip("dagster_gcp")
    database = str(tmp_path / "warehouse.duckdb")
    primary = ParquetWarehouseIOManager(database=database)
    mirror = _RecordingIOManager()
    manager = cloud._MirroredIOManager(primary, mirror)
    frame = pl.DataFrame({"usage_kwh": [3.17, 4.0, 3.24]})
    key = dg.AssetKey("steel_features")
    config = {"database": database}
    manager.handle_output(dg.build_output_context(asset_key=key, resource_config=config), frame)
    assert len(mirror.frames) == 1 and mirror.frames[0].equals(frame)
    upstream = dg.build_output_context(asset_key=key, resource_config=config)
    back = manager.load_input(
        dg.build_input_context(
            asset_key=key,
            upstream_output=upstream,
            resource_config=config,
            dagster_type=dg.DagsterType(lambda _, value: True, name="polars", typing_type=pl.DataFrame),
        )
    )
    assert back["usage_kwh"].to_list() == [3.17, 4.0, 3.24]
