"""Resources per environment, chosen by ``ENERGY_ENV`` (only ``local`` exists so far).

local: the DuckDB warehouse file that analysts open read-only, through the polars IO manager.
"""

import dagster as dg
from dagster_duckdb import DuckDBResource
from dagster_duckdb_polars import DuckDBPolarsIOManager

from energy_assets.domain import paths

WAREHOUSE_SCHEMA = "main"


def local_resources() -> dict[str, object]:
    database = str(paths.warehouse_path())
    return {
        "io_manager": DuckDBPolarsIOManager(database=database, schema=WAREHOUSE_SCHEMA),
        "duckdb": DuckDBResource(database=database),
    }


@dg.definitions
def resources() -> dg.Definitions:
    return dg.Definitions(resources=local_resources())
