"""The warehouse as Dagster sees it: the Parquet IO manager (the default ``io_manager``) and the
resource the assets that publish views use. Both write through one
:class:`~energy_assets.domain.data.store.Warehouse` (atomic Parquet files, a views-only DuckDB file).
"""

from typing import Any

import dagster as dg
import pandas as pd
import polars as pl

from energy_assets.domain.data import frames
from energy_assets.domain.data.store import Warehouse, WarehouseError


def table_name(key: dg.AssetKey) -> str:
    """The warehouse table of an asset: its key, path parts joined by ``__``."""
    return "__".join(key.path)


class WarehouseResource(dg.ConfigurableResource):
    """The warehouse files: ``database`` is the views file analysts open read-only (default
    ``ENERGY_WAREHOUSE`` / ``<data dir>/warehouse.duckdb``); the tables live beside it, in the folder of
    the same name without ``.duckdb``."""

    database: str = ""

    def store(self) -> Warehouse:
        return Warehouse.at(self.database or None)


class ParquetWarehouseIOManager(dg.ConfigurableIOManager):
    """Polars (or pandas) frames in, polars frames out, one Parquet file per table or partition.

    An unpartitioned consumer of a partitioned table gets every partition Dagster maps to it (all of
    them by default), concatenated in key order; a partition that was never written adds nothing.
    """

    database: str = ""

    def store(self) -> Warehouse:
        return Warehouse.at(self.database or None)

    def handle_output(self, context: dg.OutputContext, obj: Any) -> None:
        if obj is None:
            return
        if isinstance(obj, pd.DataFrame):
            obj = frames.to_polars(obj)
        if not isinstance(obj, pl.DataFrame):
            raise TypeError(
                f"{context.asset_key.to_user_string()}: the warehouse stores polars or pandas frames, "
                f"not {type(obj).__name__}"
            )
        store = self.store()
        table = table_name(context.asset_key)
        if context.has_asset_partitions:
            keys = context.asset_partition_keys
            if len(keys) != 1:
                raise WarehouseError(
                    f"{table}: one partition per run is stored ({len(keys)} given); "
                    "backfill with one run per partition"
                )
            path = store.write(table, obj, keys[0])
        else:
            path = store.write(table, obj)
        context.add_output_metadata(
            {
                "warehouse_file": dg.MetadataValue.path(str(path)),
                "warehouse_view": f"{store.database}::main.{table}",
            }
        )

    def load_input(self, context: dg.InputContext) -> Any:
        store = self.store()
        table = table_name(context.asset_key)
        keys = context.asset_partition_keys if context.has_asset_partitions else None
        frame = store.read(table, keys)
        wanted = getattr(context.dagster_type, "typing_type", None)
        return frames.to_pandas(frame) if wanted is pd.DataFrame else frame
