"""Resources for ``ENERGY_ENV=gcp``: GCS for bundle and report FILES, optional BigQuery warehouse mirror.

Why this shape:
- Models stay folders in their native format (``ModelStoreIOManager``, never a pickle): on GCP the
  model store and the champion folder are plain paths, usually a GCS FUSE mount, and the
  ``published_artifacts`` asset copies the champion bundles and the reports to
  ``ENERGY_ARTIFACTS_URL`` (``gs://bucket/prefix``) as files, where Cloud Run mounts them read-only.
- The Parquet warehouse (``defs/storage.py``) stays the primary store: the pipeline reads its inputs
  from it and analysts' DuckDB views read it. With ``ENERGY_BQ_DATASET`` set, every table the IO manager
  writes is also loaded into BigQuery (partition-aware, through dagster-gcp's ``BigQueryIOManager``),
  so analysts query BigQuery while the pipeline keeps working unchanged.
- Nothing here talks to Google at import or definition-load time; clients are made inside a run.
"""

import importlib.util
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import dagster as dg
import polars as pl
from dagster._core.storage.db_io_manager import DbTypeHandler, TableSlice

#: dagster-gcp is the deployment extra: without it the local graph loads exactly as before.
from energy_assets.defs.storage import ParquetWarehouseIOManager
from energy_assets.domain import paths
from energy_assets.domain.training import champion

#: dagster-gcp is the deployment extra: without it the local graph loads exactly as before.
HAVE_DAGSTER_GCP = importlib.util.find_spec("dagster_gcp") is not None

ENV_VAR = "ENERGY_ENV"
ENVIRONMENTS = ("local", "gcp")
ARTIFACTS_URL_ENV = "ENERGY_ARTIFACTS_URL"
GCP_PROJECT_ENV = "ENERGY_GCP_PROJECT"
BQ_DATASET_ENV = "ENERGY_BQ_DATASET"
BQ_LOCATION_ENV = "ENERGY_BQ_LOCATION"
#: Asset keys whose files ``published_artifacts`` ships (the champion and leaderboard assets).
PUBLISHED_AFTER = ("champion_estimate_model", "champion_forecast_model", "model_leaderboard")


def current_env() -> str:
    """``ENERGY_ENV`` (default ``local``); an unknown value fails loudly instead of running locally."""
    env = os.environ.get(ENV_VAR, "local").strip().lower() or "local"
    if env not in ENVIRONMENTS:
        raise ValueError(f"{ENV_VAR}={env!r}: expected one of {', '.join(ENVIRONMENTS)}")
    return env


def split_gcs_url(url: str) -> tuple[str, str]:
    """``gs://bucket/a/b/`` -> (``bucket``, ``a/b``); anything else is refused."""
    if not url.startswith("gs://"):
        raise ValueError(f"not a gs:// URL: {url!r}")
    bucket, _, prefix = url.removeprefix("gs://").partition("/")
    if not bucket:
        raise ValueError(f"no bucket in {url!r}")
    return bucket, prefix.strip("/")


def local_files(folder: Path) -> list[Path]:
    """Every file under ``folder`` in upload order: sorted, each ``bundle.json`` after its folder's files.

    The API loads a bundle when its ``bundle.json`` changes, so the manifest goes last: a reader never
    sees a new manifest before the model files it describes.
    """
    if not folder.is_dir():
        return []
    files = [p for p in folder.rglob("*") if p.is_file()]
    return sorted(files, key=lambda p: (p.name == champion.BUNDLE_FILE, p.as_posix()))


if HAVE_DAGSTER_GCP:
    from dagster_gcp import GCSResource
    from dagster_gcp.bigquery.io_manager import BigQueryClient, BigQueryIOManager

    class GCSArtifactStore(dg.ConfigurableResource):
        """Copies local folders (champion bundles, reports) to ``gs://bucket/prefix/<name>/`` as files."""

        url: str
        gcs: dg.ResourceDependency[GCSResource]

        def upload_folder(self, folder: Path, name: str) -> list[str]:
            """Upload every file of ``folder``; returns the object URLs written."""
            bucket_name, prefix = split_gcs_url(self.url)
            bucket = self.gcs.get_client().bucket(bucket_name)
            written = []
            for file in local_files(folder):
                key = "/".join(part for part in (prefix, name, file.relative_to(folder).as_posix()) if part)
                bucket.blob(key).upload_from_filename(str(file))
                written.append(f"gs://{bucket_name}/{key}")
            return written

    class PolarsBigQueryTypeHandler(DbTypeHandler[pl.DataFrame]):
        """polars frames in and out of BigQuery (through pandas + pyarrow, which google-cloud-bigquery uses)."""

        def handle_output(
            self, context: dg.OutputContext, table_slice: TableSlice, obj: pl.DataFrame, connection
        ) -> dg.MaterializeResult | None:
            from google.cloud import bigquery

            table = f"{table_slice.database}.{table_slice.schema}.{table_slice.table}"
            # The DbIOManager already deleted this partition (or truncated the table), so append.
            job = connection.load_table_from_dataframe(
                obj.to_pandas(),
                destination=table,
                job_config=bigquery.LoadJobConfig(write_disposition=bigquery.WriteDisposition.WRITE_APPEND),
            )
            job.result()
            context.add_output_metadata({"bigquery_table": table, "bigquery_rows": obj.height})
            return None

        def load_input(self, context: dg.InputContext, table_slice: TableSlice, connection) -> pl.DataFrame:
            frame = connection.query(BigQueryClient.get_select_statement(table_slice)).to_dataframe()
            return pl.from_pandas(frame)

        @property
        def supported_types(self) -> Sequence[type]:
            return [pl.DataFrame]

    class BigQueryPolarsIOManager(BigQueryIOManager):
        """dagster-gcp's BigQuery IO manager for the polars frames this project's assets return."""

        @staticmethod
        def type_handlers() -> Sequence[DbTypeHandler]:
            return [PolarsBigQueryTypeHandler()]

        @staticmethod
        def default_load_type() -> type | None:
            return pl.DataFrame

    class _MirroredIOManager(dg.IOManager):
        def __init__(self, primary: dg.IOManager, mirror: dg.IOManager) -> None:
            self.primary = primary
            self.mirror = mirror

        def handle_output(self, context: dg.OutputContext, obj: Any) -> None:
            self.primary.handle_output(context, obj)
            if isinstance(obj, pl.DataFrame):
                self.mirror.handle_output(context, obj)

        def load_input(self, context: dg.InputContext) -> Any:
            return self.primary.load_input(context)

    class WarehouseMirrorIOManager(dg.ConfigurableIOManagerFactory):
        """The Parquet warehouse stays what the pipeline reads; every polars table is also loaded into
        BigQuery."""

        warehouse: ParquetWarehouseIOManager
        bigquery: BigQueryPolarsIOManager

        def create_io_manager(self, context: dg.InitResourceContext) -> dg.IOManager:
            return _MirroredIOManager(self.warehouse, self.bigquery.create_io_manager(context))

    def gcp_resources(base: dict[str, object]) -> dict[str, object]:
        """The local resources with the GCP additions; ``base`` is :func:`resources.local_resources`.

        Required: ``ENERGY_ARTIFACTS_URL`` (gs://bucket/prefix). Optional: ``ENERGY_GCP_PROJECT``,
        ``ENERGY_BQ_DATASET`` (+ ``ENERGY_BQ_LOCATION``) to mirror warehouse tables into BigQuery.
        MLflow follows ``MLFLOW_TRACKING_URI`` (the MLflow server) exactly as locally.
        """
        url = os.environ.get(ARTIFACTS_URL_ENV, "")
        split_gcs_url(url)  # fail at load time with a clear message, not mid-run
        project = os.environ.get(GCP_PROJECT_ENV) or None
        gcs = GCSResource(project=project)
        resources = dict(base)
        resources["gcs"] = gcs
        resources["artifact_store"] = GCSArtifactStore(url=url, gcs=gcs)
        dataset = os.environ.get(BQ_DATASET_ENV)
        if dataset:
            if not project:
                raise ValueError(f"{BQ_DATASET_ENV} needs {GCP_PROJECT_ENV} (the BigQuery project)")
            resources["io_manager"] = WarehouseMirrorIOManager(
                warehouse=base["io_manager"],
                bigquery=BigQueryPolarsIOManager(
                    project=project, dataset=dataset, location=os.environ.get(BQ_LOCATION_ENV) or None
                ),
            )
        return resources

    @dg.asset(
        group_name="delivery",
        deps=[dg.AssetKey(key) for key in PUBLISHED_AFTER],
        description="Copy the champion bundles and the reports to ENERGY_ARTIFACTS_URL (files, no pickles).",
    )
    def published_artifacts(
        context: dg.AssetExecutionContext,
        artifact_store: GCSArtifactStore,
        champion_store: dg.ResourceParam[Any],
    ) -> None:
        champion = artifact_store.upload_folder(champion_store.folder(), "champion")
        reports = artifact_store.upload_folder(paths.reports_dir(), "reports")
        context.add_output_metadata(
            {"champion_objects": len(champion), "report_objects": len(reports), "url": artifact_store.url}
        )


@dg.definitions
def cloud_definitions() -> dg.Definitions:
    """Nothing at all locally (the local graph stays exactly as it was); the publishing asset on gcp."""
    if current_env() != "gcp":
        return dg.Definitions()
    if not HAVE_DAGSTER_GCP:
        raise ImportError(f"{ENV_VAR}=gcp needs dagster-gcp: pip install dagster-gcp==0.29.27")
    return dg.Definitions(assets=[published_artifacts])
